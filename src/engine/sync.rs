//! Keeping cards true: deliver a card to every approver who needs one, and edit every card whose
//! approval was decided, moved on, changed or expired.
//!
//! Runs only on the replica holding the sync lease. Each cycle reads the requisitions Coupa
//! changed since the watermark (one list call when nothing changed) and handles them oldest
//! first, [`CONCURRENT_REQUISITIONS`] at a time; the watermark moves only after the batch is
//! handled (and never past a requisition that failed), so a crash means redo, never skip, and
//! redoing is harmless because delivery checks the store first, where each card is known before
//! it is posted ([`super::delivery`]). New cards are posted once the batch is handled, as cards
//! or, for a person sent more than `DIGEST_ABOVE`, mostly as a digest ([`super::digest`]).
//! Expiry reads only the cards due
//! (a store index by send time), so a cycle with nothing changed costs one Coupa call and a few
//! store calls however many approvals are tracked. A full reconcile of
//! everything pending runs at start and hourly, and closes cards whose approval disappeared.
//! Every cycle first settles the decisions whose outcome was unknown ([`super::doubts`]).
//! An approval on hold keeps its cards, saying so, and they show their buttons again once Coupa
//! releases it ([`super::hold`]).
//!
//! A requisition whose handling panics is a failure of that requisition alone: the others are
//! handled and the watermark stops before it. The loop ([`run`], in `sync/cycles.rs`) outlives
//! any cycle, backs off while cycles fail, and gives the lease up when they keep failing;
//! [`SyncHealth`] (`sync/health.rs`) says when sync has gone stale, for readiness.

mod cycles;
mod health;
mod watermark;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::chat::card::CardState;
use crate::chat::port::ChatError;
use crate::coupa::CoupaError;
use crate::domain::change::Change;
use crate::domain::change::Shown;
use crate::domain::hold::Hold;
use crate::domain::records::{CoupaDecision, DeliveredCard, PendingDelivery, Settlement};
use crate::domain::{
    Approval, ApprovalId, Approver, ChatUserId, Person, Requisition, RequisitionId,
    RequisitionStatus,
};
use crate::store::Deliveries;
use crate::telemetry::chain;

use super::delegates::Recipient;
use super::delivery::{Recording, Settled};
use super::digest::{NewCard, NewCards};
use super::error::EngineError;
use super::leader::Leadership;
use super::service::Engine;

pub use self::cycles::{MAX_BACKOFF_INTERVALS, RESIGN_AFTER_FAILURES, delay_after};
pub use self::health::{STALE_AFTER_INTERVALS, SyncHealth};

/// How often everything pending is reconciled, besides at start.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(3600);

/// How many requisitions a cycle handles at once. Each posts its cards one at a time, so this
/// is also how many chat messages can be in flight: enough to use a workspace's posting budget
/// at a chat platform's round-trip times, few enough that a 429 stops only a handful of calls
/// mid-air.
pub const CONCURRENT_REQUISITIONS: usize = 16;

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

/// What handling one requisition came to.
type Handled = Result<SyncReport, EngineError>;

/// A requisition whose handling was started: its id and `updated_at`.
#[derive(Clone, Copy)]
struct Started {
    id: RequisitionId,
    updated_at: Timestamp,
}

/// What the tasks of a [`Handling`] came to so far.
#[derive(Default)]
struct Progress {
    total: SyncReport,
    first_failure: Option<Timestamp>,
    first_error: Option<EngineError>,
}

impl Progress {
    fn absorb(&mut self, started: Started, joined: Result<Handled, tokio::task::JoinError>) {
        match joined {
            Ok(Ok(report)) => {
                if report.failures > 0 {
                    self.failed_at(started.updated_at);
                }
                self.total.add(&report);
            }
            Ok(Err(err)) => {
                self.first_error.get_or_insert(err);
            }
            // A bug met by one requisition's data must not stop sync for everyone: it counts as
            // that requisition's failure, and the watermark stops before it so it is redone.
            Err(err) => {
                let what = if err.is_panic() {
                    cycles::panic_text(err.into_panic())
                } else {
                    "cancelled".to_owned()
                };
                tracing::error!(
                    requisition = %started.id,
                    panic = %what,
                    "handling a requisition panicked; the others are handled and it is redone next cycle"
                );
                metrics::counter!("sync_panics_total", "scope" => "requisition").increment(1);
                self.total.requisitions += 1;
                self.total.failures += 1;
                self.failed_at(started.updated_at);
            }
        }
    }

    /// Notes that a requisition last updated at `updated_at` must be redone.
    fn failed_at(&mut self, updated_at: Timestamp) {
        self.first_failure = Some(self.first_failure.map_or(updated_at, |f| f.min(updated_at)));
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
    /// Which requisition each task handles: a task that panicked returns nothing to say so.
    started: HashMap<tokio::task::Id, Started>,
    progress: Progress,
    /// The new cards its requisitions would post, held back until they are all handled.
    new_cards: NewCards,
}

impl Handling {
    fn new(engine: &Engine) -> Self {
        Self {
            engine: engine.clone(),
            tasks: JoinSet::new(),
            started: HashMap::new(),
            progress: Progress::default(),
            new_cards: NewCards::default(),
        }
    }

    /// Waits for one task to end and takes in what it came to; `false` when none was running.
    async fn join_one(&mut self) -> bool {
        let Some(joined) = self.tasks.join_next_with_id().await else {
            return false;
        };
        let (task, result) = match joined {
            Ok((task, handled)) => (task, Ok(handled)),
            Err(err) => (err.id(), Err(err)),
        };
        // Every task is recorded as it is spawned; should one be missing, nothing after the
        // oldest possible time counts as handled.
        let started = self.started.remove(&task).unwrap_or(Started {
            id: RequisitionId(0),
            updated_at: Timestamp::MIN,
        });
        self.progress.absorb(started, result);
        true
    }

    /// Starts handling `requisition` once a slot is free; `false` (and nothing started) once a
    /// requisition has failed with an error, which ends the cycle.
    async fn push(&mut self, requisition: Requisition) -> bool {
        while self.tasks.len() >= CONCURRENT_REQUISITIONS {
            self.join_one().await;
        }
        if self.progress.first_error.is_some() {
            return false;
        }
        let started = Started {
            id: requisition.id,
            updated_at: requisition.updated_at,
        };
        let engine = self.engine.clone();
        let new_cards = self.new_cards.clone();
        let task = self.tasks.spawn(async move {
            let mut report = SyncReport::default();
            let result = engine.handle(&requisition, &mut report, &new_cards).await;
            result.map(|()| report)
        });
        self.started.insert(task.id(), started);
        true
    }

    /// Waits for everything started, then posts the new cards held back (as cards, or as a
    /// digest for a person sent many: [`Engine::deliver_new`]); the summed report and the
    /// `updated_at` of the oldest requisition that had a failure, or the first error (then the
    /// new cards are not posted: nothing of them was begun, and the cycle is redone).
    async fn finish(mut self) -> Result<(SyncReport, Option<Timestamp>), EngineError> {
        while self.join_one().await {}
        if let Some(err) = self.progress.first_error {
            return Err(err);
        }
        let (mut total, mut first_failure) = (self.progress.total, self.progress.first_failure);
        let (posted, failed_at) = self.engine.deliver_new(self.new_cards.take()).await?;
        total.add(&posted);
        if let Some(at) = failed_at {
            first_failure = Some(first_failure.map_or(at, |f| f.min(at)));
        }
        Ok((total, first_failure))
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
        // Decisions in doubt first: their cards then say who decided, not just "decided in
        // Coupa", by the time the changed requisitions are handled.
        let mut doubts = SyncReport::default();
        self.settle_doubts(&mut doubts).await?;
        let changed = self.coupa.requisitions_changed_since(watermark).await?;
        let newest = changed.iter().map(|r| r.updated_at).max();
        let (mut report, first_failure) = self.handle_all(changed).await?;
        report.add(&doubts);
        let next = watermark::next(watermark, newest, first_failure);
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
        // Everything afresh, delegations included.
        self.forget_delegations().await;
        let mut doubts = SyncReport::default();
        self.settle_doubts(&mut doubts).await?;
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
        // A decision that could not be settled yet holds up nothing: it is tried every cycle.
        report.add(&doubts);
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
        new_cards: &NewCards,
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
            // On hold: its cards say so and nobody gets one with buttons until Coupa releases
            // it. Released, its cards show their buttons again (`deliver`, see `super::hold`).
            if approval.status.is_held() {
                let cards = self.store.cards(approval.id).await?;
                self.show_hold(requisition, approval, &cards, &Hold::of(approval), report)
                    .await?;
                continue;
            }
            self.deliver(requisition, approval, report, new_cards)
                .await?;
        }
        Ok(())
    }

    /// Posts a card to every approver of `approval` who has an outdated one, and holds back a
    /// new card for every approver who has none, for [`Engine::deliver_new`] to post once the
    /// cycle's requisitions are handled. Each is known to the store before it is posted, and a
    /// delivery left unrecorded by a failure is settled first (see [`super::delivery`]).
    async fn deliver(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        report: &mut SyncReport,
        new_cards: &NewCards,
    ) -> Result<(), EngineError> {
        // Its delegates too: the approval's own, and the approver's delegations.
        let (approval, delegations_known) = self.with_current_delegations(approval).await;
        let approval = &approval;
        let Deliveries {
            mut cards,
            pending,
            hold,
        } = self.store.deliveries(approval.id).await?;
        // Waiting again with a hold still noted: Coupa released it.
        if hold.is_some() {
            self.show_released(requisition, approval, &cards, report)
                .await?;
        }
        // The chat users this step's card goes to now, each once.
        let mut entitled: HashSet<ChatUserId> = HashSet::new();
        for Recipient {
            person,
            delegate_for,
        } in self.recipients(approval, self.now()).await?
        {
            let Some(user) = self.directory.chat_user_for(&person).await? else {
                report.unmapped += 1;
                continue;
            };
            if !entitled.insert(user.clone()) {
                continue;
            }
            // A delivery begun before and never recorded may have posted its card: settle it
            // first, so that the card is recorded rather than sent again.
            let mut replacing = None;
            if let Some(left) = pending.iter().find(|p| p.recipient == user) {
                match self.settle_delivery(approval.id, left).await? {
                    Settled::Recorded(card) => {
                        cards.retain(|c| c.recipient != user);
                        cards.push(*card);
                    }
                    Settled::NotPosted => replacing = Some(left.attempt.as_str()),
                    Settled::Unknown => {
                        report.failures += 1;
                        continue;
                    }
                }
            }
            let existing = cards.iter().find(|c| c.recipient == user);
            let mut change = None;
            if let Some(card) = existing {
                if requisition.unchanged_since(&card.fingerprint) {
                    if card.delegate_for != delegate_for || card.delegation_ended {
                        // Their footing changed (a delegate now an approver, another person's
                        // delegate, a delegation resumed): the card says so again.
                        self.remark(requisition, approval, card, delegate_for, report)
                            .await?;
                    }
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
            if existing.is_none() {
                // A new card: held back until the cycle's requisitions are handled, so that a
                // person sent many at once gets a digest instead (see `super::digest`).
                new_cards.hold(NewCard {
                    requisition: requisition.clone(),
                    approval: approval.clone(),
                    user,
                    replacing: replacing.map(str::to_owned),
                    delegate_for,
                });
                continue;
            }
            self.post_card_to(
                requisition,
                approval,
                &user,
                replacing,
                change,
                delegate_for,
                report,
            )
            .await?;
        }
        if !delegations_known {
            return Ok(());
        }
        self.end_delegations(requisition, approval, &cards, &entitled, report)
            .await
    }

    /// Posts `approval`'s card to `user`, known to the store before it is posted: replacing the
    /// pending delivery `replacing`, saying what changed since the card it replaces was sent,
    /// and marked with whom they decide for when they get it as a delegate (`delegate_for`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn post_card_to(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        user: &ChatUserId,
        replacing: Option<&str>,
        change: Option<Change>,
        delegate_for: Option<String>,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let user = user.clone();
        let delivery = PendingDelivery {
            attempt: uuid::Uuid::new_v4().simple().to_string(),
            recipient: user.clone(),
            fingerprint: requisition.fingerprint(),
            started_at: self.now(),
            shown: Some(Shown::of(requisition)),
            delegate_for: delegate_for.clone(),
            digest: None,
        };
        // Two replicas can briefly both believe they lead (a lease lost mid-cycle): the first
        // to begin this delivery posts it, the other leaves it for the next cycle.
        if !self
            .store
            .begin_delivery(approval.id, replacing, &delivery, self.settings.button_ttl)
            .await?
        {
            report.failures += 1;
            return Ok(());
        }
        let mut card = self
            .card(requisition, approval, CardState::Pending)
            .updated(change);
        card.delegate_for = delegate_for;
        match self.chat.post_card(&user, &card).await {
            Ok(message) => match self.record_posted(approval.id, &delivery, message).await {
                Recording::Recorded => {
                    report.delivered += 1;
                    metrics::counter!("cards_delivered_total").increment(1);
                }
                Recording::Unrecorded => {
                    // Posted, and recorded once the store answers; until then this
                    // requisition is redone, so that the next cycle records it if need be.
                    report.delivered += 1;
                    report.failures += 1;
                    metrics::counter!("cards_delivered_total").increment(1);
                }
                Recording::Superseded => report.failures += 1,
            },
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %approval.id, "could not deliver a card; will retry");
                metrics::counter!("chat_errors_total", "call" => "post_card").increment(1);
                report.failures += 1;
                // Refused (an error, or rate limited every time): nothing was posted, so
                // end the delivery. Without an answer it may have been, and the next cycle
                // looks for it.
                if matches!(err, ChatError::Api(_) | ChatError::RateLimited(_)) {
                    self.store
                        .drop_delivery(approval.id, &user, &delivery.attempt)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Marks `card` anew: whom its recipient now decides for (`delegate_for`), and open again
    /// for them. Its record is updated once the card is.
    async fn remark(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        card: &DeliveredCard,
        delegate_for: Option<String>,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let record = DeliveredCard {
            delegate_for,
            delegation_ended: false,
            ..card.clone()
        };
        let state = if card.expired {
            CardState::Expired
        } else {
            CardState::Pending
        };
        let view = self.card(requisition, approval, state);
        if self.edit(&record, &view).await {
            self.store.put_card(approval.id, &record).await?;
        } else {
            report.failures += 1;
        }
        Ok(())
    }

    /// Closes the cards of delegates whose delegation ended (or who are no longer named): each
    /// says the approval is no longer theirs to decide, and its record remembers it, so that
    /// every later rendering says the same and a click is refused.
    async fn end_delegations(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        cards: &[DeliveredCard],
        entitled: &HashSet<ChatUserId>,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        for card in cards {
            if card.delegate_for.is_none()
                || card.delegation_ended
                || entitled.contains(&card.recipient)
            {
                continue;
            }
            let record = DeliveredCard {
                delegation_ended: true,
                ..card.clone()
            };
            let view = self.card(requisition, approval, CardState::Pending);
            if self.edit(&record, &view).await {
                self.store.put_card(approval.id, &record).await?;
                report.closed += 1;
            } else {
                report.failures += 1;
            }
        }
        Ok(())
    }

    /// The people who may decide `approval`: the user, or the group's active members (read from
    /// Coupa when the approval did not list them).
    pub(super) async fn approvers(&self, approval: &Approval) -> Result<Vec<Person>, EngineError> {
        match &approval.approver {
            Approver::User(person) => Ok(vec![person.clone()]),
            Approver::Group { id, members, .. } if members.is_empty() => {
                Ok(self.coupa.user_group(*id).await?.members)
            }
            group => Ok(group.people().into_iter().cloned().collect()),
        }
    }

    /// Edits `cards` to `state` and forgets them (their approval is settled).
    pub(super) async fn close(
        &self,
        approval_id: ApprovalId,
        requisition: &Requisition,
        approval: &Approval,
        cards: &[DeliveredCard],
        state: &CardState,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        // A hold settles nothing: the cards say so and stay on record for its release.
        if let CardState::OnHold(hold) = state {
            return self
                .show_hold(requisition, approval, cards, hold, report)
                .await;
        }
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
            // A card on hold keeps saying who held it and why; it is only marked expired, and
            // says so once Coupa releases the hold (see `super::hold`).
            if approval.status.is_held() {
                for delivered in due {
                    let mut expired = delivered.clone();
                    expired.expired = true;
                    self.store.put_card(approval_id, &expired).await?;
                }
                continue;
            }
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
/// first and every [`RECONCILE_EVERY`]. Nothing but `cancel` ends it: a cycle that fails or
/// panics is retried with backoff, and after [`RESIGN_AFTER_FAILURES`] failures in a row the lease
/// is given up (see `sync/cycles.rs`). `health` hears how cycles go, for readiness.
pub async fn run(
    engine: Engine,
    leadership: Leadership,
    interval: Duration,
    health: SyncHealth,
    cancel: CancellationToken,
) {
    let cycle = move |full: bool| {
        let engine = engine.clone();
        async move { engine.cycle(full).await }
    };
    cycles::supervise(cycle, leadership, interval, health, cancel).await;
}
