//! Holds: an approval put on hold waits, its cards say so, and they offer their buttons again once
//! Coupa releases it.
//!
//! A hold is decided like any decision ([`super::decide`]: recipient, expiry, claim, fresh read,
//! approver, fingerprint, intent on record, attribution, audit), with two differences: Coupa must
//! allow it (`holdable`, checked on the fresh read, so a forged Hold on an approval that may not be
//! held is refused without a Coupa call), and it settles nothing. Its claim is released once Coupa
//! confirms the hold, so the approval can be approved or denied as soon as Coupa releases it;
//! a second Hold meanwhile finds it on hold in the fresh read and is refused without a Coupa call.
//!
//! Every card of a held approval, whoever it was sent to, says who put it on hold and why
//! ([`CardState::OnHold`]) and keeps its record: the approval is not settled. Each edit that shows
//! a hold notes it in the store ([`Store::put_hold`](crate::store::Store::put_hold)), shared by
//! every replica, and read with the cards' records (`Store::deliveries`) at no extra cost; the
//! sync reads Coupa and, when an approval waits again with a hold still noted (Coupa released
//! it), edits every card back to its buttons and forgets the note. A hold the sync sees that no
//! card shows yet (made in Coupa, or a card whose edit failed) is shown the same way.
//!
//! A sync that read the approval just before a hold and its cards just after can take the hold
//! for released and show the buttons again; a click on them then finds the hold in the fresh read
//! and puts the hold back on every card, as does the next sync, which sees the requisition changed.

use std::time::Duration;

use crate::chat::card::CardState;
use crate::domain::hold::Hold;
use crate::domain::records::DeliveredCard;
use crate::domain::{Approval, ApprovalId, Requisition};
use crate::telemetry::chain;

use super::error::EngineError;
use super::service::Engine;
use super::sync::SyncReport;

/// How long a noted hold is kept. The full reconcile reads every pending requisition hourly and
/// notes again a hold it finds no longer noted, so this only bounds what a hold forgotten by Coupa
/// (its approval deleted) leaves behind.
pub const HOLD_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);

impl Engine {
    /// Notes that the cards of `approval` now show `hold`. A failure is logged: the sync notes
    /// it again when it next sees the hold.
    pub(crate) async fn note_hold(&self, approval: ApprovalId, hold: &Hold) {
        if let Err(err) = self.store.put_hold(approval, hold, HOLD_KEPT).await {
            tracing::warn!(error = %chain(&err), %approval, "could not note a hold; the next sync does");
        }
    }

    /// Edits `cards` of `approval` to say it is on hold as `hold` says, unless they already do
    /// (a hold noted at the same time). The cards stay on record: the approval is not settled.
    pub(crate) async fn show_hold(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        cards: &[DeliveredCard],
        hold: &Hold,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let noted = self.store.hold(approval.id).await?;
        let shown = noted.is_some_and(|noted| hold.at.is_none() || noted.at == hold.at);
        if shown || cards.is_empty() {
            return Ok(());
        }
        let card = self.card(requisition, approval, CardState::OnHold(hold.clone()));
        for delivered in cards {
            // A successful edit notes the hold (see `Engine::edit`).
            if self.edit(delivered, &card).await {
                report.closed += 1;
            } else {
                report.failures += 1;
            }
        }
        Ok(())
    }

    /// Brings `cards` of `approval`, which Coupa shows waiting for a decision again while a hold
    /// is still noted (Coupa released it), back to their buttons, and forgets the hold. Cards
    /// whose buttons have expired say so instead.
    pub(crate) async fn show_released(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        cards: &[DeliveredCard],
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let mut all = true;
        for delivered in cards {
            let state = if self.expired(delivered.sent_at) {
                CardState::Expired
            } else {
                CardState::Pending
            };
            if self
                .edit(delivered, &self.card(requisition, approval, state))
                .await
            {
                report.closed += 1;
            } else {
                all = false;
                report.failures += 1;
            }
        }
        // Kept until every card is back, so that the next cycle tries those left again.
        if all {
            self.store.forget_hold(approval.id).await?;
            tracing::info!(approval = %approval.id, "released in Coupa; its cards show their buttons again");
        }
        Ok(())
    }
}
