//! The sync loop: runs a cycle every interval while this replica leads, and outlives any cycle.
//!
//! A cycle runs as a task of its own, so that a panic anywhere in it is a failed cycle, not the
//! end of sync. Failed cycles (an error or a panic) are retried after a pause that doubles with
//! each failure in a row, up to [`MAX_BACKOFF_INTERVALS`] intervals, so that an outage is not
//! hammered. After [`RESIGN_AFTER_FAILURES`] failures in a row the replica gives the sync lease
//! up ([`Leadership::resign`]): another replica, whose network, connections or memory may be
//! fine, takes over at once instead of the lease being held by a replica that cannot sync. The
//! loop ends only when cancelled.

use std::any::Any;
use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use crate::engine::error::EngineError;
use crate::engine::leader::Leadership;
use crate::engine::service::Engine;
use crate::telemetry::chain;

use super::{RECONCILE_EVERY, SyncHealth, SyncReport};

/// The longest pause after failed cycles, in sync intervals.
pub const MAX_BACKOFF_INTERVALS: u32 = 4;

/// Failed cycles in a row after which this replica gives the sync lease up.
pub const RESIGN_AFTER_FAILURES: u32 = 5;

/// The pause before the next cycle after `failures` failed cycles in a row (none: one interval):
/// one interval, then two, four, capped at [`MAX_BACKOFF_INTERVALS`].
pub fn delay_after(interval: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1);
    let factor = 1u32
        .checked_shl(doublings)
        .unwrap_or(u32::MAX)
        .min(MAX_BACKOFF_INTERVALS);
    interval.saturating_mul(factor)
}

/// Why a cycle failed.
enum Failure {
    Error(EngineError),
    /// What the panic said.
    Panic(String),
}

impl Failure {
    fn log(&self, full: bool, failures: u32, pause: Duration) {
        let retry_in_secs = pause.as_secs_f64();
        match self {
            Failure::Error(err) => tracing::warn!(
                error = %chain(err),
                full,
                failures,
                retry_in_secs,
                "sync cycle failed; retrying after a pause"
            ),
            Failure::Panic(what) => {
                metrics::counter!("sync_panics_total", "scope" => "cycle").increment(1);
                tracing::error!(
                    panic = %what,
                    full,
                    failures,
                    retry_in_secs,
                    "sync cycle panicked; retrying after a pause"
                );
            }
        }
    }
}

/// What a panic said, for the log.
pub(super) fn panic_text(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload.downcast_ref::<&str>().map_or_else(
            || "a panic without a message".to_owned(),
            |text| (*text).to_owned(),
        ),
    }
}

impl Engine {
    /// One cycle of the loop: a full reconcile or an incremental one. A success is written to
    /// the store, where `check` (another process) reads how long ago sync last succeeded.
    pub(super) async fn cycle(&self, full: bool) -> Result<SyncReport, EngineError> {
        let report = if full {
            self.reconcile().await?
        } else {
            self.sync_changes().await?
        };
        if let Err(err) = self.store.set_last_sync_success(self.now()).await {
            tracing::warn!(error = %chain(&err), "could not record the sync's success in the store; check may call sync stale");
        }
        // After the cards are true: a reminder never lists what this cycle found decided. Its
        // failure is not the sync's: it is tried again next cycle.
        if let Err(err) = self.remind().await {
            tracing::warn!(error = %chain(&err), "reminder pass failed; trying again next cycle");
        }
        Ok(report)
    }
}

/// Runs `cycle(full)` every `interval` while `leadership` says this replica leads, until
/// `cancel`; `full` first and every [`RECONCILE_EVERY`]. See the module docs for failures.
pub(super) async fn supervise<C, F>(
    cycle: C,
    leadership: Leadership,
    interval: Duration,
    health: SyncHealth,
    cancel: CancellationToken,
) where
    C: Fn(bool) -> F,
    F: Future<Output = Result<SyncReport, EngineError>> + Send + 'static,
{
    let mut last_reconcile: Option<tokio::time::Instant> = None;
    let mut failures: u32 = 0;
    loop {
        let mut pause = interval;
        if leadership.is_leader() {
            let full = last_reconcile.is_none_or(|t| t.elapsed() >= RECONCILE_EVERY);
            let started = tokio::time::Instant::now();
            // A task of its own: a panic in it ends the task, not this loop.
            let result = match tokio::spawn(cycle(full)).await {
                Ok(result) => result.map_err(Failure::Error),
                Err(err) if err.is_panic() => Err(Failure::Panic(panic_text(err.into_panic()))),
                Err(_) => Err(Failure::Panic("the cycle's task was cancelled".to_owned())),
            };
            match result {
                Ok(report) => {
                    failures = 0;
                    health.succeeded();
                    if full {
                        last_reconcile = Some(started);
                    }
                    metrics::gauge!("sync_last_success_timestamp_seconds")
                        .set(Timestamp::now().as_second() as f64);
                    metrics::histogram!("sync_duration_seconds")
                        .record(started.elapsed().as_secs_f64());
                    tracing::debug!(?report, full, "sync cycle done");
                }
                Err(failure) => {
                    failures = failures.saturating_add(1);
                    health.failed();
                    pause = delay_after(interval, failures);
                    metrics::counter!("sync_failures_total").increment(1);
                    failure.log(full, failures, pause);
                    if failures >= RESIGN_AFTER_FAILURES {
                        tracing::error!(
                            failures,
                            "sync failed every cycle for a while; giving the sync lease up so another replica can try"
                        );
                        metrics::counter!("sync_resignations_total").increment(1);
                        leadership.resign();
                        // Should this replica lead again, it starts over: a full reconcile, and
                        // as many tries before it gives up again.
                        failures = 0;
                        last_reconcile = None;
                    }
                }
            }
        } else {
            // A new leader starts with a full reconcile.
            last_reconcile = None;
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::task::JoinHandle;
    use tokio::time::Instant;

    use super::*;
    use crate::engine::leader::{self, LEASE_TTL, RESIGNED_REST};
    use crate::engine::system_clock;
    use crate::store::{MemoryStore, Store, StoreError};

    const INTERVAL: Duration = Duration::from_secs(1);

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    /// A replica on `store`: its election, and its loop over `cycle`.
    async fn replica<C, F>(store: &Arc<dyn Store>, cycle: C) -> (Leadership, JoinHandle<()>)
    where
        C: Fn(bool) -> F + Send + 'static,
        F: Future<Output = Result<SyncReport, EngineError>> + Send + 'static,
    {
        let cancel = CancellationToken::new();
        let (leadership, _) = leader::spawn(store.clone(), LEASE_TTL, cancel.clone());
        settle().await;
        let health = SyncHealth::new(INTERVAL, system_clock());
        let task = tokio::spawn(supervise(
            cycle,
            leadership.clone(),
            INTERVAL,
            health,
            cancel,
        ));
        (leadership, task)
    }

    fn failure() -> Result<SyncReport, EngineError> {
        Err(EngineError::Store(StoreError::Timeout))
    }

    /// A cycle that notes when it ran and comes to `outcome(run number, from 1)`.
    fn noting(
        times: &Arc<Mutex<Vec<Instant>>>,
        outcome: impl Fn(usize) -> Result<SyncReport, EngineError> + Send + 'static,
    ) -> impl Fn(bool) -> std::future::Ready<Result<SyncReport, EngineError>> + Send + 'static {
        let times = times.clone();
        move |_full| {
            let mut times = times.lock().unwrap();
            times.push(Instant::now());
            std::future::ready(outcome(times.len()))
        }
    }

    #[test]
    fn the_pause_after_failures_doubles_from_one_interval_up_to_four() {
        let pauses: Vec<u64> = (0..8)
            .map(|failures| delay_after(INTERVAL, failures).as_secs())
            .collect();
        assert_eq!(pauses, [1, 1, 2, 4, 4, 4, 4, 4]);
        assert_eq!(
            delay_after(Duration::MAX, u32::MAX),
            Duration::MAX,
            "no overflow"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_cycle_that_panics_is_a_failed_cycle_and_the_loop_goes_on() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let cycle = {
            let runs = runs.clone();
            move |_full| {
                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    assert!(run > 2, "a bug met by the first two cycles");
                    Ok(SyncReport::default())
                }
            }
        };
        let (leadership, task) = replica(&store, cycle).await;
        tokio::time::sleep(INTERVAL * 10).await;
        settle().await;
        assert!(!task.is_finished(), "the loop still runs");
        assert!(leadership.is_leader());
        // Two failures (pauses of 1 and 2 intervals), then a cycle every interval.
        assert!(
            runs.load(Ordering::SeqCst) >= 8,
            "{} cycles",
            runs.load(Ordering::SeqCst)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failed_cycles_are_retried_after_one_two_then_four_intervals_and_the_lease_is_given_up_after_five()
     {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let times = Arc::new(Mutex::new(Vec::new()));
        let (leadership, _task) = replica(&store, noting(&times, |_| failure())).await;
        tokio::time::sleep(Duration::from_secs(12)).await;
        settle().await;
        assert!(
            !leadership.is_leader(),
            "five failures in a row give the lease up"
        );
        tokio::time::sleep(RESIGNED_REST + INTERVAL * 2).await;
        settle().await;
        let times = times.lock().unwrap().clone();
        let gaps: Vec<u64> = times
            .windows(2)
            .map(|pair| (pair[1] - pair[0]).as_secs())
            .collect();
        assert!(gaps.len() >= 5, "{gaps:?}");
        assert_eq!(gaps[..4], [1, 2, 4, 4]);
        assert!(
            gaps[4] >= RESIGNED_REST.as_secs(),
            "alone, it leads and tries again after its rest: {gaps:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_leader_whose_cycles_keep_failing_hands_over_to_a_replica_whose_cycles_succeed() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let failed = Arc::new(Mutex::new(Vec::new()));
        let succeeded = Arc::new(Mutex::new(Vec::new()));
        let (a, _ta) = replica(&store, noting(&failed, |_| failure())).await;
        let (b, _tb) = replica(&store, noting(&succeeded, |_| Ok(SyncReport::default()))).await;
        assert!(a.is_leader() && !b.is_leader());
        // A fails at 0, 1, 3, 7 and 11 s and resigns; B finds the lease free at its next check.
        tokio::time::sleep(Duration::from_secs(11) + LEASE_TTL / 3 + INTERVAL).await;
        settle().await;
        assert!(b.is_leader() && !a.is_leader());
        assert_eq!(failed.lock().unwrap().len(), 5);
        assert!(!succeeded.lock().unwrap().is_empty(), "B syncs");
        tokio::time::sleep(LEASE_TTL * 4).await;
        settle().await;
        assert!(b.is_leader(), "B keeps the lease while its cycles succeed");
        assert_eq!(failed.lock().unwrap().len(), 5, "A tries no more");
    }
}
