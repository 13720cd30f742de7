//! What the sandbox keeps of the calls it receives, and the faults it can be told to answer
//! with: what a test reads to count the bot's calls and measure their rate.

use std::time::Duration;

use axum::http::Method;

/// One call the bot made, as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// When the sandbox received it (`tokio::time`, so paused-clock tests see their own clock).
    pub at: tokio::time::Instant,
}

/// A failure to inject into the next matching API calls.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only calls whose path starts with this are affected (`/api/` for all).
    pub path_prefix: String,
    /// Only calls with this method (`None` = any).
    pub method: Option<Method>,
    /// How many calls it affects.
    pub times: usize,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Answer with this status instead of serving the call (`None` = serve after the delay).
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with the status.
    pub retry_after: Option<u64>,
    /// Serve the call (changing state) and only then fail with `status`: an ambiguous outcome.
    pub after_effect: bool,
}

impl Fault {
    /// `times` answers of `status` to calls under `path_prefix`.
    pub fn status(path_prefix: &str, status: u16, times: usize) -> Self {
        Self {
            path_prefix: path_prefix.to_owned(),
            method: None,
            times,
            delay: Duration::ZERO,
            status: Some(status),
            retry_after: None,
            after_effect: false,
        }
    }

    /// `times` calls under `path_prefix` that stall for `delay` before being served.
    pub fn stall(path_prefix: &str, delay: Duration, times: usize) -> Self {
        Self {
            status: None,
            delay,
            ..Self::status(path_prefix, 200, times)
        }
    }
}

/// The most calls that arrived within any one-second window (`[t, t + 1 s)`), to compare with a
/// rate limit.
pub fn busiest_second(calls: &[RecordedCall]) -> usize {
    let mut arrivals: Vec<_> = calls.iter().map(|c| c.at).collect();
    arrivals.sort();
    let mut busiest = 0;
    let mut start = 0;
    for end in 0..arrivals.len() {
        while arrivals[end] - arrivals[start] >= Duration::from_secs(1) {
            start += 1;
        }
        busiest = busiest.max(end - start + 1);
    }
    busiest
}
