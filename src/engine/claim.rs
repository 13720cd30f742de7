//! The claim a decision holds on its approval, so that it is decided exactly once.
//!
//! A claim is won in the store (set-if-absent), held for [`CLAIM_HOLD`] and renewed while the
//! decision runs, so a process killed mid-decision blocks the approval for seconds, not for the
//! outcome's lifetime ([`CLAIM_TTL`]). How it ends follows from what happened, never from a
//! release someone has to remember:
//!
//! - an outcome recorded (`ClaimGuard::finish`): kept for [`CLAIM_TTL`], so later clicks learn
//!   it;
//! - Coupa may have acted and nothing was recorded: left to run out, so nobody decides again
//!   before the next sync shows the truth;
//! - otherwise (refused, failed before Coupa acted, Coupa said it did not act, or Coupa put it
//!   on hold, which decides nothing): released, so the approval can be decided again at once. `ClaimGuard::settle` does it before the decision
//!   answers; a guard dropped unsettled (a cancelled task) releases in the background.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::domain::ApprovalId;
use crate::domain::records::ClaimOutcome;
use crate::store::{ClaimToken, Store, StoreError};
use crate::telemetry::chain;

/// How long a claim on an approval lasts without renewal while its decision is under way. The
/// decider renews it every third of this for as long as it works (a slow Coupa call included), so
/// a replica that dies mid-decision frees the approval within this, not after [`CLAIM_TTL`].
pub const CLAIM_HOLD: Duration = Duration::from_secs(10);

/// How long a claim carrying a recorded outcome is kept: later clicks learn what happened, and an
/// unconfirmed decision keeps anyone from deciding again through the bot until the next sync
/// shows the truth on the card, or until this runs out.
pub const CLAIM_TTL: Duration = Duration::from_secs(15 * 60);

/// A won claim on an approval, for as long as its decision runs. See the module docs for how it
/// ends.
pub(crate) struct ClaimGuard {
    store: Arc<dyn Store>,
    approval: ApprovalId,
    token: ClaimToken,
    /// Until when the claim is surely ours, as of its last renewal.
    until: Mutex<Instant>,
    /// Whether the claim is given up when the decision ends: until an outcome is recorded or
    /// Coupa may have acted.
    release: AtomicBool,
    /// Set by [`ClaimGuard::settle`], after which dropping does nothing.
    settled: bool,
}

impl ClaimGuard {
    /// The claim `token` won on `approval` at `claimed_at`.
    pub(crate) fn new(
        store: Arc<dyn Store>,
        approval: ApprovalId,
        token: ClaimToken,
        claimed_at: Instant,
    ) -> Self {
        Self {
            store,
            approval,
            token,
            until: Mutex::new(claimed_at + CLAIM_HOLD),
            release: AtomicBool::new(true),
            settled: false,
        }
    }

    /// The token that holds the claim.
    pub(crate) fn token(&self) -> &ClaimToken {
        &self.token
    }

    /// Whether the claim is still ours: renewed recently enough that it cannot have run out.
    pub(crate) fn is_held(&self) -> bool {
        Instant::now() < *self.until.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_until(&self, until: Instant) {
        *self.until.lock().unwrap_or_else(PoisonError::into_inner) = until;
    }

    /// Renews the claim every third of [`CLAIM_HOLD`] until dropped (when the decision is done).
    /// A failed renewal is only logged: the claim then runs out by itself, and Coupa is not
    /// called once it may have.
    pub(crate) async fn keep_renewed(&self) -> Infallible {
        loop {
            tokio::time::sleep(CLAIM_HOLD / 3).await;
            let asked = Instant::now();
            match self
                .store
                .renew_claim(self.approval, &self.token, CLAIM_HOLD)
                .await
            {
                Ok(true) => self.set_until(asked + CLAIM_HOLD),
                // Finished, released or run out: nothing more to keep.
                Ok(false) => {
                    self.set_until(asked);
                    return std::future::pending().await;
                }
                Err(err) => {
                    tracing::warn!(error = %chain(&err), approval = %self.approval, "could not renew a claim");
                }
            }
        }
    }

    /// From here Coupa may act on the approval: unless it answers that it did not
    /// ([`ClaimGuard::coupa_did_not_act`]), the claim is not released but left to run out.
    pub(crate) fn coupa_may_act(&self) {
        self.release.store(false, Ordering::SeqCst);
    }

    /// Coupa answered that it did not act: the approval may be decided again at once.
    pub(crate) fn coupa_did_not_act(&self) {
        self.release.store(true, Ordering::SeqCst);
    }

    /// Coupa acted, and the approval still waits for a decision (it was put on hold): the claim
    /// is released when the decision ends, so that the approval can be decided once Coupa
    /// releases the hold.
    pub(crate) fn decided_nothing(&self) {
        self.release.store(true, Ordering::SeqCst);
    }

    /// Records `outcome` with the claim and keeps it for `keep`, for later clicks to learn.
    /// Returns `false` when the claim was no longer ours (it ran out). Either way the claim is
    /// not released.
    pub(crate) async fn finish(
        &self,
        outcome: &ClaimOutcome,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        self.release.store(false, Ordering::SeqCst);
        self.store
            .finish_claim(self.approval, &self.token, outcome, keep)
            .await
    }

    /// Ends the decision: releases the claim unless an outcome was recorded or Coupa may have
    /// acted.
    pub(crate) async fn settle(mut self) {
        self.settled = true;
        if self.release.load(Ordering::SeqCst) {
            release(self.store.as_ref(), self.approval, &self.token).await;
        }
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.settled || !self.release.load(Ordering::SeqCst) {
            return;
        }
        // Dropped mid-decision (the task was cancelled) before Coupa could act: free the
        // approval. Without a runtime the claim runs out by itself within CLAIM_HOLD.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, approval, token) = (self.store.clone(), self.approval, self.token.clone());
        runtime.spawn(async move { release(store.as_ref(), approval, &token).await });
    }
}

/// Gives up the claim `token` holds on `approval`; a failure is logged (it runs out by itself).
async fn release(store: &dyn Store, approval: ApprovalId, token: &ClaimToken) {
    if let Err(err) = store.release_claim(approval, token).await {
        tracing::warn!(error = %chain(&err), %approval, "could not release a claim; it expires by itself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChatUserId, Decision};
    use crate::store::{Claim, MemoryStore};

    async fn won(store: &Arc<dyn Store>) -> ClaimGuard {
        let Claim::Won(token) = store.claim(ApprovalId(7), CLAIM_HOLD).await.unwrap() else {
            panic!("the first claim wins");
        };
        ClaimGuard::new(store.clone(), ApprovalId(7), token, Instant::now())
    }

    async fn is_free(store: &Arc<dyn Store>) -> bool {
        matches!(
            store.claim(ApprovalId(7), CLAIM_HOLD).await.unwrap(),
            Claim::Won(_)
        )
    }

    fn outcome() -> ClaimOutcome {
        ClaimOutcome {
            decision: Decision::Approve,
            decided_by: ChatUserId::from("U1"),
            decided_by_name: "Jane Doe".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            confirmed: true,
            delegate_for: None,
        }
    }

    #[tokio::test]
    async fn a_settled_claim_is_released_at_once() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        won(&store).await.settle().await;
        assert!(is_free(&store).await);
    }

    #[tokio::test]
    async fn a_claim_with_an_outcome_is_kept() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let claim = won(&store).await;
        claim.coupa_may_act();
        assert!(claim.finish(&outcome(), CLAIM_TTL).await.unwrap());
        claim.settle().await;
        assert_eq!(
            store.claim(ApprovalId(7), CLAIM_HOLD).await.unwrap(),
            Claim::Taken {
                outcome: Some(outcome())
            }
        );
    }

    #[tokio::test]
    async fn a_claim_coupa_may_have_acted_on_is_left_to_run_out_even_when_dropped() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let claim = won(&store).await;
        claim.coupa_may_act();
        drop(claim);
        tokio::task::yield_now().await;
        assert!(!is_free(&store).await);
    }

    #[tokio::test]
    async fn a_claim_coupa_did_not_act_on_is_released() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let claim = won(&store).await;
        claim.coupa_may_act();
        claim.coupa_did_not_act();
        claim.settle().await;
        assert!(is_free(&store).await);
    }

    #[tokio::test]
    async fn a_claim_dropped_before_coupa_could_act_is_released_in_the_background() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        drop(won(&store).await);
        tokio::task::yield_now().await;
        assert!(is_free(&store).await);
    }
}
