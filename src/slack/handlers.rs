//! What to do with each kind of Slack request, shared by the HTTP routes and Socket Mode.
//!
//! Every function here returns at once with the acknowledgement Slack expects; anything that
//! talks to Coupa runs in a spawned task, so Slack gets its answer within 3 s whatever Coupa does.
//! Those tasks are spawned on the context's [`TaskTracker`], so that a stopping service lets the
//! decisions and replies under way finish (see `app`).
//! The one slow call made before acknowledging is none: even the deny modal opens in a task that
//! starts immediately, well within the trigger id's 3 s. `/approvals history` is answered at once
//! from the store (its calls give up within 2 s), never from Coupa.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use slack_morphism::prelude::*;
use tokio_util::task::TaskTracker;

use crate::domain::{ChatUserId, Decision};
use crate::engine::Engine;
use crate::engine::clicks::ClickGate;
use crate::engine::decide::DecisionRequest;
use crate::engine::pending::{PendingAnswer, SHOWN_ITEMS};
use crate::store::Store;
use crate::telemetry::chain;

use super::blocks::{self, ListOptions, Rendered};
use super::channel::ChannelId;
use super::client::SlackChat;
use super::installation::{Admission, InstallationCheck, Origin};
use super::payload::{
    APPROVE, ButtonValue, DENY, DENY_MODAL, DenyMetadata, HOLD, HOLD_MODAL, REASON_BLOCK,
    REASON_INPUT,
};
use super::reminders;
use super::several;
use super::wording;
use crate::chat::intents::{self, Intent};
use crate::chat::wording as shared;

/// How long a Deny click waits for the store to say whether the approval is already decided
/// before the reason form opens anyway (Slack's trigger id lives 3 s).
const DENY_CHECK: Duration = Duration::from_millis(800);

/// How long an event id is remembered for de-duplication (Slack retries within minutes).
const EVENT_MEMORY: Duration = Duration::from_secs(3600);

/// What the handlers work with.
#[derive(Clone)]
pub struct SlackContext {
    /// The use cases.
    pub engine: Engine,
    /// Slack's Web API.
    pub slack: SlackChat,
    /// For event de-duplication.
    pub store: Arc<dyn Store>,
    /// The Coupa instance, for links.
    pub coupa: url::Url,
    /// Approve asks for confirmation above this total.
    pub confirm_above: Option<Decimal>,
    /// Repeated clicks on the same card are answered once.
    pub clicks: ClickGate,
    /// Every task spawned to decide, reply or look something up, for a graceful stop to wait for.
    pub tasks: TaskTracker,
    /// The workspace (and app) served; requests from any other are refused.
    pub installation: InstallationCheck,
}

/// The immediate answer to Slack.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// Nothing to say (HTTP: 200 with an empty body).
    Empty,
    /// The `url_verification` challenge, echoed.
    Challenge(String),
    /// Keep the modal open and show these errors, by block id.
    ViewErrors(HashMap<String, String>),
    /// A reply to a slash command, shown to the caller only.
    Reply(Rendered),
    /// Refused: the request is not from this installation (HTTP 403; Slack tells the person the
    /// action failed). Nothing was done.
    Forbidden,
    /// Not handled now: the installation could not be checked (HTTP 503, which Slack retries
    /// for events; Socket Mode can only acknowledge). Nothing was done.
    Unavailable,
}

impl Ack {
    /// The HTTP body Slack expects for this answer, if any.
    pub fn to_json(&self) -> Option<Value> {
        match self {
            Ack::Empty | Ack::Forbidden | Ack::Unavailable => None,
            Ack::Challenge(challenge) => Some(json!({ "challenge": challenge })),
            Ack::ViewErrors(errors) => serde_json::to_value(SlackViewSubmissionResponse::Errors(
                SlackViewSubmissionErrorsResponse::new(errors.clone()),
            ))
            .ok(),
            Ack::Reply(rendered) => serde_json::to_value(command_response(rendered)).ok(),
        }
    }
}

/// A slash command's reply as Slack's type.
pub fn command_response(rendered: &Rendered) -> SlackCommandEventResponse {
    SlackCommandEventResponse::new(
        SlackMessageContent::new()
            .with_text(rendered.text.clone())
            .with_blocks(rendered.blocks.clone()),
    )
    .with_response_type(SlackMessageResponseType::Ephemeral)
}

/// Handles an Events API callback (HTTP or Socket Mode).
pub async fn on_push_event(ctx: &SlackContext, event: SlackPushEvent) -> Ack {
    let callback = match event {
        SlackPushEvent::UrlVerification(v) => return Ack::Challenge(v.challenge),
        SlackPushEvent::AppRateLimited(_) => {
            tracing::warn!("Slack reports this app is rate limited for events");
            return Ack::Empty;
        }
        SlackPushEvent::EventCallback(callback) => callback,
    };
    let origin = Origin::new(&callback.team_id, Some(&callback.api_app_id));
    match ctx.installation.admit(&origin, "event").await {
        Admission::Admitted => {}
        // Acknowledged so that Slack does not send it again; nothing is done with it.
        Admission::Foreign(_) => return Ack::Empty,
        Admission::Unknown => return Ack::Unavailable,
    }
    // Retries and duplicates carry the same event id: process each event once.
    match ctx
        .store
        .first_sighting(&format!("slack-event:{}", callback.event_id), EVENT_MEMORY)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!(event_id = %callback.event_id, "duplicate event ignored");
            return Ack::Empty;
        }
        // Replies are harmless to repeat; decisions have their own exactly-once claim.
        Err(err) => {
            tracing::warn!(error = %chain(&err), "could not de-duplicate an event; handling it")
        }
    }
    match event_request(&callback.event) {
        Some(EventRequest::Message {
            user,
            channel,
            intent,
        }) => {
            let ctx = ctx.clone();
            ctx.tasks.clone().spawn(async move {
                let rendered = answer(&ctx, &user, intent).await;
                if let Err(err) = ctx.slack.post(&channel, &rendered).await {
                    tracing::warn!(error = %chain(&err), "could not answer a direct message");
                }
            });
        }
        Some(EventRequest::Mention {
            user,
            channel,
            intent,
        }) => {
            let ctx = ctx.clone();
            ctx.tasks.clone().spawn(async move {
                let rendered = answer(&ctx, &user, intent).await;
                // Someone's approvals are theirs alone: answer in the channel, visible to them only.
                if let Err(err) = ctx.slack.ephemeral(&channel, &user, &rendered).await {
                    tracing::warn!(error = %chain(&err), "could not answer a mention");
                }
            });
        }
        Some(EventRequest::Home { user }) => {
            let ctx = ctx.clone();
            ctx.tasks.clone().spawn(async move {
                reminders::publish_home(&ctx, &user).await;
            });
        }
        None => tracing::trace!(event = ?callback.event, "event ignored"),
    }
    Ack::Empty
}

/// What an event asks the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventRequest {
    /// A direct message: answer in that conversation.
    Message {
        /// Who wrote.
        user: ChatUserId,
        /// The conversation.
        channel: ChannelId,
        /// What they asked.
        intent: Intent,
    },
    /// A mention in a channel: answer there, visible to the asker only.
    Mention {
        /// Who mentioned the bot.
        user: ChatUserId,
        /// The channel.
        channel: ChannelId,
        /// What they asked.
        intent: Intent,
    },
    /// The App Home tab was opened: publish the asker's pending list and history there.
    Home {
        /// Who opened it.
        user: ChatUserId,
    },
}

/// What `event` asks for; `None` for events the bot leaves alone (its own and other bots'
/// messages, edits and other subtypes, the Messages tab, event types it does not handle).
pub fn event_request(event: &SlackEventCallbackBody) -> Option<EventRequest> {
    match event {
        SlackEventCallbackBody::Message(message) => {
            if message.sender.bot_id.is_some() || message.subtype.is_some() {
                return None;
            }
            let user = message.sender.user.as_ref()?;
            let channel = message.origin.channel.as_ref()?;
            let text = message
                .content
                .as_ref()
                .and_then(|c| c.text.as_deref())
                .unwrap_or_default();
            Some(EventRequest::Message {
                user: ChatUserId(user.to_string()),
                channel: ChannelId(channel.to_string()),
                intent: intents::parse(text),
            })
        }
        SlackEventCallbackBody::AppMention(mention) => Some(EventRequest::Mention {
            user: ChatUserId(mention.user.to_string()),
            channel: ChannelId(mention.channel.to_string()),
            intent: intents::parse(mention.content.text.as_deref().unwrap_or_default()),
        }),
        SlackEventCallbackBody::AppHomeOpened(home) => {
            if home.tab.as_deref().is_some_and(|t| t != "home") {
                return None;
            }
            Some(EventRequest::Home {
                user: ChatUserId(home.user.to_string()),
            })
        }
        _ => None,
    }
}

/// Handles a button click or a modal submission.
pub async fn on_interaction(ctx: &SlackContext, event: SlackInteractionEvent) -> Ack {
    let origin = match &event {
        SlackInteractionEvent::BlockActions(actions) => {
            Some(Origin::new(&actions.team.id, Some(&actions.api_app_id)))
        }
        SlackInteractionEvent::ViewSubmission(submission) => Some(Origin::new(
            &submission.team.id,
            submission.view.state_params.app_id.as_ref(),
        )),
        _ => None,
    };
    if let Some(origin) = origin {
        match ctx.installation.admit(&origin, "interaction").await {
            Admission::Admitted => {}
            Admission::Foreign(_) => return Ack::Forbidden,
            Admission::Unknown => return Ack::Unavailable,
        }
    }
    match event {
        SlackInteractionEvent::BlockActions(actions) => {
            on_block_actions(ctx, actions);
            Ack::Empty
        }
        SlackInteractionEvent::ViewSubmission(submission) => on_view_submission(ctx, submission),
        other => {
            tracing::trace!(interaction = ?other, "interaction ignored");
            Ack::Empty
        }
    }
}

fn on_block_actions(ctx: &SlackContext, event: SlackInteractionBlockActionsEvent) {
    if let Some((user, channel, pressed)) = several::pressed(&event) {
        on_approve_selected(ctx, user, channel, pressed);
        return;
    }
    if let Some(on) = reminders::toggled(&event)
        && let Some(user) = event.user.as_ref().map(|u| ChatUserId(u.id.to_string()))
    {
        let ctx = ctx.clone();
        ctx.tasks.clone().spawn(async move {
            reminders::set(&ctx, &user, on).await;
            reminders::publish_home(&ctx, &user).await;
        });
        return;
    }
    for click in clicks(&event) {
        match click {
            Click::Approve(request) => {
                let Some(permit) = ctx.clicks.admit(&request) else {
                    continue;
                };
                let engine = ctx.engine.clone();
                ctx.tasks.spawn(async move {
                    let result = engine.decide(request).await;
                    permit.answered(&result);
                });
            }
            Click::Deny {
                trigger,
                view,
                request,
            }
            | Click::Hold {
                trigger,
                view,
                request,
            } => {
                // The trigger id lives 3 s: open the modal now, before anything slow. Only the
                // store is asked first, briefly, whether there is anything left to deny or hold.
                let slack = ctx.slack.clone();
                let engine = ctx.engine.clone();
                ctx.tasks.spawn(async move {
                    let answered =
                        tokio::time::timeout(DENY_CHECK, engine.answer_if_decided(&request)).await;
                    if answered.unwrap_or(false) {
                        return;
                    }
                    if let Err(err) = slack.open_modal(&trigger, *view).await {
                        tracing::warn!(error = %chain(&err), "could not open the reason modal");
                    }
                });
            }
        }
    }
}

/// What one button click asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Click {
    /// Approve, as the button's value describes.
    Approve(DecisionRequest),
    /// Deny: open the reason modal with this trigger id, unless the approval is already
    /// decided.
    Deny {
        /// Slack's trigger id for opening the modal.
        trigger: String,
        /// The modal.
        view: Box<SlackView>,
        /// The decision the button stands for, without its reason yet.
        request: Box<DecisionRequest>,
    },
    /// Hold: open the hold-reason modal with this trigger id, unless the approval is already
    /// decided.
    Hold {
        /// Slack's trigger id for opening the modal.
        trigger: String,
        /// The modal.
        view: Box<SlackView>,
        /// The hold the button stands for, without its reason yet.
        request: Box<DecisionRequest>,
    },
}

/// The conversation a click in `event` came from: the event's channel, or the channel of the
/// message holding the button; `None` for a click outside a conversation (App Home).
pub(super) fn clicked_in(event: &SlackInteractionBlockActionsEvent) -> Option<ChannelId> {
    event
        .channel
        .as_ref()
        .map(|c| ChannelId(c.id.to_string()))
        .or_else(|| match &event.container {
            SlackInteractionActionContainer::Message(m) => {
                m.channel_id.as_ref().map(|c| ChannelId(c.to_string()))
            }
            _ => None,
        })
}

/// The Approve, Deny and Hold clicks in `event` with readable button values; other actions (the
/// View in Coupa link) and foreign or edited values are left out.
pub fn clicks(event: &SlackInteractionBlockActionsEvent) -> Vec<Click> {
    let Some(user) = event.user.as_ref().map(|u| ChatUserId(u.id.to_string())) else {
        return Vec::new();
    };
    let channel = clicked_in(event);
    let mut clicks = Vec::new();
    for action in event.actions.iter().flatten() {
        let action_id = action.action_id.to_string();
        if action_id != APPROVE && action_id != DENY && action_id != HOLD {
            continue;
        }
        let Some(value) = action.value.as_deref().and_then(ButtonValue::decode) else {
            tracing::warn!(%action_id, "a button without a readable value was ignored");
            continue;
        };
        let request = DecisionRequest {
            approval: value.approval,
            requisition: value.requisition,
            fingerprint: value.fingerprint.clone(),
            issued_at: value.issued(),
            user: user.clone(),
            conversation: channel.clone().map(Into::into),
            decision: Decision::Approve,
            comment: None,
        };
        if action_id == APPROVE {
            clicks.push(Click::Approve(request));
        } else {
            let metadata = DenyMetadata {
                button: value,
                channel: channel.clone(),
            };
            let title = event
                .message
                .as_ref()
                .and_then(|m| card_title(&m.content))
                .unwrap_or_else(|| wording::UNNAMED_REQUISITION.to_owned());
            if action_id == HOLD {
                clicks.push(Click::Hold {
                    trigger: event.trigger_id.to_string(),
                    view: Box::new(blocks::hold_modal(&metadata, &title)),
                    request: Box::new(DecisionRequest {
                        decision: Decision::Hold,
                        ..request
                    }),
                });
                continue;
            }
            clicks.push(Click::Deny {
                trigger: event.trigger_id.to_string(),
                view: Box::new(blocks::deny_modal(&metadata, &title)),
                request: Box::new(DecisionRequest {
                    decision: Decision::Reject,
                    ..request
                }),
            });
        }
    }
    clicks
}

/// The card's title: the text of its header block.
fn card_title(content: &SlackMessageContent) -> Option<String> {
    content
        .blocks
        .iter()
        .flatten()
        .find_map(|block| match block {
            // The plain-text type keeps its text private; its JSON form has it.
            SlackBlock::Header(header) => serde_json::to_value(&header.text)
                .ok()
                .and_then(|v| v["text"].as_str().map(str::to_owned)),
            _ => None,
        })
}

/// Approve selected on a list: the confirmation opens at once (the trigger id lives 3 s), or the
/// person hears why it cannot.
fn on_approve_selected(
    ctx: &SlackContext,
    user: ChatUserId,
    channel: Option<ChannelId>,
    pressed: several::Pressed,
) {
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let said = match pressed {
            several::Pressed::Confirm { trigger, view } => {
                if let Err(err) = ctx.slack.open_modal(&trigger, *view).await {
                    tracing::warn!(error = %chain(&err), "could not open the confirmation of a selection");
                }
                return;
            }
            several::Pressed::NothingSelected => several::notice(shared::NOTHING_SELECTED),
            several::Pressed::Unreadable => several::notice(&shared::selection_unreadable(
                crate::engine::several::SEVERAL_AT_ONCE,
            )),
        };
        tell_privately(&ctx, &user, channel.as_ref(), &said).await;
    });
}

/// Approves the confirmed selection, item by item, and tells the person what came of each in one
/// message.
fn on_several_confirmed(
    ctx: &SlackContext,
    user: ChatUserId,
    channel: Option<ChannelId>,
    items: Vec<crate::chat::selection::Selected>,
) {
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let listed: Vec<_> = items.iter().map(|item| item.listed()).collect();
        let conversation = channel.clone().map(Into::into);
        let said = match ctx
            .engine
            .approve_several(&user, conversation.as_ref(), &listed)
            .await
        {
            Ok(outcomes) => several::outcome(&outcomes),
            Err(crate::engine::several::SelectionError::Empty) => {
                several::notice(shared::NOTHING_SELECTED)
            }
            Err(crate::engine::several::SelectionError::TooMany { max, .. }) => {
                several::notice(&shared::selection_unreadable(max))
            }
        };
        tell_privately(&ctx, &user, channel.as_ref(), &said).await;
    });
}

/// Shows `rendered` to `user` alone: in the list's conversation when known, else in their direct
/// conversation with the bot.
async fn tell_privately(
    ctx: &SlackContext,
    user: &ChatUserId,
    channel: Option<&ChannelId>,
    rendered: &Rendered,
) {
    let sent = match channel {
        Some(channel) => ctx.slack.ephemeral(channel, user, rendered).await,
        None => ctx
            .slack
            .post(&ChannelId(user.as_str().to_owned()), rendered)
            .await
            .map(|_| ()),
    };
    if let Err(err) = sent {
        tracing::warn!(error = %chain(&err), "could not tell a person what came of their selection");
    }
}

fn on_view_submission(ctx: &SlackContext, event: SlackInteractionViewSubmissionEvent) -> Ack {
    if let Some((user, channel, items)) = several::confirmed(&event) {
        on_several_confirmed(ctx, user, channel, items);
        return Ack::Empty;
    }
    match submission(&event) {
        Submission::Ignored => Ack::Empty,
        Submission::Invalid(errors) => Ack::ViewErrors(errors),
        Submission::Deny(request) | Submission::Hold(request) => {
            let Some(permit) = ctx.clicks.admit(&request) else {
                return Ack::Empty;
            };
            let engine = ctx.engine.clone();
            ctx.tasks.spawn(async move {
                let result = engine.decide(*request).await;
                permit.answered(&result);
            });
            Ack::Empty
        }
    }
}

/// What a submitted modal asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    /// Not the deny or hold modal, or its metadata is not ours: nothing to do.
    Ignored,
    /// The reason is missing or too long: keep the modal open with these errors, by block id.
    Invalid(HashMap<String, String>),
    /// Deny with the reason given.
    Deny(Box<DecisionRequest>),
    /// Put on hold with the reason given.
    Hold(Box<DecisionRequest>),
}

/// Reads a submitted deny or hold modal: the reason, checked, and what the button carried.
pub fn submission(event: &SlackInteractionViewSubmissionEvent) -> Submission {
    let SlackView::Modal(modal) = &event.view.view else {
        return Submission::Ignored;
    };
    let decision = match modal.callback_id.as_ref().map(|c| c.to_string()).as_deref() {
        Some(DENY_MODAL) => Decision::Reject,
        Some(HOLD_MODAL) => Decision::Hold,
        _ => return Submission::Ignored,
    };
    let reason = event
        .view
        .state_params
        .state
        .as_ref()
        .and_then(|s| s.values.get(&REASON_BLOCK.into()))
        .and_then(|block| block.get(&REASON_INPUT.into()))
        .and_then(|input| input.value.clone());
    let reason = match blocks::validate_reason(reason.as_deref()) {
        Ok(reason) => reason,
        Err(message) => {
            return Submission::Invalid(HashMap::from([(REASON_BLOCK.to_owned(), message)]));
        }
    };
    let Some(metadata) = modal
        .private_metadata
        .as_deref()
        .and_then(DenyMetadata::decode)
    else {
        tracing::warn!("a reason modal without readable metadata was ignored");
        return Submission::Ignored;
    };
    let request = Box::new(DecisionRequest {
        approval: metadata.button.approval,
        requisition: metadata.button.requisition,
        fingerprint: metadata.button.fingerprint.clone(),
        issued_at: metadata.button.issued(),
        user: ChatUserId(event.user.id.to_string()),
        conversation: metadata.channel.map(Into::into),
        decision,
        comment: Some(reason),
    });
    match decision {
        Decision::Hold => Submission::Hold(request),
        _ => Submission::Deny(request),
    }
}

/// Handles `/approvals [text]`: help at once; the pending list through the `response_url`.
/// `app` is the `api_app_id` the command names, if any (Socket Mode's is the connection's own).
pub async fn on_command(ctx: &SlackContext, command: SlackCommandEvent, app: Option<&str>) -> Ack {
    let origin = Origin::new(&command.team_id, app);
    match ctx.installation.admit(&origin, "command").await {
        Admission::Admitted => {}
        Admission::Foreign(_) => return Ack::Reply(blocks::notice(wording::NOT_THIS_WORKSPACE)),
        Admission::Unknown => return Ack::Reply(blocks::notice(wording::WORKSPACE_UNCHECKED)),
    }
    let intent = intents::parse(command.text.as_deref().unwrap_or_default());
    if let Some(on) = reminders_wanted(intent) {
        let user = ChatUserId(command.user_id.to_string());
        return Ack::Reply(reminders::set(ctx, &user, on).await);
    }
    if intent == Intent::History {
        let user = ChatUserId(command.user_id.to_string());
        return Ack::Reply(history(ctx, &user).await);
    }
    if intent != Intent::Pending {
        return Ack::Reply(blocks::help());
    }
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let user = ChatUserId(command.user_id.to_string());
        let rendered = pending(&ctx, &user, blocks::limits::MESSAGE_BLOCKS).await;
        if let Err(err) = ctx.slack.respond(&command.response_url.0, &rendered).await {
            tracing::warn!(error = %chain(&err), "could not answer /approvals");
        }
    });
    Ack::Reply(blocks::notice(wording::LOOKING_UP))
}

/// The answer to an intent: the pending list, or help.
async fn answer(ctx: &SlackContext, user: &ChatUserId, intent: Intent) -> Rendered {
    match intent {
        Intent::Pending => pending(ctx, user, blocks::limits::MESSAGE_BLOCKS).await,
        Intent::History => history(ctx, user).await,
        Intent::StopReminders => reminders::set(ctx, user, false).await,
        Intent::StartReminders => reminders::set(ctx, user, true).await,
        Intent::Help | Intent::Unknown => blocks::help(),
    }
}

/// Whether `intent` turns reminders on (`Some(true)`) or off.
fn reminders_wanted(intent: Intent) -> Option<bool> {
    match intent {
        Intent::StopReminders => Some(false),
        Intent::StartReminders => Some(true),
        _ => None,
    }
}

/// The asker's own decisions of the last days, from the audit log (Coupa is not called).
pub(super) async fn history(ctx: &SlackContext, user: &ChatUserId) -> Rendered {
    match ctx.engine.history_for(user).await {
        Ok(entries) => blocks::history(&entries),
        Err(err) => {
            tracing::warn!(error = %chain(&err), %user, "could not read a person's history");
            blocks::notice(wording::HISTORY_UNAVAILABLE)
        }
    }
}

/// The asker's pending list, rendered, or what stands in its way.
pub(super) async fn pending(ctx: &SlackContext, user: &ChatUserId, max_blocks: usize) -> Rendered {
    let options = |stale| ListOptions {
        stale,
        issued_at: ctx.engine.now(),
        confirm_above: ctx.confirm_above,
        coupa: &ctx.coupa,
        shown: SHOWN_ITEMS,
        max_blocks,
    };
    match ctx.engine.pending_for(user).await {
        PendingAnswer::Live(snapshot) => blocks::pending_list(&snapshot, &options(false)),
        PendingAnswer::Stale(snapshot) => blocks::pending_list(&snapshot, &options(true)),
        PendingAnswer::Unavailable => blocks::notice(wording::PENDING_UNAVAILABLE),
        PendingAnswer::Busy => blocks::notice(wording::PENDING_BUSY),
        PendingAnswer::NoEmail => blocks::notice(wording::NO_EMAIL),
        PendingAnswer::NoCoupaUser { email } => blocks::notice(&wording::no_coupa_user(&email)),
    }
}
