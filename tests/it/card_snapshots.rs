//! Snapshots of the Block Kit JSON of an approval card in every state, next to what each must
//! show an approver. The JSON lives in `tests/snapshots/`; after an intended change to the
//! rendering, run with `UPDATE_SNAPSHOTS=1`, read the diff, and commit it.

use crate::support;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::domain::change::Change;
use coupa_approvals::domain::hold::Hold;
use coupa_approvals::domain::{Decision, Money};
use coupa_approvals::slack::blocks;
use serde_json::{Value, json};

use support::cards::{DECIDED_AT, at, card, dec};
use support::snapshots::assert_snapshot;

/// The card as `{ "text": …, "blocks": … }`, checked against `tests/snapshots/{name}.json`.
fn snapshot(name: &str, state: CardState, confirm_above: Option<&str>) -> Value {
    let rendered = blocks::card(&card(state, confirm_above));
    let actual = json!({
        "text": rendered.text,
        "blocks": serde_json::to_value(&rendered.blocks).expect("blocks serialise"),
    });
    assert_snapshot(name, &actual);
    actual
}

/// The `action_id`s of every button on the card.
fn actions(card: &Value) -> Vec<String> {
    card["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .map(|e| e["action_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn element<'a>(card: &'a Value, action_id: &str) -> &'a Value {
    card["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().expect("elements"))
        .find(|e| e["action_id"] == action_id)
        .unwrap_or_else(|| panic!("no {action_id} in {card}"))
}

/// All the text of a card, for "it says …" checks.
fn says(card: &Value) -> String {
    card.to_string()
}

fn assert_resolved(card: &Value, wording: &[&str]) {
    assert_eq!(
        actions(card),
        ["open_in_coupa"],
        "only View in Coupa is left"
    );
    assert_eq!(
        element(card, "open_in_coupa")["url"],
        "https://acme.coupahost.com/requisition_headers/4812"
    );
    for words in wording {
        assert!(says(card).contains(words), "missing {words:?} in {card}");
    }
}

#[test]
fn a_card_on_hold_says_who_held_it_and_why_and_offers_only_the_link() {
    let card = snapshot(
        "on_hold",
        CardState::OnHold(Hold {
            by: Some("Daniel Okafor".into()),
            reason: Some("Waiting for the second quote".into()),
            at: Some(at(DECIDED_AT)),
        }),
        None,
    );
    assert_resolved(
        &card,
        &[
            "*On hold* by Daniel Okafor: Waiting for the second quote",
            "its buttons come back here once it is released in Coupa",
        ],
    );
    assert!(
        card["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("On hold:"))
    );
}

#[test]
fn a_card_whose_approval_coupa_does_not_allow_to_be_held_offers_no_hold() {
    let mut not_holdable = card(CardState::Pending, None);
    for approval in not_holdable
        .requisition
        .approvals
        .iter_mut()
        .chain(not_holdable.requisition.current_approvals.iter_mut())
    {
        approval.holdable = false;
    }
    let rendered = blocks::card(&not_holdable);
    let rendered = json!({ "blocks": serde_json::to_value(&rendered.blocks).unwrap() });
    assert_eq!(actions(&rendered), ["approve", "deny", "open_in_coupa"]);
}

const DECIDED_DATE: &str = "<!date^1795255500^{date_short_pretty} at {time}|2026-11-21 10:05 UTC>";

#[test]
fn a_pending_card_offers_approve_deny_and_view_in_coupa() {
    let card = snapshot("pending", CardState::Pending, None);
    // The fixture's approval is holdable: Hold follows Deny.
    assert_eq!(actions(&card), ["approve", "deny", "hold", "open_in_coupa"]);
    assert_eq!(element(&card, "hold")["style"], Value::Null);
    assert_eq!(element(&card, "approve")["style"], "primary");
    assert_eq!(element(&card, "deny")["style"], "danger");
    assert!(element(&card, "approve")["confirm"].is_null());
    let value = element(&card, "approve")["value"]
        .as_str()
        .expect("a value");
    assert!(value.contains("\"t\":1795195260"), "{value}");
    assert_eq!(element(&card, "deny")["value"], value);
    for words in [
        "Standing desks for the Lisbon office",
        "USD 7,420.50",
        "Marta Kowalski",
        "2 of 3",
        "12 × USD 585.00",
        "Delivery and assembly",
        "Requisition #4812",
    ] {
        assert!(says(&card).contains(words), "missing {words:?}");
    }
    assert!(
        card["text"]
            .as_str()
            .is_some_and(|t| t.contains("Approval needed"))
    );
}

#[test]
fn a_pending_card_above_the_threshold_asks_to_confirm_approval() {
    let card = snapshot("pending_confirm", CardState::Pending, Some("5000"));
    let confirm = &element(&card, "approve")["confirm"];
    // A confirmation dialog's title may hold 100 characters: the question is never cut.
    assert_eq!(confirm["title"]["text"], "Approve this requisition?");
    assert!(
        confirm["text"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("USD 7,420.50"))
    );
    assert!(element(&card, "deny")["confirm"].is_null());
}

#[test]
fn a_card_approved_here_says_who_and_when_without_buttons() {
    let card = snapshot(
        "decided_here_approve",
        CardState::DecidedHere {
            decision: Decision::Approve,
            by: "Daniel Okafor".into(),
            at: at(DECIDED_AT),
            reason: None,
        },
        None,
    );
    assert_resolved(
        &card,
        &["*Approved* by Daniel Okafor in Slack", DECIDED_DATE],
    );
}

#[test]
fn a_card_rejected_here_quotes_the_reason() {
    let card = snapshot(
        "decided_here_reject",
        CardState::DecidedHere {
            decision: Decision::Reject,
            by: "Daniel Okafor".into(),
            at: at(DECIDED_AT),
            reason: Some("Over the Q4 furniture budget.\nPlease split across Q1 & Q2.".into()),
        },
        None,
    );
    assert_resolved(
        &card,
        &[
            "*Rejected* by Daniel Okafor in Slack",
            ">Over the Q4 furniture budget.\\n>Please split across Q1 &amp; Q2.",
        ],
    );
}

#[test]
fn a_card_decided_by_another_group_member_names_them() {
    let card = snapshot(
        "decided_by_other",
        CardState::DecidedByOther {
            decision: Decision::Approve,
            by: "Sofia Berg".into(),
            at: at(DECIDED_AT),
            as_delegate_for: None,
        },
        None,
    );
    assert_resolved(
        &card,
        &[
            "*Approved* by Sofia Berg (another approver of this step)",
            DECIDED_DATE,
        ],
    );
}

#[test]
fn a_card_approved_in_coupa_says_so() {
    let card = snapshot(
        "decided_in_coupa_approve",
        CardState::DecidedInCoupa {
            decision: Decision::Approve,
            by: None,
            at: Some(at(DECIDED_AT)),
        },
        None,
    );
    assert_resolved(&card, &["*Approved in Coupa*", DECIDED_DATE]);
}

#[test]
fn a_card_rejected_in_coupa_without_a_time_says_so() {
    let card = snapshot(
        "decided_in_coupa_reject",
        CardState::DecidedInCoupa {
            decision: Decision::Reject,
            by: None,
            at: None,
        },
        None,
    );
    assert_resolved(&card, &[":x: *Rejected in Coupa*"]);
}

#[test]
fn a_card_no_longer_pending_points_to_coupa() {
    let card = snapshot("no_longer_pending", CardState::NoLongerPending, None);
    assert_resolved(&card, &["No longer waiting for your approval"]);
}

#[test]
fn an_expired_card_asks_to_decide_in_coupa() {
    let card = snapshot("expired", CardState::Expired, None);
    assert_resolved(
        &card,
        &["These buttons expired", "Open the requisition in Coupa"],
    );
}

#[test]
fn a_changed_card_keeps_what_it_showed_and_says_what_changed() {
    let card = snapshot(
        "changed_with_what_changed",
        CardState::Changed(Some(change())),
        None,
    );
    assert_resolved(
        &card,
        &[
            "Changed in Coupa:* total USD 6,900.00 → USD 7,420.50; line 2 changed",
            "Total: ~USD 6,900.00~",
            "Marta Kowalski",
        ],
    );
}

#[test]
fn a_card_sent_after_a_change_says_what_was_updated() {
    let rendered = blocks::card(&card(CardState::Pending, None).updated(Some(change())));
    let actual = json!({
        "text": rendered.text,
        "blocks": serde_json::to_value(&rendered.blocks).expect("blocks serialise"),
    });
    assert_snapshot("pending_updated", &actual);
    assert!(
        says(&actual).contains("Updated: total USD 6,900.00 → USD 7,420.50; line 2 changed"),
        "{actual}"
    );
    assert!(actions(&actual).contains(&"approve".to_owned()), "{actual}");
}

/// The fixture's requisition as it changed: its total was USD 6,900.00 and line 2 differed.
fn change() -> Change {
    Change {
        total: Some((
            Money::new(dec("6900.00"), "USD"),
            Money::new(dec("7420.50"), "USD"),
        )),
        lines_changed: vec![2],
        ..Change::default()
    }
}

#[test]
fn a_changed_card_shows_no_stale_figures() {
    let card = snapshot("changed", CardState::Changed(None), None);
    assert_resolved(&card, &["changed after this card was sent"]);
    assert!(!says(&card).contains("7,420.50"), "{card}");
}
