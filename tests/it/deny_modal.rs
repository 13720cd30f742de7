//! The deny-reason modal and the check of what is submitted in it: a reason is required, at
//! most 1,000 characters, and the modal remembers which card it is for.

use crate::support;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::domain::MAX_REASON_CHARS;
use coupa_approvals::slack::blocks::{self, validate_reason};
use coupa_approvals::slack::channel::ChannelId;
use coupa_approvals::slack::payload::{
    ButtonValue, DENY_MODAL, DenyMetadata, REASON_BLOCK, REASON_INPUT,
};
use serde_json::Value;

#[test]
fn a_missing_or_empty_reason_is_refused() {
    assert!(validate_reason(None).is_err());
    assert!(validate_reason(Some("")).is_err());
}

#[test]
fn a_whitespace_only_reason_is_refused() {
    let error = validate_reason(Some("  \n\t  ")).expect_err("refused");
    assert!(error.contains("reason"), "{error}");
}

#[test]
fn a_reason_over_1000_characters_is_refused() {
    let error = validate_reason(Some(&"é".repeat(MAX_REASON_CHARS + 1))).expect_err("refused");
    assert!(error.contains("1000"), "{error}");
}

#[test]
fn a_reason_of_exactly_1000_characters_is_accepted() {
    let reason = "é".repeat(MAX_REASON_CHARS);
    assert_eq!(validate_reason(Some(&reason)), Ok(reason));
}

#[test]
fn a_reason_is_accepted_without_surrounding_whitespace() {
    assert_eq!(
        validate_reason(Some("  Over the Q4 budget.\n")),
        Ok("Over the Q4 budget.".to_owned())
    );
}

fn modal() -> (DenyMetadata, Value) {
    let card = support::cards::card(CardState::Pending, None);
    let metadata = DenyMetadata {
        button: ButtonValue::of(&card),
        channel: Some(ChannelId("D0DANIEL".into())),
    };
    let view = blocks::deny_modal(&metadata, &card.requisition.title);
    (
        metadata,
        serde_json::to_value(view).expect("the view serialises"),
    )
}

#[test]
fn the_deny_modal_has_a_required_multiline_reason_of_at_most_1000_characters() {
    let (_, view) = modal();
    assert_eq!(view["type"], "modal");
    assert_eq!(view["callback_id"], DENY_MODAL);
    assert_eq!(view["callback_id"], "deny_reason");
    let input = view["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .find(|b| b["type"] == "input")
        .expect("an input block");
    assert_eq!(input["block_id"], REASON_BLOCK);
    assert_ne!(input["optional"], true, "the reason is required");
    let element = &input["element"];
    assert_eq!(element["type"], "plain_text_input");
    assert_eq!(element["action_id"], REASON_INPUT);
    assert_eq!(element["multiline"], true);
    assert_eq!(element["max_length"], 1000);
    assert_eq!(view["submit"]["text"], "Deny");
}

#[test]
fn the_deny_modal_names_the_requisition_and_remembers_the_cards_button_value() {
    let (metadata, view) = modal();
    assert!(
        view.to_string()
            .contains("Denying *Standing desks for the Lisbon office*")
    );
    let private = view["private_metadata"].as_str().expect("private metadata");
    let decoded = DenyMetadata::decode(private).expect("our metadata");
    assert_eq!(decoded, metadata);
    // The same value the card's Deny button carries.
    let card = support::cards::card(CardState::Pending, None);
    let rendered = serde_json::to_value(blocks::card(&card).blocks).expect("JSON");
    let deny_value = rendered
        .as_array()
        .expect("blocks")
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "deny")
        .and_then(|e| e["value"].as_str().map(str::to_owned))
        .expect("a Deny button with a value");
    assert_eq!(
        ButtonValue::decode(&deny_value),
        Some(decoded.button.clone())
    );
    assert_eq!(decoded.button.issued_at, support::cards::ISSUED_AT);
}
