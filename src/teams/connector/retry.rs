//! When a call to the Bot Connector is tried again, and after how long.
//!
//! 429 (rate limited) and 412, 502, 503, 504 (the connector's transient failures) are retried:
//! after the answer's `Retry-After` (seconds or an HTTP date) when it has one, else after an
//! exponential backoff with jitter (about 1 s, doubling, at most 30 s). A call gives up after
//! [`RetryPolicy::max_attempts`], when `Retry-After` asks for longer than
//! [`RetryPolicy::max_retry_after`], or when the next wait would take it past
//! [`RetryPolicy::max_total`]. A connection failure is not retried: a card may have been posted
//! already, and posting it again would show it twice.

use std::time::Duration;

use reqwest::StatusCode;

use crate::coupa::transport::RetryPolicy as Backoff;
pub use crate::coupa::transport::parse_retry_after;

/// How calls are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (the retry after a token renewal does not count).
    pub max_attempts: u32,
    /// Backoff before the first retry without `Retry-After`; doubled for each one after.
    pub base_delay: Duration,
    /// Backoff never exceeds this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for.
    pub max_retry_after: Duration,
    /// A call stops retrying when the next wait would end later than this after it began.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            max_total: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter before retry number `retry` (from 1): between half and
    /// all of `base_delay × 2^(retry-1)`, capped at `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        Backoff {
            max_attempts: self.max_attempts,
            base_delay: self.base_delay,
            max_delay: self.max_delay,
            max_retry_after: self.max_retry_after,
        }
        .backoff(retry)
    }
}

/// Whether an answer with `status` is worth trying again.
pub fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 412 | 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(5)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("later", now), None);
    }

    #[test]
    fn only_rate_limits_and_transient_failures_are_retried() {
        for status in [412, 429, 502, 503, 504] {
            assert!(retryable(StatusCode::from_u16(status).unwrap()), "{status}");
        }
        for status in [400, 401, 403, 404, 413, 500] {
            assert!(
                !retryable(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }

    #[test]
    fn backoff_starts_near_a_second_and_stops_growing_at_thirty() {
        let policy = RetryPolicy::default();
        for _ in 0..20 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
            let late = policy.backoff(12);
            assert!(late >= Duration::from_secs(15) && late <= Duration::from_secs(30));
        }
    }
}
