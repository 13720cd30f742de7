//! What a card's actions carry back to the bot, and the check of a deny reason. Pure.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::chat::card::Card;
use crate::chat::wording as shared;
use crate::domain::{ApprovalId, Fingerprint, MAX_REASON_CHARS, RequisitionId};

/// The verb of the Approve action (and of Confirm, which approves).
pub const APPROVE: &str = "approve";
/// The verb of the Deny action in the reason form.
pub const DENY: &str = "deny";
/// The verb of the automatic refresh action.
pub const REFRESH: &str = "refresh";
/// The id of the reason field in the deny form: the reason arrives under this key.
pub const REASON_INPUT: &str = "reason";
/// The id of the reason field in one item's deny form on a list of approvals: each item has a
/// form of its own, and ids must be unique in a card (`reason-90211`).
pub fn reason_input_for(approval: ApprovalId) -> String {
    format!("{REASON_INPUT}-{approval}")
}

/// What Approve, Confirm, Deny and refresh carry back to the bot: the same facts as a Slack
/// button's value (which approval, what the card showed, when the buttons were issued) and the
/// verb, which an `Action.Submit` fallback does not send on its own.
///
/// A forged or edited value gains nothing: the engine checks every claim in it against the store
/// and a fresh Coupa read before acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionData {
    /// [`APPROVE`], [`DENY`] or [`REFRESH`].
    #[serde(rename = "v")]
    pub verb: String,
    /// Approval id.
    #[serde(rename = "a")]
    pub approval: ApprovalId,
    /// Requisition id.
    #[serde(rename = "r")]
    pub requisition: RequisitionId,
    /// Fingerprint of what the card showed.
    #[serde(rename = "f")]
    pub fingerprint: Fingerprint,
    /// When the buttons were issued, Unix seconds.
    #[serde(rename = "t")]
    pub issued_at: i64,
}

impl ActionData {
    /// What `card`'s action with `verb` carries.
    pub fn of(card: &Card, verb: &str) -> Self {
        Self {
            verb: verb.to_owned(),
            approval: card.approval,
            requisition: card.requisition.id,
            fingerprint: card.fingerprint.clone(),
            issued_at: card.issued_at.as_second(),
        }
    }

    /// Reads an action's `data` (the inputs, such as [`REASON_INPUT`], sit beside these keys);
    /// `None` when it is not ours.
    pub fn decode(data: &Value) -> Option<Self> {
        Self::deserialize(data).ok()
    }

    /// The issue time.
    pub fn issued(&self) -> Timestamp {
        Timestamp::from_second(self.issued_at).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub(super) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Why a deny reason was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonProblem {
    /// No reason, or only spaces.
    Missing,
    /// Longer than [`MAX_REASON_CHARS`].
    TooLong,
}

impl ReasonProblem {
    /// What the form says about it.
    pub fn message(self) -> String {
        match self {
            ReasonProblem::Missing => shared::REASON_MISSING.to_owned(),
            ReasonProblem::TooLong => shared::reason_too_long(),
        }
    }
}

/// The reason given in the deny form, trimmed, or why it is refused.
pub fn validate_reason(reason: Option<&str>) -> Result<String, ReasonProblem> {
    let reason = reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        return Err(ReasonProblem::Missing);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ReasonProblem::TooLong);
    }
    Ok(reason.to_owned())
}
