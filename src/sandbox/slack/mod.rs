//! Slack, simulated: a stateful fake of the Web API the bot calls, and the requests Slack sends
//! the bot (payloads, signatures, delivery over HTTP).
//!
//! - `web_api`: [`FakeSlack`], the Web API methods the bot calls, recording what each person
//!   sees; optionally rate limited as Slack limits posting.
//! - [`requests`]: interactions and events in Slack's own shapes.
//! - [`signing`]: Slack's v0 request signature.
//! - `sender`: [`SlackSender`], signed requests to an app's `/slack/*` routes.

pub mod requests;
mod sender;
pub mod signing;
mod web_api;

pub use self::sender::{AppAnswer, SendError, SlackSender};
pub use self::web_api::{
    BOT_TOKEN, BOT_USER_ID, FakeMessage, FakeModal, FakeSlack, FakeUser, GRANTED_SCOPES,
    RunningFakeSlack, TEAM_ID, dm_channel,
};
