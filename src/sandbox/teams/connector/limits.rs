//! Microsoft's published rate limits for a bot, kept by the fake Bot Connector once asked
//! ([`super::FakeConnector::enforce_limits`]): a request beyond any of them is answered 429
//! `TooManyRequests` with `Retry-After` (whole seconds, rounded up) until the oldest request in
//! the full window leaves it.
//!
//! What counts, as Microsoft's tables put it:
//!
//! - **Per conversation** (per bot per thread): sends, updates and deletes in a conversation, and
//!   the creation of a 1:1 conversation (counted under the person it is with, since it has no id
//!   yet), spend its writes: 7 per second, 8 per 2 seconds, 60 per 30 seconds, 1,800 per hour.
//!   Reading a member spends its reads: twice those.
//! - **Per app** (per app per tenant): every request to the connector, 50 per second.
//!
//! A request refused for a limit, or for a missing or unknown token, spends nothing; every other
//! request spends its share, a scripted refusal too (the connector received it). The token
//! endpoint is Azure AD, not the connector, and is not limited.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

/// A rate limit: at most `.0` requests in any `.1`.
pub type Limit = (usize, Duration);

/// What a request spends in its conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// Create a conversation, send, update, delete.
    Write,
    /// Read a member.
    Read,
}

/// The limits the fake keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorLimits {
    /// Writes in one conversation.
    pub conversation_writes: Vec<Limit>,
    /// Reads in one conversation.
    pub conversation_reads: Vec<Limit>,
    /// Every request of the app.
    pub app: Vec<Limit>,
}

impl ConnectorLimits {
    /// The limits Microsoft publishes for Teams bots (see the module docs).
    pub fn published() -> Self {
        let writes = vec![
            (7, Duration::from_secs(1)),
            (8, Duration::from_secs(2)),
            (60, Duration::from_secs(30)),
            (1_800, Duration::from_secs(3_600)),
        ];
        let reads = writes.iter().map(|&(n, period)| (2 * n, period)).collect();
        Self {
            conversation_writes: writes,
            conversation_reads: reads,
            app: vec![(50, Duration::from_secs(1))],
        }
    }

    /// The shortest time in which `requests` accepted requests of the app fit its limits: with
    /// at most `n` in any `period`, the last of them starts at least
    /// `(ceil(requests / n) - 1) × period` after the first.
    pub fn app_minimum(&self, requests: usize) -> Duration {
        self.app
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|&(n, period)| {
                period * u32::try_from(requests.div_ceil(n).saturating_sub(1)).unwrap_or(u32::MAX)
            })
            .max()
            .unwrap_or_default()
    }
}

/// When the requests accepted under some limits arrived; enough of them to check every limit.
#[derive(Debug, Default)]
struct Log {
    accepted: VecDeque<Instant>,
}

impl Log {
    /// How long until one more request fits `limits` at `now`; `None` when it fits now.
    fn wait(&self, limits: &[Limit], now: Instant) -> Option<Duration> {
        limits
            .iter()
            .filter_map(|&(count, period)| {
                let len = self.accepted.len();
                if count == 0 || len < count {
                    return None;
                }
                // The request `count` back must have left the window.
                let nth_latest = self.accepted[len - count];
                (nth_latest + period)
                    .checked_duration_since(now)
                    .filter(|d| !d.is_zero())
            })
            .max()
    }

    fn accept(&mut self, limits: &[Limit], now: Instant) {
        self.accepted.push_back(now);
        let keep = limits.iter().map(|l| l.0).max().unwrap_or(0);
        while self.accepted.len() > keep {
            self.accepted.pop_front();
        }
    }
}

/// The limits and what each conversation and the app have spent.
#[derive(Debug)]
pub(super) struct Limiter {
    limits: ConnectorLimits,
    writes: HashMap<String, Log>,
    reads: HashMap<String, Log>,
    app: Log,
}

impl Limiter {
    pub(super) fn new(limits: ConnectorLimits) -> Self {
        Self {
            limits,
            writes: HashMap::new(),
            reads: HashMap::new(),
            app: Log::default(),
        }
    }

    /// Accepts a request spending `spend` in `conversation` at `now`, or says how long until it
    /// would fit (and spends nothing).
    pub(super) fn admit(
        &mut self,
        spend: Spend,
        conversation: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        let (logs, limits) = match spend {
            Spend::Write => (&mut self.writes, &self.limits.conversation_writes),
            Spend::Read => (&mut self.reads, &self.limits.conversation_reads),
        };
        let log = logs.entry(conversation.to_owned()).or_default();
        let wait = [log.wait(limits, now), self.app.wait(&self.limits.app, now)]
            .into_iter()
            .flatten()
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        log.accept(limits, now);
        self.app.accept(&self.limits.app, now);
        Ok(())
    }

    /// Counts a request spending `spend` in `conversation` at `now`, within the limits or not.
    pub(super) fn spend(&mut self, spend: Spend, conversation: &str, now: Instant) {
        let (logs, limits) = match spend {
            Spend::Write => (&mut self.writes, &self.limits.conversation_writes),
            Spend::Read => (&mut self.reads, &self.limits.conversation_reads),
        };
        logs.entry(conversation.to_owned())
            .or_default()
            .accept(limits, now);
        self.app.accept(&self.limits.app, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_eighth_write_in_a_second_waits_and_the_ninth_in_two_seconds_too() {
        let mut limiter = Limiter::new(ConnectorLimits::published());
        let start = Instant::now();
        for _ in 0..7 {
            assert_eq!(limiter.admit(Spend::Write, "a:1", start), Ok(()));
        }
        assert_eq!(
            limiter.admit(Spend::Write, "a:1", start),
            Err(Duration::from_secs(1))
        );
        let later = start + Duration::from_secs(1);
        assert_eq!(limiter.admit(Spend::Write, "a:1", later), Ok(()));
        // Eight in two seconds: the ninth waits for the first to be two seconds old.
        assert_eq!(
            limiter.admit(Spend::Write, "a:1", later),
            Err(Duration::from_secs(1))
        );
        // Reads have their own budget; another conversation its own.
        assert_eq!(limiter.admit(Spend::Read, "a:1", later), Ok(()));
        assert_eq!(limiter.admit(Spend::Write, "a:2", later), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn the_app_allows_fifty_a_second_across_conversations_and_refusals_spend_nothing() {
        let mut limiter = Limiter::new(ConnectorLimits::published());
        let start = Instant::now();
        for n in 0..50 {
            assert_eq!(
                limiter.admit(Spend::Write, &format!("a:{n}"), start),
                Ok(())
            );
        }
        let half = start + Duration::from_millis(500);
        for _ in 0..3 {
            assert_eq!(
                limiter.admit(Spend::Read, "a:new", half),
                Err(Duration::from_millis(500))
            );
        }
        let second = start + Duration::from_secs(1);
        for n in 0..50 {
            assert_eq!(
                limiter.admit(Spend::Write, &format!("b:{n}"), second),
                Ok(())
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_counted_without_a_check_spends_its_share() {
        let mut limiter = Limiter::new(ConnectorLimits::published());
        let start = Instant::now();
        for _ in 0..7 {
            limiter.spend(Spend::Write, "a:1", start);
        }
        assert_eq!(
            limiter.admit(Spend::Write, "a:1", start),
            Err(Duration::from_secs(1))
        );
    }

    #[test]
    fn the_app_minimum_is_one_period_per_full_window_after_the_first() {
        let limits = ConnectorLimits::published();
        assert_eq!(limits.app_minimum(0), Duration::ZERO);
        assert_eq!(limits.app_minimum(50), Duration::ZERO);
        assert_eq!(limits.app_minimum(51), Duration::from_secs(1));
        assert_eq!(limits.app_minimum(1_000), Duration::from_secs(19));
    }
}
