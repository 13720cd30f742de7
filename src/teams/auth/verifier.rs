//! [`ActivityVerifier`]: whether an activity posted to the bot comes from the Bot Framework, for
//! this bot, about the service URL it names, on behalf of Teams.

use std::sync::Arc;

use super::TEAMS_CHANNEL;
use super::keys::BotKeys;
use super::refusal::Refusal;
use super::token::{self, Expected, VerifiedToken};
use super::verified::VerifiedSignatures;

/// What an activity's body says about where it comes from, read before its token is checked
/// (the rest of the body is read only after).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Claimed<'a> {
    /// Its `serviceUrl`, when it names one.
    pub service_url: Option<&'a str>,
    /// Its `channelId`, when it names one.
    pub channel: Option<&'a str>,
}

/// Checks the `Authorization` of each activity against the cached Bot Framework keys. A token
/// seen before has its signature taken as verified and every other check made again
/// ([`VerifiedSignatures`]). Cheap to clone; clones share the key cache and the tokens seen.
#[derive(Debug, Clone)]
pub struct ActivityVerifier {
    app_id: String,
    keys: BotKeys,
    verified: Arc<VerifiedSignatures>,
}

impl ActivityVerifier {
    /// A verifier for the bot whose Microsoft App ID is `app_id`, reading keys through `keys`.
    pub fn new(app_id: impl Into<String>, keys: BotKeys) -> Self {
        Self {
            app_id: app_id.into(),
            keys,
            verified: Arc::default(),
        }
    }

    /// Checks the `Authorization` header value (`None` when it has none) of a Teams activity
    /// naming `service_url`. Only the token's header is read before its key is looked up; the
    /// key is read again first when the token names one the cache does not hold.
    pub async fn verify(
        &self,
        authorization: Option<&str>,
        service_url: &str,
    ) -> Result<VerifiedToken, Refusal> {
        let claimed = Claimed {
            service_url: Some(service_url),
            channel: Some(TEAMS_CHANNEL),
        };
        self.verify_activity(authorization, claimed).await
    }

    /// Checks the `Authorization` header value of an activity against what its body `claimed`:
    /// the token's `serviceurl` must be the body's `serviceUrl`, and the body's `channelId` must
    /// be Teams with the key endorsed for it (403 otherwise).
    ///
    /// A body that names neither (not an activity at all) is checked for everything else, with
    /// Teams as its channel, so that its sender can be told 400 only once the token is known to
    /// be genuine; such a body must never be acted on.
    pub async fn verify_activity(
        &self,
        authorization: Option<&str>,
        claimed: Claimed<'_>,
    ) -> Result<VerifiedToken, Refusal> {
        let token = token::bearer(authorization)?;
        let kid = token::key_id(token)?;
        let key = self.keys.key(&kid).await?;
        let expected = Expected {
            app_id: &self.app_id,
            service_url: claimed.service_url,
            channel: claimed.channel.unwrap_or(TEAMS_CHANNEL),
        };
        let now = jiff::Timestamp::now().as_second().unsigned_abs();
        if let Some(outcome) = self.verified.check(token, &key, expected, now) {
            return outcome;
        }
        let claims = token::signed_claims(token, &key)?;
        let outcome = token::check_claims(&claims, &key, expected);
        // Its signature verified: whatever this activity's other checks say, the next activity
        // with this token needs only those.
        self.verified.remember(token, &key, claims, now);
        outcome
    }
}
