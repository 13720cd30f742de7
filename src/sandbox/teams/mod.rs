//! The Microsoft Teams side of the simulated world:
//!
//! - [`token_authority`]: a stand-in for the Bot Framework's token service, whose tokens the
//!   bot's verifier checks exactly as it checks Microsoft's.
//! - [`connector`]: [`FakeConnector`], a stand-in for the Bot Connector the bot calls (open a
//!   1:1 conversation, post, replace and delete cards, read a member) and for the Azure AD token
//!   endpoint it gets its token from; it records every call, can be scripted to refuse, and
//!   keeps Microsoft's published rate limits when asked.
//! - [`graph`]: [`FakeGraph`], a stand-in for Microsoft Graph's user lookup and app installation
//!   (proactive installation): it records every call, refuses what the token's `roles` do not
//!   grant, and delivers the installation event of each app it installs to the app.
//! - [`sender`]: [`TeamsSender`], activities from the fake connector's members (installing the
//!   bot, writing to it, clicking its cards) posted to an app signed by the token authority.

pub mod connector;
mod faults;
pub mod graph;
pub mod sender;
pub mod token_authority;

pub use self::connector::limits::ConnectorLimits;
pub use self::connector::{
    ConnectorCall, FakeActivity, FakeConnector, FakeMember, MAX_ACTIVITY_BYTES,
    RunningFakeConnector, SANDBOX_APP_ID, SANDBOX_APP_PASSWORD, SANDBOX_TENANT,
};
pub use self::graph::{FakeGraph, RunningFakeGraph, SANDBOX_CATALOG_APP_ID};
pub use self::sender::{TeamsAnswer, TeamsSendError, TeamsSender};
pub use self::token_authority::{SANDBOX_KID, ServedAuthority, TokenAuthority, TokenBuilder};
