//! A digest as an Adaptive Card: several new approvals in one card, laid out as the "what's
//! pending" list is ([`super::list`]): each item's title, total, requester and age, with the
//! **Approve** and **Deny** its own card would carry (the same [`ActionData`], confirm and reason
//! forms; each reason field has an id of its own), and **View in Coupa**; an item that no longer
//! waits shows how it ended instead. Pure.
//!
//! As on the list, Approve and Deny are plain `Action.Submit`s (ten items with `Action.Execute`
//! and its fallback would not fit in one card): a click reaches the bot as a message, is decided
//! by the engine as a click on the approval's own card is, and the engine then edits the digest
//! with that item's new state. Unlike the list, every item is always shown (each is the recorded
//! card of its approval): texts are cut shorter, never items left out.

use serde_json::{Value, json};

use crate::chat::card::{Card, CardState};
use crate::chat::format::{age, money};
use crate::chat::wording as shared;

use super::markdown::cut;
use super::{
    APPROVE, ActionData, DENY, Decisions, MAX_CARD_BYTES, Rendered, approve_action, date,
    deny_action, deny_form, escape, finish, reason_input_for, size, status, text, wording,
};

/// Title and field lengths tried in turn until the digest fits.
const BUDGETS: [(usize, usize); 4] = [(150, 60), (80, 40), (40, 30), (20, 20)];

/// `items` (each an approval's card, oldest first) as one digest card.
pub fn digest(items: &[Card]) -> Rendered {
    let mut rendered = render(items, BUDGETS[0]);
    for budget in &BUDGETS[1..] {
        if size(&rendered.card) <= MAX_CARD_BYTES {
            break;
        }
        rendered = render(items, *budget);
    }
    rendered
}

fn render(items: &[Card], budget: (usize, usize)) -> Rendered {
    let waiting = items
        .iter()
        .filter(|c| c.state == CardState::Pending)
        .count();
    let mut body = vec![json!({
        "type": "TextBlock", "wrap": true, "size": "medium",
        "text": shared::digest_heading(waiting, items.len(), |s: &str| format!("**{s}**")),
    })];
    body.extend(items.iter().map(|card| item_block(card, budget)));
    let mut actions = Vec::new();
    if let Some((selection, approve_selected)) = super::several::digest_selection(items) {
        body.extend(selection);
        actions.push(approve_selected);
    }
    finish(body, actions, None, shared::digest_summary(waiting))
}

/// One item: its title and details, then its actions while it waits, or how it ended.
fn item_block(card: &Card, (title_chars, field_chars): (usize, usize)) -> Value {
    let r = &card.requisition;
    let title = if r.title.trim().is_empty() {
        format!("Requisition #{}", r.id)
    } else {
        cut(&r.title, title_chars)
    };
    let total = cut(&money(&r.total), field_chars);
    let requester = r
        .requested_by
        .as_ref()
        .map(|p| p.full_name.as_str())
        .filter(|name| !name.trim().is_empty())
        .map(|name| escape(&cut(name, field_chars)));
    let submitted = r.submitted_at.map(|at| age(at, card.issued_at));
    let details = wording::list_item(
        &escape(&total),
        requester.as_deref(),
        submitted.as_deref(),
        &r.id.to_string(),
    );
    let link = json!({ "type": "Action.OpenUrl", "title": "View in Coupa", "url": card.coupa_link.as_str() });
    let mut items = vec![
        json!({ "type": "TextBlock", "text": escape(&title), "weight": "bolder", "wrap": true }),
        text(&details),
    ];
    match ended(card, field_chars) {
        None => {
            let decisions = Decisions {
                approve: ActionData::of(card, APPROVE),
                deny: ActionData::of(card, DENY),
                title: &title,
                total: &total,
                confirm: card.confirm_approve,
                reason_input: reason_input_for(card.approval),
                submit_only: true,
            };
            let (form, deny) = deny_form(&decisions, None);
            let actions = vec![approve_action(&decisions), deny_action(form, deny), link];
            items.push(json!({ "type": "ActionSet", "actions": actions }));
        }
        Some(line) => {
            items.push(status(&line));
            items.push(json!({ "type": "ActionSet", "actions": [link] }));
        }
    }
    json!({ "type": "Container", "separator": true, "items": items })
}

/// How an item that no longer waits ended, in one line; `None` while it waits.
fn ended(card: &Card, field_chars: usize) -> Option<String> {
    let by = |name: &str| escape(&cut(name, field_chars));
    Some(match &card.state {
        CardState::Pending => return None,
        CardState::DecidedHere {
            decision,
            by: who,
            at,
            ..
        } => wording::decided_here(*decision, &by(who), &date(*at)),
        CardState::DecidedByOther {
            decision,
            by: who,
            at,
            as_delegate_for,
        } => wording::decided_by_someone_else(
            *decision,
            &by(who),
            as_delegate_for.as_deref().map(by).as_deref(),
            &date(*at),
        ),
        CardState::OnHold(hold) => wording::on_hold(
            hold.by.as_deref().map(by).as_deref(),
            hold.reason
                .as_deref()
                .map(|reason| escape(&cut(reason, field_chars * 4)))
                .as_deref(),
        ),
        CardState::DecidedInCoupa {
            decision,
            by: who,
            at,
        } => wording::decided_in_coupa(
            *decision,
            who.as_deref().map(by).as_deref(),
            at.map(date).as_deref(),
        ),
        CardState::NoLongerPending => wording::no_longer_pending(),
        CardState::Expired => wording::expired(),
        CardState::Changed(Some(change)) => {
            wording::changed(&escape(&cut(&shared::change(change), 200)))
        }
        CardState::Changed(None) => wording::changed_since_sent(),
    })
}

#[cfg(test)]
mod tests;
