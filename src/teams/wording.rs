//! What the bot says on its cards in Microsoft Teams: the status line of a card that is no longer
//! waiting, the confirm and deny forms, and the reason form's errors. Sentences Slack says alike
//! come from [`crate::chat::wording`]. Every piece of Coupa text passed in here is already escaped
//! for Adaptive Card Markdown (see [`super::card`]); the `**` around it is ours.

use crate::chat::wording as shared;
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
pub fn no_longer_pending() -> String {
    format!("ℹ️ {}", shared::no_longer_pending(strong))
}

/// The status of a card whose buttons expired.
pub fn expired() -> String {
    format!("⌛ {}", shared::expired(strong))
}

/// The status of a card whose requisition changed, when what it showed is not known.
pub fn changed_since_sent() -> String {
    format!("✏️ {}", shared::changed_since_sent(strong))
}

/// The status of a card whose requisition changed, saying what changed.
pub fn changed(what: &str) -> String {
    format!("✏️ {}", shared::changed_in_coupa(what, strong))
}

/// The line on a card that replaces an earlier one, saying what changed.
pub fn updated(what: &str) -> String {
    format!("✏️ Updated: {what}")
}

/// What the confirm form says before a large approval: `You are approving **Title** for **USD
/// 51,800.00**.`
pub fn confirm_approve(title: &str, total: &str) -> String {
    shared::confirm_approve(title, total, strong)
}

/// What the deny form says above the reason field.
pub fn denying(title: &str) -> String {
    format!("Denying **{title}**.")
}

/// The reason field's hint.
pub const REASON_PLACEHOLDER: &str = "Why are you denying it? The requester sees this in Coupa.";

/// What a Teams notification says for a card, before anyone opens it (plain text).
pub fn approval_needed(title: &str, total: &str, requester: &str) -> String {
    format!("Approval needed: {title} — {total} from {requester}")
}

/// Adaptive Card Markdown's bold, for the shared wording's emphasis.
fn strong(text: &str) -> String {
    format!("**{text}**")
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
        assert_eq!(
            changed("title changed"),
            "✏️ **Changed in Coupa:** title changed. See the new card below."
        );
    }
}
