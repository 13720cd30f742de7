//! What the bot says in Microsoft Teams: the status line of a card that is no longer waiting, the
//! confirm, deny and hold forms, the status of a card on hold, the reason form's errors, the "what's pending" list, why a list cannot
//! be shown, and help. Sentences Slack says alike come from [`crate::chat::wording`]. Every piece
//! of Coupa text passed to a function returning Markdown is already escaped for Adaptive Card
//! Markdown (see [`super::card`]); the `**` around it is ours. The notices (the constants and
//! [`no_coupa_user`]) are plain text, escaped where a card shows them.

use crate::chat::replies::{self, Voice};
use crate::chat::wording as shared;
pub use crate::chat::wording::{HISTORY_EMPTY, HISTORY_UNAVAILABLE, history_summary};
pub use crate::chat::wording::{REMINDERS_STARTED, REMINDERS_STOPPED, REMINDERS_UNCHANGED};
use crate::domain::Decision;
use crate::domain::outcome::{DecisionResult, Regarding};

/// An approval card's status once it is decided: `✅ **Approved** by Jane Doe in Teams · {date}`.
pub fn decided_here(decision: Decision, by: &str, at: &str) -> String {
    format!(
        "{} **{}** by {by} in Teams · {at}",
        icon(decision),
        past_tense(decision)
    )
}

/// An approval card's status once someone else decided it: another approver of the same step,
/// or the delegate of the approver named in `as_delegate_for` (escaped, like `by`).
pub fn decided_by_someone_else(
    decision: Decision,
    by: &str,
    as_delegate_for: Option<&str>,
    at: &str,
) -> String {
    format!(
        "{} **{}** by {by} ({}) · {at}",
        icon(decision),
        past_tense(decision),
        shared::decided_by_whom(as_delegate_for)
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

/// What the hold form says above the reason field.
pub fn holding(title: &str) -> String {
    format!("Putting **{title}** on hold. It can be decided again once it is released in Coupa.")
}

/// The hold reason field's hint.
pub const HOLD_PLACEHOLDER: &str =
    "Why are you putting it on hold? The requester sees this in Coupa.";

/// The status of a card whose approval is on hold: `⏸️ **On hold** by Jane Doe: reason`, then
/// what happens next. `by` and `reason` are escaped by the caller.
pub fn on_hold(by: Option<&str>, reason: Option<&str>) -> String {
    format!(
        "⏸️ {}\n\n{}",
        shared::on_hold(by, reason, strong),
        shared::ON_HOLD_NEXT
    )
}

/// What a Teams notification says for a card, before anyone opens it (plain text).
pub fn approval_needed(title: &str, total: &str, requester: &str) -> String {
    format!("Approval needed: {title} — {total} from {requester}")
}

/// The heading of the "what's pending" list.
pub fn list_heading(count: usize) -> String {
    match count {
        0 => "Nothing is waiting for your approval. 🎉".to_owned(),
        1 => "**1 requisition** is waiting for your approval:".to_owned(),
        n => format!("**{n} requisitions** are waiting for your approval, oldest first:"),
    }
}

/// What a notification says for the "what's pending" list (plain text).
pub fn list_summary(count: usize) -> String {
    match count {
        0 => "Nothing is waiting for your approval.".to_owned(),
        1 => "1 requisition is waiting for your approval".to_owned(),
        n => format!("{n} requisitions are waiting for your approval"),
    }
}

/// The warning above a list read earlier, while Coupa cannot be reached: how old it is
/// (`12 minutes ago`) and when it was read (a date every reader sees in their time zone).
pub fn stale_list(age: &str, at: &str) -> String {
    format!(
        "⚠️ Coupa can't be reached right now. This list was read {age} ({at}), so you can't approve or deny from it; ask again later for the current one."
    )
}

/// One item of the list under its title: `USD 7,420.50 · from Jane Doe · submitted 3 days ago ·
/// #4812` (the requester and age when known).
pub fn list_item(total: &str, requester: Option<&str>, age: Option<&str>, id: &str) -> String {
    let mut parts = vec![total.to_owned()];
    parts.extend(requester.map(|r| format!("from {r}")));
    parts.extend(age.map(|a| format!("submitted {a}")));
    parts.push(format!("#{id}"));
    parts.join(" · ")
}

/// The line under a list that shows only some of what is waiting.
pub fn more_in_coupa(count: usize) -> String {
    format!("…and {count} more in Coupa.")
}

/// The link under a list that shows only some of what is waiting.
pub const SEE_ALL_IN_COUPA: &str = "See them all in Coupa";

/// The heading of a person's history of decisions.
pub fn history_heading(count: usize) -> String {
    shared::history_heading(count, strong)
}

/// One decision of a history under its title: `USD 1,950.00 · <when> · Approved in Coupa` (the
/// total when known).
pub fn history_item(total: Option<&str>, when: &str, outcome: &str) -> String {
    let mut parts: Vec<String> = total.map(str::to_owned).into_iter().collect();
    parts.push(when.to_owned());
    parts.push(crate::chat::wording::history_outcome(outcome));
    parts.join(" · ")
}

/// The reason given for a decision of a history.
pub fn history_reason(reason: &str) -> String {
    format!("Reason: {reason}")
}

/// "What's pending" when Coupa cannot be reached and no earlier list is known.
pub const PENDING_UNAVAILABLE: &str = "Coupa can't be reached right now and I have no earlier list for you. Please try again in a minute.";

/// "What's pending" when too many lists are being read from Coupa at once.
pub const PENDING_BUSY: &str =
    "Coupa is busy right now, so I couldn't read your list. Please ask again in a moment.";

/// "What's pending" when Teams gives no email address for the asker.
pub const NO_EMAIL: &str = "Teams shows me no email address for you, so I can't find you in Coupa. Ask your Microsoft 365 admin to check the email on your account.";

/// "What's pending" when no Coupa user has the asker's email.
pub fn no_coupa_user(email: &str) -> String {
    format!(
        "No Coupa user has the email {email}. Ask your Coupa admin to use the same email in Coupa as in Teams."
    )
}

/// The help card's heading.
pub const HELP_TITLE: &str = "Coupa approvals in Teams";

/// The help card: what the bot does, what to ask, where its cards come from (Markdown, one
/// paragraph each).
pub const HELP: &[&str] = &[
    "I bring your Coupa approvals to Teams. When a requisition waits for your approval, I send you a card in this chat: approve, deny or put it on hold right there, and Coupa records the decision with your name.",
    "• **what's pending**: list everything waiting for you, oldest first; select several there to approve them together",
    "• **what did I approve this week?**: your own decisions of the last 7 days, newest first",
    "• **stop reminders** / **start reminders**: the daily reminder of what has waited a while (on unless you stop it)",
    "• **help**: this message",
    "The cards come from Coupa, which I check regularly. When an approval is decided anywhere else (in Coupa, by email, by another approver), its card changes to say so.",
];

/// How Teams speaks in the replies every platform words alike: as plain text, which shows
/// Coupa's words as typed.
const VOICE: Voice = Voice {
    platform: "Teams",
    escape: str::to_owned,
};

/// What to tell the person who clicked about `result`, naming the requisition it is `regarding`
/// (plain text).
pub fn decision(regarding: &Regarding, result: &DecisionResult) -> String {
    replies::decision(&VOICE, regarding, result)
}

/// A card's status while its decision is under way (the answer to a click that takes longer than
/// Teams waits).
pub const DECIDING: &str = "⏳ Deciding… This card updates when Coupa answers.";

/// The answer to a decided click when the card itself is not at hand.
pub const DECIDED: &str = "Done. The card shows the decision.";

/// The answer to a refresh when the bot holds nothing newer than the card shown.
pub const CARD_IS_CURRENT: &str = "This card is up to date.";

/// The answer to a click whose decision stopped unexpectedly.
pub const DECISION_STOPPED: &str =
    "Something went wrong while deciding. Check the requisition in Coupa before trying again.";

/// The answer to a click from another organisation's Teams.
pub const NOT_THIS_TENANT: &str =
    "This bot serves another organisation, so it can't do anything here.";

/// Adaptive Card Markdown's bold, for the shared wording's emphasis.
fn strong(text: &str) -> String {
    format!("**{text}**")
}

fn icon(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "✅",
        Decision::Reject => "❌",
        Decision::Hold => "⏸️",
    }
}

fn past_tense(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "Approved",
        Decision::Reject => "Rejected",
        Decision::Hold => "Put on hold",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_counts_in_the_singular_and_plural() {
        assert_eq!(list_heading(0), "Nothing is waiting for your approval. 🎉");
        assert_eq!(
            list_heading(1),
            "**1 requisition** is waiting for your approval:"
        );
        assert_eq!(
            list_heading(3),
            "**3 requisitions** are waiting for your approval, oldest first:"
        );
        assert_eq!(
            list_summary(1),
            "1 requisition is waiting for your approval"
        );
        assert_eq!(
            list_item("USD 5.00", None, Some("just now"), "7"),
            "USD 5.00 · submitted just now · #7"
        );
    }

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
