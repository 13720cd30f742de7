//! The answer to "what's pending" as an Adaptive Card, from the engine's
//! [`PendingAnswer`]. Pure.
//!
//! The list is the one Slack shows, laid out for Teams: a heading that counts what is waiting,
//! then the oldest items first, at most [`ListOptions::shown`] of them, each with its title,
//! total, requester and age, and **Approve** and **Deny** carrying what they carry on the
//! approval's own card (the same [`ActionData`] and verbs, the same confirm and reason forms; each
//! reason field has an id of its own, [`super::reason_input_for`]) and **View in Coupa**; then
//! "…and N more in Coupa" with a link when not all are shown.
//!
//! The list's Approve and Deny are plain `Action.Submit`s, which every Teams client sends to the
//! bot as a message whose `value` is the data (see [`crate::teams::invoke`]): an
//! `Action.Execute` with its `Action.Submit` fallback carries the data twice, and ten items
//! would not fit in one card. So a click on a list reaches the bot as a message and can be
//! answered only with another; the list stays as it was. Only whole items are shown, and fewer of them when a card
//! would pass Teams' size limit, so the "more" line always counts what is missing. A list read
//! earlier (Coupa cannot be reached) says how old it is and has no Approve or Deny. Every other
//! answer is a short notice ([`super::notice()`]).

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use url::Url;

use crate::chat::format::{age, money};
use crate::chat::list::ListPurpose;
use crate::chat::wording as shared;
use crate::domain::records::{PendingItem, PendingSnapshot};
use crate::engine::pending::PendingAnswer;

use super::markdown::cut;
use super::notice::notice;
use super::{
    APPROVE, ActionData, DENY, Decisions, MAX_CARD_BYTES, Rendered, approve_action, date,
    deny_action, deny_form, escape, finish, reason_input_for, size, subtle, text, wording,
};

/// Title lengths tried in turn until the list fits; then items are left out.
const TITLE_CHARS: [usize; 3] = [150, 80, 40];

/// The longest requester name or total shown.
const FIELD_CHARS: usize = 60;

/// How a list is rendered.
#[derive(Debug, Clone)]
pub struct ListOptions<'a> {
    /// When the list is rendered: the items' buttons are issued then, and ages count to it.
    pub issued_at: Timestamp,
    /// Items above this total ask for confirmation before approving.
    pub confirm_above: Option<Decimal>,
    /// The Coupa instance, for links.
    pub coupa: &'a Url,
    /// At most this many items are shown (`engine::pending::SHOWN_ITEMS`).
    pub shown: usize,
}

/// The card answering "what's pending" with `answer`: the list, or a notice saying why there is
/// none.
pub fn pending(answer: &PendingAnswer, options: &ListOptions<'_>) -> Rendered {
    match answer {
        PendingAnswer::Live(snapshot) => pending_list(snapshot, false, options),
        PendingAnswer::Stale(snapshot) => pending_list(snapshot, true, options),
        PendingAnswer::Unavailable => notice(wording::PENDING_UNAVAILABLE),
        PendingAnswer::Busy => notice(wording::PENDING_BUSY),
        PendingAnswer::NoEmail => notice(wording::NO_EMAIL),
        PendingAnswer::NoCoupaUser { email } => notice(&wording::no_coupa_user(email)),
    }
}

/// The list of `snapshot`'s items; `stale` when it was read earlier because Coupa cannot be
/// reached now.
pub fn pending_list(
    snapshot: &PendingSnapshot,
    stale: bool,
    options: &ListOptions<'_>,
) -> Rendered {
    headed_list(None, snapshot, stale, options)
}

/// A list sent unasked (a reminder): the live "what's pending" list under a heading saying what
/// it is for, its notification text saying so too.
pub fn purpose_list(
    purpose: ListPurpose,
    snapshot: &PendingSnapshot,
    options: &ListOptions<'_>,
) -> Rendered {
    let heading = shared::list_purpose(purpose, |s| format!("**{s}**"));
    let summary = shared::list_purpose_summary(purpose, snapshot.items.len());
    fitted(Some(&heading), Some(&summary), snapshot, false, options)
}

/// The list as [`pending_list`] lays it out, under `heading` (Markdown) when there is one.
pub fn headed_list(
    heading: Option<&str>,
    snapshot: &PendingSnapshot,
    stale: bool,
    options: &ListOptions<'_>,
) -> Rendered {
    fitted(heading, None, snapshot, stale, options)
}

/// The list under `heading`, its notification text `summary` (the list's own when `None`), with
/// as many whole items as fit Teams' size limit.
fn fitted(
    heading: Option<&str>,
    summary: Option<&str>,
    snapshot: &PendingSnapshot,
    stale: bool,
    options: &ListOptions<'_>,
) -> Rendered {
    let render = |shown, title| render(heading, summary, snapshot, stale, options, shown, title);
    let mut shown = snapshot.items.len().min(options.shown);
    for title in TITLE_CHARS {
        let rendered = render(shown, title);
        if size(&rendered.card) <= MAX_CARD_BYTES {
            return rendered;
        }
    }
    let title = TITLE_CHARS[TITLE_CHARS.len() - 1];
    loop {
        shown = shown.saturating_sub(1);
        let rendered = render(shown, title);
        // A list without items is a heading and a link: it always fits.
        if shown == 0 || size(&rendered.card) <= MAX_CARD_BYTES {
            return rendered;
        }
    }
}

fn render(
    heading: Option<&str>,
    summary: Option<&str>,
    snapshot: &PendingSnapshot,
    stale: bool,
    options: &ListOptions<'_>,
    shown: usize,
    title_chars: usize,
) -> Rendered {
    let count = snapshot.items.len();
    let mut body = Vec::new();
    if let Some(heading) = heading {
        body.push(text(heading));
    }
    if stale {
        let warning = wording::stale_list(
            &age(snapshot.as_of, options.issued_at),
            &date(snapshot.as_of),
        );
        body.push(json!({
            "type": "TextBlock", "text": warning, "wrap": true, "color": "warning",
        }));
    }
    body.push(json!({
        "type": "TextBlock", "text": wording::list_heading(count), "wrap": true, "size": "medium",
    }));
    for item in snapshot.items.iter().take(shown) {
        body.push(item_block(item, stale, options, title_chars));
    }
    let mut actions = Vec::new();
    if !stale
        && let Some((selection, approve_selected)) = super::several::selection(
            &snapshot.items[..shown],
            options.issued_at,
            options.confirm_above,
        )
    {
        body.extend(selection);
        actions.push(approve_selected);
    }
    if count > shown {
        body.push(subtle(&wording::more_in_coupa(count - shown)));
        actions.push(json!({
            "type": "Action.OpenUrl", "title": wording::SEE_ALL_IN_COUPA, "url": options.coupa.as_str(),
        }));
    }
    let summary = summary.map_or_else(|| wording::list_summary(count), str::to_owned);
    finish(body, actions, None, summary)
}

/// One item: its title and details, and its actions (only the link on a stale list).
fn item_block(
    item: &PendingItem,
    stale: bool,
    options: &ListOptions<'_>,
    title_chars: usize,
) -> Value {
    let title = if item.title.trim().is_empty() {
        format!("Requisition #{}", item.requisition)
    } else {
        cut(&item.title, title_chars)
    };
    let total = cut(&money(&item.total), FIELD_CHARS);
    let requester = item
        .requester
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| escape(&cut(r, FIELD_CHARS)));
    let submitted = item.submitted_at.map(|at| age(at, options.issued_at));
    let details = wording::list_item(
        &escape(&total),
        requester.as_deref(),
        submitted.as_deref(),
        &item.requisition.to_string(),
    );
    let mut link = options.coupa.clone();
    link.set_path(&format!("/requisition_headers/{}", item.requisition));
    let link = json!({ "type": "Action.OpenUrl", "title": "View in Coupa", "url": link.as_str() });
    let actions = if stale {
        vec![link]
    } else {
        let decisions = Decisions {
            approve: data(item, APPROVE, options.issued_at),
            deny: data(item, DENY, options.issued_at),
            title: &title,
            total: &total,
            confirm: options
                .confirm_above
                .is_some_and(|limit| item.total.amount > limit),
            reason_input: reason_input_for(item.approval),
            submit_only: true,
        };
        let (form, deny) = deny_form(&decisions, None);
        vec![approve_action(&decisions), deny_action(form, deny), link]
    };
    let mut items = vec![
        json!({ "type": "TextBlock", "text": escape(&title), "weight": "bolder", "wrap": true }),
        text(&details),
    ];
    if let Some(approver) = item.delegate_for.as_deref() {
        items.push(text(&shared::as_delegate_for(
            &escape(&cut(approver, FIELD_CHARS)),
            |name| format!("**{name}**"),
        )));
    }
    items.push(json!({ "type": "ActionSet", "actions": actions }));
    json!({ "type": "Container", "separator": true, "items": items })
}

/// What an item's action with `verb` carries: the same as on the approval's own card.
fn data(item: &PendingItem, verb: &str, issued_at: Timestamp) -> ActionData {
    ActionData {
        verb: verb.to_owned(),
        approval: item.approval,
        requisition: item.requisition,
        fingerprint: item.fingerprint.clone(),
        issued_at: issued_at.as_second(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApprovalId, Fingerprint, Money, RequisitionId};
    use crate::teams::card::{REASON_INPUT, REFRESH};

    /// 2026-11-20 17:21:00 UTC.
    const NOW: i64 = 1_795_195_260;

    fn coupa() -> Url {
        Url::parse("https://acme.coupahost.com").unwrap()
    }

    fn item(n: u64, title: &str, total: i64) -> PendingItem {
        PendingItem {
            approval: ApprovalId(90_000 + n),
            requisition: RequisitionId(4_800 + n),
            fingerprint: Fingerprint(format!("fingerprint-{n}")),
            title: title.to_owned(),
            total: Money::new(Decimal::new(total, 2), "USD"),
            requester: Some("Jane Doe".into()),
            submitted_at: Some(Timestamp::from_second(NOW - 3 * 86_400).unwrap()),
            delegate_for: None,
        }
    }

    fn snapshot(items: Vec<PendingItem>) -> PendingSnapshot {
        PendingSnapshot {
            as_of: Timestamp::from_second(NOW - 12 * 60).unwrap(),
            items,
        }
    }

    fn options(coupa: &Url) -> ListOptions<'_> {
        ListOptions {
            issued_at: Timestamp::from_second(NOW).unwrap(),
            confirm_above: Some(Decimal::new(5_000, 0)),
            coupa,
            shown: 10,
        }
    }

    /// Every action in `card` that sends data to the bot, as (title, data).
    fn executes(card: &Value) -> Vec<(String, Value)> {
        fn walk(value: &Value, out: &mut Vec<(String, Value)>) {
            match value {
                Value::Object(map) => {
                    assert_ne!(map.get("type"), Some(&json!("Action.Execute")));
                    if map.get("type") == Some(&json!("Action.Submit")) {
                        out.push((
                            map["title"].as_str().unwrap_or_default().to_owned(),
                            map["data"].clone(),
                        ));
                    }
                    map.values().for_each(|v| walk(v, out));
                }
                Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(card, &mut out);
        out
    }

    /// Every reason field's id in `card`.
    fn reason_inputs(card: &Value) -> Vec<String> {
        let json = card.to_string();
        let mut ids = Vec::new();
        let mut rest = json.as_str();
        while let Some(at) = rest.find("\"id\":\"") {
            let after = &rest[at + 6..];
            let end = after.find('"').unwrap();
            ids.push(after[..end].to_owned());
            rest = &after[end..];
        }
        ids
    }

    #[test]
    fn each_item_has_approve_and_deny_carrying_what_its_own_card_would() {
        let coupa = coupa();
        let items = vec![item(1, "Desks", 742_050), item(2, "Pens", 1_200)];
        let rendered = pending_list(&snapshot(items), false, &options(&coupa));
        let executes = executes(&rendered.card);
        let titles: Vec<&str> = executes.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, ["Confirm", "Deny", "Approve", "Deny"]);
        let verbs: Vec<String> = executes
            .iter()
            .map(|(_, data)| ActionData::decode(data).unwrap().verb)
            .collect();
        assert_eq!(verbs, [APPROVE, DENY, APPROVE, DENY]);
        for (_, data) in &executes {
            assert_eq!(ActionData::decode(data).unwrap().issued_at, NOW);
        }
        let first = ActionData::decode(&executes[0].1).unwrap();
        assert_eq!(first.approval, ApprovalId(90_001));
        assert_eq!(first.requisition, RequisitionId(4_801));
        assert_eq!(first.fingerprint, Fingerprint("fingerprint-1".into()));
        assert!(!rendered.card.to_string().contains(REFRESH));
        assert_eq!(
            reason_inputs(&rendered.card),
            ["reason-90001", "reason-90002"],
            "each deny form has a reason field of its own"
        );
        assert!(!reason_inputs(&rendered.card).contains(&REASON_INPUT.to_owned()));
    }

    #[test]
    fn only_items_above_the_confirmation_amount_ask_to_confirm() {
        let coupa = coupa();
        let items = vec![item(1, "Desks", 742_050), item(2, "Pens", 1_200)];
        let rendered = pending_list(&snapshot(items), false, &options(&coupa));
        let json = rendered.card.to_string();
        assert_eq!(json.matches("You are approving").count(), 1, "{json}");
        assert!(json.contains("You are approving **Desks** for **USD 7,420.50**."));
    }

    #[test]
    fn at_most_the_shown_items_are_listed_oldest_first_and_the_rest_counted() {
        let coupa = coupa();
        let items: Vec<PendingItem> = (1..=13).map(|n| item(n, "Chairs", 100)).collect();
        let rendered = pending_list(&snapshot(items), false, &options(&coupa));
        let executes = executes(&rendered.card);
        assert_eq!(executes.len(), 20);
        let first = ActionData::decode(&executes[0].1).unwrap();
        assert_eq!(first.approval, ApprovalId(90_001));
        let json = rendered.card.to_string();
        assert!(json.contains("…and 3 more in Coupa."), "{json}");
        assert!(json.contains("See them all in Coupa"));
        assert!(json.contains("**13 requisitions** are waiting for your approval"));
        assert_eq!(
            rendered.summary,
            "13 requisitions are waiting for your approval"
        );
    }

    #[test]
    fn a_list_too_large_for_a_card_shows_fewer_whole_items_and_counts_the_rest() {
        let coupa = coupa();
        let long = "Ergonomic <chairs> & *desks* ".repeat(40);
        let items: Vec<PendingItem> = (1..=10).map(|n| item(n, &long, 100)).collect();
        let rendered = pending_list(&snapshot(items), false, &options(&coupa));
        assert!(size(&rendered.card) <= MAX_CARD_BYTES);
        let listed = executes(&rendered.card).len() / 2;
        assert!((1..=10).contains(&listed), "{listed}");
        let json = rendered.card.to_string();
        if listed < 10 {
            assert!(
                json.contains(&format!("…and {} more in Coupa.", 10 - listed)),
                "{json}"
            );
        }
    }

    #[test]
    fn a_stale_list_says_how_old_it_is_and_has_no_decisions() {
        let coupa = coupa();
        let rendered = pending_list(
            &snapshot(vec![item(1, "Desks", 742_050)]),
            true,
            &options(&coupa),
        );
        assert!(executes(&rendered.card).is_empty());
        let json = rendered.card.to_string();
        assert!(
            json.contains("This list was read 12 minutes ago ({{DATE(2026-11-20T17:09:00Z"),
            "{json}"
        );
        assert!(json.contains("https://acme.coupahost.com/requisition_headers/4801"));
    }

    #[test]
    fn an_empty_list_says_nothing_is_waiting() {
        let coupa = coupa();
        let rendered = pending_list(&snapshot(vec![]), false, &options(&coupa));
        assert!(
            rendered
                .card
                .to_string()
                .contains("Nothing is waiting for your approval.")
        );
        assert!(executes(&rendered.card).is_empty());
        assert_eq!(rendered.summary, "Nothing is waiting for your approval.");
    }

    #[test]
    fn coupa_text_in_an_item_is_escaped() {
        let coupa = coupa();
        let mut pentest = item(1, "[Log in](https://evil.example)", 100);
        pentest.requester = Some("**Boss**".into());
        let rendered = pending_list(&snapshot(vec![pentest]), false, &options(&coupa));
        let json = rendered.card.to_string();
        assert!(!json.contains("[Log in](https://evil"), "{json}");
        assert!(
            json.contains(r"\\[Log in\\](https://evil.example)"),
            "{json}"
        );
        assert!(json.contains(r"from \\*\\*Boss\\*\\*"), "{json}");
    }

    #[test]
    fn every_other_answer_is_a_notice() {
        let coupa = coupa();
        for (answer, words) in [
            (PendingAnswer::Unavailable, "Coupa can't be reached"),
            (PendingAnswer::Busy, "Coupa is busy"),
            (PendingAnswer::NoEmail, "no email address"),
            (
                PendingAnswer::NoCoupaUser {
                    email: "jane_doe@acme.com".into(),
                },
                r"No Coupa user has the email jane\\_doe@acme.com",
            ),
        ] {
            let rendered = pending(&answer, &options(&coupa));
            assert!(
                rendered.card.to_string().contains(words),
                "{answer:?}: {}",
                rendered.card
            );
            assert!(executes(&rendered.card).is_empty());
        }
    }
}
