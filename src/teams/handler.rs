//! [`TeamsHandler`]: what the bot does with each verified activity from Teams.
//!
//! - Every activity from a person in the bot's tenant teaches the bot how to reach them (their
//!   [`ChatContact`]): installing the app, a message, a click. Their email comes from the Bot
//!   Connector's member record, read once.
//! - A message is answered in the 1:1 chat: "what's pending" with the list card, "what did I
//!   approve this week" with the asker's own decisions, "stop reminders" / "start reminders" with
//!   what is now the case, anything else with help.
//! - A click (`adaptiveCard/action`, or the `Action.Submit` fallback in a message) goes through
//!   the engine's decide, exactly as a Slack click does. The invoke is answered with the card as
//!   it now stands when the decision finishes within [`ANSWER_WITHIN`]; otherwise with the card
//!   saying it is being decided, and the engine's edit of every copy follows. A refusal comes
//!   back in the invoke answer and as a message in the 1:1 chat, naming the requisition.
//! - A refresh answers with the card as last written for that person; a click or refresh on an
//!   item of a digest is answered with the whole digest as it stands.
//!
//! An activity from another tenant is acknowledged and nothing is done with it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rust_decimal::Decimal;
use tokio_util::task::TaskTracker;

use crate::chat::card::{Card, CardState};
use crate::chat::intents::{self, Intent};
use crate::domain::outcome::{DecisionResult, Regarding};
use crate::domain::records::ChatContact;
use crate::domain::{ChatUserId, Decision, normalize_email};
use crate::engine::Engine;
use crate::engine::clicks::ClickGate;
use crate::engine::decide::DecisionRequest;
use crate::engine::pending::SHOWN_ITEMS;
use crate::store::Store;
use crate::telemetry::chain;

use super::activity::{Activity, ActivityType};
use super::card::{self, ActionData, ListOptions, validate_reason};
use super::chat::{TeamsChat, View};
use super::invoke::{self, CardAction, InvokeResponse, NotOurs};
use super::routes::{ActivityHandler, HandlerReply};
use super::wording;

/// How long a click's invoke waits for its decision before it is answered with the card saying
/// the decision is under way. Teams gives up on an invoke after about 15 s.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// A contact is written again at least this often while its person keeps writing, so that its
/// service URL stays the one Teams uses now.
const CONTACT_REFRESH: Duration = Duration::from_secs(24 * 3600);

/// How long an activity id is remembered, so that a message Teams delivers twice is answered once.
const ACTIVITY_MEMORY: Duration = Duration::from_secs(3600);

/// What the handler works with.
#[derive(Clone)]
pub struct TeamsContext {
    /// The use cases.
    pub engine: Engine,
    /// The chat port on Teams (its connector sends the replies).
    pub chat: TeamsChat,
    /// Contacts, card views and de-duplication.
    pub store: Arc<dyn Store>,
    /// The tenant the bot serves; activities from any other are ignored.
    pub tenant: String,
    /// The Coupa instance, for links.
    pub coupa: url::Url,
    /// Approve asks for confirmation above this total.
    pub confirm_above: Option<Decimal>,
    /// Repeated clicks on the same card are answered once.
    pub clicks: ClickGate,
    /// Every task spawned to decide or reply, for a graceful stop to wait for.
    pub tasks: TaskTracker,
}

/// The handler of verified activities.
#[derive(Clone)]
pub struct TeamsHandler {
    ctx: TeamsContext,
}

impl TeamsHandler {
    /// A handler over `ctx`.
    pub fn new(ctx: TeamsContext) -> Self {
        Self { ctx }
    }
}

#[async_trait]
impl ActivityHandler for TeamsHandler {
    async fn on_activity(&self, activity: Activity) -> HandlerReply {
        let ctx = &self.ctx;
        if !activity
            .tenant()
            .is_some_and(|tenant| tenant.eq_ignore_ascii_case(&ctx.tenant))
        {
            tracing::warn!(tenant = ?activity.tenant(), kind = activity.kind.as_str(), "activity from another tenant ignored");
            metrics::counter!("teams_foreign_activities_total").increment(1);
            return match activity.kind {
                ActivityType::Invoke => HandlerReply::Invoke(InvokeResponse::failed(
                    "Forbidden",
                    wording::NOT_THIS_TENANT,
                )),
                _ => HandlerReply::Accepted,
            };
        }
        // The token vouched for this service URL: replies to this person may go there.
        ctx.chat.connector().trust(&activity.service_url);
        match activity.kind {
            ActivityType::Invoke => {
                let contact = learn(ctx, &activity).await;
                HandlerReply::Invoke(on_invoke(ctx, &activity, contact).await)
            }
            ActivityType::Message => {
                if !first_sighting(ctx, &activity).await {
                    return HandlerReply::Accepted;
                }
                let contact = learn(ctx, &activity).await;
                on_message(ctx, activity, contact);
                HandlerReply::Accepted
            }
            ActivityType::InstallationUpdate | ActivityType::ConversationUpdate => {
                if !first_sighting(ctx, &activity).await {
                    return HandlerReply::Accepted;
                }
                on_install(ctx, activity).await;
                HandlerReply::Accepted
            }
            ActivityType::Other(_) => HandlerReply::Accepted,
        }
    }
}

/// Whether this is the first time the activity arrives (Teams may deliver one twice). When the
/// store cannot say, it is handled: replies are harmless to repeat and decisions are guarded by
/// their claim.
async fn first_sighting(ctx: &TeamsContext, activity: &Activity) -> bool {
    let Some(id) = activity.id.as_deref() else {
        return true;
    };
    match ctx
        .store
        .first_sighting(&format!("teams-activity:{id}"), ACTIVITY_MEMORY)
        .await
    {
        Ok(first) => first,
        Err(err) => {
            tracing::warn!(error = %chain(&err), "could not de-duplicate a Teams activity; handling it");
            true
        }
    }
}

/// The app was installed for someone (or they were added to a chat with the bot): learn how to
/// reach them, and say hello in the 1:1 chat.
async fn on_install(ctx: &TeamsContext, activity: Activity) {
    if !activity.is_personal() {
        return;
    }
    // Installing sends both an installation update and a conversation update: each teaches the
    // bot the contact, and only the installation itself (not an upgrade) is greeted, once.
    let greet = match activity.kind {
        ActivityType::InstallationUpdate => activity.action.as_deref() == Some("add"),
        _ => false,
    };
    let added = greet || !activity.members_added.is_empty();
    if !added {
        return;
    }
    let Some(contact) = learn(ctx, &activity).await else {
        return;
    };
    if !greet {
        return;
    }
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let Some(conversation) = contact.conversation.clone() else {
            return;
        };
        if let Err(err) = ctx
            .chat
            .send_card(&contact, &conversation, &card::help())
            .await
        {
            tracing::warn!(error = %chain(&err), "could not greet a person who installed the app");
        }
    });
}

/// A message in the 1:1 chat: a submitted card's data (a click on a list), or a question.
fn on_message(ctx: &TeamsContext, activity: Activity, contact: Option<ChatContact>) {
    let Some(contact) = contact else {
        return;
    };
    let Some(conversation) = activity.conversation.as_ref().map(|c| c.reference()) else {
        return;
    };
    let ctx = ctx.clone();
    if let Some(action) = activity
        .value
        .as_ref()
        .and_then(card::several::several_action)
    {
        ctx.tasks.clone().spawn(async move {
            let rendered = several(&ctx, &contact, &conversation, action).await;
            if let Err(err) = ctx.chat.send_card(&contact, &conversation, &rendered).await {
                tracing::warn!(error = %chain(&err), "could not answer a selection");
            }
        });
        return;
    }
    match invoke::card_action(&activity) {
        Ok(action) => {
            ctx.tasks.clone().spawn(async move {
                // The list the click came from stays as it was; the answer is a message (the
                // engine's `tell`), and the approval's own card is edited as always.
                let _ = click(&ctx, &contact, &conversation, action).await;
            });
        }
        Err(NotOurs::NotAnAction) => {
            let intent = intents::parse(activity.text.as_deref().unwrap_or_default());
            ctx.tasks.clone().spawn(async move {
                let rendered = match intent {
                    Intent::Pending => pending(&ctx, &contact.user).await,
                    Intent::History => history(&ctx, &contact.user).await,
                    Intent::StopReminders => reminders(&ctx, &contact.user, false).await,
                    Intent::StartReminders => reminders(&ctx, &contact.user, true).await,
                    Intent::Help | Intent::Unknown => card::help(),
                };
                if let Err(err) = ctx.chat.send_card(&contact, &conversation, &rendered).await {
                    tracing::warn!(error = %chain(&err), "could not answer a Teams message");
                }
            });
        }
        Err(not_ours) => {
            tracing::info!(error = %not_ours, "a submitted card's data was not the bot's; ignored");
        }
    }
}

/// Approve selected on a list (answered with the confirmation), or Approve N on the
/// confirmation (each item approved through the engine, answered with what came of each).
async fn several(
    ctx: &TeamsContext,
    contact: &ChatContact,
    conversation: &crate::domain::conversation::ConversationRef,
    action: card::several::SeveralAction,
) -> card::Rendered {
    use crate::chat::wording as shared;
    use crate::engine::several::{SEVERAL_AT_ONCE, SelectionError};
    use card::several::SeveralAction;
    let unreadable = || card::notice(&shared::selection_unreadable(SEVERAL_AT_ONCE));
    match action {
        SeveralAction::Selected(Some(items)) if items.is_empty() => {
            card::notice(shared::NOTHING_SELECTED)
        }
        SeveralAction::Selected(Some(items)) if items.len() <= SEVERAL_AT_ONCE => {
            card::several::confirm(&items)
        }
        SeveralAction::Confirmed(Some(items)) => {
            let listed: Vec<_> = items.iter().map(|item| item.listed()).collect();
            match ctx
                .engine
                .approve_several(&contact.user, Some(conversation), &listed)
                .await
            {
                Ok(outcomes) => card::several::outcome(&outcomes),
                Err(SelectionError::Empty) => card::notice(shared::NOTHING_SELECTED),
                Err(SelectionError::TooMany { .. }) => unreadable(),
            }
        }
        _ => unreadable(),
    }
}

/// "What's pending" for `user`, as a card.
async fn pending(ctx: &TeamsContext, user: &ChatUserId) -> card::Rendered {
    let answer = ctx.engine.pending_for(user).await;
    card::pending(
        &answer,
        &ListOptions {
            issued_at: ctx.engine.now(),
            confirm_above: ctx.confirm_above,
            coupa: &ctx.coupa,
            shown: SHOWN_ITEMS,
        },
    )
}

/// Turns `user`'s reminders on or off, and says what is now the case (or that it could not be
/// saved).
async fn reminders(ctx: &TeamsContext, user: &ChatUserId, on: bool) -> card::Rendered {
    match ctx.engine.set_reminders(user, on).await {
        Ok(()) if on => card::notice(wording::REMINDERS_STARTED),
        Ok(()) => card::notice(wording::REMINDERS_STOPPED),
        Err(err) => {
            tracing::warn!(error = %chain(&err), %user, "could not save a person's choice about reminders");
            card::notice(wording::REMINDERS_UNCHANGED)
        }
    }
}

/// `user`'s own decisions of the last days, as a card, from the audit log (Coupa is not called).
async fn history(ctx: &TeamsContext, user: &ChatUserId) -> card::Rendered {
    match ctx.engine.history_for(user).await {
        Ok(entries) => card::history(&entries),
        Err(err) => {
            tracing::warn!(error = %chain(&err), %user, "could not read a person's history");
            card::notice(wording::HISTORY_UNAVAILABLE)
        }
    }
}

/// An `adaptiveCard/action` invoke: a click on a card, or a client refreshing one.
async fn on_invoke(
    ctx: &TeamsContext,
    activity: &Activity,
    contact: Option<ChatContact>,
) -> InvokeResponse {
    let action = match invoke::card_action(activity) {
        Ok(action) => action,
        Err(not_ours) => {
            tracing::info!(error = %not_ours, "an invoke the bot does not handle");
            return InvokeResponse::bad_request("BadRequest", &not_ours.to_string());
        }
    };
    let (Some(contact), Some(conversation)) = (
        contact,
        activity.conversation.as_ref().map(|c| c.reference()),
    ) else {
        return InvokeResponse::bad_request("BadRequest", "the click names no person or chat");
    };
    click(ctx, &contact, &conversation, action).await
}

/// Answers a click from `contact` in `conversation`.
async fn click(
    ctx: &TeamsContext,
    contact: &ChatContact,
    conversation: &crate::domain::conversation::ConversationRef,
    action: CardAction,
) -> InvokeResponse {
    let user = &contact.user;
    match action {
        CardAction::Refresh(data) => match shown(ctx, &data, user).await {
            Some(view) => InvokeResponse::card(&rendered(&view, user)),
            // Nothing newer than what the client shows: it keeps the card it has.
            None => InvokeResponse::message(wording::CARD_IS_CURRENT),
        },
        CardAction::Approve(data) => {
            decide(ctx, contact, conversation, data, Decision::Approve, None).await
        }
        CardAction::Deny { data, reason } => match validate_reason(reason.as_deref()) {
            Ok(reason) => {
                decide(
                    ctx,
                    contact,
                    conversation,
                    data,
                    Decision::Reject,
                    Some(reason),
                )
                .await
            }
            Err(problem) => match shown(ctx, &data, user).await {
                Some(View::Card(card)) => InvokeResponse::card(&card::card_with_reason_error(
                    &card,
                    std::slice::from_ref(user),
                    problem,
                )),
                // A digest's form is checked by the client; the digest stays as it is.
                Some(View::Digest(_)) | None => InvokeResponse::message(&problem.message()),
            },
        },
        // The form asks for the reason before sending (`isRequired`); one that still arrives
        // without one is answered in words, the card left as it is.
        CardAction::Hold { data, reason } => match validate_reason(reason.as_deref()) {
            Ok(reason) => {
                decide(
                    ctx,
                    contact,
                    conversation,
                    data,
                    Decision::Hold,
                    Some(reason),
                )
                .await
            }
            Err(problem) => InvokeResponse::message(&problem.message()),
        },
    }
}

/// The card for the click's approval as last written to `user`, when it is kept.
async fn view(ctx: &TeamsContext, data: &ActionData, user: &ChatUserId) -> Option<Card> {
    ctx.chat.card_view(data.approval, user).await
}

/// What `user` was last shown for the click's approval, when it is kept: its card, or the digest
/// it is an item of (which an answer shows whole, never one item's card in its place).
async fn shown(ctx: &TeamsContext, data: &ActionData, user: &ChatUserId) -> Option<View> {
    ctx.chat.view(data.approval, user).await
}

/// `view` as `user` is shown it.
fn rendered(view: &View, user: &ChatUserId) -> card::Rendered {
    match view {
        View::Card(card) => card::card(card, std::slice::from_ref(user)),
        View::Digest(items) => card::digest(items),
    }
}

/// Decides through the engine; answers with the card as it then stands, or, when the decision
/// takes longer than [`ANSWER_WITHIN`], with the card saying it is being decided (the engine
/// edits every copy when it is done).
async fn decide(
    ctx: &TeamsContext,
    contact: &ChatContact,
    conversation: &crate::domain::conversation::ConversationRef,
    data: ActionData,
    decision: Decision,
    comment: Option<String>,
) -> InvokeResponse {
    let user = contact.user.clone();
    let request = DecisionRequest {
        approval: data.approval,
        requisition: data.requisition,
        fingerprint: data.fingerprint.clone(),
        issued_at: data.issued(),
        user: user.clone(),
        conversation: Some(conversation.clone()),
        decision,
        comment,
    };
    let Some(permit) = ctx.clicks.admit(&request) else {
        // The same click is being decided or was just answered: one answer per decision.
        return deciding(ctx, &data, &user).await;
    };
    let engine = ctx.engine.clone();
    let mut task = ctx.tasks.spawn(async move {
        let result = engine.decide(request).await;
        permit.answered(&result);
        result
    });
    match tokio::time::timeout(ANSWER_WITHIN, &mut task).await {
        Ok(Ok(DecisionResult::Done(_))) => match shown(ctx, &data, &user).await {
            Some(view) => InvokeResponse::card(&rendered(&view, &user)),
            None => InvokeResponse::message(wording::DECIDED),
        },
        Ok(Ok(result)) => {
            let title = view(ctx, &data, &user)
                .await
                .map(|card| card.requisition.title);
            let regarding = Regarding {
                requisition: data.requisition,
                title,
            };
            InvokeResponse::message(&wording::decision(&regarding, &result))
        }
        Ok(Err(err)) => {
            tracing::error!(error = %chain(&err), "a Teams decision task stopped");
            InvokeResponse::failed("InternalError", wording::DECISION_STOPPED)
        }
        Err(_) => deciding(ctx, &data, &user).await,
    }
}

/// The card saying the click's decision is under way while it still shows the approval waiting,
/// else the card as it now stands (the decision ended meanwhile); a message saying so when the
/// card is not kept.
async fn deciding(ctx: &TeamsContext, data: &ActionData, user: &ChatUserId) -> InvokeResponse {
    let recipients = std::slice::from_ref(user);
    match shown(ctx, data, user).await {
        Some(View::Card(card)) if card.state == CardState::Pending => {
            InvokeResponse::card(&card::deciding(&card, recipients))
        }
        Some(view) => InvokeResponse::card(&rendered(&view, user)),
        None => InvokeResponse::message(wording::DECIDING),
    }
}

/// Learns how to reach the sender of `activity`, a person in the bot's tenant: keeps their
/// contact, reading their email from the Bot Connector's member record the first time. `None`
/// when the sender is not a person or the store cannot say.
async fn learn(ctx: &TeamsContext, activity: &Activity) -> Option<ChatContact> {
    let from = activity.from.as_ref()?;
    if !from.id.starts_with("29:") {
        return None;
    }
    let user = from.user();
    let known = match ctx.store.contact(&user).await {
        Ok(known) => known,
        Err(err) => {
            tracing::warn!(error = %chain(&err), "could not read a Teams contact");
            None
        }
    };
    let conversation = match (&activity.conversation, activity.is_personal()) {
        (Some(conversation), true) => Some(conversation.reference()),
        _ => known.as_ref().and_then(|k| k.conversation.clone()),
    };
    let mut contact = ChatContact {
        user: user.clone(),
        name: from
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| known.as_ref().and_then(|k| k.name.clone())),
        email: known.as_ref().and_then(|k| k.email.clone()),
        directory_id: from
            .aad_object_id
            .clone()
            .or_else(|| known.as_ref().and_then(|k| k.directory_id.clone())),
        endpoint: activity.service_url.clone(),
        tenant: ctx.tenant.clone(),
        conversation,
        seen_at: jiff::Timestamp::now(),
        time_zone: activity
            .time_zone()
            .map(str::to_owned)
            .or_else(|| known.as_ref().and_then(|k| k.time_zone.clone())),
    };
    let mut learned_email = None;
    if contact.email.is_none()
        && let Some(conversation) = &contact.conversation
    {
        match ctx
            .chat
            .connector()
            .member(&contact.endpoint, conversation, &user)
            .await
        {
            Ok(member) => {
                let email = member
                    .email
                    .or(member.user_principal_name.filter(|upn| upn.contains('@')))
                    .map(|email| normalize_email(&email))
                    .filter(|email| !email.is_empty());
                contact.email = email.clone();
                learned_email = email;
                if contact.name.is_none() {
                    contact.name = member.name;
                }
                if contact.directory_id.is_none() {
                    contact.directory_id = member.aad_object_id;
                }
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), "could not read a Teams member's email; will try again on their next activity")
            }
        }
    }
    let unchanged = known.as_ref().is_some_and(|k| {
        let mut same = k.clone();
        same.seen_at = contact.seen_at;
        same == contact
            && contact.seen_at.duration_since(k.seen_at).unsigned_abs() < CONTACT_REFRESH
    });
    if !unchanged {
        if let Err(err) = ctx.store.remember_contact(&contact).await {
            tracing::warn!(error = %chain(&err), "could not keep a Teams contact");
        } else if known.is_none() {
            metrics::counter!("teams_contacts_learned_total").increment(1);
            tracing::info!(user = %contact.user, has_email = contact.email.is_some(), "a person can now be reached in Teams");
        }
    }
    if let Some(email) = learned_email {
        ctx.engine.became_reachable(&email, &user).await;
    }
    Some(contact)
}
