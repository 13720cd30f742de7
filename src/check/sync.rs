//! The sync check: how long ago the service's sync last succeeded, as the replica leading it
//! recorded in the store. `check` is a process of its own, so it reads the store, not the
//! service; with the embedded store there is nothing it can read.

use std::time::Duration;

use jiff::Timestamp;

use super::{CheckLine, STORE_TIMEOUT};
use crate::engine::sync::STALE_AFTER_INTERVALS;
use crate::store::Store;
use crate::telemetry::chain;

/// Judges the last success recorded in `store` (which answers) at `now`, for a sync that runs
/// every `interval`.
pub(super) async fn check(store: &dyn Store, interval: Duration, now: Timestamp) -> CheckLine {
    if store.is_embedded() {
        return CheckLine::pass(
            "sync",
            "not visible to check with the embedded store; the running service's /readyz reports it",
        );
    }
    let stale_after = interval.saturating_mul(STALE_AFTER_INTERVALS).as_secs();
    let last = match tokio::time::timeout(STORE_TIMEOUT, store.last_sync_success()).await {
        Ok(Ok(last)) => last,
        Ok(Err(err)) => {
            return CheckLine::fail(
                "sync",
                format!("could not read when sync last succeeded: {}", chain(&err)),
                "check that Redis is reachable from here and REDIS_KEY_PREFIX is the service's",
            );
        }
        Err(_) => {
            return CheckLine::fail(
                "sync",
                "could not read when sync last succeeded: the store did not answer",
                "check that Redis is reachable from here",
            );
        }
    };
    let Some(last) = last else {
        return CheckLine::pass(
            "sync",
            format!(
                "no sync has succeeded yet: expected before the service first runs; once it has run for over {stale_after} s, its log says why (\"sync cycle failed\")"
            ),
        );
    };
    // A clock a little behind the leader's makes a negative age: that is "just now".
    let age = Duration::try_from(now.duration_since(last))
        .unwrap_or_default()
        .as_secs();
    if age <= stale_after {
        return CheckLine::pass("sync", format!("last succeeded {age} s ago"));
    }
    CheckLine::fail(
        "sync",
        format!(
            "sync has not succeeded for {age} s (since {last}); cards are not being delivered or updated"
        ),
        format!(
            "if the service runs, its log says why (\"sync cycle failed\"; fix what the lines above name); if it is stopped, start it. Sync counts as stale after {STALE_AFTER_INTERVALS} sync intervals ({stale_after} s)"
        ),
    )
}
