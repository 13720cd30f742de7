//! The transport rules every Coupa call follows, shared by the token source ([`super::auth`]) and
//! the API client ([`super::client`]): the process-wide rate limit, the retry policy with its
//! backoff, `Retry-After`, the request metrics, and shortening Coupa's texts for logs and users.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;
use url::Url;

/// How reads are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (the 401 retry does not count).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubled for each one after.
    pub base_delay: Duration,
    /// Backoff never exceeds this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails with
    /// [`CoupaError::RateLimited`] (or the server error) carrying the delay.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter before retry number `retry` (from 1): a random delay
    /// between half and all of `base_delay × 2^(retry-1)`, capped at `max_delay`. The jitter keeps
    /// many tasks that failed together from retrying together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(16);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::random_range(nanos / 2..=nanos))
    }
}

/// How much more network delay one call may meet than another a second later without Coupa
/// seeing more than `COUPA_MAX_RPS` arrivals in a second; costs 5% of the rate.
pub const JITTER_ALLOWANCE: Duration = Duration::from_millis(50);

/// Spaces calls evenly so the process stays under `COUPA_MAX_RPS`, whatever the number of tasks.
///
/// Each caller reserves the next free slot and sleeps until it. There is no burst allowance, and
/// slots are `(1 s + JITTER_ALLOWANCE) / rps` apart rather than `1 / rps`: any `rps + 1`
/// consecutive calls then leave at least [`JITTER_ALLOWANCE`] more than a second apart, so
/// Coupa, which counts arrivals, never sees more than `rps` in any one-second window unless the
/// network delays one call that much more than another. Uses `tokio::time`, so paused-clock tests
/// control it.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// At most `rps` calls per second (0 is read as 1), as Coupa counts them.
    pub fn per_second(rps: u32) -> Self {
        Self {
            interval: (Duration::from_secs(1) + JITTER_ALLOWANCE) / rps.max(1),
            next_slot: Mutex::new(None),
        }
    }

    /// The limiter shared by every client of the Coupa instance at `instance` with the same `rps`
    /// in this process, so that building a second client cannot double the rate. It lives as
    /// long as some client holds it.
    pub fn shared(instance: &Url, rps: u32) -> Arc<RateLimiter> {
        type Registry = HashMap<(String, u32), Weak<RateLimiter>>;
        static SHARED: OnceLock<Mutex<Registry>> = OnceLock::new();
        let mut registry = SHARED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let key = (instance.origin().ascii_serialization(), rps);
        if let Some(limiter) = registry.get(&key).and_then(Weak::upgrade) {
            return limiter;
        }
        registry.retain(|_, limiter| limiter.strong_count() > 0);
        let limiter = Arc::new(RateLimiter::per_second(rps));
        registry.insert(key, Arc::downgrade(&limiter));
        limiter
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        let slot = {
            // A poisoned lock still holds a valid instant: keep going rather than panic.
            let mut next = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Records one HTTP exchange in the metrics.
pub(crate) fn record_call(endpoint: &'static str, status: &str, elapsed: Duration) {
    metrics::counter!(
        "coupa_requests_total",
        "endpoint" => endpoint,
        "status" => status.to_owned()
    )
    .increment(1);
    metrics::histogram!("coupa_request_duration_seconds", "endpoint" => endpoint)
        .record(elapsed.as_secs_f64());
}

/// Reads `Retry-After` as delay-seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` of a response, if it has a readable one.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_retry_after: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.backoff(10);
            assert!(capped >= Duration::from_millis(175) && capped <= Duration::from_millis(350));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_spaces_calls_evenly() {
        let limiter = RateLimiter::per_second(20);
        let started = Instant::now();
        for _ in 0..21 {
            limiter.acquire().await;
        }
        // 21 calls at 20/s: the first at once, the last a second and the allowance later.
        assert_eq!(started.elapsed(), Duration::from_secs(1) + JITTER_ALLOWANCE);
    }

    #[test]
    fn clients_of_one_instance_share_one_limiter() {
        let acme = Url::parse("https://acme.coupahost.com").unwrap();
        let other = Url::parse("https://other.coupahost.com").unwrap();
        let first = RateLimiter::shared(&acme, 20);
        assert!(Arc::ptr_eq(&first, &RateLimiter::shared(&acme, 20)));
        assert!(!Arc::ptr_eq(&first, &RateLimiter::shared(&other, 20)));
    }

    #[test]
    fn shorten_cuts_on_character_boundaries() {
        assert_eq!(shorten("héllo", 2), "hé…");
        assert_eq!(shorten("hi", 2), "hi");
    }
}
