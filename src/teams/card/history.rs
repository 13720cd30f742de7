//! The answer to "what did I approve this week" as an Adaptive Card: a heading that counts the
//! asker's decisions, then each one newest first (its title, total, when, what came of it, whom
//! the asker stood in for as a delegate, and the reason given), from the engine's audit entries; long titles and reasons are cut shorter
//! until the card fits Teams' size limit. An empty history is a notice saying so. Pure.

use serde_json::{Value, json};

use crate::chat::format::money;
use crate::chat::wording as shared;
use crate::domain::records::AuditEntry;

use super::markdown::cut;
use super::notice::notice;
use super::{MAX_CARD_BYTES, Rendered, date, escape, finish, size, subtle, wording};

/// The longest title and reason shown, tried in turn until the card fits Teams' size limit
/// (twenty decisions at the last fit whatever their words).
const CUTS: [(usize, usize); 3] = [(150, 300), (80, 120), (40, 40)];

/// The card listing `entries`, the asker's own decisions, newest first.
pub fn history(entries: &[AuditEntry]) -> Rendered {
    if entries.is_empty() {
        return notice(wording::HISTORY_EMPTY);
    }
    let mut rendered = render(entries, CUTS[0]);
    for cut in &CUTS[1..] {
        if size(&rendered.card) <= MAX_CARD_BYTES {
            break;
        }
        rendered = render(entries, *cut);
    }
    rendered
}

fn render(entries: &[AuditEntry], (title_chars, reason_chars): (usize, usize)) -> Rendered {
    let mut body = vec![json!({
        "type": "TextBlock", "text": wording::history_heading(entries.len()), "wrap": true,
        "size": "medium",
    })];
    body.extend(
        entries
            .iter()
            .map(|entry| entry_block(entry, title_chars, reason_chars)),
    );
    finish(
        body,
        Vec::new(),
        None,
        wording::history_summary(entries.len()),
    )
}

/// One decision: its title in bold, then what, when and what came of it, then the reason.
fn entry_block(entry: &AuditEntry, title_chars: usize, reason_chars: usize) -> Value {
    let title = match (entry.title.as_deref(), entry.requisition) {
        (Some(title), Some(id)) if !title.trim().is_empty() => {
            format!("{} · #{id}", escape(&cut(title, title_chars)))
        }
        (_, Some(id)) => format!("Requisition #{id}"),
        (_, None) => format!("Approval #{}", entry.approval),
    };
    let total = entry.total.as_ref().map(money);
    let mut items = vec![
        json!({ "type": "TextBlock", "text": format!("**{title}**"), "wrap": true }),
        subtle(&escape(&wording::history_item(
            total.as_deref(),
            &date(entry.at),
            &entry.outcome,
        ))),
    ];
    if let Some(approver) = entry.delegate_for.as_deref() {
        items.push(subtle(&shared::as_delegate_for(
            &escape(&cut(approver, title_chars)),
            |name| format!("**{name}**"),
        )));
    }
    if let Some(reason) = entry.comment.as_deref().filter(|r| !r.trim().is_empty()) {
        items.push(subtle(&wording::history_reason(&escape(&cut(
            reason,
            reason_chars,
        )))));
    }
    json!({ "type": "Container", "separator": true, "items": items })
}
