//! Delegates as approvers: who may decide a step besides its approver, and on what footing.
//!
//! A step's delegates come from two places in Coupa: the approval record's own `delegate`
//! (read with the approval), and the approver's delegations for approvals
//! (`/api/delegations`, each with a start and an end), read here for a step waiting for one user.
//! Sync reads every current delegation at once and uses that read for
//! [`DELEGATIONS_FRESH_FOR`], so that delegates cost one call however many approvers a sync
//! meets. A delegation's dates are weighed at each use, so one that starts or ends is seen at
//! once; one created, changed or removed in Coupa is seen within that time, or at the next full
//! reconcile, which reads them again. A decision reads its approver's delegations fresh.
//! An active delegate gets a card marked with whom they stand in for, may decide the step, and
//! the reason sent to Coupa says so. A delegation that cannot be read gives no delegate: the
//! approver still gets their card, and a delegate's click is refused rather than trusted.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::coupa::CoupaClient;
use crate::domain::delegate::{Delegate, Standing};
use crate::domain::{Approval, ApprovalId, Approver, ChatUserId, Person};
use crate::telemetry::chain;

use super::error::EngineError;
use super::service::Engine;

/// How long sync uses one read of the current delegations before reading them again.
pub const DELEGATIONS_FRESH_FOR: Duration = Duration::from_secs(60);

/// One read of the current delegations: when, and what (`None`: they could not be read).
type DelegationsRead = (Instant, Option<Arc<Vec<Delegate>>>);

/// The current delegations of approvals as sync last read them, shared by an engine's clones.
#[derive(Default)]
pub(crate) struct DelegationCache {
    /// The last read, if any.
    read: Mutex<Option<DelegationsRead>>,
}

/// Someone a step's card goes to, and on what footing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipient {
    /// The Coupa user.
    pub(crate) person: Person,
    /// Whom they stand in for, when they get the card as a delegate.
    pub(crate) delegate_for: Option<String>,
}

impl Engine {
    /// `approval` with its approver's own delegations for approvals, read fresh from `coupa`,
    /// added to the delegates the approval names. Only a step waiting for one user has an
    /// approver's delegations; when they cannot be read, the step keeps what it names.
    pub(crate) async fn with_delegations(
        &self,
        coupa: &CoupaClient,
        approval: &Approval,
    ) -> Approval {
        let Approver::User(approver) = &approval.approver else {
            return approval.clone();
        };
        match coupa.approval_delegates_of(approver.id).await {
            Ok(delegates) => self.adding(approval, delegates.iter()),
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %approval.id, "could not read the approver's delegations; only the approval's own delegate counts");
                metrics::counter!("coupa_delegations_unread_total").increment(1);
                approval.clone()
            }
        }
    }

    /// `approval` with its approver's delegations as sync last read them (see
    /// [`DELEGATIONS_FRESH_FOR`]), and whether they could be read: when not, who is no longer a
    /// delegate is not known either.
    pub(crate) async fn with_current_delegations(&self, approval: &Approval) -> (Approval, bool) {
        let Approver::User(approver) = &approval.approver else {
            return (approval.clone(), true);
        };
        match self.current_delegations().await {
            Some(all) => (
                self.adding(
                    approval,
                    all.iter().filter(|d| d.for_id == Some(approver.id)),
                ),
                true,
            ),
            None => (approval.clone(), false),
        }
    }

    /// `approval` with `delegates` added, but for those it names already, active.
    fn adding<'a>(
        &self,
        approval: &Approval,
        delegates: impl Iterator<Item = &'a Delegate>,
    ) -> Approval {
        let now = self.now();
        let mut approval = approval.clone();
        for delegate in delegates {
            let named = approval
                .delegates
                .iter()
                .any(|d| d.person.id == delegate.person.id && d.active_at(now));
            if !named {
                approval.delegates.push(delegate.clone());
            }
        }
        approval
    }

    /// Forgets the delegations sync last read: the next use reads them again. A full reconcile
    /// starts so, taking every change made in Coupa since.
    pub(crate) async fn forget_delegations(&self) {
        *self.delegations.read.lock().await = None;
    }

    /// Every current delegation of approvals, read at most once per [`DELEGATIONS_FRESH_FOR`]
    /// (sync's tasks wait for the one read under way); `None` when Coupa could not tell.
    async fn current_delegations(&self) -> Option<Arc<Vec<Delegate>>> {
        let mut read = self.delegations.read.lock().await;
        if let Some((at, delegations)) = read.as_ref()
            && at.elapsed() < DELEGATIONS_FRESH_FOR
        {
            return delegations.clone();
        }
        let delegations = match self
            .coupa
            .approval_delegations_ending_after(self.now())
            .await
        {
            Ok(delegations) => Some(Arc::new(delegations)),
            Err(err) => {
                tracing::warn!(error = %chain(&err), "could not read the delegations of approvals; approvals' own delegates still count, and no delegate's card is closed");
                metrics::counter!("coupa_delegations_unread_total").increment(1);
                None
            }
        };
        *read = Some((Instant::now(), delegations.clone()));
        delegations
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
        // Their own right, or a delegate the approval names: no call needed.
        if let Some(standing) = approval.standing_of(person.id, self.now()) {
            return Some(standing);
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
