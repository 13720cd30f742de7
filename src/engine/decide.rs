//! Deciding an approval from a button, exactly once.
//!
//! The order is the design's, and every step that says no stops before Coupa is called:
//! the clicker is a recorded recipient of this card (or clicked it in their own direct conversation
//! with the bot, where it is)? → its buttons expired (counted from when the bot sent that card, as
//! recorded)? → claim the approval → fresh Coupa read: still pending, same approver, same
//! fingerprint? (a Hold: does Coupa allow one?) → the intent on record (a decision in doubt, and
//! a `started` audit entry) → Coupa approve, reject or hold with the attribution reason → audit
//! record of the outcome → edit every copy of the card.
//!
//! A hold decides nothing, so it is the one outcome after which the claim is released at once
//! (see [`super::hold`]).
//!
//! The claim ([`super::claim`]) is short-lived and renewed while the decision runs, and ends as
//! what happened says: kept with a recorded outcome, left to run out when Coupa may have acted,
//! released otherwise. Coupa is called only while the claim is surely still held.
//!
//! A decision Coupa may or may not have applied (its answer timed out, broke off or was a 5xx,
//! and a fresh read still shows the approval pending or cannot be made) is *unconfirmed*: the
//! claim is kept with an unconfirmed outcome, and the record of intent stays for the next sync to
//! settle ([`super::doubts`]). Only a failure that proves Coupa never saw the request releases
//! the claim.

use std::time::Instant;

use jiff::Timestamp;
use rust_decimal::Decimal;

use crate::chat::card::CardState;
use crate::coupa::CoupaError;
use crate::domain::attribution::attribution_as;
use crate::domain::conversation::ConversationRef;
use crate::domain::hold::Hold;
use crate::domain::outcome::{AUDIT_STARTED, DecisionResult, DoubtEnding, Refusal, Regarding};
use crate::domain::records::{
    AuditEntry, ClaimOutcome, CoupaDecision, DecisionInDoubt, DeliveredCard, Settlement,
};
use crate::domain::{
    Approval, ApprovalId, ApprovalStatus, ChatUserId, Decision, Fingerprint, Requisition,
    RequisitionId,
};
use crate::store::{Claim, ClaimToken};
use crate::telemetry::chain;

use super::claim::{CLAIM_HOLD, CLAIM_TTL, ClaimGuard};
use super::error::EngineError;
use super::service::Engine;

/// A click on Approve, or a submitted Deny reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    /// The approval the card is for.
    pub approval: ApprovalId,
    /// Its requisition.
    pub requisition: RequisitionId,
    /// Fingerprint of the requisition as the card showed it.
    pub fingerprint: Fingerprint,
    /// When the card's buttons were issued, as the button says. Expiry is counted from the send
    /// time recorded with the clicker's card; this only ever makes a button older.
    pub issued_at: Timestamp,
    /// Who clicked.
    pub user: ChatUserId,
    /// The conversation of the clicked card, where the answer goes; `None` when the click came
    /// from outside one.
    pub conversation: Option<ConversationRef>,
    /// Approve or reject.
    pub decision: Decision,
    /// The approver's comment; required to reject.
    pub comment: Option<String>,
}

/// What a decision learned on its way: the titles it came across, for naming the requisition
/// in the answer, and whether it got as far as the claim.
#[derive(Debug, Default)]
pub(crate) struct Naming {
    /// What the clicker's own card showed.
    shown: Option<String>,
    /// What Coupa said when it was read for the decision.
    from_coupa: Option<String>,
    /// Whether it won the claim: a refusal before that is audited on its own, one after it with
    /// the decision's audit record.
    claimed: bool,
}

impl Engine {
    /// Decides an approval for the user who clicked, exactly once, and tells them the outcome.
    pub async fn decide(&self, request: DecisionRequest) -> DecisionResult {
        let (result, naming) = self.decide_untold(&request, None).await;
        self.answer(&request, &result, naming).await;
        result
    }

    /// Decides `request` as [`Engine::decide`] does, without telling anyone: the caller answers.
    /// With `within`, a requisition whose total Coupa now reports above it is refused
    /// ([`Refusal::AboveBulkLimit`]) before Coupa is asked to act.
    pub(crate) async fn decide_untold(
        &self,
        request: &DecisionRequest,
        within: Option<Decimal>,
    ) -> (DecisionResult, Naming) {
        // First come, first decided (the semaphore is fair); it is never closed.
        let turn = self.deciding.acquire().await.ok();
        let mut naming = Naming::default();
        let result = match self.try_decide(request, within, &mut naming).await {
            Ok(result) => result,
            Err(err) => {
                tracing::error!(error = %chain(&err), approval = %request.approval, "decision failed");
                DecisionResult::Failed(err.cause())
            }
        };
        drop(turn);
        // Their next "what's pending" must not list what they just decided.
        self.pending.forget(&request.user);
        // A Hold Coupa does not allow, or a bulk approval above the limit, never came from a
        // card offering it (a forged click): it leaves a trace although it was refused after
        // the claim.
        if let DecisionResult::Refused(refusal) = &result
            && (!naming.claimed
                || *refusal == Refusal::NotHoldable
                || *refusal == Refusal::AboveBulkLimit)
        {
            self.audit_refusal(request, refusal).await;
        }
        (result, naming)
    }

    /// Counts `result` and tells the person who asked, naming the requisition: by the title
    /// their own card showed, else as another record of what was shown names it, else as
    /// Coupa was read just now. What the decision already read is not read again.
    pub(crate) async fn answer(
        &self,
        request: &DecisionRequest,
        result: &DecisionResult,
        naming: Naming,
    ) {
        let regarding = self.counted(request, result, naming).await;
        if let Err(err) = self
            .chat
            .tell(
                &request.user,
                request.conversation.as_ref(),
                &regarding,
                result,
            )
            .await
        {
            tracing::warn!(error = %chain(&err), "could not tell the user the outcome");
        }
    }

    /// Counts `result` and names the requisition it is about, as [`Engine::answer`] tells it.
    pub(crate) async fn counted(
        &self,
        request: &DecisionRequest,
        result: &DecisionResult,
        naming: Naming,
    ) -> Regarding {
        metrics::counter!("decisions_total", "decision" => request.decision.past_tense(), "outcome" => result.metric_label())
            .increment(1);
        match naming.shown {
            Some(title) => Regarding {
                requisition: request.requisition,
                title: Some(title),
            },
            None => {
                let mut regarding = self
                    .regarding(request.approval, request.requisition, &request.user)
                    .await;
                if regarding.title.is_none() {
                    regarding.title = naming.from_coupa;
                }
                regarding
            }
        }
    }

    /// Decides `request`; `naming` gets the titles it reads on the way.
    async fn try_decide(
        &self,
        request: &DecisionRequest,
        within: Option<Decimal>,
        naming: &mut Naming,
    ) -> Result<DecisionResult, EngineError> {
        let refused = |r| Ok(DecisionResult::Refused(r));
        if request.decision.needs_reason()
            && request
                .comment
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
        {
            return refused(Refusal::ReasonRequired);
        }

        // 2. Only someone the bot sent this card to may use it.
        let cards = self.store.cards(request.approval).await?;
        let mut own = cards.iter().find(|c| c.recipient == request.user).cloned();
        if own.is_none() {
            // A settled approval's cards are kept apart with how it ended: a late click by one
            // of their recipients hears what happened, as the card now says.
            if let Some(settled) = self.store.settled_cards(request.approval).await?
                && settled.cards.iter().any(|c| c.recipient == request.user)
            {
                return refused(settled.settlement.into());
            }
            // Anyone else clicking a decided approval's card hears who decided it.
            if cards.is_empty()
                && let Some(outcome) = self.store.claim_outcome(request.approval).await?
            {
                return refused(Refusal::AlreadyDecided(outcome));
            }
            // A card whose record was lost (posted as the store failed, or by a process that
            // died before recording it) is still theirs when they click it in their own direct
            // conversation with the bot, which holds it; it is recorded now. Why this is safe:
            // see `adopt_clicked_card`.
            own = self.adopt_clicked_card(request).await?;
            if own.is_none() {
                return refused(Refusal::NotRecipient);
            }
        }
        naming.shown = own
            .as_ref()
            .and_then(|c| c.shown.as_ref())
            .map(|s| s.title.clone());

        // The buttons must not have expired: if they have, refuse and make the card say so.
        if let Some(card) = &own
            && self.button_expired(card, request).await?
        {
            self.refresh_to_truth(request.approval, request.requisition, Some(&request.user))
                .await;
            return refused(Refusal::Expired);
        }

        // 3. Exactly once: whoever claims first decides; everyone else learns the outcome.
        let claimed_at = Instant::now();
        let token = match self.store.claim(request.approval, CLAIM_HOLD).await? {
            Claim::Won(token) => token,
            Claim::Taken {
                outcome: Some(outcome),
            } => return refused(Refusal::AlreadyDecided(outcome)),
            Claim::Taken { outcome: None } => return refused(Refusal::InProgress),
        };
        let claim = ClaimGuard::new(self.store.clone(), request.approval, token, claimed_at);
        naming.claimed = true;

        let decided = tokio::select! {
            biased;
            decided = self.decide_claimed(request, within, &claim, &mut naming.from_coupa) => decided,
            never = claim.keep_renewed() => match never {},
        };
        // Before answering, so that a retry right after a failure finds the approval free.
        claim.settle().await;
        decided
    }

    async fn decide_claimed(
        &self,
        request: &DecisionRequest,
        within: Option<Decimal>,
        claim: &ClaimGuard,
        title: &mut Option<String>,
    ) -> Result<DecisionResult, EngineError> {
        // 4. A fresh read from Coupa: still pending, still theirs, still what they saw?
        let requisition = self.decision_coupa.requisition(request.requisition).await?;
        *title = Some(requisition.title.clone());
        let Some(approval) = requisition
            .current_approvals
            .iter()
            .find(|a| a.id == request.approval && a.status == ApprovalStatus::PendingApproval)
            .cloned()
        else {
            self.refresh_to_truth(request.approval, request.requisition, None)
                .await;
            // Say what the refreshed card says: who decided it in Coupa, when Coupa tells.
            let decided = requisition
                .approvals
                .iter()
                .find(|a| a.id == request.approval)
                .and_then(|a| self.resolved_state(&requisition, a));
            let refusal = match decided {
                Some(CardState::DecidedInCoupa { decision, by, at }) => {
                    Refusal::DecidedInCoupa(CoupaDecision { decision, by, at })
                }
                // On hold (a second Hold, or a click on a card not yet showing the hold):
                // nothing can be decided until Coupa releases it.
                Some(CardState::OnHold(hold)) => Refusal::OnHold(hold),
                _ => Refusal::NoLongerPending,
            };
            return Ok(DecisionResult::Refused(refusal));
        };
        // Only Coupa says whether a step may be held; a Hold the card did not offer is refused
        // here, before anything is sent.
        if request.decision == Decision::Hold && !approval.holdable {
            return Ok(DecisionResult::Refused(Refusal::NotHoldable));
        }
        let Some(email) = self.directory.email_of(&request.user).await? else {
            return Ok(DecisionResult::Refused(Refusal::UnknownUser));
        };
        let Some(person) = self.decision_coupa.user_by_email(&email).await? else {
            return Ok(DecisionResult::Refused(Refusal::UnknownUser));
        };
        // The approver, an active member of the approver group, or an active delegate.
        let standing = match person.active {
            true => {
                self.standing_of(&self.decision_coupa, &approval, &person)
                    .await
            }
            false => None,
        };
        let Some(standing) = standing else {
            // The card may be out of date (reassigned, delegated, a delegation ended): show what
            // Coupa says now. A delegate's card is theirs no longer.
            if let Err(err) = self
                .end_delegation_of(request.approval, &request.user)
                .await
            {
                tracing::warn!(error = %chain(&err), approval = %request.approval, "could not note that a delegate's card is theirs no longer; a later sync does");
            }
            self.refresh_to_truth(request.approval, request.requisition, Some(&request.user))
                .await;
            return Ok(DecisionResult::Refused(Refusal::NotApprover));
        };
        if !requisition.unchanged_since(&request.fingerprint) {
            // Cards sent before the change say what changed; their records stay, so the next
            // sync sends the new version (saying so too). Cards already showing the change are
            // left alone.
            for delivered in self.store.cards(request.approval).await? {
                if !requisition.unchanged_since(&delivered.fingerprint) {
                    let card = self.changed_card(&requisition, &approval, &delivered);
                    self.edit(&delivered, &card).await;
                }
            }
            return Ok(DecisionResult::Refused(Refusal::Changed));
        }
        // Approved with others under one confirmation: only what needs no confirmation of its
        // own, as Coupa reports its total now.
        if within.is_some_and(|limit| requisition.total.amount > limit) {
            return Ok(DecisionResult::Refused(Refusal::AboveBulkLimit));
        }

        // 5. Coupa, only while the claim is surely ours: one that ran out (the store was away
        // too long) may already be someone else's.
        if !claim.is_held() {
            return Err(EngineError::ClaimRanOut(request.approval));
        }
        // Named after the platform the click came from: one deployment may serve several.
        let reason = attribution_as(
            self.chat.platform_of(&request.user),
            request.decision,
            &person,
            &email,
            standing.delegate_for(),
            request.comment.as_deref(),
        );
        let doubt = DecisionInDoubt {
            approval: request.approval,
            requisition: request.requisition,
            decision: request.decision,
            decided_by: request.user.clone(),
            decided_by_name: person.full_name.clone(),
            email,
            comment: request.comment.clone(),
            reason,
            at: self.now(),
            claim: claim.token().0.clone(),
            delegate_for: standing.delegate_for().map(str::to_owned),
        };
        // The intent is on record before Coupa can act: whatever stops this decision from here
        // on (a crash, a kill, a store outage), the next sync finds it and records how it ended.
        self.record_intent(&doubt).await?;
        claim.coupa_may_act();
        let executed = match request.decision {
            Decision::Approve => {
                self.decision_coupa
                    .approve(request.approval, &doubt.reason)
                    .await
            }
            Decision::Reject => {
                self.decision_coupa
                    .reject(request.approval, &doubt.reason)
                    .await
            }
            Decision::Hold => {
                self.decision_coupa
                    .hold(request.approval, &doubt.reason)
                    .await
            }
        };
        let at = self.now();
        let outcome = ClaimOutcome {
            at,
            ..doubt.outcome(true)
        };
        // When Coupa says it held the approval, for the hold its cards show.
        let mut held_at = None;
        let result = match executed {
            Ok(answer) => {
                held_at = answer.decided_at;
                DecisionResult::Done(request.decision)
            }
            Err(CoupaError::NotPending { .. }) => DecisionResult::Refused(Refusal::NoLongerPending),
            // Coupa may have acted (the request reached it, and its answer or a fresh read did
            // not tell): the claim and the record of the decision stay for the sync to settle.
            Err(err @ CoupaError::Unknown { .. }) => {
                tracing::warn!(error = %chain(&err), approval = %request.approval, "Coupa could not confirm the decision; the next sync settles it");
                DecisionResult::Unconfirmed
            }
            // Anything else proves Coupa did not act: refused before processing, or never
            // reached (see `CoupaClient::decide`).
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %request.approval, "Coupa refused the decision");
                DecisionResult::Failed(EngineError::Coupa(err).cause())
            }
        };

        // 6. The audit trail: who, what, when, and what came of it; written before the claim
        // and the record of intent change, so that the log never misses an outcome the store
        // shows.
        let entry = doubt.audit(at, result.audit_outcome()).about(&requisition);
        if let Err(err) = self.store.append_audit(&entry).await {
            tracing::error!(error = %chain(&err), ?entry, "could not write the audit record");
        }
        match &result {
            // A hold settles nothing: the claim is freed, so that the approval can be decided
            // as soon as Coupa releases it (a second Hold meanwhile finds it on hold).
            DecisionResult::Done(Decision::Hold) => claim.decided_nothing(),
            DecisionResult::Done(_) => {
                // Coupa did it: from here on a store failure must not turn the answer into
                // "failed". Whatever is not recorded or edited now, the next sync shows.
                match claim.finish(&outcome, CLAIM_TTL).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(approval = %request.approval, "claim expired before the decision was recorded");
                    }
                    Err(err) => {
                        tracing::warn!(error = %chain(&err), approval = %request.approval, "could not record the decision's outcome");
                    }
                }
            }
            DecisionResult::Unconfirmed => {
                // Keep the claim: nobody may decide again until the next sync learns the truth.
                let unconfirmed = ClaimOutcome {
                    confirmed: false,
                    ..outcome.clone()
                };
                if let Err(err) = claim.finish(&unconfirmed, CLAIM_TTL).await {
                    // The claim then runs out within CLAIM_HOLD and the next sync settles the
                    // decision as a cut-off one; Coupa itself refuses to decide an approval twice.
                    tracing::warn!(error = %chain(&err), approval = %request.approval, "could not record an unconfirmed decision");
                }
            }
            _ => claim.coupa_did_not_act(),
        }
        if result != DecisionResult::Unconfirmed {
            self.forget_intent(&doubt).await;
        }

        // 7. Every copy of the card says what happened and who did it.
        match &result {
            DecisionResult::Done(Decision::Hold) => {
                let hold = Hold {
                    by: Some(doubt.decided_by_name.clone()),
                    reason: request.comment.clone(),
                    at: held_at.or(Some(at)),
                };
                // Coupa held it: a store failure from here on is logged, not answered as a
                // failure; the next sync shows the hold on every card.
                let shown = async {
                    let cards = self.store.cards(request.approval).await?;
                    let mut report = super::sync::SyncReport::default();
                    self.show_hold(&requisition, &approval, &cards, &hold, &mut report)
                        .await
                }
                .await;
                if let Err(err) = shown {
                    tracing::warn!(error = %chain(&err), approval = %request.approval, "could not show the hold on every card; the next sync does");
                }
            }
            DecisionResult::Done(_) => {
                if let Err(err) = self
                    .show_decided(&requisition, &approval, &outcome, request.comment.clone())
                    .await
                {
                    tracing::warn!(error = %chain(&err), approval = %request.approval, "could not update the cards' records; the next sync closes them");
                }
            }
            DecisionResult::Refused(_) => {
                self.refresh_to_truth(request.approval, request.requisition, None)
                    .await;
            }
            _ => {}
        }
        Ok(result)
    }

    /// Records that `doubt` is about to be sent to Coupa: in the store's index of decisions in
    /// doubt, and in the audit log as `started`. Coupa is not called unless both are written.
    async fn record_intent(&self, doubt: &DecisionInDoubt) -> Result<(), EngineError> {
        let replaced = self.store.record_doubt(doubt).await?;
        let mut entries = Vec::with_capacity(2);
        // A record this one replaced is a decision cut off mid-call whose claim ran out before a
        // sync settled it. The fresh read just passed found the approval still pending, so it
        // did not take effect; without this its `started` entry would never get an outcome.
        if let Some(earlier) = replaced.filter(|earlier| earlier.claim != doubt.claim) {
            entries.push(earlier.audit(self.now(), DoubtEnding::NotApplied.audit_outcome()));
        }
        entries.push(doubt.audit(doubt.at, AUDIT_STARTED.to_owned()));
        for entry in &entries {
            if let Err(err) = self.store.append_audit(entry).await {
                self.forget_intent(doubt).await;
                return Err(err.into());
            }
        }
        Ok(())
    }

    /// Forgets the record of `doubt` once its outcome is known. A failure is logged: the sync
    /// then finds the claim's outcome recorded, or the approval settled, and forgets it.
    pub(crate) async fn forget_intent(&self, doubt: &DecisionInDoubt) {
        let token = ClaimToken(doubt.claim.clone());
        if let Err(err) = self.store.forget_doubt(doubt.approval, &token).await {
            tracing::warn!(error = %chain(&err), approval = %doubt.approval, "could not forget a decided decision's record; the next sync does");
        }
    }

    /// Edits every card of `approval` to say it was decided through the bot as `outcome` says
    /// (in the decider's own words on their card, with `comment`), and keeps them as settled.
    pub(crate) async fn show_decided(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        outcome: &ClaimOutcome,
        comment: Option<String>,
    ) -> Result<(), EngineError> {
        self.edit_all(approval.id, requisition, approval, |card| {
            if card.recipient == outcome.decided_by {
                CardState::DecidedHere {
                    decision: outcome.decision,
                    by: outcome.decided_by_name.clone(),
                    at: outcome.at,
                    reason: comment.clone(),
                }
            } else {
                CardState::DecidedByOther {
                    decision: outcome.decision,
                    by: outcome.decided_by_name.clone(),
                    at: outcome.at,
                    as_delegate_for: outcome.delegate_for.clone(),
                }
            }
        })
        .await?;
        let cards = self.store.cards(approval.id).await?;
        if cards.is_empty() {
            // Settled already: what was kept then stays.
            return Ok(());
        }
        self.settle(approval.id, cards, Settlement::Decided(outcome.clone()))
            .await
    }

    /// Records in the audit log an attempt turned away before the claim (no reason, expired
    /// buttons, someone else's card, already decided, being decided): who tried what, and why
    /// nothing was done. Nothing was sent to Coupa, so there is no reason to record.
    async fn audit_refusal(&self, request: &DecisionRequest, refusal: &Refusal) {
        let entry = AuditEntry {
            at: self.now(),
            actor: request.user.clone(),
            actor_email: None,
            approval: request.approval,
            requisition: Some(request.requisition),
            decision: request.decision,
            outcome: DecisionResult::Refused(refusal.clone()).audit_outcome(),
            reason: None,
            comment: None,
            title: None,
            total: None,
            delegate_for: None,
        };
        if let Err(err) = self.store.append_audit(&entry).await {
            tracing::error!(error = %chain(&err), ?entry, "could not write the audit record of a refused attempt");
        }
    }

    /// Whether the buttons clicked as `request` on the clicker's `card` have expired, counted
    /// from when the bot issued them as it recorded: the card's send time or, for a button from
    /// a "what's pending" list (which gives fresh buttons), the time of the last list shown to
    /// this person with this approval on it. The time a button carries comes back in the click,
    /// so it is believed only as far as those records go: it can make a button older, never
    /// younger.
    async fn button_expired(
        &self,
        card: &DeliveredCard,
        request: &DecisionRequest,
    ) -> Result<bool, EngineError> {
        if self.expired(request.issued_at) {
            return Ok(true);
        }
        if !self.expired(card.sent_at) {
            return Ok(false);
        }
        // The card is past its time but the button says it is younger: only a list can have
        // issued it, and only one the store remembers counts.
        let listed = self
            .store
            .last_pending(&request.user)
            .await?
            .filter(|list| list.items.iter().any(|i| i.approval == request.approval))
            .map(|list| list.as_of);
        Ok(listed.is_none_or(|as_of| self.expired(as_of.min(request.issued_at))))
    }

    /// Answers a Deny or Hold click at once when the store already knows its approval is decided
    /// (the claim's recorded outcome, or the settled cards of this recipient), so that nobody is
    /// asked for a reason only to hear afterwards that there was nothing left to do. Returns whether
    /// it answered; if not, the reason form should open. The claim still rules when a reason is
    /// submitted: this is a fast path from the store, never a decision.
    pub async fn answer_if_decided(&self, request: &DecisionRequest) -> bool {
        let known: Result<Option<Refusal>, EngineError> = async {
            if let Some(outcome) = self.store.claim_outcome(request.approval).await? {
                return Ok(Some(Refusal::AlreadyDecided(outcome)));
            }
            Ok(self
                .store
                .settled_cards(request.approval)
                .await?
                .filter(|settled| settled.cards.iter().any(|c| c.recipient == request.user))
                .map(|settled| settled.settlement.into()))
        }
        .await;
        let refusal = match known {
            Ok(Some(refusal)) => refusal,
            Ok(None) => return false,
            Err(err) => {
                // The form opens; the decision itself checks again.
                tracing::debug!(error = %chain(&err), approval = %request.approval, "could not check whether a denied approval is decided");
                return false;
            }
        };
        self.audit_refusal(request, &refusal).await;
        self.answer(
            request,
            &DecisionResult::Refused(refusal),
            Naming::default(),
        )
        .await;
        // A card still showing buttons for a decided approval is brought up to date.
        self.refresh_to_truth(request.approval, request.requisition, Some(&request.user))
            .await;
        true
    }

    /// Edits the cards of `approval` to what Coupa says now. With `only`, just that recipient's
    /// card. Failures are logged: the next sync does the same.
    pub(crate) async fn refresh_to_truth(
        &self,
        approval_id: ApprovalId,
        requisition_id: RequisitionId,
        only: Option<&ChatUserId>,
    ) {
        let result: Result<(), EngineError> = async {
            let requisition = self.decision_coupa.requisition(requisition_id).await?;
            let approval = match requisition.approvals.iter().find(|a| a.id == approval_id) {
                Some(a) => a.clone(),
                None => self.decision_coupa.approval(approval_id).await?,
            };
            let state = self.resolved_state(&requisition, &approval);
            for delivered in self.store.cards(approval_id).await? {
                if only.is_some_and(|u| *u != delivered.recipient) {
                    continue;
                }
                let state = match &state {
                    Some(state) => state.clone(),
                    None if self.expired(delivered.sent_at) => CardState::Expired,
                    None => CardState::Pending,
                };
                let card = self.card(&requisition, &approval, state);
                self.edit(&delivered, &card).await;
            }
            Ok(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %chain(&err), approval = %approval_id, "could not refresh a card");
        }
    }

    /// What a card for `approval` should say, or `None` while it is still pending.
    pub(crate) fn resolved_state(
        &self,
        requisition: &Requisition,
        approval: &Approval,
    ) -> Option<CardState> {
        let still_current = requisition
            .current_approvals
            .iter()
            .any(|a| a.id == approval.id);
        match &approval.status {
            ApprovalStatus::PendingApproval if still_current => None,
            ApprovalStatus::Approved => Some(CardState::DecidedInCoupa {
                decision: Decision::Approve,
                by: approval.decided_by.as_ref().map(|p| p.full_name.clone()),
                at: approval.decided_at,
            }),
            ApprovalStatus::Rejected => Some(CardState::DecidedInCoupa {
                decision: Decision::Reject,
                by: approval.decided_by.as_ref().map(|p| p.full_name.clone()),
                at: approval.decided_at,
            }),
            status if status.is_held() => Some(CardState::OnHold(Hold::of(approval))),
            _ => Some(CardState::NoLongerPending),
        }
    }
}
