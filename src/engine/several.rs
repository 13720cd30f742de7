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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

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

/// Each person's selections in this process, decided one after the other: a confirmation sent
/// twice then finds every item decided by the first (and says so), instead of each finding the
/// other deciding half of them. Across replicas the claims still decide each item once.
#[derive(Debug, Default)]
pub(crate) struct SelectionTurns(Mutex<HashMap<ChatUserId, Arc<tokio::sync::Mutex<()>>>>);

impl SelectionTurns {
    fn turn_of(&self, user: &ChatUserId) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        turns.entry(user.clone()).or_default().clone()
    }

    /// Forgets `user`'s turn once nobody waits for it.
    fn done(&self, user: &ChatUserId, turn: Arc<tokio::sync::Mutex<()>>) {
        let mut turns = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        drop(turn);
        if turns.get(user).is_some_and(|t| Arc::strong_count(t) == 1) {
            turns.remove(user);
        }
    }
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
        let turn = self.selections.turn_of(user);
        let guard = turn.lock().await;
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
        drop(guard);
        self.selections.done(user, turn);
        Ok(outcomes)
    }
}
