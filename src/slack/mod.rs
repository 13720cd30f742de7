//! The Slack adapter: Slack's requests in, Slack's Web API out, Block Kit rendering. It
//! translates between Slack and the engine and holds no business rules.
//!
//! - [`routes`]: `POST /slack/events`, `/slack/interactions`, `/slack/commands` behind the
//!   signature check, acknowledged at once; the work runs in [`handlers`], shared with
//! - [`socket`]: Socket Mode, used instead of the HTTP routes when `SLACK_APP_TOKEN` is set.
//! - [`installation`]: the workspace (and app) the bot serves; a request from any other is
//!   refused before anything is done with it, in both modes.
//! - [`client`]: [`client::SlackChat`], the chat port over the Web API; [`pacing`]: how its calls
//!   keep to Slack's rate limits together; [`not_json`]: an answer that is not Slack's JSON (an
//!   error page), described without quoting it; [`capped`]: the cap on the size of each answer
//!   read from Slack.
//! - [`blocks`]: cards, lists and modals as Block Kit (pure); [`format`](mod@format): money and dates.
//! - [`several`]: approving several at once: the list's selection, the confirmation modal, the
//!   message saying what came of each (pure).
//! - [`payload`]: what a button carries (pure); [`found`]: the bot's own waiting cards
//!   recognised among a conversation's messages (pure); [`channel`]: Slack's conversation ids.
//!   What a message asks for is read by [`crate::chat::intents`], shared with Teams.
//! - [`requests`]: Slack's request bodies read into typed events (pure), for the routes.
//! - [`reminders`]: "stop reminders" / "start reminders" and App Home's reminders button.
//! - [`wording`]: every sentence the bot says to people in Slack, including what came of their
//!   decisions (the engine reports typed outcomes).

pub mod blocks;
pub mod capped;
pub mod channel;
pub mod client;
pub mod format;
pub mod found;
pub mod handlers;
pub mod installation;
pub(crate) mod not_json;
mod pacing;
pub mod payload;
pub mod reminders;
pub mod requests;
pub mod routes;
pub mod several;
pub mod socket;
pub mod wording;

use crate::domain::conversation::Platform;

/// The platform's name, as decisions made here are attributed in Coupa.
pub const PLATFORM: Platform = Platform::named("Slack");

/// Whether `id`, a user or conversation id, is Slack's: Slack spells its ids with letters and
/// digits (`U…`, `D…`), never with `:`, which every Microsoft Teams id contains.
pub fn is_slack_id(id: &str) -> bool {
    !id.is_empty() && !id.contains(':')
}

/// Bot scopes the app needs, exactly as the manifests in `manifests/` request them.
pub const BOT_SCOPES: &[&str] = &[
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
];

/// Events the app subscribes to, exactly as the manifests list them.
pub const BOT_EVENTS: &[&str] = &["app_home_opened", "app_mention", "message.im"];
