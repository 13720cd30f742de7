//! Verifying that an activity posted to the bot comes from the Bot Framework, for this bot and
//! on behalf of Teams, before anything else is done with it.
//!
//! Every activity carries `Authorization: Bearer <JWT>`. [`ActivityVerifier::verify`] accepts it
//! only when all of these hold, and otherwise names the first that does not ([`Refusal`]):
//!
//! 1. the header is `Bearer <token>` and the token is a JWT signed with RS256 (nothing else, so
//!    neither `none` nor an HMAC keyed with something public) naming its key (`kid`);
//! 2. the signature verifies with the key of that `kid` among those the Bot Framework publishes
//!    (its OpenID metadata document names the JWKS; [`keys`] caches them);
//! 3. `exp` and `nbf` hold, with [`CLOCK_SKEW`] of tolerance;
//! 4. `iss` is [`BOT_FRAMEWORK_ISSUER`] and `aud` is this bot's Microsoft App ID;
//! 5. the `serviceurl` claim is the activity's `serviceUrl` (ignoring case and a trailing `/`);
//! 6. the activity's `channelId` is [`TEAMS_CHANNEL`] and the key is endorsed for it: otherwise
//!    the refusal is a 403, every other one a 401 ([`Refusal::status`]).
//!
//! There is no switch that turns any of this off. The route that uses it is `POST /api/messages`
//! ([`crate::teams::routes`]), which reads only `serviceUrl` and `channelId` from the body
//! ([`Claimed`]) before the token is checked.
//!
//! - [`verifier`]: [`ActivityVerifier`], the whole check.
//! - [`token`]: the checks on one token given its key (pure).
//! - [`verified`]: the tokens whose signature already verified, so that the token the Bot
//!   Framework sends with activity after activity has its signature checked once; every other
//!   check is made on each activity, and a key read again verifies the token again.
//! - [`keys`]: [`BotKeys`], the cache of the published keys: read again daily and when a token
//!   names an unknown key, one caller at a time.
//! - [`fetch`]: reading the metadata and the keys over HTTP, each answer size-capped.
//! - [`key_set`]: the JWKS document read into keys with their endorsements (pure).
//! - [`refusal`]: [`Refusal`], why a token was refused.

pub mod fetch;
pub mod key_set;
pub mod keys;
pub mod refusal;
pub mod token;
pub mod verified;
pub mod verifier;

use std::time::Duration;

pub use self::fetch::KeyFetchError;
pub use self::keys::BotKeys;
pub use self::refusal::Refusal;
pub use self::token::VerifiedToken;
pub use self::verifier::{ActivityVerifier, Claimed};

/// Where the public cloud's Bot Framework publishes its OpenID metadata.
pub const BOT_FRAMEWORK_METADATA_URL: &str =
    "https://login.botframework.com/v1/.well-known/openidconfiguration";

/// The issuer of every token the Bot Framework sends to a bot.
pub const BOT_FRAMEWORK_ISSUER: &str = "https://api.botframework.com";

/// The channel id of Microsoft Teams: the endorsement a key needs.
pub const TEAMS_CHANNEL: &str = "msteams";

/// Tolerance for the difference between the Bot Framework's clock and this host's.
pub const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
