//! The cache of the Bot Framework's signing keys, shared by every request.
//!
//! Keys are read when first needed, read again once they are [`KEYS_FRESH_FOR`] old, and read
//! again when a token names a `kid` the cache does not hold (Microsoft publishes a new key before
//! it signs with it). Reading is one caller at a time: callers that need a read queue on one async
//! mutex; the first reads, and everyone who was waiting takes that read's result instead of
//! reading again. Reads are also at least [`REREAD_GAP`] apart, so a burst of tokens naming
//! made-up `kid`s costs Microsoft (or whoever answers at the metadata address) one read, not one
//! per token. When a read fails, keys read before stay in use and the failure is logged; with no
//! keys at all, tokens are refused ([`Refusal::KeysUnavailable`]) until a read succeeds.
//!
//! Time is `tokio::time`, so tests can pause it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::BOT_FRAMEWORK_METADATA_URL;
use super::fetch::{self, KeyFetchError};
use super::key_set::{KeySet, PublishedKey};
use super::refusal::{Refusal, quoted};
use crate::telemetry::chain;

/// Keys older than this are read again before they are used.
pub const KEYS_FRESH_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// The shortest time between two reads of the keys, whatever asks for them.
pub const REREAD_GAP: Duration = Duration::from_secs(5);

/// The Bot Framework's signing keys, cached. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct BotKeys {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    metadata_url: Url,
    state: Mutex<State>,
    /// Held by the one caller reading the keys; the others wait here for its result.
    reading: tokio::sync::Mutex<()>,
}

/// What the cache knows. Cloned out of its mutex whole (the key set is shared), never held
/// across an await.
#[derive(Clone, Default)]
struct State {
    /// The keys of the last successful read.
    keys: Option<Arc<KeySet>>,
    /// When they were read.
    read_at: Option<Instant>,
    /// Reads finished so far, successful or not: a waiter that sees this change takes that
    /// read's result instead of reading again.
    reads: u64,
    /// When the last read finished.
    last_read: Option<Instant>,
    /// Why the last read failed, if it did.
    last_failure: Option<Arc<KeyFetchError>>,
}

impl State {
    fn fresh(&self, now: Instant) -> bool {
        self.read_at
            .is_some_and(|read_at| now.saturating_duration_since(read_at) < KEYS_FRESH_FOR)
    }

    fn may_read_again(&self, now: Instant) -> bool {
        self.last_read
            .is_none_or(|last| now.saturating_duration_since(last) >= REREAD_GAP)
    }

    fn find(&self, kid: &str) -> Option<Arc<PublishedKey>> {
        self.keys.as_ref().and_then(|keys| keys.get(kid))
    }
}

impl BotKeys {
    /// A cache reading the keys named by the OpenID metadata document at `metadata_url`. Nothing
    /// is read until a key is first asked for.
    pub fn new(metadata_url: Url) -> Result<Self, KeyFetchError> {
        Ok(Self {
            inner: Arc::new(Inner {
                http: fetch::http_client()?,
                metadata_url,
                state: Mutex::new(State::default()),
                reading: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// A cache of the public cloud's keys ([`BOT_FRAMEWORK_METADATA_URL`]).
    pub fn bot_framework() -> Result<Self, KeyFetchError> {
        let url = Url::parse(BOT_FRAMEWORK_METADATA_URL)
            .unwrap_or_else(|err| unreachable!("the Bot Framework metadata URL is valid: {err}"));
        Self::new(url)
    }

    /// Where the metadata document is read.
    pub fn metadata_url(&self) -> &Url {
        &self.inner.metadata_url
    }

    /// The published key with id `kid`: from the cache while it is fresh and holds it, otherwise
    /// after reading the keys again (or taking the result of a read another caller started while
    /// this one waited).
    pub async fn key(&self, kid: &str) -> Result<Arc<PublishedKey>, Refusal> {
        let seen = self.state();
        if seen.fresh(Instant::now())
            && let Some(key) = seen.find(kid)
        {
            return Ok(key);
        }
        let _turn = self.inner.reading.lock().await;
        let current = self.state();
        let read_meanwhile = current.reads != seen.reads;
        if !read_meanwhile && current.may_read_again(Instant::now()) {
            let why = if current.keys.is_none() {
                "no keys yet"
            } else if !current.fresh(Instant::now()) {
                "keys a day old"
            } else {
                "unknown key id"
            };
            self.read(why).await;
        }
        let after = self.state();
        if let Some(key) = after.find(kid) {
            return Ok(key);
        }
        match (&after.keys, &after.last_failure) {
            (None, Some(failure)) => Err(Refusal::KeysUnavailable(failure.clone())),
            _ => Err(Refusal::UnknownKey { kid: quoted(kid) }),
        }
    }

    /// Reads the keys and records the outcome. Called only with `reading` held.
    async fn read(&self, why: &'static str) {
        let url = &self.inner.metadata_url;
        let outcome = fetch::read_keys(&self.inner.http, url).await;
        let now = Instant::now();
        let mut state = self.lock();
        state.reads += 1;
        state.last_read = Some(now);
        match outcome {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), %url, why, "read the Bot Framework signing keys");
                state.keys = Some(Arc::new(keys));
                state.read_at = Some(now);
                state.last_failure = None;
            }
            Err(err) => {
                let kept = state.keys.as_ref().map_or(0, |keys| keys.len());
                tracing::warn!(error = %chain(&err), %url, why, kept, "could not read the Bot Framework signing keys; keys read before stay in use");
                state.last_failure = Some(Arc::new(err));
            }
        }
    }

    fn state(&self) -> State {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for BotKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("BotKeys")
            .field("metadata_url", &self.inner.metadata_url.as_str())
            .field("keys", &state.keys.as_ref().map_or(0, |keys| keys.len()))
            .field("reads", &state.reads)
            .finish()
    }
}
