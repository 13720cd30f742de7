//! Recognising the bot's own cards among a conversation's messages, for finding a card whose
//! record was lost: a card still waiting for a decision opens with a header and carries an
//! Approve button whose value names its approval. A "what's pending" list and a digest open with
//! a section, and a settled, changed or expired card has no Approve button, so none of them is
//! taken for one. A digest is known by the id of its opening block ([`DIGEST_BLOCK`]), and an
//! item of it still waiting by its Approve button ([`waiting_digest_item`]): a "what's pending"
//! list, whose opening block has no such id, is never taken for a digest.
//! Pure.

use jiff::Timestamp;
use serde_json::Value;

use super::payload::{APPROVE, ButtonValue};
use crate::domain::ApprovalId;

/// The `block_id` of a digest's opening block.
pub const DIGEST_BLOCK: &str = "digest";

/// The value of the Approve button of `approval`'s item in `blocks` (a message's blocks as JSON),
/// when they are a digest and that item still shows its buttons.
pub fn waiting_digest_item(blocks: &Value, approval: ApprovalId) -> Option<ButtonValue> {
    let blocks = blocks.as_array()?;
    if blocks.first()?.get("block_id")?.as_str()? != DIGEST_BLOCK {
        return None;
    }
    blocks
        .iter()
        .filter(|block| block["type"] == "actions")
        .flat_map(|block| block["elements"].as_array().into_iter().flatten())
        .filter(|element| element["action_id"] == APPROVE)
        .filter_map(|element| element["value"].as_str().and_then(ButtonValue::decode))
        .find(|value| value.approval == approval)
}

/// The value of the Approve button of `blocks` (a message's blocks as JSON), when they are a card
/// still showing its buttons.
pub fn waiting_card(blocks: &Value) -> Option<ButtonValue> {
    let blocks = blocks.as_array()?;
    if blocks.first()?.get("type")?.as_str()? != "header" {
        return None;
    }
    blocks
        .iter()
        .filter(|block| block["type"] == "actions")
        .flat_map(|block| block["elements"].as_array().into_iter().flatten())
        .find(|element| element["action_id"] == APPROVE)
        .and_then(|element| element["value"].as_str())
        .and_then(ButtonValue::decode)
}

/// When a message was posted, from its Slack `ts` (`"1700000000.000100"`: seconds since the
/// epoch, then a sequence number); `None` for anything else.
pub fn posted_at(ts: &str) -> Option<Timestamp> {
    let (seconds, _) = ts.split_once('.').unwrap_or((ts, ""));
    Timestamp::from_second(seconds.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const VALUE: &str =
        r#"{"a":90211,"r":4812,"f":"0123456789abcdef0123456789abcdef","t":1763659240}"#;

    fn buttons() -> Value {
        json!({ "type": "actions", "block_id": "x1", "elements": [
            { "type": "button", "action_id": "approve", "value": VALUE, "text": { "type": "plain_text", "text": "Approve" } },
            { "type": "button", "action_id": "deny", "value": VALUE, "text": { "type": "plain_text", "text": "Deny" } },
            { "type": "button", "action_id": "open_in_coupa", "url": "https://acme.coupahost.com/requisition_headers/4812" },
        ]})
    }

    #[test]
    fn a_card_waiting_for_a_decision_is_recognised_with_its_approval() {
        let blocks = json!([
            { "type": "header", "block_id": "h", "text": { "type": "plain_text", "text": "Standing desks" } },
            { "type": "section", "block_id": "s", "text": { "type": "mrkdwn", "text": "*$7,020.00*" } },
            buttons(),
        ]);
        let value = waiting_card(&blocks).expect("a waiting card");
        assert_eq!(value.approval, ApprovalId(90_211));
        assert_eq!(value.fingerprint.0, "0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn a_pending_list_is_not_a_card() {
        let blocks = json!([
            { "type": "section", "text": { "type": "mrkdwn", "text": "*1 requisition* is waiting for your approval:" } },
            { "type": "divider" },
            { "type": "section", "text": { "type": "mrkdwn", "text": "*Standing desks*" } },
            buttons(),
        ]);
        assert_eq!(waiting_card(&blocks), None);
        assert_eq!(
            waiting_digest_item(&blocks, ApprovalId(90_211)),
            None,
            "nor a digest"
        );
    }

    #[test]
    fn a_settled_card_and_a_plain_message_are_not_waiting_cards() {
        let settled = json!([
            { "type": "header", "text": { "type": "plain_text", "text": "Standing desks" } },
            { "type": "section", "text": { "type": "mrkdwn", "text": "Approved by Daniel Okafor" } },
            { "type": "actions", "elements": [
                { "type": "button", "action_id": "open_in_coupa", "url": "https://acme.coupahost.com/requisition_headers/4812" },
            ]},
        ]);
        assert_eq!(waiting_card(&settled), None);
        assert_eq!(waiting_card(&Value::Null), None);
        let forged = json!([
            { "type": "header", "text": { "type": "plain_text", "text": "Standing desks" } },
            { "type": "actions", "elements": [{ "type": "button", "action_id": "approve", "value": "approve" }] },
        ]);
        assert_eq!(waiting_card(&forged), None, "a value that is not ours");
    }

    #[test]
    fn a_message_ts_gives_its_posting_time_and_anything_else_none() {
        assert_eq!(
            posted_at("1763659240.000100"),
            Some(Timestamp::from_second(1_763_659_240).unwrap())
        );
        assert_eq!(posted_at("not a ts"), None);
        assert_eq!(posted_at("99999999999999999999.1"), None);
    }
}
