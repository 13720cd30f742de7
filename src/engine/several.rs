//! Approving several approvals at once, from one confirmation.
//!
//! A person selects items of a list they were shown and confirms once; each item is then decided
//! exactly as a click on its own Approve button would be — recipient, expiry, claim, fresh Coupa
//! read, approver, fingerprint (see [`super::decide`]) — one after the other, in the order
//! given, each taking its turn in the fair decide queue and Coupa's rate limit. Only items that
//! need no confirmation of their own may be approved this way: one whose total Coupa now reports
//! above `CONFIRM_ABOVE_AMOUNT` is refused ([`Refusal::AboveBulkLimit`]) before Coupa is asked to
//! act, whatever the selection claimed. Nobody is told item by item: the caller gets every item's
//! outcome and answers once.
//!
//! [`Refusal::AboveBulkLimit`]: crate::domain::outcome::Refusal::AboveBulkLimit

use jiff::Timestamp;

use crate::domain::conversation::ConversationRef;
use crate::domain::outcome::{DecisionResult, Regarding};
use crate::domain::{ApprovalId, ChatUserId, Decision, Fingerprint, RequisitionId};

use super::decide::DecisionRequest;
use super::pending::SHOWN_ITEMS;
use super::service::Engine;

/// At most this many approvals are approved at once: a list shows no more.
pub const SEVERAL_AT_ONCE: usize = SHOWN_ITEMS;

/// One selected item, as the list showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedItem {
    /// The approval.
    pub approval: ApprovalId,
    /// Its requisition.
    pub requisition: RequisitionId,
    /// Fingerprint of the requisition as listed.
    pub fingerprint: Fingerprint,
    /// When the list's buttons were issued.
    pub issued_at: Timestamp,
}

/// What came of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    /// The requisition, named as the person last saw it.
    pub regarding: Regarding,
    /// What came of approving it.
    pub result: DecisionResult,
}

/// Why a selection was not decided at all. Nothing was sent to Coupa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Nothing was selected.
    #[error("nothing was selected")]
    Empty,
    /// More than [`SEVERAL_AT_ONCE`] different approvals were selected.
    #[error("{count} approvals were selected, more than {max} at once")]
    TooMany {
        /// How many were selected.
        count: usize,
        /// The most allowed.
        max: usize,
    },
}

impl Engine {
    /// Approves each of `items` for `user`, one after the other, through the same checks as a
    /// single click, and returns what came of each, in order. An approval selected twice is
    /// decided once. `conversation` is where the list was shown.
    pub async fn approve_several(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        items: &[ListedItem],
    ) -> Result<Vec<ItemOutcome>, SelectionError> {
        let mut distinct: Vec<&ListedItem> = Vec::with_capacity(items.len());
        for item in items {
            if !distinct.iter().any(|seen| seen.approval == item.approval) {
                distinct.push(item);
            }
        }
        if distinct.is_empty() {
            return Err(SelectionError::Empty);
        }
        if distinct.len() > SEVERAL_AT_ONCE {
            return Err(SelectionError::TooMany {
                count: distinct.len(),
                max: SEVERAL_AT_ONCE,
            });
        }
        let mut outcomes = Vec::with_capacity(distinct.len());
        for item in distinct {
            let request = DecisionRequest {
                approval: item.approval,
                requisition: item.requisition,
                fingerprint: item.fingerprint.clone(),
                issued_at: item.issued_at,
                user: user.clone(),
                conversation: conversation.cloned(),
                decision: Decision::Approve,
                comment: None,
            };
            let (result, naming) = self
                .decide_untold(&request, self.settings.confirm_above_amount)
                .await;
            let regarding = self.counted(&request, &result, naming).await;
            outcomes.push(ItemOutcome { regarding, result });
        }
        Ok(outcomes)
    }
}
