//! [`SyncHealth`]: whether sync on this replica has gone stale, for readiness.
//!
//! Only the replica leading sync is judged: the others have nothing to sync. The leader owes a
//! successful cycle from the moment it starts leading, and again after each success; it is stale
//! once that has been owed for more than [`STALE_AFTER_INTERVALS`] sync intervals. A replica
//! that gave the lease up because its cycles kept failing and then leads again is not forgiven:
//! what it owes still dates from before.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use crate::engine::Clock;

/// How many sync intervals may pass without a successful cycle before sync counts as stale.
pub const STALE_AFTER_INTERVALS: u32 = 5;

/// Whether sync on this replica is keeping up. Cheap to clone; clones share their state.
#[derive(Clone)]
pub struct SyncHealth {
    interval: Duration,
    clock: Clock,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    leading: bool,
    /// Since when a successful cycle is owed (the last success, or the start of leading).
    owed_since: Option<Timestamp>,
    /// Whether the last cycle failed.
    failing: bool,
}

impl SyncHealth {
    /// Health of a sync that runs every `interval`, timed by `clock`.
    pub fn new(interval: Duration, clock: Clock) -> Self {
        Self {
            interval,
            clock,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// How long sync may go without success before it is stale.
    pub fn stale_after(&self) -> Duration {
        self.interval.saturating_mul(STALE_AFTER_INTERVALS)
    }

    /// Notes whether this replica leads sync now.
    pub fn leading(&self, leading: bool) {
        let now = (self.clock)();
        let mut state = self.lock();
        if leading && !state.leading && (state.owed_since.is_none() || !state.failing) {
            state.owed_since = Some(now);
        }
        state.leading = leading;
    }

    /// Notes a successful cycle.
    pub fn succeeded(&self) {
        let now = (self.clock)();
        let mut state = self.lock();
        state.owed_since = Some(now);
        state.failing = false;
    }

    /// Notes a failed cycle.
    pub fn failed(&self) {
        self.lock().failing = true;
    }

    /// How long sync has gone without success, when this replica leads and that is longer than
    /// [`stale_after`](Self::stale_after); `None` otherwise.
    pub fn stale_for(&self) -> Option<Duration> {
        let now = (self.clock)();
        let state = self.lock();
        if !state.leading {
            return None;
        }
        let owed = now.duration_since(state.owed_since?);
        let owed = Duration::try_from(owed).unwrap_or_default();
        (owed > self.stale_after()).then_some(owed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few plain fields, whole after any panic: keep using it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    const INTERVAL: Duration = Duration::from_secs(60);

    /// A health whose clock the test moves, in seconds.
    fn health() -> (SyncHealth, Arc<AtomicI64>) {
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let clock: Clock = {
            let now = now.clone();
            Arc::new(move || Timestamp::from_second(now.load(Ordering::SeqCst)).unwrap())
        };
        (SyncHealth::new(INTERVAL, clock), now)
    }

    fn pass(now: &AtomicI64, seconds: i64) {
        now.fetch_add(seconds, Ordering::SeqCst);
    }

    #[test]
    fn a_leader_whose_last_success_is_over_five_intervals_old_is_stale() {
        let (health, now) = health();
        health.leading(true);
        health.succeeded();
        pass(&now, 300);
        assert_eq!(
            health.stale_for(),
            None,
            "five intervals exactly is not stale"
        );
        pass(&now, 1);
        assert_eq!(health.stale_for(), Some(Duration::from_secs(301)));
        health.succeeded();
        assert_eq!(health.stale_for(), None);
    }

    #[test]
    fn a_replica_that_does_not_lead_is_never_stale() {
        let (health, now) = health();
        health.leading(true);
        pass(&now, 1_000);
        assert!(health.stale_for().is_some());
        health.leading(false);
        assert_eq!(health.stale_for(), None);
    }

    #[test]
    fn a_new_leader_owes_its_first_success_from_when_it_started_leading() {
        let (health, now) = health();
        health.succeeded(); // Long ago, when it last led.
        pass(&now, 10_000);
        health.leading(true);
        pass(&now, 299);
        assert_eq!(health.stale_for(), None);
        pass(&now, 2);
        assert_eq!(health.stale_for(), Some(Duration::from_secs(301)));
    }

    #[test]
    fn a_leader_that_gave_up_after_failures_is_still_stale_when_it_leads_again() {
        let (health, now) = health();
        health.leading(true);
        health.failed();
        pass(&now, 400);
        health.leading(false);
        pass(&now, 15);
        health.leading(true);
        assert_eq!(health.stale_for(), Some(Duration::from_secs(415)));
    }
}
