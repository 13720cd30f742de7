//! Approval cards as Adaptive Cards (schema 1.5) for Microsoft Teams, from the same neutral card
//! view model Slack renders ([`crate::chat::card`]); and the other cards the bot sends: the
//! "what's pending" list ([`list`]), a digest of several new approvals ([`mod@digest`]), a person's history of decisions ([`mod@history`]), notices and help ([`mod@notice`]). Pure.
//!
//! A pending card shows the requisition (title, requester, total, need-by, department, step,
//! justification, the first lines and how many more) with **Approve**, **Deny** and **View in
//! Coupa**. Approve and Deny are `Action.Execute` (verbs [`APPROVE`] and [`DENY`]) with an
//! `Action.Submit` fallback carrying the same [`ActionData`], so clients without Universal Actions
//! still reach the bot. Deny opens an inline form (`Action.ShowCard`) asking for a required
//! reason of at most [`MAX_REASON_CHARS`] characters; [`card_with_reason_error`] renders the card
//! again with that form open and the error in it. Where Coupa allows the approval to be held,
//! **Hold** opens a form of its own asking for a required reason (verb [`HOLD`]). Above `CONFIRM_ABOVE_AMOUNT`, Approve first
//! shows what is approved and for how much, with **Confirm**. `refresh.userIds` names the card's
//! recipients so their clients ask the bot for the current card. A card no longer waiting shows
//! what happened and only the link to Coupa.
//!
//! Coupa's words are escaped for the Markdown subset TextBlocks and facts render (see
//! [`escape`]): a title such as `[Log in](https://evil)` shows as typed, never as a link. Every
//! card stays under Teams' card size limit ([`MAX_CARD_BYTES`]): long texts are cut with "…",
//! and cut shorter when a card would still be too large.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::chat::card::{Card, CardState};
use crate::chat::format::{money, quantity};
use crate::chat::wording as shared;
use crate::domain::change::Change;
use crate::domain::{ChatUserId, Line, MAX_REASON_CHARS};

use super::wording;

mod action;
pub mod digest;
pub mod history;
mod hold;
pub mod list;
mod markdown;
pub mod notice;
pub mod several;

pub use action::{
    APPROVE, ActionData, DENY, REASON_INPUT, REFRESH, ReasonProblem, reason_input_for,
    validate_reason,
};
pub use digest::digest;
pub use history::history;
pub use hold::{HOLD, HOLD_REASON_INPUT};
pub use list::{ListOptions, headed_list, pending, pending_list, purpose_list};
use markdown::cut;
pub use markdown::escape;
pub use notice::{help, notice};

/// The Adaptive Card schema version the cards declare (the highest Teams renders).
pub const VERSION: &str = "1.5";
/// Teams' size limit for a card, counted as Teams counts a message: its JSON encoded as UTF-16.
pub const MAX_CARD_BYTES: usize = 28 * 1024;
/// At most this many users in `refresh.userIds` (Teams ignores a longer list).
pub const MAX_REFRESH_USERS: usize = 60;
/// A Teams user id is far shorter than this and printable ASCII; any other is not put in
/// `refresh.userIds` (so the list cannot push a card past the size limit).
const MAX_USER_ID_CHARS: usize = 128;
/// Lines shown on a card; the rest are counted.
pub const SHOWN_LINES: usize = 5;

/// A rendered card: the Adaptive Card and the plain text a notification shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The Adaptive Card (the attachment's `content`).
    pub card: Value,
    /// Plain-text summary for notifications and clients that cannot show the card.
    pub summary: String,
}

/// `card` as an Adaptive Card for `recipients` (the Teams users it is sent to).
pub fn card(card: &Card, recipients: &[ChatUserId]) -> Rendered {
    fitted(card, recipients, None)
}

/// `card` again with its deny form open and `problem` shown in it, after a refused reason.
pub fn card_with_reason_error(
    card: &Card,
    recipients: &[ChatUserId],
    problem: ReasonProblem,
) -> Rendered {
    fitted(card, recipients, Some(problem))
}

/// `card` while a click's decision is under way: what it shows, the status line saying so, and
/// only the link to Coupa, so that nobody clicks it again meanwhile. The card as it then stands
/// replaces it when the decision ends.
pub fn deciding(card: &Card, recipients: &[ChatUserId]) -> Rendered {
    let mut rendered = fitted(card, recipients, None);
    if let Some(actions) = rendered.card["actions"].as_array_mut() {
        actions.retain(|action| action["type"] == "Action.OpenUrl");
    }
    if let Some(body) = rendered.card["body"].as_array_mut() {
        body.push(status(wording::DECIDING));
    }
    rendered
}

/// The size Teams counts for `card`: its JSON as UTF-16, in bytes.
pub fn size(card: &Value) -> usize {
    card.to_string().encode_utf16().count() * 2
}

/// How long each kind of text may be. Cards are rendered with the first budget that fits.
#[derive(Debug, Clone, Copy)]
struct Budget {
    title: usize,
    field: usize,
    long: usize,
    line: usize,
    lines: usize,
}

const BUDGETS: [Budget; 4] = [
    Budget {
        title: 250,
        field: 200,
        long: 1_500,
        line: 400,
        lines: SHOWN_LINES,
    },
    Budget {
        title: 150,
        field: 100,
        long: 600,
        line: 200,
        lines: SHOWN_LINES,
    },
    Budget {
        title: 80,
        field: 60,
        long: 200,
        line: 80,
        lines: 2,
    },
    Budget {
        title: 40,
        field: 30,
        long: 80,
        line: 40,
        lines: 0,
    },
];

fn fitted(card: &Card, recipients: &[ChatUserId], problem: Option<ReasonProblem>) -> Rendered {
    let mut rendered = render(card, recipients, problem, BUDGETS[0]);
    for budget in &BUDGETS[1..] {
        if size(&rendered.card) <= MAX_CARD_BYTES {
            break;
        }
        rendered = render(card, recipients, problem, *budget);
    }
    rendered
}

fn render(
    card: &Card,
    recipients: &[ChatUserId],
    problem: Option<ReasonProblem>,
    budget: Budget,
) -> Rendered {
    let r = &card.requisition;
    let requester = r
        .requested_by
        .as_ref()
        .map(|p| p.full_name.as_str())
        .unwrap_or("someone");
    let total = money(&r.total);
    // A requisition without a title still needs a heading.
    let heading = if r.title.trim().is_empty() {
        format!("Requisition #{}", r.id)
    } else {
        escape(&cut(&r.title, budget.title))
    };
    let mut body = vec![json!({
        "type": "TextBlock", "text": heading, "size": "large", "weight": "bolder", "wrap": true,
        "style": "heading",
    })];
    if let Some(approver) = &card.delegate_for {
        body.push(subtle(&shared::as_delegate_for(
            &escape(&cut(approver, budget.field)),
            |name| format!("**{name}**"),
        )));
    }
    let plain_title = cut(&r.title, budget.title);
    let link = json!({ "type": "Action.OpenUrl", "title": "View in Coupa", "url": card.coupa_link.as_str() });

    let summary_of = |text: String| cut(&text, 300);
    match &card.state {
        CardState::Changed(Some(change)) => {
            body.extend(changed(card, change, requester, budget));
            return finish(
                body,
                vec![link],
                None,
                summary_of(format!("Changed: {plain_title}")),
            );
        }
        CardState::Changed(None) => {
            // What the card showed is not known, and the new figures belong on the new card:
            // show neither, only what happened.
            body.push(status(&wording::changed_since_sent()));
            return finish(
                body,
                vec![link],
                None,
                summary_of(format!("Changed: {plain_title}")),
            );
        }
        _ => {}
    }

    if let Some(change) = &card.updated {
        body.push(subtle(&wording::updated(&escape(&cut(
            &shared::change(change),
            budget.long,
        )))));
    }
    let mut facts = vec![
        fact("Requester", &escape(&cut(requester, budget.field))),
        fact("Total", &escape(&cut(&total, budget.field))),
    ];
    if let Some(date) = r.need_by {
        facts.push(fact("Need by", &date.to_string()));
    }
    if let Some(department) = &r.department {
        facts.push(fact("Department", &escape(&cut(department, budget.field))));
    }
    if let Some((step, of)) = card.step {
        facts.push(fact("Approval step", &format!("{step} of {of}")));
    }
    body.push(json!({ "type": "FactSet", "facts": facts }));

    if let Some(justification) = r.justification.as_deref().filter(|j| !j.trim().is_empty()) {
        body.push(json!({
            "type": "TextBlock", "text": "Justification", "weight": "bolder", "wrap": true,
        }));
        body.push(text(&escape(&cut(justification, budget.long))));
    }
    if !r.lines.is_empty() {
        let mut first = true;
        for line in r.lines.iter().take(budget.lines) {
            let mut block = text(&line_text(line, budget));
            if first {
                block["separator"] = json!(true);
                first = false;
            }
            body.push(block);
        }
        let total_lines = (r.line_count.unwrap_or(0) as usize).max(r.lines.len());
        let shown = r.lines.len().min(budget.lines);
        if total_lines > shown {
            body.push(subtle(&shared::more_lines(total_lines - shown)));
        }
    }
    let submitted = r
        .submitted_at
        .map(|t| format!(" · submitted {}", date(t)))
        .unwrap_or_default();
    body.push(subtle(&format!("Requisition #{}{submitted}", r.id)));

    let (status_line, summary) = match &card.state {
        CardState::Pending => {
            let summary = wording::approval_needed(
                &plain_title,
                &cut(&total, budget.field),
                &cut(requester, budget.field),
            );
            let refresh = refresh(card, recipients);
            let actions =
                pending_actions(card, &plain_title, &total, problem, budget, &mut body, link);
            return finish(body, actions, Some(refresh), summary_of(summary));
        }
        CardState::DecidedHere {
            decision,
            by,
            at,
            reason,
        } => {
            let mut line =
                wording::decided_here(*decision, &escape(&cut(by, budget.field)), &date(*at));
            if let Some(reason) = reason.as_deref().filter(|r| !r.trim().is_empty()) {
                line.push_str("\n\n");
                line.push_str(&escape(&cut(reason, budget.long)));
            }
            (
                line,
                format!("{}: {plain_title}", capitalised(decision.past_tense())),
            )
        }
        CardState::DecidedByOther {
            decision,
            by,
            at,
            as_delegate_for,
        } => (
            wording::decided_by_someone_else(
                *decision,
                &escape(&cut(by, budget.field)),
                as_delegate_for
                    .as_deref()
                    .map(|approver| escape(&cut(approver, budget.field)))
                    .as_deref(),
                &date(*at),
            ),
            format!(
                "{} by {}: {plain_title}",
                capitalised(decision.past_tense()),
                cut(by, budget.field)
            ),
        ),
        CardState::DecidedInCoupa { decision, by, at } => (
            wording::decided_in_coupa(
                *decision,
                by.as_deref()
                    .map(|by| escape(&cut(by, budget.field)))
                    .as_deref(),
                at.map(date).as_deref(),
            ),
            format!(
                "{} in Coupa: {plain_title}",
                capitalised(decision.past_tense())
            ),
        ),
        CardState::NoLongerPending => (
            wording::no_longer_pending(),
            format!("No longer pending: {plain_title}"),
        ),
        CardState::Expired => (wording::expired(), format!("Expired: {plain_title}")),
        CardState::OnHold(hold) => (
            wording::on_hold(
                hold.by
                    .as_deref()
                    .map(|by| escape(&cut(by, budget.field)))
                    .as_deref(),
                hold.reason
                    .as_deref()
                    .map(|reason| escape(&cut(reason, budget.long)))
                    .as_deref(),
            ),
            format!("On hold: {plain_title}"),
        ),
        // Handled above.
        CardState::Changed(_) => (
            wording::changed_since_sent(),
            format!("Changed: {plain_title}"),
        ),
    };
    body.push(status(&status_line));
    finish(body, vec![link], None, summary_of(summary))
}

/// A card whose requisition changed after it was sent: what it showed, subdued (its total
/// marked as the one it was sent with when that is what changed), what changed, no buttons.
fn changed(card: &Card, change: &Change, requester: &str, budget: Budget) -> Vec<Value> {
    let r = &card.requisition;
    let total = match &change.total {
        Some((before, _)) => format!(
            "Total when sent: {}",
            escape(&cut(&money(before), budget.field))
        ),
        None => format!("Total: {}", escape(&cut(&money(&r.total), budget.field))),
    };
    let mut shown = vec![
        format!("Requester: {}", escape(&cut(requester, budget.field))),
        total,
    ];
    if let Some(date) = r.need_by {
        shown.push(format!("Need by: {date}"));
    }
    if let Some(department) = &r.department {
        shown.push(format!(
            "Department: {}",
            escape(&cut(department, budget.field))
        ));
    }
    if let Some((step, of)) = card.step {
        shown.push(format!("Approval step {step} of {of}"));
    }
    vec![
        subtle(&shown.join(" · ")),
        subtle(&format!("Requisition #{}", r.id)),
        status(&wording::changed(&escape(&cut(
            &shared::change(change),
            budget.long,
        )))),
    ]
}

/// Approve (or its confirm form), Deny's reason form and the link; with `problem`, the reason
/// form is laid out open in the body with the error in it instead of behind Deny.
fn pending_actions(
    card: &Card,
    title: &str,
    total: &str,
    problem: Option<ReasonProblem>,
    budget: Budget,
    body: &mut Vec<Value>,
    link: Value,
) -> Vec<Value> {
    let decisions = Decisions {
        approve: ActionData::of(card, APPROVE),
        deny: ActionData::of(card, DENY),
        title,
        total: &cut(total, budget.field),
        confirm: card.confirm_approve,
        reason_input: REASON_INPUT.to_owned(),
        submit_only: false,
    };
    let approve = approve_action(&decisions);
    let (form, deny) = deny_form(&decisions, problem);
    match problem {
        // Hold, after Deny, only where Coupa allows it.
        None if card.holdable() => vec![
            approve,
            deny_action(form, deny),
            hold::hold_action(card, &escape(title)),
            link,
        ],
        None => vec![approve, deny_action(form, deny), link],
        Some(_) => {
            body.push(json!({
                "type": "Container",
                "separator": true,
                "items": form,
            }));
            body.push(json!({ "type": "ActionSet", "actions": [deny] }));
            vec![approve, link]
        }
    }
}

/// What Approve and Deny act on and show: an approval's own card, or one item of a list.
struct Decisions<'a> {
    /// What Approve (or Confirm) carries.
    approve: ActionData,
    /// What Deny carries.
    deny: ActionData,
    /// The requisition's title, plain and already cut (escaped here).
    title: &'a str,
    /// Its total, written and already cut (escaped here).
    total: &'a str,
    /// Whether Approve asks for confirmation first.
    confirm: bool,
    /// The id of the deny form's reason field.
    reason_input: String,
    /// Whether the actions are plain `Action.Submit`s rather than `Action.Execute`s with an
    /// `Action.Submit` fallback (half the size, for a list: see [`list`]).
    submit_only: bool,
}

impl Decisions<'_> {
    /// The action that sends `data`.
    fn action(&self, data: &ActionData, title: &str, style: &str) -> Value {
        if self.submit_only {
            submit(data, title, style)
        } else {
            execute(data, title, style)
        }
    }
}

/// Approve, or the form behind it that says what is approved and for how much, with Confirm.
fn approve_action(decisions: &Decisions<'_>) -> Value {
    if decisions.confirm {
        json!({
            "type": "Action.ShowCard",
            "title": "Approve",
            "card": {
                "type": "AdaptiveCard",
                "body": [text(&wording::confirm_approve(&escape(decisions.title), &escape(decisions.total)))],
                "actions": [decisions.action(&decisions.approve, "Confirm", "positive")],
            },
        })
    } else {
        decisions.action(&decisions.approve, "Approve", "positive")
    }
}

/// The deny form's elements (with `problem` shown in it) and its Deny action.
fn deny_form(decisions: &Decisions<'_>, problem: Option<ReasonProblem>) -> (Vec<Value>, Value) {
    let mut form = vec![text(&wording::denying(&escape(decisions.title)))];
    if let Some(problem) = problem {
        form.push(json!({
            "type": "TextBlock", "text": escape(&problem.message()), "color": "attention", "wrap": true,
        }));
    }
    form.push(json!({
        "type": "Input.Text",
        "id": decisions.reason_input,
        "label": "Reason",
        "isMultiline": true,
        "isRequired": true,
        "maxLength": MAX_REASON_CHARS,
        "placeholder": wording::REASON_PLACEHOLDER,
        "errorMessage": shared::REASON_MISSING,
    }));
    (
        form,
        decisions.action(&decisions.deny, "Deny", "destructive"),
    )
}

/// Deny: the reason form, shown when Deny is clicked.
fn deny_action(form: Vec<Value>, deny: Value) -> Value {
    json!({
        "type": "Action.ShowCard",
        "title": "Deny",
        "card": { "type": "AdaptiveCard", "body": form, "actions": [deny] },
    })
}

/// An `Action.Execute` carrying `data` (its verb included), falling back to an `Action.Submit`
/// carrying the same data.
fn execute(data: &ActionData, title: &str, style: &str) -> Value {
    let mut action = submit(data, title, style);
    let fallback = action.clone();
    action["type"] = json!("Action.Execute");
    action["verb"] = json!(data.verb);
    action["fallback"] = fallback;
    action
}

/// An `Action.Submit` carrying `data` (its verb included): it reaches the bot as a message.
fn submit(data: &ActionData, title: &str, style: &str) -> Value {
    json!({ "type": "Action.Submit", "title": title, "style": style, "data": data.to_value() })
}

/// The refresh that makes each recipient's client ask the bot for the current card. Only a
/// waiting card carries one: a decided, expired or changed card is final, and a refresh would
/// only cost each client a call to the bot.
fn refresh(card: &Card, recipients: &[ChatUserId]) -> Value {
    let users: Vec<&str> = recipients
        .iter()
        .map(ChatUserId::as_str)
        .filter(|id| {
            !id.is_empty()
                && id.chars().count() <= MAX_USER_ID_CHARS
                && id.chars().all(|c| c.is_ascii_graphic())
        })
        .take(MAX_REFRESH_USERS)
        .collect();
    json!({
        "action": { "type": "Action.Execute", "verb": REFRESH, "data": ActionData::of(card, REFRESH).to_value() },
        "userIds": users,
    })
}

fn finish(
    body: Vec<Value>,
    actions: Vec<Value>,
    refresh: Option<Value>,
    summary: String,
) -> Rendered {
    let mut card = json!({
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": VERSION,
        "body": body,
        "actions": actions,
        "fallbackText": summary,
    });
    if let Some(refresh) = refresh {
        card["refresh"] = refresh;
    }
    Rendered { card, summary }
}

fn text(markdown: &str) -> Value {
    json!({ "type": "TextBlock", "text": markdown, "wrap": true })
}

fn subtle(markdown: &str) -> Value {
    json!({ "type": "TextBlock", "text": markdown, "wrap": true, "isSubtle": true, "size": "small" })
}

fn status(markdown: &str) -> Value {
    json!({ "type": "TextBlock", "text": markdown, "wrap": true, "separator": true })
}

fn fact(title: &str, value: &str) -> Value {
    json!({ "title": title, "value": value })
}

fn line_text(line: &Line, budget: Budget) -> String {
    let mut text = format!(
        "**{}.** {}",
        line.number,
        escape(&cut(&line.description, budget.line))
    );
    let price = match (&line.quantity, &line.unit_price, &line.total) {
        (Some(q), Some(p), _) => Some(format!("{} × {}", quantity(*q), money(p))),
        (_, _, Some(total)) => Some(money(total)),
        _ => None,
    };
    let mut details: Vec<String> = price.into_iter().collect();
    if let Some(supplier) = &line.supplier {
        details.push(supplier.clone());
    }
    if let Some(account) = &line.account {
        match (&account.name, &account.code) {
            (Some(name), Some(code)) => details.push(format!("{name} ({code})")),
            (Some(name), None) => details.push(name.clone()),
            (None, Some(code)) => details.push(code.clone()),
            (None, None) => {}
        }
    }
    if !details.is_empty() {
        text.push_str("\n\n");
        text.push_str(&escape(&cut(&details.join(" · "), budget.line)));
    }
    text
}

/// A time every reader sees in their own time zone (Adaptive Card date and time functions).
fn date(at: Timestamp) -> String {
    let iso = at.strftime("%Y-%m-%dT%H:%M:%SZ");
    format!("{{{{DATE({iso}, SHORT)}}}} at {{{{TIME({iso})}}}}")
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
