//! Settling decisions in doubt: decisions sent to Coupa whose outcome nobody knows, because
//! Coupa's answer could not confirm them (unconfirmed) or because their decider stopped mid-call
//! (a crash, a kill, a shutdown that ran out of time).
//!
//! Every decision is recorded in the store before Coupa is called ([`super::decide`]) and
//! forgotten once its outcome is known. Each sync cycle reads the ones left and, for each whose
//! decider is done with it (its claim carries an unconfirmed outcome, or has run out because it
//! is no longer renewed), reads the approval in Coupa:
//!
//! - decided as the record says: the decision took effect. The claim says so (confirmed), every
//!   card says who decided it, and the audit log gets `confirmed: …`;
//! - still pending: it did not take effect. The claim is released and the cards show their
//!   buttons again, and the audit log gets `not applied: …`;
//! - a hold Coupa shows: it took effect, and settles nothing. The claim is released, the cards
//!   say it is on hold (see [`super::hold`]), and the audit log gets `confirmed: held`;
//! - settled otherwise (decided the other way, withdrawn): it did not take effect. The claim is
//!   released, the cards say what Coupa says, and the audit log gets `not applied: …`.
//!
//! A record whose claim is still being renewed belongs to a decision under way and is left alone;
//! one whose claim carries a confirmed outcome was settled by its decider and is forgotten.

use crate::chat::card::CardState;
use crate::domain::outcome::DoubtEnding;
use crate::domain::records::DecisionInDoubt;
use crate::domain::{Approval, ApprovalStatus, Decision, Requisition};
use crate::store::{Claim, ClaimToken};
use crate::telemetry::chain;

use super::claim::{CLAIM_HOLD, CLAIM_TTL};
use super::error::EngineError;
use super::service::Engine;
use super::sync::SyncReport;

impl Engine {
    /// Settles every decision in doubt whose decider is done with it. One that cannot be settled
    /// now (Coupa or the chat platform unreachable) is counted as a failure and tried again next
    /// cycle; only failing to list them is an error.
    pub(crate) async fn settle_doubts(&self, report: &mut SyncReport) -> Result<(), EngineError> {
        for doubt in self.store.doubts().await? {
            if let Err(err) = self.settle_doubt(doubt.clone()).await {
                tracing::warn!(error = %chain(&err), approval = %doubt.approval, "could not settle a decision whose outcome is unknown; retrying next cycle");
                report.failures += 1;
            }
        }
        Ok(())
    }

    /// Settles `doubt` if its decider is done with it.
    async fn settle_doubt(&self, mut doubt: DecisionInDoubt) -> Result<(), EngineError> {
        match self.store.claim(doubt.approval, CLAIM_HOLD).await? {
            // The decider is gone: its claim ran out unrenewed. The decision stays unconfirmed,
            // under a claim of our own, until Coupa tells how it ended.
            Claim::Won(token) => {
                self.store
                    .finish_claim(doubt.approval, &token, &doubt.outcome(false), CLAIM_TTL)
                    .await?;
                doubt.claim = token.0;
                self.store.record_doubt(&doubt).await?;
                tracing::info!(approval = %doubt.approval, "a decision was cut off mid-call; reading how it ended");
            }
            // The decider answered "unconfirmed" and left it to the sync.
            Claim::Taken {
                outcome: Some(outcome),
            } if !outcome.confirmed => {}
            // The decider knew the outcome and recorded it; only the record was left behind.
            Claim::Taken { outcome: Some(_) } => {
                self.forget_intent(&doubt).await;
                return Ok(());
            }
            // Under way: its decider still renews the claim.
            Claim::Taken { outcome: None } => return Ok(()),
        }
        let token = ClaimToken(doubt.claim.clone());

        let requisition = self.coupa.requisition(doubt.requisition).await?;
        let approval = match requisition
            .approvals
            .iter()
            .find(|a| a.id == doubt.approval)
        {
            Some(approval) => approval.clone(),
            None => self.coupa.approval(doubt.approval).await?,
        };
        let ending = ending(doubt.decision, &approval.status);
        match ending {
            // A hold took effect: it settles nothing, so the claim is freed for the approval to
            // be decided once Coupa releases it, and the cards say it is on hold.
            DoubtEnding::Applied(Decision::Hold) => {
                self.store.release_claim(doubt.approval, &token).await?;
                self.show_truth(&requisition, &approval).await?;
            }
            DoubtEnding::Applied(_) => {
                let outcome = doubt.outcome(true);
                self.store
                    .finish_claim(doubt.approval, &token, &outcome, CLAIM_TTL)
                    .await?;
                self.show_decided(&requisition, &approval, &outcome, doubt.comment.clone())
                    .await?;
            }
            // Released, so that the approval can be decided again. Should the request still
            // land in Coupa after this (held somewhere on the way), Coupa decides an approval
            // only once: a new decision made meanwhile is refused there as no longer pending, or
            // the late request is; and the sync edits every card to what Coupa then shows, as
            // for any decision made outside the bot.
            DoubtEnding::NotApplied | DoubtEnding::Overtaken => {
                self.store.release_claim(doubt.approval, &token).await?;
                self.show_truth(&requisition, &approval).await?;
            }
        }
        let entry = doubt
            .audit(self.now(), ending.audit_outcome())
            .about(&requisition);
        self.store.append_audit(&entry).await?;
        tracing::info!(approval = %doubt.approval, outcome = %entry.outcome, "settled a decision whose outcome was unknown");
        self.forget_intent(&doubt).await;
        Ok(())
    }

    /// Edits every card of `approval` to what Coupa says of it now: its buttons again while it
    /// waits, else how it was settled (and then keeps the cards as settled).
    async fn show_truth(
        &self,
        requisition: &Requisition,
        approval: &Approval,
    ) -> Result<(), EngineError> {
        let cards = self.store.cards(approval.id).await?;
        match self.resolved_state(requisition, approval) {
            Some(state) => {
                let mut report = SyncReport::default();
                self.close(
                    approval.id,
                    requisition,
                    approval,
                    &cards,
                    &state,
                    &mut report,
                )
                .await
            }
            None => {
                for delivered in &cards {
                    let state = if self.expired(delivered.sent_at) {
                        CardState::Expired
                    } else {
                        CardState::Pending
                    };
                    self.edit(delivered, &self.card(requisition, approval, state))
                        .await;
                }
                Ok(())
            }
        }
    }
}

/// How a `decision` whose outcome was unknown ended, given the approval's `status` in Coupa now.
fn ending(decision: Decision, status: &ApprovalStatus) -> DoubtEnding {
    match (decision, status) {
        // Coupa records API decisions against its service account, so a decision of the same
        // kind cannot be told from ours; either way the approval was decided as the person asked.
        (Decision::Approve, ApprovalStatus::Approved)
        | (Decision::Reject, ApprovalStatus::Rejected) => DoubtEnding::Applied(decision),
        (Decision::Hold, status) if status.is_held() => DoubtEnding::Applied(decision),
        (_, status) if status.is_actionable() => DoubtEnding::NotApplied,
        _ => DoubtEnding::Overtaken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_shown_in_coupa_took_effect_and_a_pending_one_did_not() {
        assert_eq!(
            ending(Decision::Approve, &ApprovalStatus::Approved),
            DoubtEnding::Applied(Decision::Approve)
        );
        assert_eq!(
            ending(Decision::Reject, &ApprovalStatus::Rejected),
            DoubtEnding::Applied(Decision::Reject)
        );
        assert_eq!(
            ending(Decision::Approve, &ApprovalStatus::PendingApproval),
            DoubtEnding::NotApplied
        );
        assert_eq!(
            ending(Decision::Approve, &ApprovalStatus::Rejected),
            DoubtEnding::Overtaken
        );
    }

    #[test]
    fn a_hold_shown_in_coupa_took_effect_and_one_still_pending_did_not() {
        let held = ApprovalStatus::from_coupa("holding");
        assert_eq!(
            ending(Decision::Hold, &held),
            DoubtEnding::Applied(Decision::Hold)
        );
        assert_eq!(
            ending(Decision::Hold, &ApprovalStatus::PendingApproval),
            DoubtEnding::NotApplied
        );
        assert_eq!(
            ending(Decision::Hold, &ApprovalStatus::Approved),
            DoubtEnding::Overtaken
        );
        assert_eq!(ending(Decision::Approve, &held), DoubtEnding::Overtaken);
    }
}
