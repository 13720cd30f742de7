//! "What's pending": the asker's approvals, read live from Coupa, oldest first.
//!
//! Direct approvals come from Coupa's approvals query; group approvals, and those the asker holds
//! as a delegate (marked so), from the cards the bot delivered to the asker, each checked live. When Coupa fails, the last list shown to the asker
//! is returned with a notice saying how old it is. Lookups go through
//! [`super::pending_cache`]: an answer is kept a few seconds per person, asks made while one
//! runs share it, and only a few run at once, so asking cannot spend Coupa's budget.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::domain::records::{PendingItem, PendingSnapshot};
use crate::domain::{ApprovalId, ApprovalStatus, ChatUserId, RequisitionId};
use crate::telemetry::chain;

use super::error::EngineError;
use super::service::Engine;

pub use super::pending_cache::{ANSWER_FRESH_FOR, LOOKUP_WAIT, LOOKUPS_AT_ONCE};

/// At most this many items are shown; the rest are counted with a link to Coupa.
pub const SHOWN_ITEMS: usize = 10;

/// The answer to "what's pending".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingAnswer {
    /// The live list.
    Live(PendingSnapshot),
    /// Coupa could not be reached; this is the last list shown, from `as_of`.
    Stale(PendingSnapshot),
    /// Coupa could not be reached and no earlier list is known.
    Unavailable,
    /// The asker's chat profile has no email.
    NoEmail,
    /// No Coupa user has the asker's email.
    NoCoupaUser {
        /// The email that matched nobody.
        email: String,
    },
    /// So many people were being looked up that this asker's turn did not come in time.
    Busy,
}

impl Engine {
    /// The pending approvals of chat user `user`: the answer kept for them while fresh, or
    /// shared with a lookup already running for them, or looked up in turn (see
    /// [`super::pending_cache`]).
    pub async fn pending_for(&self, user: &ChatUserId) -> PendingAnswer {
        self.pending.answer(user, self.look_up_pending(user)).await
    }

    /// `user`'s list read from Coupa now, or the last one when Coupa fails.
    async fn look_up_pending(&self, user: &ChatUserId) -> PendingAnswer {
        match self.try_pending_for(user).await {
            Ok(answer) => answer,
            Err(err) => {
                tracing::warn!(error = %chain(&err), %user, "could not read pending approvals live");
                match self.store.last_pending(user).await {
                    Ok(Some(snapshot)) => PendingAnswer::Stale(snapshot),
                    _ => PendingAnswer::Unavailable,
                }
            }
        }
    }

    async fn try_pending_for(&self, user: &ChatUserId) -> Result<PendingAnswer, EngineError> {
        let Some(email) = self.directory.email_of(user).await? else {
            return Ok(PendingAnswer::NoEmail);
        };
        let Some(person) = self.coupa.user_by_email(&email).await? else {
            return Ok(PendingAnswer::NoCoupaUser { email });
        };

        // Which approvals to look at: Coupa's direct ones, and those whose cards we gave them.
        let mut candidates: BTreeSet<(RequisitionId, ApprovalId)> = BTreeSet::new();
        for approval in self.coupa.pending_approvals_for(person.id).await? {
            if let Some(requisition) = approval.requisition_id {
                candidates.insert((requisition, approval.id));
            }
        }
        // Group approvals: the cards given to the asker, from the store's per-recipient index.
        let mut requisition_of_card = Vec::new();
        for approval in self.store.approvals_carded_to(user).await? {
            if !candidates.iter().any(|(_, a)| *a == approval) {
                requisition_of_card.push(approval);
            }
        }
        for approval_id in requisition_of_card {
            let approval = self.coupa.approval(approval_id).await?;
            if let Some(requisition) = approval.requisition_id {
                candidates.insert((requisition, approval_id));
            }
        }

        let mut items = Vec::new();
        for (requisition_id, approval_id) in candidates {
            let requisition = self.coupa.requisition(requisition_id).await?;
            let Some(approval) = requisition
                .current_approvals
                .iter()
                .find(|a| a.id == approval_id && a.status == ApprovalStatus::PendingApproval)
            else {
                continue;
            };
            // Theirs in their own right, or as an active delegate (whose cards led here).
            let Some(standing) = self.standing_of(&self.coupa, approval, &person).await else {
                continue;
            };
            items.push(PendingItem {
                approval: approval_id,
                requisition: requisition_id,
                fingerprint: requisition.fingerprint(),
                title: requisition.title.clone(),
                total: requisition.total.clone(),
                requester: requisition
                    .requested_by
                    .as_ref()
                    .map(|p| p.full_name.clone()),
                submitted_at: requisition.submitted_at.or(Some(requisition.updated_at)),
                delegate_for: standing.delegate_for().map(str::to_owned),
            });
        }
        items.sort_by_key(|i| (i.submitted_at.unwrap_or(Timestamp::MAX), i.requisition));
        let snapshot = PendingSnapshot {
            as_of: self.now(),
            items,
        };
        if let Err(err) = self.store.save_pending(user, &snapshot).await {
            tracing::warn!(error = %chain(&err), "could not keep the pending list for later");
        }
        Ok(PendingAnswer::Live(snapshot))
    }
}
