//! Leader election over the store's lease: of all replicas, one holds [`Lease::Sync`] and runs
//! the singleton jobs (Coupa sync, card delivery, expiry). The holder renews the lease every third
//! of its TTL; if it dies, another replica takes over once the TTL runs out; a graceful stop
//! releases the lease at once. A leader that cannot do the jobs (its sync keeps failing) resigns:
//! it releases the lease at once and stays out of the election for [`RESIGNED_REST`], long
//! enough for another replica to take it; alone, it leads again after that rest.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::store::{Lease, LeaseOwner, Store};
use crate::telemetry::chain;

/// How long a lease lasts without renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(15);

/// How long a replica that resigned stays out of the election: one TTL, in which every other
/// replica checks the free lease three times.
pub const RESIGNED_REST: Duration = LEASE_TTL;

/// Whether this process currently leads. Cheap to clone.
#[derive(Clone)]
pub struct Leadership {
    rx: watch::Receiver<bool>,
    owner: LeaseOwner,
    resign: Arc<Notify>,
}

impl Leadership {
    /// True while this process holds the lease (as of its last renewal).
    pub fn is_leader(&self) -> bool {
        *self.rx.borrow()
    }

    /// This process's owner id.
    pub fn owner(&self) -> &LeaseOwner {
        &self.owner
    }

    /// Gives the lease up, if held, so that another replica takes over: this process stops
    /// leading at once, releases the lease in the store, and does not try for it again for
    /// [`RESIGNED_REST`].
    pub fn resign(&self) {
        self.resign.notify_one();
    }

    /// Waits until leadership changes; `None` once the election loop has ended.
    pub async fn changed(&mut self) -> Option<bool> {
        self.rx.changed().await.ok()?;
        Some(*self.rx.borrow())
    }
}

/// Starts the election loop; it runs until `cancel` fires, then releases the lease if held.
pub fn spawn(
    store: Arc<dyn Store>,
    ttl: Duration,
    cancel: CancellationToken,
) -> (Leadership, tokio::task::JoinHandle<()>) {
    let owner = LeaseOwner::new();
    let (tx, rx) = watch::channel(false);
    let resign = Arc::new(Notify::new());
    let leadership = Leadership {
        rx,
        owner: owner.clone(),
        resign: resign.clone(),
    };
    let task = tokio::spawn(run(store, owner, ttl, tx, resign, cancel));
    (leadership, task)
}

async fn run(
    store: Arc<dyn Store>,
    owner: LeaseOwner,
    ttl: Duration,
    tx: watch::Sender<bool>,
    resign: Arc<Notify>,
    cancel: CancellationToken,
) {
    let period = ttl / 3;
    loop {
        let leading = *tx.borrow();
        let held = if leading {
            store.renew_lease(Lease::Sync, &owner, ttl).await
        } else {
            store.acquire_lease(Lease::Sync, &owner, ttl).await
        };
        let now_leading = match held {
            Ok(held) => held,
            Err(err) => {
                // Without the store we cannot prove the lease is ours: stop leading so two
                // replicas never sync at once.
                tracing::warn!(error = %chain(&err), "lease check failed; not leading until the store answers");
                false
            }
        };
        if now_leading != leading {
            tracing::info!(owner = %owner.0, leading = now_leading, "sync leadership changed");
            metrics::gauge!("sync_leader").set(if now_leading { 1.0 } else { 0.0 });
            tx.send_replace(now_leading);
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(period) => {}
            () = resign.notified() => {
                // Resting even if the lease was lost meanwhile: this replica asked to stand aside.
                if *tx.borrow() {
                    step_down(store.as_ref(), &owner, &tx).await;
                }
                tracing::warn!(owner = %owner.0, rest_secs = RESIGNED_REST.as_secs(), "resigned the sync lease; not trying for it again until the rest is over");
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(RESIGNED_REST) => {}
                }
            }
        }
    }
    if *tx.borrow() {
        step_down(store.as_ref(), &owner, &tx).await;
    }
}

/// Stops leading and releases the lease, so that another replica can take it at once.
async fn step_down(store: &dyn Store, owner: &LeaseOwner, tx: &watch::Sender<bool>) {
    tx.send_replace(false);
    metrics::gauge!("sync_leader").set(0.0);
    match store.release_lease(Lease::Sync, owner).await {
        Ok(_) => tracing::info!("sync lease released"),
        Err(err) => {
            tracing::warn!(error = %chain(&err), "could not release the sync lease; it expires by itself")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    async fn settle() {
        // Let the spawned loops run their first iteration.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn exactly_one_of_two_replicas_leads() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (a, _ta) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        let (b, _tb) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        for _ in 0..5 {
            assert!(a.is_leader() ^ b.is_leader());
            tokio::time::sleep(LEASE_TTL).await;
            settle().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_graceful_stop_hands_over_at_the_next_check() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let stop_a = CancellationToken::new();
        let (a, ta) = spawn(store.clone(), LEASE_TTL, stop_a.clone());
        settle().await;
        let (b, _tb) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        assert!(a.is_leader() && !b.is_leader());
        stop_a.cancel();
        ta.await.unwrap();
        assert!(!a.is_leader());
        // The lease is free at once: B takes it on its next check, well before the TTL.
        tokio::time::sleep(LEASE_TTL / 3).await;
        settle().await;
        assert!(b.is_leader());
    }

    #[tokio::test(start_paused = true)]
    async fn a_leader_that_resigns_hands_over_long_before_its_lease_would_run_out() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (a, _ta) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        let (b, _tb) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        assert!(a.is_leader() && !b.is_leader());
        a.resign();
        settle().await;
        assert!(!a.is_leader(), "A stops leading at once");
        // B checks every third of the TTL and finds the lease free.
        tokio::time::sleep(LEASE_TTL / 3).await;
        settle().await;
        assert!(b.is_leader(), "B took over at its next check");
        for _ in 0..6 {
            tokio::time::sleep(LEASE_TTL / 3).await;
            settle().await;
            assert!(b.is_leader() && !a.is_leader(), "B keeps the lease");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_leader_that_resigns_leads_again_after_its_rest() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (a, _ta) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        assert!(a.is_leader());
        a.resign();
        settle().await;
        assert!(!a.is_leader());
        tokio::time::sleep(RESIGNED_REST / 2).await;
        settle().await;
        assert!(!a.is_leader(), "still resting");
        tokio::time::sleep(RESIGNED_REST / 2 + LEASE_TTL / 3).await;
        settle().await;
        assert!(a.is_leader(), "nobody else wanted the lease");
    }

    #[tokio::test(start_paused = true)]
    async fn a_crashed_leader_is_replaced_within_the_lease_ttl() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (a, ta) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        let (b, _tb) = spawn(store.clone(), LEASE_TTL, CancellationToken::new());
        settle().await;
        assert!(a.is_leader());
        ta.abort(); // No release: like a killed process.
        tokio::time::sleep(LEASE_TTL / 2).await;
        settle().await;
        assert!(!b.is_leader(), "the lease is still A's");
        tokio::time::sleep(LEASE_TTL / 2 + LEASE_TTL / 3).await;
        settle().await;
        assert!(b.is_leader(), "B took over once the TTL ran out");
    }
}
