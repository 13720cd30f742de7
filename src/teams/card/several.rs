//! Approving several at once in Teams, as Adaptive Cards. Pure.
//!
//! A "what's pending" list (and so a daily reminder, which is one) ends with an
//! `Input.ChoiceSet` (`isMultiSelect`) of its shown items that need no confirmation of their own
//! (at or below `CONFIRM_ABOVE_AMOUNT`), a backlog digest with one of those of its items that
//! still wait and need none, each choice's
//! value what the item carries ([`crate::chat::selection::Selected`]: no commas, since Teams
//! joins the chosen values with them), and an **Approve selected** `Action.Submit` ([`SELECTED`]).
//! The bot answers with a confirmation card saying the count and the sum (per currency when
//! mixed), whose **Approve N** `Action.Submit` ([`CONFIRMED`]) carries the selection; that click
//! approves each item through the engine, and the answer is one card listing what was approved
//! and what was refused and why. Like the list's own buttons these are `Action.Submit`s, which
//! reach the bot as messages and are answered with new cards.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::chat::card::Card;
use crate::chat::format::{amount, money};
use crate::chat::selection::{self, Selected};
use crate::chat::wording as shared;
use crate::domain::outcome::DecisionResult;
use crate::domain::records::PendingItem;
use crate::engine::several::{ItemOutcome, SEVERAL_AT_ONCE};

use super::markdown::cut;
use super::{Rendered, escape, finish, subtle, text, wording};

/// The verb of the list's Approve selected.
pub const SELECTED: &str = "approve_selected";
/// The verb of the confirmation's Approve N.
pub const CONFIRMED: &str = "approve_several";
/// The id of the list's selection: the chosen values arrive under this key.
pub const SELECTION_INPUT: &str = "several";
/// The key under which the confirmation carries the selection.
const SELECTION_DATA: &str = "s";

/// The longest choice title.
const CHOICE_CHARS: usize = 80;

/// The selection and its action for `items` (the list's shown items), and a line saying how
/// many cannot be selected; `None` when nothing can be.
pub fn selection(
    items: &[PendingItem],
    issued_at: Timestamp,
    confirm_above: Option<Decimal>,
) -> Option<(Vec<Value>, Value)> {
    let choices: Vec<Value> = items
        .iter()
        .filter(|item| selection::selectable(item, confirm_above))
        .filter_map(|item| {
            let value = Selected::of(item, issued_at).encode()?;
            let title = format!(
                "#{} {} · {}",
                item.requisition,
                item.title.trim(),
                money(&item.total)
            );
            Some(json!({ "title": cut(&title, CHOICE_CHARS), "value": value }))
        })
        .take(SEVERAL_AT_ONCE)
        .collect();
    if choices.is_empty() {
        return None;
    }
    let mut body = vec![choice_set(choices)];
    let left_out = items
        .iter()
        .filter(|item| !selection::selectable(item, confirm_above))
        .count();
    if let (Some(limit), 1..) = (confirm_above, left_out) {
        body.push(subtle(&escape(&shared::not_selectable(
            left_out,
            &amount(limit, 2),
        ))));
    }
    Some((body, approve_selected()))
}

/// The selection and its action for a digest's `cards`: those still waiting that need no
/// confirmation of their own (the others keep their own Approve, which asks first).
pub fn digest_selection(cards: &[Card]) -> Option<(Vec<Value>, Value)> {
    let choices: Vec<Value> = cards
        .iter()
        .filter_map(|card| {
            let selected = Selected::of_card(card)?;
            let value = selected.encode()?;
            let title = format!(
                "#{} {} · {}",
                selected.requisition,
                card.requisition.title.trim(),
                money(&selected.total)
            );
            Some(json!({ "title": cut(&title, CHOICE_CHARS), "value": value }))
        })
        .take(SEVERAL_AT_ONCE)
        .collect();
    (!choices.is_empty()).then(|| (vec![choice_set(choices)], approve_selected()))
}

fn choice_set(choices: Vec<Value>) -> Value {
    json!({
        "type": "Input.ChoiceSet",
        "id": SELECTION_INPUT,
        "isMultiSelect": true,
        "style": "expanded",
        "label": shared::SELECT_SEVERAL,
        "separator": true,
        "choices": choices,
    })
}

fn approve_selected() -> Value {
    json!({
        "type": "Action.Submit",
        "title": shared::APPROVE_SELECTED,
        "data": { "v": SELECTED },
    })
}

/// The confirmation of `items`: the count and the sum, and Approve N carrying the selection.
pub fn confirm(items: &[Selected]) -> Rendered {
    let question =
        shared::approve_several(items.len(), &selection::sum(items), |t| format!("**{t}**"));
    let body = vec![
        text(&question),
        subtle(&escape(shared::APPROVE_SEVERAL_NOTE)),
    ];
    let action = json!({
        "type": "Action.Submit",
        "title": format!("Approve {}", items.len()),
        "style": "positive",
        "data": { "v": CONFIRMED, SELECTION_DATA: selection::encode_all(items) },
    });
    let summary = format!(
        "Approve {}, {} in total?",
        shared::requisitions(items.len()),
        selection::sum(items)
    );
    finish(body, vec![action], None, summary)
}

/// One card listing what came of each item: a heading counting the approved ones, then each
/// requisition with its outcome (why, when refused).
pub fn outcome(outcomes: &[ItemOutcome]) -> Rendered {
    let approved = outcomes
        .iter()
        .filter(|o| matches!(o.result, DecisionResult::Done(_)))
        .count();
    let mut body = vec![text(&shared::several_heading(
        approved,
        outcomes.len(),
        |t| format!("**{t}**"),
    ))];
    for item in outcomes {
        let icon = match item.result {
            DecisionResult::Done(_) => "✅",
            _ => "⚠️",
        };
        body.push(text(&format!(
            "{icon} {}",
            wording::decision(&item.regarding, &item.result)
        )));
    }
    finish(
        body,
        Vec::new(),
        None,
        shared::several_summary(approved, outcomes.len()),
    )
}

/// What a click on Approve selected or Approve N asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeveralAction {
    /// Approve selected on a list, with what was chosen (`None`: not readable as the bot's).
    Selected(Option<Vec<Selected>>),
    /// Approve N on a confirmation, with the selection it carries (`None`: not readable).
    Confirmed(Option<Vec<Selected>>),
}

/// The selection action a submitted card's `data` holds; `None` when it holds neither.
pub fn several_action(data: &Value) -> Option<SeveralAction> {
    let read = |key: &str| match data.get(key) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(text)) => selection::decode_all(text),
        Some(_) => None,
    };
    match data.get("v").and_then(Value::as_str)? {
        SELECTED => Some(SeveralAction::Selected(read(SELECTION_INPUT))),
        CONFIRMED => Some(SeveralAction::Confirmed(read(SELECTION_DATA))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApprovalId, Fingerprint, Money, RequisitionId};
    use crate::teams::card::{MAX_CARD_BYTES, size};

    fn item(n: u64, cents: i64) -> PendingItem {
        PendingItem {
            approval: ApprovalId(90_000 + n),
            requisition: RequisitionId(4_000 + n),
            fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
            title: "Ergonomic chairs, ".repeat(20),
            total: Money::new(Decimal::new(cents, 2), "USD"),
            requester: Some("Jane Doe".into()),
            submitted_at: None,
            delegate_for: None,
        }
    }

    #[test]
    fn only_items_at_or_below_the_threshold_are_choices_and_the_choice_round_trips() {
        let items = vec![item(1, 500_000), item(2, 1_200_000)];
        let (body, action) = selection(&items, Timestamp::UNIX_EPOCH, Some(Decimal::new(5_000, 0)))
            .expect("one item is selectable");
        let choices = body[0]["choices"].as_array().unwrap();
        assert_eq!(choices.len(), 1);
        let value = choices[0]["value"].as_str().unwrap();
        assert_eq!(
            Selected::decode(value).unwrap().approval,
            ApprovalId(90_001)
        );
        assert!(
            body[1]["text"]
                .as_str()
                .unwrap()
                .contains("1 requisition above 5,000.00")
        );
        let clicked = json!({ "v": action["data"]["v"], SELECTION_INPUT: value });
        assert_eq!(
            several_action(&clicked),
            Some(SeveralAction::Selected(Some(vec![
                Selected::decode(value).unwrap()
            ])))
        );
        assert_eq!(
            selection(
                &items[1..],
                Timestamp::UNIX_EPOCH,
                Some(Decimal::new(5_000, 0))
            ),
            None
        );
    }

    #[test]
    fn the_confirmation_says_count_and_sum_and_carries_the_selection_within_the_size_limit() {
        let items: Vec<Selected> = (0..SEVERAL_AT_ONCE as u64)
            .map(|n| Selected::of(&item(n, 42_500), Timestamp::UNIX_EPOCH))
            .collect();
        let rendered = confirm(&items[..3]);
        assert!(
            rendered
                .card
                .to_string()
                .contains("Approve **3 requisitions**, **USD 1,275.00** in total?"),
            "{}",
            rendered.card
        );
        let all = confirm(&items);
        assert!(size(&all.card) <= MAX_CARD_BYTES);
        let data = &all.card["actions"][0]["data"];
        assert_eq!(
            several_action(data),
            Some(SeveralAction::Confirmed(Some(items)))
        );
    }
}
