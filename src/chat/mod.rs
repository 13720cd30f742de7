//! The platform-neutral side of chat: what the engine says to approvers, and through what.
//!
//! - [`port`]: the [`port::ChatPort`] trait the engine talks to, one implementation per chat
//!   platform (`slack::client::SlackChat`).
//! - [`platforms`]: [`platforms::ChatPlatforms`], one chat port over several platforms in order
//!   of preference: each call goes to the platform whose ids it names, and a person is found by
//!   email on the first platform that knows them.
//! - [`card`]: the card view model, built from domain types; adapters render it.
//! - [`format`](mod@format): money, quantities and times written the same on every platform.
//! - [`replies`]: what a person is told about their decision, in each platform's voice.
//! - [`selection`]: approving several at once: which list items may be selected, what each
//!   carries back, the totals the confirmation shows.
//! - [`wording`]: the words every platform says alike (what changed, why a reason is refused).
//! - [`intents`]: what a message asks for ("what's pending", help), read alike from Slack and
//!   Teams text (pure).
//! - [`list`]: a list of what waits on one person, sent unasked (a reminder), and what it is for.

pub mod card;
pub mod format;
pub mod intents;
pub mod list;
pub mod platforms;
pub mod port;
pub mod replies;
pub mod selection;
pub mod wording;
