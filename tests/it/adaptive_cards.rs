//! The Microsoft Teams card: valid against the Adaptive Cards 1.5 schema (vendored in
//! `tests/fixtures/adaptive-cards-schema/`, checked offline) and within Teams' card size limit
//! whatever Coupa sends, in every state and form; and the JSON of representative cards, held in
//! `tests/snapshots/teams/`.

use crate::support;

use std::sync::OnceLock;

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::{ChatUserId, Decision};
use coupa_approvals::teams::card::{self, MAX_CARD_BYTES, ReasonProblem};
use proptest::prelude::*;
use serde_json::Value;

use support::arbitrary::{arbitrary_card, every_state, text};
use support::cards::{DECIDED_AT, at};
use support::snapshots::assert_snapshot;

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/adaptive-cards-schema/adaptive-card.1.5.0.json"
);

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(SCHEMA).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles offline")
    })
}

fn schema_errors(card: &Value) -> Vec<String> {
    validator()
        .iter_errors(card)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Valid, within the size limit, and with buttons exactly when the approval is still waiting.
fn assert_sendable(card: &Card, rendered: &Value) {
    let errors = schema_errors(rendered);
    assert!(errors.is_empty(), "{errors:#?}\n{rendered:#}");
    let size = card::size(rendered);
    assert!(size <= MAX_CARD_BYTES, "{size} bytes:\n{rendered}");
    let json = rendered.to_string();
    assert_eq!(
        json.contains("\"Action.Execute\""),
        card.state == CardState::Pending,
        "{:?}",
        card.state
    );
}

fn recipients() -> Vec<ChatUserId> {
    vec![
        ChatUserId("29:1bSnHZ7Js2STWrgk6ScEErLk1Lp2zQuD5H2qQ960rtvstKp8tKLl-3r8b6DoW0QxZimuTxk_kupZ1DBMpvIQQUAZL-PNj0EORDvRZXy8kvWk".into()),
        ChatUserId("29:1li".into()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_teams_card_in_every_state_is_valid_and_within_the_size_limit(
        card in arbitrary_card(),
        name in text(),
        reason in text(),
        users in proptest::collection::vec("29:[a-zA-Z0-9_-]{20,120}", 0..=80),
    ) {
        let users: Vec<ChatUserId> = users.into_iter().map(ChatUserId).collect();
        for state in every_state(&name, &reason) {
            let card = Card { state, ..card.clone() };
            assert_sendable(&card, &card::card(&card, &users).card);
        }
        let pending = Card { state: CardState::Pending, ..card };
        for problem in [ReasonProblem::Missing, ReasonProblem::TooLong] {
            let rendered = card::card_with_reason_error(&pending, &users, problem).card;
            assert_sendable(&pending, &rendered);
        }
    }
}

/// The fixture card (USD 7,420.50) in `state`, with confirmation above `confirm_above`.
fn fixture(state: CardState, confirm_above: Option<&str>) -> Card {
    support::cards::card(state, confirm_above)
}

#[test]
fn a_pending_teams_card_has_the_expected_shape() {
    let card = fixture(CardState::Pending, None);
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/pending", &rendered);
}

#[test]
fn a_pending_teams_card_above_the_confirmation_amount_has_the_expected_shape() {
    let card = fixture(CardState::Pending, Some("5000"));
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/pending_confirm", &rendered);
}

#[test]
fn a_teams_card_after_a_blank_reason_has_the_expected_shape() {
    let card = fixture(CardState::Pending, None);
    let rendered = card::card_with_reason_error(&card, &recipients(), ReasonProblem::Missing).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/reason_missing", &rendered);
}

#[test]
fn a_denied_teams_card_has_the_expected_shape() {
    let card = fixture(
        CardState::DecidedHere {
            decision: Decision::Reject,
            by: "Daniel Okafor".into(),
            at: at(DECIDED_AT),
            reason: Some("Reuse the desks from the old floor.".into()),
        },
        None,
    );
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/decided_here_reject", &rendered);
}

#[test]
fn the_schema_refuses_a_card_teams_would_refuse() {
    // The validation can fail: a card without its type, or with an unknown element, is refused.
    let mut rendered = card::card(&fixture(CardState::Pending, None), &recipients()).card;
    rendered["body"][0]["type"] = Value::from("Headline");
    assert!(!schema_errors(&rendered).is_empty());
}
