//! One OAuth2 access token shared by every task of the process, renewed early and one request at
//! a time. Coupa's token source ([`crate::coupa::auth`]) and the bot's Bot Connector token
//! ([`crate::teams::connector_token`]) both keep theirs here; each brings its own request and
//! error type.
//!
//! A token is renewed at 80 % of its lifetime, or once fewer than five minutes remain, whichever
//! comes first ([`renew_after`]). Renewal is single flight: callers queue on one async mutex, the
//! first renews, and everyone who was waiting takes that renewal's result — success or failure —
//! instead of asking again. A rejection by the API renews only if nobody has renewed since the
//! rejected token was handed out. When an early renewal fails while the token still works, the
//! token keeps being used and renewal is tried again after [`RENEW_RETRY`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::coupa::body::{ReadError, read_capped};

/// Renew when fewer than this remain, even before 80 % of the lifetime has passed.
pub const RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Lifetime assumed when the token response has no `expires_in`; a rejection renews sooner.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Longest lifetime believed, whatever `expires_in` says (keeps instant arithmetic in range).
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// After an early renewal fails while the token still works, wait this long before trying again.
pub const RENEW_RETRY: Duration = Duration::from_secs(30);

/// Sends `request` (an `oauth2` token request) through `http` and reads the answer up to
/// `limit` bytes: what both token sources' HTTP hooks do before judging the answer.
pub(crate) async fn exchange_capped(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
    limit: usize,
) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), ReadError> {
    let request = reqwest::Request::try_from(request).map_err(ReadError::Transport)?;
    let response = http.execute(request).await.map_err(ReadError::Transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(response, limit).await?;
    Ok((status, headers, body))
}

/// An accepted token answer, handed back to `oauth2` to parse.
pub(crate) fn http_response(
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
) -> oauth2::HttpResponse {
    let mut response = oauth2::HttpResponse::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// How long after issue a token of `lifetime` should be renewed: at 80 % of its lifetime, or
/// when [`RENEW_MARGIN`] remains, whichever is earlier.
pub fn renew_after(lifetime: Duration) -> Duration {
    (lifetime * 4 / 5).min(lifetime.saturating_sub(RENEW_MARGIN))
}

/// A token just received from a token endpoint.
pub(crate) struct Fresh {
    /// `Bearer …`, marked sensitive.
    pub header: HeaderValue,
    /// `expires_in`, when the endpoint said.
    pub lifetime: Option<Duration>,
    /// The scopes the endpoint says it granted, when it says.
    pub scopes: Option<Vec<String>>,
    /// When the request was sent: the lifetime counts from there.
    pub issued: Instant,
}

/// A token handed to one caller.
#[derive(Clone)]
pub(crate) struct Handed {
    /// The `Authorization` header value (sensitive).
    pub header: HeaderValue,
    /// Which fetch produced it; a rejection renews only if this is still the cached one.
    pub generation: u64,
}

/// The cached token and the last failure; `F` is the owner's failure, handed to every waiter.
pub(crate) struct TokenCache<F> {
    /// Completed fetches (successful or not). Read before queueing on `slot`, it tells a waiter
    /// whether someone else renewed while it waited.
    fetches: AtomicU64,
    slot: Mutex<Slot<F>>,
    /// Logs a failed request, once however many callers it fails.
    on_failure: FailureLog<F>,
}

/// Told of each failed request, once, with what it left the callers with.
type FailureLog<F> = Box<dyn Fn(&F, Outcome) + Send + Sync>;

/// What a failed request left the callers with, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An early renewal failed; the current token still works and stays in use.
    KeptCurrent,
    /// There is no valid token: the callers get the failure.
    NoToken,
}

struct Slot<F> {
    current: Option<Cached>,
    /// Why the latest fetch failed, handed to the callers that waited for it.
    last_failure: Option<F>,
}

struct Cached {
    handed: Handed,
    renew_at: Instant,
    expires_at: Instant,
    scopes: Option<Vec<String>>,
}

impl<F: Clone> TokenCache<F> {
    /// An empty cache; `on_failure` is told of each failed request, once.
    pub fn new(on_failure: impl Fn(&F, Outcome) + Send + Sync + 'static) -> Self {
        Self {
            fetches: AtomicU64::new(0),
            slot: Mutex::new(Slot {
                current: None,
                last_failure: None,
            }),
            on_failure: Box::new(on_failure),
        }
    }

    /// A valid token: the cached one while it is fresh, else one `fetch` shared by all callers.
    pub async fn token<Fut>(&self, fetch: impl FnOnce() -> Fut) -> Result<Handed, F>
    where
        Fut: Future<Output = Result<Fresh, F>>,
    {
        let seen = self.fetches.load(Ordering::Acquire);
        let mut slot = self.slot.lock().await;
        let now = Instant::now();
        let renewed_meanwhile = self.fetches.load(Ordering::Acquire) != seen;
        if let Some(cached) = &slot.current {
            // A token renewed while we queued is taken even if it is already due for renewal
            // (a short-lived token): otherwise every waiter would renew once more.
            if now < cached.renew_at || (renewed_meanwhile && now < cached.expires_at) {
                return Ok(cached.handed.clone());
            }
        }
        if renewed_meanwhile && let Some(failure) = &slot.last_failure {
            return Err(failure.clone());
        }
        self.fetch(&mut slot, fetch).await
    }

    /// A new token after the API rejected the one of `rejected_generation`: one `fetch`,
    /// however many calls were rejected with the same token at the same time.
    pub async fn renew_after_rejection<Fut>(
        &self,
        rejected_generation: u64,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<Handed, F>
    where
        Fut: Future<Output = Result<Fresh, F>>,
    {
        let seen = self.fetches.load(Ordering::Acquire);
        let mut slot = self.slot.lock().await;
        if let Some(cached) = &slot.current
            && cached.handed.generation != rejected_generation
        {
            return Ok(cached.handed.clone());
        }
        if self.fetches.load(Ordering::Acquire) != seen
            && let Some(failure) = &slot.last_failure
        {
            return Err(failure.clone());
        }
        slot.current = None;
        self.fetch(&mut slot, fetch).await
    }

    /// The scopes granted with the cached token, when the endpoint listed them.
    pub async fn granted_scopes(&self) -> Option<Vec<String>> {
        let slot = self.slot.lock().await;
        slot.current.as_ref().and_then(|c| c.scopes.clone())
    }

    /// Runs `fetch` with the slot locked so nobody else does at the same time.
    async fn fetch<Fut>(&self, slot: &mut Slot<F>, fetch: impl FnOnce() -> Fut) -> Result<Handed, F>
    where
        Fut: Future<Output = Result<Fresh, F>>,
    {
        let result = fetch().await;
        let generation = self.fetches.load(Ordering::Acquire) + 1;
        let outcome = match result {
            Ok(fresh) => {
                let lifetime = fresh.lifetime.unwrap_or(DEFAULT_LIFETIME).min(MAX_LIFETIME);
                let handed = Handed {
                    header: fresh.header,
                    generation,
                };
                slot.current = Some(Cached {
                    handed: handed.clone(),
                    renew_at: fresh.issued + renew_after(lifetime),
                    expires_at: fresh.issued + lifetime,
                    scopes: fresh.scopes,
                });
                slot.last_failure = None;
                Ok(handed)
            }
            Err(failure) => {
                let now = Instant::now();
                match slot.current.as_mut().filter(|c| now < c.expires_at) {
                    // An early renewal failed but the token still works: keep using it, and
                    // try again shortly rather than on every call.
                    Some(cached) => {
                        cached.renew_at = (now + RENEW_RETRY).min(cached.expires_at);
                        (self.on_failure)(&failure, Outcome::KeptCurrent);
                        slot.last_failure = None;
                        Ok(cached.handed.clone())
                    }
                    None => {
                        slot.current = None;
                        (self.on_failure)(&failure, Outcome::NoToken);
                        slot.last_failure = Some(failure.clone());
                        Err(failure)
                    }
                }
            }
        };
        self.fetches.store(generation, Ordering::Release);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_long_token_is_renewed_at_eighty_percent() {
        let day = Duration::from_secs(86_399);
        assert_eq!(renew_after(day), day * 4 / 5);
    }

    #[test]
    fn a_short_token_is_renewed_five_minutes_before_expiry() {
        let ten_minutes = Duration::from_secs(600);
        assert_eq!(renew_after(ten_minutes), Duration::from_secs(300));
        assert_eq!(renew_after(Duration::from_secs(120)), Duration::ZERO);
    }
}
