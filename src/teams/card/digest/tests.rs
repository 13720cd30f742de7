//! The digest card: every item listed with what its own card's buttons carry, how a decided item
//! shows, and the size limit with ten long items.

use super::*;
use crate::coupa::model::{RawRequisition, parse};
use crate::domain::{Approval, ApprovalId, Decision, RequisitionId};
use crate::sandbox::fixtures::Coupa;
use jiff::Timestamp;

/// When the buttons were issued: 2026-11-20 17:21:00 UTC.
const ISSUED_AT: i64 = 1_795_195_260;

/// Requisition 4812 of the Coupa fixture as the card of approval `90_000 + n`, titled `title`.
fn item(n: u64, title: &str, state: CardState) -> Card {
    let mut requisition = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
        .expect("the fixture parses")
        .into_domain()
        .expect("the fixture reads into the domain");
    let mut approval: Approval = requisition
        .approvals
        .iter()
        .find(|a| a.id == ApprovalId(90_211))
        .cloned()
        .expect("the fixture's current approval");
    approval.id = ApprovalId(90_000 + n);
    requisition.id = RequisitionId(4_800 + n);
    requisition.title = title.to_owned();
    let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
    let issued = Timestamp::from_second(ISSUED_AT).expect("a time");
    Card::new(&requisition, &approval, state, &coupa, None, issued)
}

/// Every `Action.Submit`'s data with `verb` in `card`; and no `Action.Execute` anywhere.
fn submits(card: &Value, verb: &str) -> Vec<ActionData> {
    fn walk(value: &Value, verb: &str, out: &mut Vec<ActionData>) {
        match value {
            Value::Object(map) => {
                assert_ne!(map.get("type"), Some(&json!("Action.Execute")));
                if map.get("type") == Some(&json!("Action.Submit")) {
                    out.extend(ActionData::decode(&map["data"]).filter(|d| d.verb == verb));
                }
                map.values().for_each(|v| walk(v, verb, out));
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, verb, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(card, verb, &mut out);
    out
}

#[test]
fn each_waiting_item_carries_what_its_own_card_would() {
    let items = vec![
        item(1, "Desks", CardState::Pending),
        item(2, "Pens", CardState::Pending),
    ];
    let rendered = digest(&items);
    let approves = submits(&rendered.card, APPROVE);
    assert_eq!(
        approves,
        [
            ActionData::of(&items[0], APPROVE),
            ActionData::of(&items[1], APPROVE)
        ]
    );
    assert_eq!(submits(&rendered.card, DENY).len(), 2);
    let json = rendered.card.to_string();
    assert!(json.contains("reason-90001") && json.contains("reason-90002"));
    assert!(json.contains("**2 requisitions** arrived for your approval at once"));
    assert_eq!(
        rendered.summary,
        "2 requisitions are waiting for your approval"
    );
}

#[test]
fn a_decided_item_says_how_it_ended_and_offers_only_the_link() {
    let decided = CardState::DecidedHere {
        decision: Decision::Approve,
        by: "Daniel Okafor".into(),
        at: Timestamp::from_second(ISSUED_AT).unwrap(),
        reason: None,
    };
    let items = vec![
        item(1, "Desks", decided),
        item(2, "Pens", CardState::Pending),
    ];
    let rendered = digest(&items);
    let approves: Vec<ApprovalId> = submits(&rendered.card, APPROVE)
        .iter()
        .map(|d| d.approval)
        .collect();
    assert_eq!(approves, [ApprovalId(90_002)]);
    let json = rendered.card.to_string();
    assert!(
        json.contains("**Approved** by Daniel Okafor in Teams"),
        "{json}"
    );
    assert!(json.contains("https://acme.coupahost.com/requisition_headers/4801"));
    assert!(
        json.contains("**1** of these 2 requisitions still waits"),
        "{json}"
    );
}

#[test]
fn ten_items_with_long_titles_all_fit_in_one_card() {
    let long = "Ergonomic <chairs> & *desks* for the whole Lisbon office ".repeat(20);
    let items: Vec<Card> = (1..=10)
        .map(|n| {
            // Each one asking to confirm: the largest an item gets.
            let mut card = item(n, &long, CardState::Pending);
            card.confirm_approve = true;
            card
        })
        .collect();
    let rendered = digest(&items);
    assert!(
        size(&rendered.card) <= MAX_CARD_BYTES,
        "{} bytes",
        size(&rendered.card)
    );
    assert_eq!(submits(&rendered.card, APPROVE).len(), 10, "none left out");
}
