//! What came of a decision request: done, refused for a reason, failed for a cause, or
//! unconfirmed; and how a decision whose outcome was not known ended, once the sync read Coupa. The engine reports these; each chat adapter words them for the person who
//! clicked, so nothing here is a sentence a user reads.
//!
//! The labels below are stable names: `decisions_total{outcome=…}` and the audit log's `outcome`
//! are built from them, and dashboards and stored audit records depend on them.

use super::hold::Hold;
use super::records::{ClaimOutcome, CoupaDecision, Settlement};
use super::{Decision, RequisitionId};

/// Which requisition an answer is about, so that someone reading several answers in a row can
/// tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regarding {
    /// The requisition.
    pub requisition: RequisitionId,
    /// Its title as last shown to the person, when the bot knows it.
    pub title: Option<String>,
}

/// Why a decision was not executed. Nothing was sent to Coupa.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The card's buttons have expired.
    Expired,
    /// This card was not sent to the clicker (a forwarded card, or someone else's).
    NotRecipient,
    /// A reject needs a reason.
    ReasonRequired,
    /// Another click already decided it.
    AlreadyDecided(ClaimOutcome),
    /// Another click is deciding it right now.
    InProgress,
    /// Coupa says it is no longer waiting for a decision.
    NoLongerPending,
    /// Coupa says it was decided there (web, email, mobile).
    DecidedInCoupa(CoupaDecision),
    /// The clicker is not (or no longer) an approver of this step in Coupa.
    NotApprover,
    /// The clicker's chat account has no email that matches a Coupa user.
    UnknownUser,
    /// The requisition changed since the card was sent.
    Changed,
    /// The approval is on hold in Coupa: nothing can be decided until Coupa releases it.
    OnHold(Hold),
    /// Hold was asked for an approval Coupa does not allow to be held (`holdable` is false).
    NotHoldable,
    /// Approved together with others, but its total is above the amount that asks for a
    /// confirmation of its own (`CONFIRM_ABOVE_AMOUNT`): it is approved alone or not at all.
    AboveBulkLimit,
}

impl Refusal {
    /// The refusal's stable name (`expired`, `not_recipient`, …), for metrics and the audit log.
    pub fn label(&self) -> &'static str {
        match self {
            Refusal::Expired => "expired",
            Refusal::NotRecipient => "not_recipient",
            Refusal::ReasonRequired => "reason_required",
            Refusal::AlreadyDecided(_) => "already_decided",
            Refusal::InProgress => "in_progress",
            Refusal::NoLongerPending | Refusal::DecidedInCoupa(_) => "not_pending",
            Refusal::NotApprover => "not_approver",
            Refusal::UnknownUser => "unknown_user",
            Refusal::Changed => "changed",
            Refusal::OnHold(_) => "on_hold",
            Refusal::NotHoldable => "not_holdable",
            Refusal::AboveBulkLimit => "above_bulk_limit",
        }
    }
}

impl From<Settlement> for Refusal {
    /// Why a click on a settled approval's card decides nothing: what its cards say.
    fn from(settlement: Settlement) -> Self {
        match settlement {
            Settlement::Decided(outcome) => Refusal::AlreadyDecided(outcome),
            Settlement::DecidedInCoupa(decision) => Refusal::DecidedInCoupa(decision),
            Settlement::NoLongerPending => Refusal::NoLongerPending,
        }
    }
}

/// Why a decision could not be made. Coupa did not act, and the person may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// Coupa is busy (rate limiting) or could not be reached.
    CoupaUnreachable,
    /// Coupa refused the request.
    CoupaRefused,
    /// The chat platform failed or could not be reached.
    ChatUnreachable,
    /// The bot's state store is unavailable, or was away long enough for a claim to run out.
    StoreUnavailable,
}

impl FailureCause {
    /// How the audit log names the cause (`failed: …`).
    pub fn audit_label(self) -> &'static str {
        match self {
            FailureCause::CoupaUnreachable => "Coupa is busy or unreachable",
            FailureCause::CoupaRefused => "Coupa refused the request",
            FailureCause::ChatUnreachable => "the chat platform could not be reached",
            FailureCause::StoreUnavailable => "the bot's state store is unavailable",
        }
    }
}

/// What came of a decision request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionResult {
    /// Coupa executed it.
    Done(Decision),
    /// Nothing was sent to Coupa, for this reason.
    Refused(Refusal),
    /// Something failed before Coupa acted; nothing happened and the person may try again.
    Failed(FailureCause),
    /// Coupa may or may not have executed it; the next sync will tell.
    Unconfirmed,
}

impl DecisionResult {
    /// The `outcome` label of `decisions_total`: `done`, the refusal's label, `failed` or
    /// `unconfirmed`.
    pub fn metric_label(&self) -> &'static str {
        match self {
            DecisionResult::Done(_) => "done",
            DecisionResult::Refused(refusal) => refusal.label(),
            DecisionResult::Failed(_) => "failed",
            DecisionResult::Unconfirmed => "unconfirmed",
        }
    }

    /// The audit log's `outcome`: `approved`, `rejected`, `refused: <label>`,
    /// `failed: <cause>` or `unconfirmed`.
    pub fn audit_outcome(&self) -> String {
        match self {
            DecisionResult::Done(decision) => decision.past_tense().to_owned(),
            DecisionResult::Refused(refusal) => format!("refused: {}", refusal.label()),
            DecisionResult::Failed(cause) => format!("failed: {}", cause.audit_label()),
            DecisionResult::Unconfirmed => "unconfirmed".to_owned(),
        }
    }
}

/// The audit log's `outcome` of a decision about to be sent to Coupa: the record of intent,
/// written before the call, so that a process stopped at any later point leaves a trace that the
/// next sync completes.
pub const AUDIT_STARTED: &str = "started";

/// How a decision whose outcome was not known (unconfirmed, or cut off mid-call) ended, as the
/// sync found the approval in Coupa afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoubtEnding {
    /// Coupa shows the decision: it took effect.
    Applied(Decision),
    /// Coupa still waits for a decision: it did not take effect.
    NotApplied,
    /// Coupa shows the approval settled otherwise (decided the other way, withdrawn, moved on):
    /// this decision did not take effect.
    Overtaken,
}

impl DoubtEnding {
    /// The audit log's `outcome`: `confirmed: approved`, `confirmed: rejected`,
    /// `not applied: still pending in Coupa` or `not applied: settled otherwise in Coupa`.
    pub fn audit_outcome(self) -> String {
        match self {
            DoubtEnding::Applied(decision) => format!("confirmed: {}", decision.past_tense()),
            DoubtEnding::NotApplied => "not applied: still pending in Coupa".to_owned(),
            DoubtEnding::Overtaken => "not applied: settled otherwise in Coupa".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_outcomes_keep_their_recorded_names() {
        assert_eq!(
            DecisionResult::Done(Decision::Approve).audit_outcome(),
            "approved"
        );
        assert_eq!(
            DecisionResult::Done(Decision::Reject).audit_outcome(),
            "rejected"
        );
        assert_eq!(
            DecisionResult::Refused(Refusal::NoLongerPending).audit_outcome(),
            "refused: not_pending"
        );
        assert_eq!(
            DecisionResult::Failed(FailureCause::CoupaUnreachable).audit_outcome(),
            "failed: Coupa is busy or unreachable"
        );
        assert_eq!(
            DecisionResult::Failed(FailureCause::CoupaRefused).audit_outcome(),
            "failed: Coupa refused the request"
        );
        assert_eq!(DecisionResult::Unconfirmed.audit_outcome(), "unconfirmed");
        assert_eq!(AUDIT_STARTED, "started");
        assert_eq!(
            DoubtEnding::Applied(Decision::Reject).audit_outcome(),
            "confirmed: rejected"
        );
        assert_eq!(
            DoubtEnding::NotApplied.audit_outcome(),
            "not applied: still pending in Coupa"
        );
        assert_eq!(
            DoubtEnding::Overtaken.audit_outcome(),
            "not applied: settled otherwise in Coupa"
        );
    }

    #[test]
    fn metric_labels_name_the_outcome_or_the_refusal() {
        assert_eq!(
            DecisionResult::Done(Decision::Approve).metric_label(),
            "done"
        );
        assert_eq!(
            DecisionResult::Refused(Refusal::InProgress).metric_label(),
            "in_progress"
        );
        assert_eq!(
            DecisionResult::Failed(FailureCause::StoreUnavailable).metric_label(),
            "failed"
        );
        assert_eq!(DecisionResult::Unconfirmed.metric_label(), "unconfirmed");
    }
}
