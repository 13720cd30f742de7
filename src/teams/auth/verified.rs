//! [`VerifiedSignatures`]: tokens whose RS256 signature already verified, so that the same token
//! on the next activity is not verified again.
//!
//! The Bot Framework obtains one token for a bot and sends it with every activity until it is
//! nearly expired (about an hour), so almost every activity carries a token the bot has already
//! seen. Verifying its signature again would prove nothing new: the signature covers exactly the
//! bytes of the token, and an identical token is an identical proof. What can change is checked
//! on every activity, hit or miss: the lifetime (`exp`, `nbf` against the clock now), the issuer,
//! the audience, the service URL against this activity's, the channel and the key's endorsement.
//!
//! An entry holds the very key that verified it ([`PublishedKey`] behind its `Arc`): when the
//! keys are read again, the published key is a new one and the token is verified in full, so a
//! key Microsoft stops publishing stops vouching for tokens at once. Only tokens whose signature
//! verified are remembered (nobody can add an entry without the Bot Framework's private key), at
//! most [`MAX_REMEMBERED`] of them; tokens are never logged.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::key_set::PublishedKey;
use super::refusal::Refusal;
use super::token::{self, Claims, Expected, VerifiedToken};

/// How many verified tokens are remembered: far more than the Bot Framework uses at once (one
/// per bot, renewed hourly), few enough to stay small (a token is about a kilobyte).
pub const MAX_REMEMBERED: usize = 2048;

/// Tokens whose signature verified, with their claims and the key that verified them. Shared by
/// the clones of a verifier.
#[derive(Default)]
pub struct VerifiedSignatures {
    tokens: Mutex<HashMap<String, Remembered>>,
}

struct Remembered {
    key: Arc<PublishedKey>,
    claims: Claims,
}

impl fmt::Debug for VerifiedSignatures {
    // The tokens are credentials: only their number is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedSignatures")
            .field("remembered", &self.len())
            .finish()
    }
}

impl VerifiedSignatures {
    /// The outcome for `token`, if its signature verified earlier with `key` (the key its header
    /// names now): every check but the signature, made again at `now` (seconds since the epoch).
    /// `None` when it must be verified in full.
    pub fn check(
        &self,
        token: &str,
        key: &Arc<PublishedKey>,
        expected: Expected<'_>,
        now: u64,
    ) -> Option<Result<VerifiedToken, Refusal>> {
        let tokens = self.lock();
        let remembered = tokens.get(token)?;
        if !Arc::ptr_eq(&remembered.key, key) {
            return None;
        }
        Some(
            token::within_lifetime(&remembered.claims, now)
                .and_then(|()| token::check_claims(&remembered.claims, key, expected)),
        )
    }

    /// Remembers that `token`'s signature verified with `key`, with its `claims`. When full, the
    /// tokens expired at `now` are forgotten first, then all of them.
    pub fn remember(&self, token: &str, key: &Arc<PublishedKey>, claims: Claims, now: u64) {
        let mut tokens = self.lock();
        if tokens.len() >= MAX_REMEMBERED && !tokens.contains_key(token) {
            tokens.retain(|_, r| token::within_lifetime(&r.claims, now).is_ok());
            if tokens.len() >= MAX_REMEMBERED {
                tokens.clear();
            }
        }
        tokens.insert(
            token.to_owned(),
            Remembered {
                key: key.clone(),
                claims,
            },
        );
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map, even after a panic elsewhere poisoned the lock (each entry stands alone).
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Remembered>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::teams::TokenAuthority;
    use crate::teams::auth::TEAMS_CHANNEL;
    use crate::teams::auth::key_set::KeySet;

    const APP_ID: &str = "5b1c6a2e-0000-4000-8000-00000000b07";
    const SERVICE_URL: &str = "https://smba.trafficmanager.net/emea/";

    fn expected(service_url: &str) -> Expected<'_> {
        Expected {
            app_id: APP_ID,
            service_url: Some(service_url),
            channel: TEAMS_CHANNEL,
        }
    }

    /// The authority's published keys, read as the bot reads them (each read makes new keys).
    fn key(authority: &TokenAuthority, token: &str) -> Arc<PublishedKey> {
        let jwks = serde_json::to_vec(&authority.jwks()).unwrap();
        let kid = token::key_id(token).unwrap();
        KeySet::from_jwks(&jwks).unwrap().get(&kid).unwrap()
    }

    fn now() -> u64 {
        jiff::Timestamp::now().as_second().unsigned_abs()
    }

    /// Verifies `token` in full and remembers it, as the verifier does on a miss.
    fn verify_and_remember(
        verified: &VerifiedSignatures,
        token: &str,
        key: &Arc<PublishedKey>,
    ) -> Result<VerifiedToken, Refusal> {
        let claims = token::signed_claims(token, key)?;
        let outcome = token::check_claims(&claims, key, expected(SERVICE_URL));
        verified.remember(token, key, claims, now());
        outcome
    }

    #[test]
    fn a_token_seen_before_passes_without_its_signature_and_with_every_other_check() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let key = key(&authority, &token);
        let verified = VerifiedSignatures::default();
        assert!(
            verified
                .check(&token, &key, expected(SERVICE_URL), now())
                .is_none()
        );
        let first = verify_and_remember(&verified, &token, &key).unwrap();

        let again = verified
            .check(&token, &key, expected(SERVICE_URL), now())
            .expect("remembered")
            .unwrap();
        assert_eq!(again, first);
        // The service URL is compared with this activity's, every time.
        let elsewhere = verified
            .check(&token, &key, expected("https://evil.example.com/"), now())
            .expect("remembered");
        assert!(matches!(elsewhere, Err(Refusal::ServiceUrlMismatch { .. })));
        // And the lifetime against the clock now: an hour and a bit later it has expired.
        let later = verified
            .check(&token, &key, expected(SERVICE_URL), now() + 2 * 3600)
            .expect("remembered");
        assert!(matches!(later, Err(Refusal::Expired)), "{later:?}");
    }

    #[test]
    fn a_token_is_verified_in_full_again_once_the_keys_are_read_again() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let verified = VerifiedSignatures::default();
        verify_and_remember(&verified, &token, &key(&authority, &token)).unwrap();
        let read_again = key(&authority, &token);
        assert!(
            verified
                .check(&token, &read_again, expected(SERVICE_URL), now())
                .is_none()
        );
    }

    #[test]
    fn a_token_whose_signature_fails_is_never_remembered() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let key = key(&authority, &token);
        // Another signature: a character inside the base64url signature changed.
        let at = token.len() - 10;
        let other = if &token[at..=at] == "A" { "B" } else { "A" };
        let forged = format!("{}{other}{}", &token[..at], &token[at + 1..]);
        let verified = VerifiedSignatures::default();
        assert!(matches!(
            verify_and_remember(&verified, &forged, &key),
            Err(Refusal::BadSignature { .. })
        ));
        assert!(verified.is_empty());
        assert!(
            verified
                .check(&forged, &key, expected(SERVICE_URL), now())
                .is_none()
        );
    }

    #[test]
    fn no_more_than_the_limit_is_remembered_and_expired_tokens_go_first() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let key = key(&authority, &token);
        let claims = token::signed_claims(&token, &key).unwrap();
        let verified = VerifiedSignatures::default();
        for n in 0..MAX_REMEMBERED {
            verified.remember(&format!("{token}{n}"), &key, claims.clone(), now());
        }
        assert_eq!(verified.len(), MAX_REMEMBERED);
        // Full and nothing expired: all are forgotten for the new one.
        verified.remember(&token, &key, claims.clone(), now());
        assert_eq!(verified.len(), 1);
        for n in 1..MAX_REMEMBERED {
            verified.remember(&format!("{token}{n}"), &key, claims.clone(), now());
        }
        // Two hours on, every one of them has expired: they go, the new one stays.
        verified.remember("another", &key, claims, now() + 2 * 3600);
        assert_eq!(verified.len(), 1);
        assert!(format!("{verified:?}").contains("remembered: 1"));
    }
}
