//! Reminders in Slack: "stop reminders" / "start reminders" in a DM, a mention or `/approvals`,
//! and the App Home button that does the same; each answered with what is now the case. The
//! reminders themselves are posted by the chat port ([`super::client`]), rendered by
//! [`super::blocks::purpose_list`].

use slack_morphism::prelude::*;

use crate::domain::ChatUserId;
use crate::telemetry::chain;

use super::blocks::{self, Rendered};
use super::handlers::SlackContext;
use super::wording;

/// The App Home button that turns reminders off.
pub const STOP_REMINDERS: &str = "reminders_stop";
/// The App Home button that turns reminders on.
pub const START_REMINDERS: &str = "reminders_start";

/// Turns `user`'s reminders on or off and says so (or that it could not be saved).
pub async fn set(ctx: &SlackContext, user: &ChatUserId, on: bool) -> Rendered {
    match ctx.engine.set_reminders(user, on).await {
        Ok(()) if on => blocks::notice(wording::REMINDERS_STARTED),
        Ok(()) => blocks::notice(wording::REMINDERS_STOPPED),
        Err(err) => {
            tracing::warn!(error = %chain(&err), %user, "could not save a person's choice about reminders");
            blocks::notice(wording::REMINDERS_UNCHANGED)
        }
    }
}

/// App Home: `rendered` (the pending list), then the reminders' state and its button, then
/// `history` (the person's own decisions). When the state cannot be read, the button offers to
/// stop them (the default is on).
pub async fn home(
    ctx: &SlackContext,
    user: &ChatUserId,
    rendered: Rendered,
    history: Rendered,
) -> SlackView {
    let on = match ctx.engine.reminders_on(user).await {
        Ok(on) => on,
        Err(err) => {
            tracing::warn!(error = %chain(&err), %user, "could not read whether a person gets reminders");
            true
        }
    };
    let mut rendered = rendered;
    rendered.blocks.push(SlackDividerBlock::new().into());
    rendered.blocks.extend(toggle(on));
    blocks::home(rendered, history)
}

/// Publishes `user`'s App Home as it stands now.
pub async fn publish_home(ctx: &SlackContext, user: &ChatUserId) {
    // Room for the header, the reminders' divider, state and button, and the history below.
    let room = blocks::limits::VIEW_BLOCKS - 4 - blocks::HOME_HISTORY_BLOCKS;
    let (rendered, history) = tokio::join!(
        super::handlers::pending(ctx, user, room),
        super::handlers::history(ctx, user)
    );
    // App Home keeps each item's own buttons; a selection there could not be read back.
    let rendered = super::several::without_selection(rendered);
    let view = home(ctx, user, rendered, history).await;
    if let Err(err) = ctx.slack.publish_home(user, view).await {
        tracing::warn!(error = %chain(&err), "could not publish App Home");
    }
}

/// What reminders do now, and the button that changes it.
fn toggle(on: bool) -> Vec<SlackBlock> {
    let (state, label, action) = if on {
        (wording::HOME_REMINDERS_ON, "Stop reminders", STOP_REMINDERS)
    } else {
        (
            wording::HOME_REMINDERS_OFF,
            "Start reminders",
            START_REMINDERS,
        )
    };
    let button = SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(label))
        .with_action_id(action.into())
        .with_value(action.to_owned());
    vec![
        SlackSectionBlock::new()
            .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(
                state.to_owned(),
            )))
            .into(),
        SlackActionsBlock::new(vec![button.into()]).into(),
    ]
}

/// The reminder buttons clicked in `event`: `Some(true)` to start them, `Some(false)` to stop
/// them; `None` when it holds neither.
pub fn toggled(event: &SlackInteractionBlockActionsEvent) -> Option<bool> {
    event
        .actions
        .iter()
        .flatten()
        .find_map(|action| match action.action_id.to_string().as_str() {
            STOP_REMINDERS => Some(false),
            START_REMINDERS => Some(true),
            _ => None,
        })
}
