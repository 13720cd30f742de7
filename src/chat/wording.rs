//! Words every chat platform says alike: the status of a card no longer waiting, the confirmation
//! of a large approval, what changed in a requisition, why a deny or hold reason is refused,
//! what came of each decision in a person's history, what a card on hold says, and approving several at once. Each
//! adapter escapes what it passes in, marks emphasis its own way (the `strong` argument) and lays
//! the words out. Pure.

use crate::domain::MAX_REASON_CHARS;
use crate::domain::change::Change;

use super::format::money;

/// What came of a decision in a person's history, from the audit log's `outcome` (see
/// [`crate::domain::outcome`]): `Approved in Coupa`, `Not sent to Coupa: the buttons had expired`, ….
/// An outcome this release does not know is shown as recorded.
pub fn history_outcome(outcome: &str) -> String {
    match outcome {
        "approved" | "confirmed: approved" => return "Approved in Coupa".to_owned(),
        "rejected" | "confirmed: rejected" => return "Rejected in Coupa".to_owned(),
        "held" | "confirmed: held" => return "Put on hold in Coupa".to_owned(),
        _ => {}
    }
    if let Some(label) = outcome.strip_prefix("refused: ") {
        let why = match label {
            "expired" => "the buttons had expired",
            "not_recipient" => "the card was someone else's",
            "reason_required" => "no reason was given",
            "already_decided" => "it was already decided",
            "in_progress" => "it was being decided",
            "not_pending" => "it was no longer pending",
            "not_approver" => "you were not its approver",
            "unknown_user" => "you were not found in Coupa",
            "changed" => "it had changed in Coupa",
            "on_hold" => "it was on hold",
            "not_holdable" => "Coupa does not allow it to be put on hold",
            "above_bulk_limit" => "it needed its own confirmation",
            other => other,
        };
        return format!("Not sent to Coupa: {why}");
    }
    if let Some(cause) = outcome.strip_prefix("failed: ") {
        return format!("Nothing was decided: {cause}");
    }
    if let Some(why) = outcome.strip_prefix("not applied: ") {
        return format!("Not applied: {why}");
    }
    outcome.to_owned()
}
/// The heading of a person's history of decisions, the count marked with `strong`.
pub fn history_heading(count: usize, strong: impl Fn(&str) -> String) -> String {
    match count {
        1 => format!(
            "{} you made through me in the last 7 days:",
            strong("1 decision")
        ),
        n => format!(
            "{} you made through me in the last 7 days, newest first:",
            strong(&format!("{n} decisions"))
        ),
    }
}

/// What a notification says for a person's history (plain text).
pub fn history_summary(count: usize) -> String {
    match count {
        0 => HISTORY_EMPTY.to_owned(),
        1 => "1 decision in the last 7 days".to_owned(),
        n => format!("{n} decisions in the last 7 days"),
    }
}

/// A history with nothing in it.
pub const HISTORY_EMPTY: &str = "You haven't decided anything through me in the last 7 days.";

/// A history that cannot be read now.
pub const HISTORY_UNAVAILABLE: &str =
    "I can't read your history right now. Please try again in a minute.";

/// The label of the button that approves what is selected on a list.
pub const APPROVE_SELECTED: &str = "Approve selected";

/// The label of the selection on a list.
pub const SELECT_SEVERAL: &str = "Select requisitions to approve together:";

/// Approve selected, pressed with nothing selected.
pub const NOTHING_SELECTED: &str =
    "Nothing is selected. Tick the requisitions you want to approve, then press Approve selected.";

/// A selection the bot cannot read (not one of its lists'), or one larger than a list.
pub fn selection_unreadable(max: usize) -> String {
    format!(
        "I couldn't read that selection. Ask me \"what's pending\" for a fresh list and select up to {max} requisitions there."
    )
}

/// `1 requisition`, `3 requisitions`.
pub fn requisitions(count: usize) -> String {
    match count {
        1 => "1 requisition".to_owned(),
        n => format!("{n} requisitions"),
    }
}

/// The confirmation of a selection: `Approve 3 requisitions, USD 4,250.00 in total?` (`sum` is
/// [`super::selection::sum`]), the count and sum marked with `strong`.
pub fn approve_several(count: usize, sum: &str, strong: impl Fn(&str) -> String) -> String {
    format!(
        "Approve {}, {} in total?",
        strong(&requisitions(count)),
        strong(sum)
    )
}

/// What the confirmation adds: each is still checked on its own.
pub const APPROVE_SEVERAL_NOTE: &str = "Each is checked in Coupa on its own before it is approved; any that changed, was decided meanwhile or needs its own confirmation is left as it is.";

/// Why some items of a list cannot be selected.
pub fn not_selectable(count: usize, limit: &str) -> String {
    match count {
        1 => format!(
            "1 requisition above {limit} needs its own confirmation, so it can't be selected."
        ),
        n => format!(
            "{n} requisitions above {limit} need their own confirmation, so they can't be selected."
        ),
    }
}

/// The heading of what came of a selection, the count marked with `strong`.
pub fn several_heading(approved: usize, count: usize, strong: impl Fn(&str) -> String) -> String {
    if approved == count {
        format!("Approved {} in Coupa:", strong(&requisitions(count)))
    } else {
        format!(
            "Approved {} of {} in Coupa; the others were left as they are:",
            strong(&approved.to_string()),
            requisitions(count)
        )
    }
}

/// What a notification says of a selection's outcome (plain text).
pub fn several_summary(approved: usize, count: usize) -> String {
    format!("Approved {approved} of {}", requisitions(count))
}

/// A card's status once its approval no longer waits for the recipient.
pub fn no_longer_pending(strong: impl Fn(&str) -> String) -> String {
    format!(
        "{} See Coupa for where it stands.",
        strong("No longer waiting for your approval.")
    )
}

/// A card's status while its approval is on hold: `On hold by Jane Doe: waiting for the second
/// quote`, with `by` and `reason` (escaped by the caller) when known.
pub fn on_hold(by: Option<&str>, reason: Option<&str>, strong: impl Fn(&str) -> String) -> String {
    let mut status = strong("On hold");
    if let Some(by) = by.filter(|b| !b.trim().is_empty()) {
        status.push_str(" by ");
        status.push_str(by);
    }
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        status.push_str(": ");
        status.push_str(reason);
    }
    status
}

/// What follows a card's hold status: what happens next.
pub const ON_HOLD_NEXT: &str = "Nothing can be decided while it is on hold; its buttons come back here once it is released in Coupa.";

/// A card's status once its buttons expired.
pub fn expired(strong: impl Fn(&str) -> String) -> String {
    format!(
        "{} Open the requisition in Coupa to decide it.",
        strong("These buttons expired.")
    )
}

/// A card's status once its requisition changed, when what the card showed is not known.
pub fn changed_since_sent(strong: impl Fn(&str) -> String) -> String {
    format!(
        "{} See the new card below.",
        strong("This requisition changed after this card was sent.")
    )
}

/// A card's status once its requisition changed, saying `what` changed (see [`change`]).
pub fn changed_in_coupa(what: &str, strong: impl Fn(&str) -> String) -> String {
    format!(
        "{} {what}. See the new card below.",
        strong("Changed in Coupa:")
    )
}

/// What Approve asks before approving a large total: `You are approving Title for USD 51,800.00.`
pub fn confirm_approve(title: &str, total: &str, strong: impl Fn(&str) -> String) -> String {
    format!("You are approving {} for {}.", strong(title), strong(total))
}

/// The lines a card does not show: `+3 more lines in Coupa`.
pub fn more_lines(count: usize) -> String {
    format!(
        "+{count} more line{} in Coupa",
        if count == 1 { "" } else { "s" }
    )
}

/// What changed in a requisition, in a few words: `title changed; total USD 1,950.00 → USD
/// 2,400.00; need-by date 2026-12-20 → 2027-01-05; line 2 changed; justification changed`.
pub fn change(change: &Change) -> String {
    fn lines(numbers: &[u32], what: &str) -> Option<String> {
        let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
        match list.len() {
            0 => None,
            1 => Some(format!("line {} {what}", list[0])),
            _ => Some(format!("lines {} {what}", list.join(", "))),
        }
    }
    let mut parts = Vec::new();
    if change.title {
        parts.push("title changed".to_owned());
    }
    if let Some((before, after)) = &change.total {
        parts.push(format!("total {} → {}", money(before), money(after)));
    }
    if change.requester {
        parts.push("requester changed".to_owned());
    }
    if let Some((before, after)) = &change.need_by {
        let date = |d: &Option<jiff::civil::Date>| d.map_or("none".to_owned(), |d| d.to_string());
        parts.push(format!("need-by date {} → {}", date(before), date(after)));
    }
    if change.department {
        parts.push("department changed".to_owned());
    }
    parts.extend(lines(&change.lines_changed, "changed"));
    parts.extend(lines(&change.lines_added, "added"));
    parts.extend(lines(&change.lines_removed, "removed"));
    if change.justification {
        parts.push("justification changed".to_owned());
    }
    if parts.is_empty() {
        return "details changed".to_owned();
    }
    parts.join("; ")
}

/// The error shown on a deny reason form when no reason was given.
pub const REASON_MISSING: &str = "Please give a reason; the requester sees it in Coupa.";

/// The error shown on a deny reason form when the reason is longer than [`MAX_REASON_CHARS`].
pub fn reason_too_long() -> String {
    format!("Please keep the reason under {MAX_REASON_CHARS} characters.")
}

/// The heading above a list sent unasked, saying what it is for, marked with `strong`.
pub fn list_purpose(
    purpose: crate::chat::list::ListPurpose,
    strong: impl Fn(&str) -> String,
) -> String {
    match purpose {
        crate::chat::list::ListPurpose::Reminder => format!(
            "{} these are still waiting for your approval. Say \"stop reminders\" to stop them.",
            strong("Reminder:")
        ),
    }
}

/// The heading of a digest (several new approvals in one message): how many of its `count`
/// requisitions still wait for the recipient (`waiting`), marked with `strong`.
pub fn digest_heading(waiting: usize, count: usize, strong: impl Fn(&str) -> String) -> String {
    match (waiting, count) {
        (1, 1) => format!("{} is waiting for your approval:", strong("1 requisition")),
        (_, 1) => "This requisition no longer waits for your approval.".to_owned(),
        (w, n) if w == n => format!(
            "{} arrived for your approval at once, oldest first:",
            strong(&format!("{n} requisitions"))
        ),
        (0, n) => format!("None of these {n} requisitions waits for your approval any more."),
        (w, n) => format!(
            "{} of these {n} requisitions still {} for your approval:",
            strong(&w.to_string()),
            if w == 1 { "waits" } else { "wait" }
        ),
    }
}

/// What a notification says for a list sent unasked (plain text).
pub fn list_purpose_summary(purpose: crate::chat::list::ListPurpose, count: usize) -> String {
    match purpose {
        crate::chat::list::ListPurpose::Reminder => match count {
            1 => "Reminder: 1 requisition is waiting for your approval".to_owned(),
            n => format!("Reminder: {n} requisitions are waiting for your approval"),
        },
    }
}

/// The answer to "stop reminders".
pub const REMINDERS_STOPPED: &str = "OK, no more reminders. Your cards still come as before; say \"start reminders\" to get reminders again.";

/// The answer to "start reminders".
pub const REMINDERS_STARTED: &str = "Reminders are on: once a day at most, in your working hours, I'll list what has been waiting for your approval for a while. Say \"stop reminders\" to stop them.";

/// When the choice about reminders could not be saved.
pub const REMINDERS_UNCHANGED: &str =
    "I couldn't save that just now. Please try again in a minute.";

/// The line on a card sent to a delegate: whom they decide for.
pub fn as_delegate_for(approver: &str, strong: impl Fn(&str) -> String) -> String {
    format!("As delegate for {}", strong(approver))
}

/// Who decided a card's approval, besides its recipient, in the words after their name: another
/// approver of the step, or the delegate of the approver named (already escaped by the caller).
pub fn decided_by_whom(as_delegate_for: Option<&str>) -> String {
    match as_delegate_for {
        None => "another approver of this step".to_owned(),
        Some(approver) => format!("as delegate for {approver}"),
    }
}

/// What a notification says for a digest of `count` requisitions (plain text).
pub fn digest_summary(count: usize) -> String {
    match count {
        1 => "1 requisition is waiting for your approval".to_owned(),
        n => format!("{n} requisitions are waiting for your approval"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_outcomes_read_as_sentences() {
        assert_eq!(history_outcome("approved"), "Approved in Coupa");
        assert_eq!(history_outcome("confirmed: rejected"), "Rejected in Coupa");
        assert_eq!(
            history_outcome("refused: expired"),
            "Not sent to Coupa: the buttons had expired"
        );
        assert_eq!(
            history_outcome("failed: Coupa is busy or unreachable"),
            "Nothing was decided: Coupa is busy or unreachable"
        );
        assert_eq!(history_outcome("held"), "Put on hold in Coupa");
        assert_eq!(
            history_outcome("refused: not_holdable"),
            "Not sent to Coupa: Coupa does not allow it to be put on hold"
        );
        assert_eq!(history_outcome("something new"), "something new");
    }

    #[test]
    fn a_change_names_the_title_total_header_details_lines_and_justification() {
        let usd = |cents| crate::domain::Money::new(rust_decimal::Decimal::new(cents, 2), "USD");
        let all = Change {
            total: Some((usd(195_000), usd(240_000))),
            lines_changed: vec![2, 3],
            lines_added: vec![4],
            lines_removed: vec![],
            justification: true,
            ..Change::default()
        };
        assert_eq!(
            change(&all),
            "total USD 1,950.00 → USD 2,400.00; lines 2, 3 changed; line 4 added; justification changed"
        );
        let header = Change {
            title: true,
            requester: true,
            need_by: Some((
                Some(jiff::civil::Date::constant(2026, 12, 20)),
                Some(jiff::civil::Date::constant(2027, 1, 5)),
            )),
            department: true,
            ..Change::default()
        };
        assert_eq!(
            change(&header),
            "title changed; requester changed; need-by date 2026-12-20 → 2027-01-05; department changed"
        );
        assert_eq!(change(&Change::default()), "details changed");
    }

    #[test]
    fn lines_not_shown_are_counted_in_the_singular_and_plural() {
        assert_eq!(more_lines(1), "+1 more line in Coupa");
        assert_eq!(more_lines(7), "+7 more lines in Coupa");
    }

    #[test]
    fn each_platform_marks_the_emphasis_in_shared_sentences_its_own_way() {
        let stars = |s: &str| format!("*{s}*");
        assert_eq!(
            confirm_approve("Desks", "USD 51,800.00", stars),
            "You are approving *Desks* for *USD 51,800.00*."
        );
        assert_eq!(
            on_hold(Some("Jane Doe"), Some("waiting for the quote"), stars),
            "*On hold* by Jane Doe: waiting for the quote"
        );
        assert_eq!(on_hold(None, Some(" "), stars), "*On hold*");
        assert_eq!(
            expired(|s: &str| format!("**{s}**")),
            "**These buttons expired.** Open the requisition in Coupa to decide it."
        );
    }

    #[test]
    fn a_digest_heading_counts_what_still_waits() {
        let stars = |s: &str| format!("*{s}*");
        assert_eq!(
            digest_heading(6, 6, stars),
            "*6 requisitions* arrived for your approval at once, oldest first:"
        );
        assert_eq!(
            digest_heading(5, 6, stars),
            "*5* of these 6 requisitions still wait for your approval:"
        );
        assert_eq!(
            digest_heading(1, 6, stars),
            "*1* of these 6 requisitions still waits for your approval:"
        );
        assert_eq!(
            digest_heading(0, 6, stars),
            "None of these 6 requisitions waits for your approval any more."
        );
        assert_eq!(
            digest_summary(6),
            "6 requisitions are waiting for your approval"
        );
    }
}
