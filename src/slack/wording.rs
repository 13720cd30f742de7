//! What the bot says to people in Slack, in one place: what came of a decision, why a pending
//! list cannot be shown, help, and the deny modal's errors (the words every platform shares come
//! from [`crate::chat::wording`]). The engine reports typed outcomes;
//! here they become sentences. Cards, lists and modals lay these out in [`super::blocks`].

use crate::domain::Decision;
use crate::domain::outcome::{DecisionResult, FailureCause, Refusal, Regarding};

use super::format::escape;

/// What to tell the person who clicked about `result`, naming the requisition it is `regarding`
/// so that several answers in a row can be told apart.
pub fn decision(regarding: &Regarding, result: &DecisionResult) -> String {
    format!("{}: {}", requisition(regarding), outcome(result))
}

/// How a reply names a requisition: `#125 External penetration test`, or `Requisition #125`
/// when its title is unknown or empty.
pub fn requisition(regarding: &Regarding) -> String {
    match regarding.title.as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => format!("#{} {}", regarding.requisition, escape(title)),
        _ => format!("Requisition #{}", regarding.requisition),
    }
}

/// What came of a decision, as a sentence.
fn outcome(result: &DecisionResult) -> String {
    match result {
        DecisionResult::Done(Decision::Approve) => "Approved in Coupa.".into(),
        DecisionResult::Done(Decision::Reject) => "Rejected in Coupa.".into(),
        DecisionResult::Refused(why) => refusal(why),
        DecisionResult::Failed(cause) => format!(
            "Nothing was decided ({}); please try again in a minute.",
            failure(*cause)
        ),
        DecisionResult::Unconfirmed => "Could not confirm the decision with Coupa — check the requisition in Coupa. This card will update once Coupa answers.".into(),
    }
}

/// The short explanation of a refusal.
pub fn refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Expired => {
            "These buttons have expired. Open the requisition in Coupa to decide it.".into()
        }
        Refusal::NotRecipient => {
            "This card was sent to someone else, so its buttons don't work for you. Your own approvals come to you directly.".into()
        }
        Refusal::ReasonRequired => "Please give a reason to deny this requisition.".into(),
        Refusal::AlreadyDecided(outcome) if !outcome.confirmed => format!(
            "{} already {} this at {}, but Coupa has not confirmed it yet. Check the requisition in Coupa.",
            escape(&outcome.decided_by_name),
            outcome.decision.past_tense(),
            outcome.at.strftime("%Y-%m-%d %H:%M UTC")
        ),
        Refusal::AlreadyDecided(outcome) => format!(
            "Already {} by {} at {}.",
            outcome.decision.past_tense(),
            escape(&outcome.decided_by_name),
            outcome.at.strftime("%Y-%m-%d %H:%M UTC")
        ),
        Refusal::InProgress => {
            "Someone is deciding this approval right now; the card will update when they are done. If it hasn't changed in a minute, try again.".into()
        }
        Refusal::DecidedInCoupa(decided) => format!(
            "Already {} in Coupa{}{}.",
            decided.decision.past_tense(),
            decided
                .by
                .as_deref()
                .map(|by| format!(" by {}", escape(by)))
                .unwrap_or_default(),
            decided
                .at
                .map(|at| format!(" at {}", at.strftime("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default()
        ),
        Refusal::NoLongerPending => {
            "This approval is no longer pending in Coupa; the card now shows where it stands.".into()
        }
        Refusal::NotApprover => {
            "Coupa doesn't list you as an approver for this step, so nothing was done.".into()
        }
        Refusal::UnknownUser => {
            "Your Slack email doesn't match a Coupa user, so nothing was done. Ask your Coupa admin to check your email in Coupa.".into()
        }
        Refusal::Changed => {
            "This requisition changed after the card was sent, so nothing was done. A new card with the current details is on its way.".into()
        }
    }
}

/// Which part failed, as the person is told.
fn failure(cause: FailureCause) -> &'static str {
    match cause {
        FailureCause::CoupaUnreachable => "Coupa is busy or unreachable",
        FailureCause::CoupaRefused => "Coupa refused the request",
        FailureCause::ChatUnreachable => "Slack could not be reached",
        FailureCause::StoreUnavailable => "the bot's state store is unavailable",
    }
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

/// The answer to a slash command from a workspace (or app) this bot does not serve.
pub const NOT_THIS_WORKSPACE: &str =
    "This bot serves another Slack workspace, so it can't do anything here.";

/// The answer to a slash command while the bot cannot check which workspace it serves.
pub const WORKSPACE_UNCHECKED: &str =
    "I can't check this request with Slack right now. Please try again in a minute.";

/// The immediate answer to `/approvals` while the list is read from Coupa.
pub const LOOKING_UP: &str = "Looking up your approvals in Coupa…";

/// The help text for an unknown or help request.
pub const HELP: &str = "I bring your Coupa approvals to Slack. Approve or deny right on the cards I send you.\n\
     • *what's pending* — list what is waiting for you (also `/approvals`)\n\
     • *help* — this message";

/// How the deny modal names a requisition whose card had no title.
pub const UNNAMED_REQUISITION: &str = "this requisition";

pub use crate::chat::wording::{REASON_MISSING, change, reason_too_long};

#[cfg(test)]
mod tests {
    use super::*;

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
