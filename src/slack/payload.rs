//! What a card's buttons carry: which approval, what the card showed (fingerprint), and when the
//! buttons were issued. Compact JSON in the button `value` and in the deny modal's
//! `private_metadata`. Pure.
//!
//! A forged or edited value gains nothing: the engine checks every claim in it against the store
//! and a fresh Coupa read before acting.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::chat::card::Card;
use crate::domain::{ApprovalId, Fingerprint, RequisitionId};

use super::channel::ChannelId;

/// `action_id` of the Approve button.
pub const APPROVE: &str = "approve";
/// `action_id` of the Deny button.
pub const DENY: &str = "deny";
/// `action_id` of the Hold button (shown when Coupa allows the approval to be held).
pub const HOLD: &str = "hold";
/// `action_id` of the View in Coupa link button (Slack still sends an action for it).
pub const OPEN_IN_COUPA: &str = "open_in_coupa";
/// `callback_id` of the deny-reason modal.
pub const DENY_MODAL: &str = "deny_reason";
/// `callback_id` of the hold-reason modal; it carries a [`DenyMetadata`] as the deny modal does.
pub const HOLD_MODAL: &str = "hold_reason";
/// `block_id` / `action_id` of the reason input in the deny and hold modals.
pub const REASON_BLOCK: &str = "reason";
/// See [`REASON_BLOCK`].
pub const REASON_INPUT: &str = "reason_input";

/// The button value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonValue {
    /// Approval id.
    #[serde(rename = "a")]
    pub approval: ApprovalId,
    /// Requisition id.
    #[serde(rename = "r")]
    pub requisition: RequisitionId,
    /// Fingerprint of what the card showed.
    #[serde(rename = "f")]
    pub fingerprint: Fingerprint,
    /// When the buttons were issued, Unix seconds. It comes back in the click, so expiry is
    /// counted from the send time the bot recorded for the card; this can only make a button
    /// older.
    #[serde(rename = "t")]
    pub issued_at: i64,
}

impl ButtonValue {
    /// The value for `card`'s buttons.
    pub fn of(card: &Card) -> Self {
        Self {
            approval: card.approval,
            requisition: card.requisition.id,
            fingerprint: card.fingerprint.clone(),
            issued_at: card.issued_at.as_second(),
        }
    }

    /// Serialises for a button value (well under Slack's 2,000 characters).
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a button value; `None` when it is not one of ours.
    pub fn decode(value: &str) -> Option<Self> {
        serde_json::from_str(value).ok()
    }

    /// The issue time.
    pub fn issued(&self) -> Timestamp {
        Timestamp::from_second(self.issued_at).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// What the deny and hold modals remember: the button value and the conversation of the clicked
/// card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenyMetadata {
    /// The Deny button's value.
    #[serde(rename = "b")]
    pub button: ButtonValue,
    /// Where the card is (for the answer).
    #[serde(rename = "c")]
    pub channel: Option<ChannelId>,
}

impl DenyMetadata {
    /// Serialises for `private_metadata` (well under 3,000 characters).
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads `private_metadata`; `None` when it is not ours.
    pub fn decode(value: &str) -> Option<Self> {
        serde_json::from_str(value).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_button_value_round_trips_and_stays_small() {
        let value = ButtonValue {
            approval: ApprovalId(90_211),
            requisition: RequisitionId(4_812),
            fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
            issued_at: 1_763_659_240,
        };
        let text = value.encode();
        assert!(text.len() < 200, "{text}");
        assert_eq!(ButtonValue::decode(&text), Some(value));
    }

    #[test]
    fn foreign_values_are_not_ours() {
        assert_eq!(ButtonValue::decode("approve"), None);
        assert_eq!(ButtonValue::decode("{\"a\":1}"), None);
        assert_eq!(DenyMetadata::decode(""), None);
    }
}
