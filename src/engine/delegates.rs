//! Delegates as approvers: who may decide a step besides its approver, and on what footing.
//!
//! A step's delegates come from two places in Coupa: the approval record's own `delegate`
//! (read with the approval), and the approver's delegations for approvals
//! (`/api/delegations`, each with a start and an end), read here for a step waiting for one user.
//! An active delegate gets a card marked with whom they stand in for, may decide the step, and
//! the reason sent to Coupa says so. A delegation that cannot be read gives no delegate: the
//! approver still gets their card, and a delegate's click is refused rather than trusted.

use jiff::Timestamp;

use crate::coupa::CoupaClient;
use crate::domain::delegate::Standing;
use crate::domain::{Approval, ApprovalId, Approver, ChatUserId, Person};
use crate::telemetry::chain;

use super::error::EngineError;
use super::service::Engine;

/// Someone a step's card goes to, and on what footing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipient {
    /// The Coupa user.
    pub(crate) person: Person,
    /// Whom they stand in for, when they get the card as a delegate.
    pub(crate) delegate_for: Option<String>,
}

impl Engine {
    /// `approval` with its approver's own delegations for approvals added to the delegates the
    /// approval names (a person named twice is kept once). Only a step waiting for one user has
    /// an approver's delegations; when they cannot be read, the step keeps what it names.
    pub(crate) async fn with_delegations(
        &self,
        coupa: &CoupaClient,
        approval: &Approval,
    ) -> Approval {
        let mut approval = approval.clone();
        let Approver::User(approver) = &approval.approver else {
            return approval;
        };
        match coupa.approval_delegates_of(approver.id).await {
            Ok(delegates) => {
                for delegate in delegates {
                    if !approval
                        .delegates
                        .iter()
                        .any(|d| d.person.id == delegate.person.id && d.active_at(self.now()))
                    {
                        approval.delegates.push(delegate);
                    }
                }
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %approval.id, "could not read the approver's delegations; only the approval's own delegate counts");
                metrics::counter!("coupa_delegations_unread_total").increment(1);
            }
        }
        approval
    }

    /// Everyone `approval`'s card goes to now: its approvers in their own right first, then its
    /// active delegates who are not approvers already, each once.
    pub(crate) async fn recipients(
        &self,
        approval: &Approval,
        now: Timestamp,
    ) -> Result<Vec<Recipient>, EngineError> {
        let mut recipients: Vec<Recipient> = self
            .approvers(approval)
            .await?
            .into_iter()
            .map(|person| Recipient {
                person,
                delegate_for: None,
            })
            .collect();
        for delegate in approval.active_delegates(now) {
            if recipients.iter().all(|r| r.person.id != delegate.person.id) {
                recipients.push(Recipient {
                    person: delegate.person.clone(),
                    delegate_for: Some(delegate.for_name.clone()),
                });
            }
        }
        Ok(recipients)
    }

    /// Whether, and on what footing, `person` is one who decides `approval` now, by a fresh read
    /// of `coupa`: an approver in their own right; anyone else only as an active delegate.
    /// (Whether an inactive Coupa user may act is the caller's rule.)
    pub(crate) async fn standing_of(
        &self,
        coupa: &CoupaClient,
        approval: &Approval,
        person: &Person,
    ) -> Option<Standing> {
        if approval.approver.includes(person.id) {
            return Some(Standing::Own);
        }
        self.with_delegations(coupa, approval)
            .await
            .standing_of(person.id, self.now())
    }

    /// Notes that `user`'s card of `approval`, sent to them as a delegate, is no longer theirs
    /// to decide (their click was refused: the delegation ended or is gone), so that the card
    /// says so from its next rendering on. A card of their own is left as it is.
    pub(crate) async fn end_delegation_of(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
    ) -> Result<(), EngineError> {
        let cards = self.store.cards(approval).await?;
        if let Some(card) = cards
            .into_iter()
            .find(|c| c.recipient == *user && c.delegate_for.is_some() && !c.delegation_ended)
        {
            let ended = crate::domain::records::DeliveredCard {
                delegation_ended: true,
                ..card
            };
            self.store.put_card(approval, &ended).await?;
        }
        Ok(())
    }
}
