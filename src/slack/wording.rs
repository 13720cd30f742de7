//! What the bot says to people in Slack, in one place: what came of a decision, why a pending
//! list cannot be shown, a person's history of decisions, help, and the deny modal's errors (the words every platform shares come
//! from [`crate::chat::wording`]). The engine reports typed outcomes;
//! here they become sentences. Cards, lists and modals lay these out in [`super::blocks`].

use crate::chat::replies::{self, Voice};
use crate::chat::wording as shared;
use crate::domain::outcome::{DecisionResult, Refusal, Regarding};

use super::format::escape;

/// How Slack speaks in the replies every platform words alike.
const VOICE: Voice = Voice {
    platform: "Slack",
    escape,
};

/// What to tell the person who clicked about `result`, naming the requisition it is `regarding`
/// so that several answers in a row can be told apart.
pub fn decision(regarding: &Regarding, result: &DecisionResult) -> String {
    replies::decision(&VOICE, regarding, result)
}

/// How a reply names a requisition: `#125 External penetration test`, or `Requisition #125`
/// when its title is unknown or empty.
pub fn requisition(regarding: &Regarding) -> String {
    replies::requisition(&VOICE, regarding)
}

/// The short explanation of a refusal.
pub fn refusal(refusal: &Refusal) -> String {
    replies::refusal(&VOICE, refusal)
}

/// "What's pending" when Coupa cannot be reached and no earlier list is known.
pub const PENDING_UNAVAILABLE: &str = "Coupa can't be reached right now and I have no earlier list for you. Please try again in a minute.";

/// "What's pending" when too many lists are being read from Coupa at once.
pub const PENDING_BUSY: &str =
    "Coupa is busy right now, so I couldn't read your list. Please ask again in a moment.";

/// "What's pending" when the asker's Slack profile has no email.
pub const NO_EMAIL: &str = "Your Slack profile has no email address, so I can't find you in Coupa.";

/// "What's pending" when no Coupa user has the asker's email.
pub fn no_coupa_user(email: &str) -> String {
    format!(
        "No Coupa user has the email {}. Ask your Coupa admin to use the same email in Coupa as in Slack.",
        escape(email)
    )
}

/// The heading of a person's history of decisions.
pub fn history_heading(count: usize) -> String {
    shared::history_heading(count, |text| format!("*{text}*"))
}

/// One decision of a history: what (`title`, escaped by the caller, and `total`), when, what came
/// of it, and the reason given, if any.
pub fn history_item(
    title: &str,
    total: Option<&str>,
    when: &str,
    outcome: &str,
    reason: Option<&str>,
) -> String {
    let mut details: Vec<String> = total.map(str::to_owned).into_iter().collect();
    details.push(when.to_owned());
    details.push(escape(&crate::chat::wording::history_outcome(outcome)));
    let mut text = format!("*{title}*\n{}", details.join(" · "));
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        text.push_str(&format!("\nReason: {}", escape(reason)));
    }
    text
}

/// The answer to a slash command from a workspace (or app) this bot does not serve.
pub const NOT_THIS_WORKSPACE: &str =
    "This bot serves another Slack workspace, so it can't do anything here.";

/// The answer to a slash command while the bot cannot check which workspace it serves.
pub const WORKSPACE_UNCHECKED: &str =
    "I can't check this request with Slack right now. Please try again in a minute.";

/// The immediate answer to `/approvals` while the list is read from Coupa.
pub const LOOKING_UP: &str = "Looking up your approvals in Coupa…";

/// The help text for an unknown or help request.
pub const HELP: &str = "I bring your Coupa approvals to Slack. Approve, deny or put on hold right on the cards I send you.\n\
     • *what's pending* — list what is waiting for you (also `/approvals`); tick several there to approve them together\n\
     • *what did I approve this week?* — your own decisions of the last 7 days (also `/approvals history`)\n\
     • *stop reminders* / *start reminders* — the daily reminder of what has waited a while (on unless you stop it)\n\
     • *help* — this message";

/// App Home, while reminders are on.
pub const HOME_REMINDERS_ON: &str = "*Reminders are on.* Once a day at most, in your working hours, I list what has been waiting for your approval for a while.";

/// App Home, while reminders are off.
pub const HOME_REMINDERS_OFF: &str =
    "*Reminders are off.* Your cards still come as before; nothing reminds you of them.";

/// How the deny modal names a requisition whose card had no title.
pub const UNNAMED_REQUISITION: &str = "this requisition";

pub use crate::chat::wording::{
    HISTORY_EMPTY, HISTORY_UNAVAILABLE, REASON_MISSING, change, history_summary, reason_too_long,
};
pub use crate::chat::wording::{REMINDERS_STARTED, REMINDERS_STOPPED, REMINDERS_UNCHANGED};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Decision;
    use crate::domain::outcome::FailureCause;

    #[test]
    fn every_refusal_explains_itself() {
        for refusal in [
            Refusal::Expired,
            Refusal::NotRecipient,
            Refusal::ReasonRequired,
            Refusal::InProgress,
            Refusal::NoLongerPending,
            Refusal::NotApprover,
            Refusal::UnknownUser,
            Refusal::Changed,
        ] {
            assert!(super::refusal(&refusal).len() > 20, "{refusal:?}");
        }
    }

    fn regarding(title: Option<&str>) -> Regarding {
        Regarding {
            requisition: crate::domain::RequisitionId(125),
            title: title.map(str::to_owned),
        }
    }

    #[test]
    fn a_failure_names_its_cause_and_says_try_again() {
        let pentest = regarding(Some("External penetration test"));
        assert_eq!(
            decision(
                &pentest,
                &DecisionResult::Failed(FailureCause::ChatUnreachable)
            ),
            "#125 External penetration test: Nothing was decided (Slack could not be reached); please try again in a minute."
        );
        assert_eq!(
            decision(
                &pentest,
                &DecisionResult::Failed(FailureCause::StoreUnavailable)
            ),
            "#125 External penetration test: Nothing was decided (the bot's state store is unavailable); please try again in a minute."
        );
    }

    #[test]
    fn every_answer_names_the_requisition_by_number_and_title() {
        assert_eq!(
            decision(
                &regarding(Some("Pens & <paper>")),
                &DecisionResult::Done(Decision::Approve)
            ),
            "#125 Pens &amp; &lt;paper&gt;: Approved in Coupa."
        );
        assert_eq!(
            decision(&regarding(None), &DecisionResult::Done(Decision::Reject)),
            "Requisition #125: Rejected in Coupa."
        );
        assert_eq!(
            decision(
                &regarding(Some("  ")),
                &DecisionResult::Refused(Refusal::Expired)
            ),
            "Requisition #125: These buttons have expired. Open the requisition in Coupa to decide it."
        );
    }
}
