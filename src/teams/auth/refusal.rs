//! Why an activity's token was refused: one variant per reason, worded for the log line the route
//! writes (the caller is told only 401 or 403).

use std::sync::Arc;

use axum::http::StatusCode;

use super::fetch::KeyFetchError;
use super::{BOT_FRAMEWORK_ISSUER, TEAMS_CHANNEL};

/// The longest claim value quoted in a refusal; a forged token can carry anything.
const QUOTED_CHARS: usize = 120;

/// Why the `Authorization` of an activity was not accepted.
///
/// Every reason is answered 401 except [`Refusal::NotEndorsed`] and [`Refusal::OtherChannel`]
/// (403, see [`Refusal::status`]): that token was genuine and meant for this bot, but signed with
/// a key the Bot Framework does not endorse for Teams, or sent with an activity from another
/// channel.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No `Authorization` header at all.
    #[error("the request has no Authorization header")]
    NoAuthorization,
    /// A header with another scheme, no token, or bytes that are not text.
    #[error("the Authorization header is not `Bearer <token>`")]
    NotBearer,
    /// The token is not a JWT (three base64url parts, a JSON header and payload).
    #[error("the bearer token is not a well-formed JWT: {what}")]
    Malformed {
        /// Which part is wrong.
        what: &'static str,
    },
    /// The token names another algorithm than RS256 (`none` and `HS256` included).
    #[error("the token is signed with {alg}, not RS256")]
    AlgorithmNotAllowed {
        /// The `alg` the token's header names.
        alg: String,
    },
    /// The token's header has no `kid`, so no published key can be chosen.
    #[error("the token's header names no signing key (no `kid`)")]
    NoKeyId,
    /// No published key has the token's `kid`, even after the keys were read again (or they were
    /// read again too recently to do it once more).
    #[error("no Bot Framework signing key has the id {kid}, as of the keys' latest read")]
    UnknownKey {
        /// The `kid` the token names (quoted, shortened).
        kid: String,
    },
    /// The signing keys could not be read, and none are cached.
    #[error("the Bot Framework signing keys could not be read, so no token can be checked")]
    KeysUnavailable(#[source] Arc<KeyFetchError>),
    /// The signature does not verify with the published key the token names.
    #[error("the token's signature does not verify with the Bot Framework key {kid:?}")]
    BadSignature {
        /// The key the signature was checked with.
        kid: String,
    },
    /// `exp` is more than the allowed clock skew in the past.
    #[error("the token has expired (beyond 5 minutes of clock skew)")]
    Expired,
    /// `nbf` is more than the allowed clock skew in the future.
    #[error("the token is not valid yet (beyond 5 minutes of clock skew)")]
    NotYetValid,
    /// A claim that must be there is missing or not of its type (`exp` a number, for example).
    #[error("the token's claims are not what the Bot Framework issues: {what}")]
    BadClaims {
        /// What is wrong with them.
        what: String,
    },
    /// `iss` is not the Bot Framework's.
    #[error("the token was issued by {found}, not {BOT_FRAMEWORK_ISSUER}")]
    WrongIssuer {
        /// The `iss` the token carries (quoted, shortened), or `nobody` when it has none.
        found: String,
    },
    /// `aud` is not this bot's Microsoft App ID.
    #[error("the token is meant for {found}, not this bot's Microsoft App ID")]
    WrongAudience {
        /// The `aud` the token carries (quoted, shortened), or `nobody` when it has none.
        found: String,
    },
    /// The token has no `serviceurl` claim.
    #[error("the token has no serviceurl claim")]
    NoServiceUrlClaim,
    /// The token was issued for another service URL than the activity names.
    #[error("the token's serviceurl {token} is not the activity's serviceUrl {activity}")]
    ServiceUrlMismatch {
        /// The token's `serviceurl` (quoted, shortened).
        token: String,
        /// The activity's `serviceUrl` (quoted, shortened).
        activity: String,
    },
    /// The token is genuine, but its key is not endorsed for Teams.
    #[error("the Bot Framework key {kid:?} is not endorsed for {TEAMS_CHANNEL}")]
    NotEndorsed {
        /// The key that signed the token.
        kid: String,
    },
    /// The token is genuine, but the activity comes through another channel than Teams (Web
    /// Chat, Direct Line, …), where the sender's identity is not Teams' to vouch for.
    #[error("the activity comes through channel {channel}, not {TEAMS_CHANNEL}")]
    OtherChannel {
        /// The activity's `channelId` (quoted, shortened).
        channel: String,
    },
}

impl Refusal {
    /// The HTTP status to answer with: 403 when the key is not endorsed for Teams or the activity
    /// is from another channel, 401 for everything else.
    pub fn status(&self) -> StatusCode {
        if self.is_forbidden() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        }
    }

    /// Whether the token was genuine and for this bot but not allowed to speak for Teams
    /// ([`Refusal::NotEndorsed`], [`Refusal::OtherChannel`]).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::NotEndorsed { .. } | Self::OtherChannel { .. })
    }
}

/// `value` for a log line: JSON-quoted, cut after [`QUOTED_CHARS`] characters.
pub(super) fn quoted(value: &str) -> String {
    let mut shown: String = value.chars().take(QUOTED_CHARS).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unendorsed_key_is_answered_403() {
        let forbidden = Refusal::NotEndorsed { kid: "k".into() };
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        let elsewhere = Refusal::OtherChannel {
            channel: "\"webchat\"".into(),
        };
        assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
        for refusal in [
            Refusal::NoAuthorization,
            Refusal::Expired,
            Refusal::UnknownKey {
                kid: "\"k\"".into(),
            },
            Refusal::WrongAudience {
                found: "\"other\"".into(),
            },
        ] {
            assert_eq!(refusal.status(), StatusCode::UNAUTHORIZED, "{refusal}");
            assert!(!refusal.is_forbidden());
        }
    }

    #[test]
    fn long_claim_values_are_cut_in_the_log_line() {
        let long = "x".repeat(10_000);
        let shown = quoted(&long);
        assert_eq!(shown.chars().count(), QUOTED_CHARS + 3, "{shown}");
        assert!(shown.ends_with("…\""));
        assert_eq!(quoted("https://smba.example/"), "\"https://smba.example/\"");
    }
}
