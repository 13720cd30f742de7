//! What the bot says on its cards in Microsoft Teams: the status line of a card that is no longer
//! waiting, the confirm and deny forms, and the reason form's errors. Sentences Slack says alike
//! come from [`crate::chat::wording`]. Every piece of Coupa text passed in here is already escaped
//! for Adaptive Card Markdown (see [`super::card`]); the `**` around it is ours.

use crate::domain::Decision;

/// An approval card's status once it is decided: `✅ **Approved** by Jane Doe in Teams · {date}`.
pub fn decided_here(decision: Decision, by: &str, at: &str) -> String {
    format!(
        "{} **{}** by {by} in Teams · {at}",
        icon(decision),
        past_tense(decision)
    )
}

/// An approval card's status once another approver of the same step decided it.
pub fn decided_by_other(decision: Decision, by: &str, at: &str) -> String {
    format!(
        "{} **{}** by {by} (another approver of this step) · {at}",
        icon(decision),
        past_tense(decision)
    )
}

/// An approval card's status once it was decided in Coupa itself; who and when when Coupa said.
pub fn decided_in_coupa(decision: Decision, by: Option<&str>, at: Option<&str>) -> String {
    format!(
        "{} **{} in Coupa**{}{}",
        icon(decision),
        past_tense(decision),
        by.map(|by| format!(" by {by}")).unwrap_or_default(),
        at.map(|at| format!(" · {at}")).unwrap_or_default()
    )
}

/// The status of a card whose approval is no longer waiting for this person.
pub const NO_LONGER_PENDING: &str =
    "ℹ️ **No longer waiting for your approval.** See Coupa for where it stands.";

/// The status of a card whose buttons expired.
pub const EXPIRED: &str =
    "⌛ **These buttons expired.** Open the requisition in Coupa to decide it.";

/// The status of a card whose requisition changed, when what it showed is not known.
pub const CHANGED: &str =
    "✏️ **This requisition changed after this card was sent.** See the new card below.";

/// The status of a card whose requisition changed, saying what changed.
pub fn changed(what: &str) -> String {
    format!("✏️ **Changed in Coupa:** {what}. See the new card below.")
}

/// The line on a card that replaces an earlier one, saying what changed.
pub fn updated(what: &str) -> String {
    format!("✏️ Updated: {what}")
}

/// What the confirm form says before a large approval: `You are approving **Title** for **USD
/// 51,800.00**.`
pub fn confirm_approve(title: &str, total: &str) -> String {
    format!("You are approving **{title}** for **{total}**.")
}

/// What the deny form says above the reason field.
pub fn denying(title: &str) -> String {
    format!("Denying **{title}**.")
}

/// The reason field's hint.
pub const REASON_PLACEHOLDER: &str = "Why are you denying it? The requester sees this in Coupa.";

/// "+3 more lines in Coupa".
pub fn more_lines(count: usize) -> String {
    format!(
        "+{count} more line{} in Coupa",
        if count == 1 { "" } else { "s" }
    )
}

/// What a Teams notification says for a card, before anyone opens it (plain text).
pub fn approval_needed(title: &str, total: &str, requester: &str) -> String {
    format!("Approval needed: {title} — {total} from {requester}")
}

fn icon(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "✅",
        Decision::Reject => "❌",
    }
}

fn past_tense(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "Approved",
        Decision::Reject => "Rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decided_status_says_what_who_where_and_when() {
        assert_eq!(
            decided_here(Decision::Reject, "Jane Doe", "today"),
            "❌ **Rejected** by Jane Doe in Teams · today"
        );
        assert_eq!(
            decided_in_coupa(Decision::Approve, None, None),
            "✅ **Approved in Coupa**"
        );
        assert_eq!(more_lines(1), "+1 more line in Coupa");
        assert_eq!(more_lines(3), "+3 more lines in Coupa");
    }
}
