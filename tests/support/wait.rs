//! Waiting for a condition with a limit, for tests whose events take seconds (a lease running
//! out, a sync cycle, a reconnect).

use std::time::Duration;

/// Polls `check` every 50 ms for up to `limit`; true once it holds.
pub async fn until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
