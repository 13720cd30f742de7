//! Keeping cards true: deliver a card to every approver who needs one, and edit every card whose
//! approval was decided, moved on, changed or expired.
//!
//! Runs only on the replica holding the sync lease. Each cycle reads the requisitions Coupa
//! changed since the watermark (one list call when nothing changed) and handles them oldest
//! first, [`CONCURRENT_REQUISITIONS`] at a time; the watermark moves only after the batch is
//! handled (and never past a requisition that failed), so a crash means redo, never skip, and
//! redoing is harmless because delivery checks the store first. Expiry reads only the cards due
//! (a store index by send time), so a cycle with nothing changed costs one Coupa call and a few
//! store calls however many approvals are tracked. A full reconcile of
//! everything pending runs at start and hourly, and closes cards whose approval disappeared.

use std::collections::HashSet;
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::chat::card::CardState;
use crate::coupa::CoupaError;
use crate::domain::change::Shown;
use crate::domain::records::{CoupaDecision, DeliveredCard, Settlement};
use crate::domain::{Approval, ApprovalId, Approver, Person, Requisition, RequisitionStatus};
use crate::telemetry::chain;

use super::error::EngineError;
use super::leader::Leadership;
use super::service::Engine;

/// How often everything pending is reconciled, besides at start.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(3600);

/// How many requisitions a cycle handles at once. Each posts its cards one at a time, so this
/// is also how many chat messages can be in flight: enough to use a workspace's posting budget
/// at a chat platform's round-trip times, few enough that a 429 stops only a handful of calls
/// mid-air.
pub const CONCURRENT_REQUISITIONS: usize = 16;

/// How long a delivery in progress keeps other replicas from making the same one.
const DELIVERY_GUARD: Duration = Duration::from_secs(120);

/// What one cycle did, for logs, metrics and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Requisitions looked at.
    pub requisitions: usize,
    /// New cards posted.
    pub delivered: usize,
    /// Cards edited to a resolved, changed or expired state.
    pub closed: usize,
    /// Approvers with no chat account.
    pub unmapped: usize,
    /// Deliveries or edits that failed and will be retried.
    pub failures: usize,
}

/// A requisition handled by a task: its `updated_at` and what came of it.
type Handled = (Timestamp, Result<SyncReport, EngineError>);

/// What the tasks of a [`Handling`] came to so far.
#[derive(Default)]
struct Progress {
    total: SyncReport,
    first_failure: Option<Timestamp>,
    first_error: Option<EngineError>,
}

impl Progress {
    fn absorb(&mut self, joined: Result<Handled, tokio::task::JoinError>) {
        match joined {
            Ok((updated_at, Ok(report))) => {
                if report.failures > 0 {
                    self.first_failure =
                        Some(self.first_failure.map_or(updated_at, |f| f.min(updated_at)));
                }
                self.total.add(&report);
            }
            Ok((_, Err(err))) => {
                self.first_error.get_or_insert(err);
            }
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            // Cancelled: only when the cycle itself is dropped, which ends it anyway.
            Err(_) => {}
        }
    }
}

/// Requisitions being handled, up to [`CONCURRENT_REQUISITIONS`] at once, so that posting
/// cards is not held to one chat round trip at a time.
///
/// Every requisition started is finished by [`Handling::finish`], even after an error, so that
/// no post is cut off between being sent and being recorded; the first error is then returned.
struct Handling {
    engine: Engine,
    tasks: JoinSet<Handled>,
    progress: Progress,
}

impl Handling {
    fn new(engine: &Engine) -> Self {
        Self {
            engine: engine.clone(),
            tasks: JoinSet::new(),
            progress: Progress::default(),
        }
    }

    /// Starts handling `requisition` once a slot is free; `false` (and nothing started) once a
    /// requisition has failed with an error, which ends the cycle.
    async fn push(&mut self, requisition: Requisition) -> bool {
        while self.tasks.len() >= CONCURRENT_REQUISITIONS {
            if let Some(joined) = self.tasks.join_next().await {
                self.progress.absorb(joined);
            }
        }
        if self.progress.first_error.is_some() {
            return false;
        }
        let engine = self.engine.clone();
        self.tasks.spawn(async move {
            let mut report = SyncReport::default();
            let result = engine.handle(&requisition, &mut report).await;
            (requisition.updated_at, result.map(|()| report))
        });
        true
    }

    /// Waits for everything started; the summed report and the `updated_at` of the oldest
    /// requisition that had a failure, or the first error.
    async fn finish(mut self) -> Result<(SyncReport, Option<Timestamp>), EngineError> {
        while let Some(joined) = self.tasks.join_next().await {
            self.progress.absorb(joined);
        }
        match self.progress.first_error {
            Some(err) => Err(err),
            None => Ok((self.progress.total, self.progress.first_failure)),
        }
    }
}

impl SyncReport {
    /// Adds `other`'s counts to this one.
    fn add(&mut self, other: &SyncReport) {
        self.requisitions += other.requisitions;
        self.delivered += other.delivered;
        self.closed += other.closed;
        self.unmapped += other.unmapped;
        self.failures += other.failures;
    }
}

impl Engine {
    /// One incremental cycle; a full reconcile when there is no watermark yet.
    pub async fn sync_changes(&self) -> Result<SyncReport, EngineError> {
        let Some(watermark) = self.store.watermark().await? else {
            return self.reconcile().await;
        };
        let changed = self.coupa.requisitions_changed_since(watermark).await?;
        let newest = changed.iter().map(|r| r.updated_at).max();
        let (report, first_failure) = self.handle_all(changed).await?;
        let mut next = newest.map_or(watermark, |n| watermark.max(n));
        // A failed delivery is redone next cycle: stop the watermark just before it.
        if let Some(failed) = first_failure {
            next = watermark.max(failed - jiff::SignedDuration::from_secs(1));
        }
        let mut report = report;
        if next != watermark {
            self.store.set_watermark(next).await?;
        }
        self.expire(&mut report).await?;
        Ok(report)
    }

    /// Reconciles everything pending in Coupa, and closes cards of approvals that are no longer
    /// pending anywhere. Pending requisitions are handled page by page as they are read, so a
    /// reconcile holds one page and the requisitions in hand, not all of them.
    pub async fn reconcile(&self) -> Result<SyncReport, EngineError> {
        let previous = self.store.watermark().await?;
        let mut current: HashSet<ApprovalId> = HashSet::new();
        let mut newest = previous;
        let mut handling = Handling::new(self);
        let mut pages = self.coupa.pending_requisition_pages();
        'pages: loop {
            let page = match pages.next_page().await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(err) => {
                    // Finish what was started before giving up (see `Handling::finish`).
                    let _ = handling.finish().await;
                    return Err(err.into());
                }
            };
            for requisition in page {
                current.extend(requisition.current_approvals.iter().map(|a| a.id));
                newest = newest.max(Some(requisition.updated_at));
                if !handling.push(requisition).await {
                    break 'pages;
                }
            }
        }
        let (mut report, _) = handling.finish().await?;
        for approval in self.store.approvals_with_cards().await? {
            if !current.contains(&approval) {
                self.close_orphan(approval, &mut report).await?;
            }
        }
        if report.failures == 0
            && let Some(newest) = newest
        {
            self.store.set_watermark(newest).await?;
        }
        self.expire(&mut report).await?;
        Ok(report)
    }

    /// Handles `requisitions`, up to [`CONCURRENT_REQUISITIONS`] at once. Returns the summed
    /// report and the `updated_at` of the oldest requisition that had a failure.
    async fn handle_all(
        &self,
        requisitions: Vec<Requisition>,
    ) -> Result<(SyncReport, Option<Timestamp>), EngineError> {
        let mut handling = Handling::new(self);
        for requisition in requisitions {
            if !handling.push(requisition).await {
                break;
            }
        }
        handling.finish().await
    }

    /// Delivers cards for a requisition's current approvals and closes cards of its others.
    async fn handle(
        &self,
        requisition: &Requisition,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        report.requisitions += 1;
        let pending = requisition.status == RequisitionStatus::PendingApproval;
        let current: Vec<&Approval> = if pending {
            requisition.current_approvals.iter().collect()
        } else {
            Vec::new()
        };
        for approval in &requisition.approvals {
            if current.iter().any(|c| c.id == approval.id) {
                continue;
            }
            let cards = self.store.cards(approval.id).await?;
            if cards.is_empty() {
                continue;
            }
            let state = self
                .resolved_state(requisition, approval)
                .unwrap_or(CardState::NoLongerPending);
            self.close(approval.id, requisition, approval, &cards, &state, report)
                .await?;
        }
        for approval in current {
            self.deliver(requisition, approval, report).await?;
        }
        Ok(())
    }

    /// Posts a card to every approver of `approval` who has none (or an outdated one).
    async fn deliver(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let fingerprint = requisition.fingerprint();
        let cards = self.store.cards(approval.id).await?;
        for person in self.approvers(approval).await? {
            let Some(user) = self.directory.chat_user_for(&person).await? else {
                report.unmapped += 1;
                continue;
            };
            let existing = cards.iter().find(|c| c.recipient == user);
            let mut change = None;
            if let Some(card) = existing {
                if requisition.unchanged_since(&card.fingerprint) {
                    continue;
                }
                // The requisition changed under the card: say what changed, then send the new
                // version saying so too.
                change = card
                    .shown
                    .as_ref()
                    .map(|shown| shown.changes_to(requisition));
                let old = self.changed_card(requisition, approval, card);
                if self.edit(card, &old).await {
                    report.closed += 1;
                }
            }
            // Two replicas can briefly both believe they lead (a lease lost mid-cycle): the first
            // to mark this delivery posts it, the other leaves it for the next cycle.
            let delivery = format!("delivery:{}:{}:{}", approval.id, user, fingerprint);
            if !self.store.first_sighting(&delivery, DELIVERY_GUARD).await? {
                report.failures += 1;
                continue;
            }
            let card = self
                .card(requisition, approval, CardState::Pending)
                .updated(change);
            match self.chat.post_card(&user, &card).await {
                Ok(message) => {
                    let delivered = DeliveredCard {
                        recipient: user,
                        message,
                        fingerprint: fingerprint.clone(),
                        sent_at: self.now(),
                        expired: false,
                        shown: Some(Shown::of(requisition)),
                    };
                    self.store.put_card(approval.id, &delivered).await?;
                    report.delivered += 1;
                    metrics::counter!("cards_delivered_total").increment(1);
                }
                Err(err) => {
                    tracing::warn!(error = %chain(&err), approval = %approval.id, "could not deliver a card; will retry");
                    metrics::counter!("chat_errors_total", "call" => "post_card").increment(1);
                    report.failures += 1;
                }
            }
        }
        Ok(())
    }

    /// The people who may decide `approval`: the user, or the group's active members (read from
    /// Coupa when the approval did not list them).
    async fn approvers(&self, approval: &Approval) -> Result<Vec<Person>, EngineError> {
        match &approval.approver {
            Approver::User(person) => Ok(vec![person.clone()]),
            Approver::Group { id, members, .. } if members.is_empty() => {
                Ok(self.coupa.user_group(*id).await?.members)
            }
            group => Ok(group.people().into_iter().cloned().collect()),
        }
    }

    /// Edits `cards` to `state` and forgets them (their approval is settled).
    async fn close(
        &self,
        approval_id: ApprovalId,
        requisition: &Requisition,
        approval: &Approval,
        cards: &[DeliveredCard],
        state: &CardState,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let card = self.card(requisition, approval, state.clone());
        let mut all = true;
        for delivered in cards {
            if self.edit(delivered, &card).await {
                report.closed += 1;
            } else {
                all = false;
                report.failures += 1;
            }
        }
        // Keep the records of cards that could not be edited, so the next cycle tries again.
        if all {
            self.settle(approval_id, cards.to_vec(), settlement(state))
                .await?;
        }
        Ok(())
    }

    /// Closes the cards of an approval that no pending requisition lists any more.
    async fn close_orphan(
        &self,
        approval_id: ApprovalId,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let cards = self.store.cards(approval_id).await?;
        if cards.is_empty() {
            return Ok(());
        }
        let approval = match self.coupa.approval(approval_id).await {
            Ok(approval) => approval,
            Err(CoupaError::NotFound { .. }) => {
                // Gone from Coupa altogether (replaced after a reject, or deleted): nothing to
                // show but the fact. Forget the cards; their buttons refuse politely.
                self.settle(approval_id, cards, Settlement::NoLongerPending)
                    .await?;
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        };
        let Some(requisition_id) = approval.requisition_id else {
            self.settle(approval_id, cards, Settlement::NoLongerPending)
                .await?;
            return Ok(());
        };
        let requisition = self.coupa.requisition(requisition_id).await?;
        let state = self
            .resolved_state(&requisition, &approval)
            .unwrap_or(CardState::NoLongerPending);
        self.close(approval_id, &requisition, &approval, &cards, &state, report)
            .await
    }

    /// Edits cards whose buttons have expired to say so. The approval itself is untouched.
    async fn expire(&self, report: &mut SyncReport) -> Result<(), EngineError> {
        // Only approvals with a card old enough to be due: an index read, not one per approval.
        let ttl = jiff::SignedDuration::try_from(self.settings.button_ttl)
            .unwrap_or(jiff::SignedDuration::MAX);
        let Ok(cutoff) = self.now().checked_sub(ttl) else {
            return Ok(());
        };
        for approval_id in self.store.approvals_with_cards_sent_by(cutoff).await? {
            let cards = self.store.cards(approval_id).await?;
            let due: Vec<&DeliveredCard> = cards
                .iter()
                .filter(|c| !c.expired && self.expired(c.sent_at))
                .collect();
            if due.is_empty() {
                continue;
            }
            let approval = self.coupa.approval(approval_id).await?;
            let Some(requisition_id) = approval.requisition_id else {
                continue;
            };
            let requisition = self.coupa.requisition(requisition_id).await?;
            let card = self.card(&requisition, &approval, CardState::Expired);
            for delivered in due {
                if self.edit(delivered, &card).await {
                    let mut expired = delivered.clone();
                    expired.expired = true;
                    self.store.put_card(approval_id, &expired).await?;
                    report.closed += 1;
                }
            }
        }
        Ok(())
    }
}

/// How a card closed in `state` says its approval was settled.
fn settlement(state: &CardState) -> Settlement {
    match state {
        CardState::DecidedInCoupa { decision, by, at } => {
            Settlement::DecidedInCoupa(CoupaDecision {
                decision: *decision,
                by: by.clone(),
                at: *at,
            })
        }
        _ => Settlement::NoLongerPending,
    }
}

/// Runs sync cycles every `interval` while this replica leads, until `cancel`; a full reconcile
/// first and every [`RECONCILE_EVERY`].
pub async fn run(
    engine: Engine,
    leadership: Leadership,
    interval: Duration,
    cancel: CancellationToken,
) {
    let mut last_reconcile: Option<tokio::time::Instant> = None;
    loop {
        if leadership.is_leader() {
            let full = last_reconcile.is_none_or(|t| t.elapsed() >= RECONCILE_EVERY);
            let started = tokio::time::Instant::now();
            let result = if full {
                engine.reconcile().await
            } else {
                engine.sync_changes().await
            };
            match result {
                Ok(report) => {
                    if full {
                        last_reconcile = Some(started);
                    }
                    metrics::gauge!("sync_last_success_timestamp_seconds")
                        .set(Timestamp::now().as_second() as f64);
                    metrics::histogram!("sync_duration_seconds")
                        .record(started.elapsed().as_secs_f64());
                    tracing::debug!(?report, full, "sync cycle done");
                }
                Err(err) => {
                    metrics::counter!("sync_failures_total").increment(1);
                    tracing::warn!(
                        error = %chain(&err),
                        full,
                        "sync cycle failed; retrying next cycle"
                    );
                }
            }
        } else {
            // A new leader starts with a full reconcile.
            last_reconcile = None;
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
