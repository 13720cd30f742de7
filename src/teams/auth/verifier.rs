//! [`ActivityVerifier`]: whether an activity posted to the bot comes from the Bot Framework, for
//! this bot, about the service URL it names, on behalf of Teams.

use super::keys::BotKeys;
use super::refusal::Refusal;
use super::token::{self, Expected, VerifiedToken};

/// Checks the `Authorization` of each activity against the cached Bot Framework keys. Cheap to
/// clone; clones share the key cache.
#[derive(Debug, Clone)]
pub struct ActivityVerifier {
    app_id: String,
    keys: BotKeys,
}

impl ActivityVerifier {
    /// A verifier for the bot whose Microsoft App ID is `app_id`, reading keys through `keys`.
    pub fn new(app_id: impl Into<String>, keys: BotKeys) -> Self {
        Self {
            app_id: app_id.into(),
            keys,
        }
    }

    /// Checks an activity's `Authorization` header value (`None` when it has none) against the
    /// activity's `serviceUrl`. Only the token's header is read before its key is looked up; the
    /// key is read again first when the token names one the cache does not hold.
    pub async fn verify(
        &self,
        authorization: Option<&str>,
        service_url: &str,
    ) -> Result<VerifiedToken, Refusal> {
        let token = token::bearer(authorization)?;
        let kid = token::key_id(token)?;
        let key = self.keys.key(&kid).await?;
        token::check(
            token,
            &key,
            Expected {
                app_id: &self.app_id,
                service_url,
            },
        )
    }
}
