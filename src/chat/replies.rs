//! What a person is told about their decision, in the words every platform says alike: the
//! requisition named by number and title, then what came of it. Each adapter passes its
//! [`Voice`]: its own name, as people call it, and how its text escapes Coupa's words. Pure.

use crate::domain::Decision;
use crate::domain::outcome::{DecisionResult, FailureCause, Refusal, Regarding};

/// How one platform speaks: what it is called, and how Coupa's text is made safe in its messages.
#[derive(Debug, Clone, Copy)]
pub struct Voice {
    /// The platform as people call it: `Slack`, `Teams`.
    pub platform: &'static str,
    /// Makes Coupa's text (a title, a name) show as typed in this platform's messages.
    pub escape: fn(&str) -> String,
}

/// What to tell the person who clicked about `result`, naming the requisition it is `regarding`
/// so that several answers in a row can be told apart.
pub fn decision(voice: &Voice, regarding: &Regarding, result: &DecisionResult) -> String {
    format!(
        "{}: {}",
        requisition(voice, regarding),
        outcome(voice, result)
    )
}

/// How a reply names a requisition: `#125 External penetration test`, or `Requisition #125`
/// when its title is unknown or empty.
pub fn requisition(voice: &Voice, regarding: &Regarding) -> String {
    match regarding.title.as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => {
            format!("#{} {}", regarding.requisition, (voice.escape)(title))
        }
        _ => format!("Requisition #{}", regarding.requisition),
    }
}

/// What came of a decision, as a sentence.
fn outcome(voice: &Voice, result: &DecisionResult) -> String {
    match result {
        DecisionResult::Done(Decision::Approve) => "Approved in Coupa.".into(),
        DecisionResult::Done(Decision::Reject) => "Rejected in Coupa.".into(),
        DecisionResult::Done(Decision::Hold) => {
            "Put on hold in Coupa. Its buttons come back once it is released in Coupa.".into()
        }
        DecisionResult::Refused(why) => refusal(voice, why),
        DecisionResult::Failed(cause) => format!(
            "Nothing was decided ({}); please try again in a minute.",
            failure(voice, *cause)
        ),
        DecisionResult::Unconfirmed => "Could not confirm the decision with Coupa — check the requisition in Coupa. This card will update once Coupa answers.".into(),
    }
}

/// The short explanation of a refusal.
pub fn refusal(voice: &Voice, refusal: &Refusal) -> String {
    let escape = voice.escape;
    match refusal {
        Refusal::Expired => {
            "These buttons have expired. Open the requisition in Coupa to decide it.".into()
        }
        Refusal::NotRecipient => {
            "This card was sent to someone else, so its buttons don't work for you. Your own approvals come to you directly.".into()
        }
        Refusal::ReasonRequired => "Please give a reason to deny this requisition.".into(),
        Refusal::AlreadyDecided(outcome) if !outcome.confirmed => format!(
            "{} already {} at {}, but Coupa has not confirmed it yet. Check the requisition in Coupa.",
            escape(&outcome.decided_by_name),
            done_this(outcome.decision),
            outcome.at.strftime("%Y-%m-%d %H:%M UTC")
        ),
        Refusal::AlreadyDecided(outcome) => format!(
            "Already {} by {} at {}.",
            done(outcome.decision),
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
        Refusal::UnknownUser => format!(
            "Your {} email doesn't match a Coupa user, so nothing was done. Ask your Coupa admin to check your email in Coupa.",
            voice.platform
        ),
        Refusal::Changed => {
            "This requisition changed after the card was sent, so nothing was done. A new card with the current details is on its way.".into()
        }
        Refusal::OnHold(hold) => format!(
            "This approval is on hold in Coupa{}, so nothing was done. It can be decided once it is released in Coupa.",
            hold.by
                .as_deref()
                .map(|by| format!(" (by {})", escape(by)))
                .unwrap_or_default()
        ),
        Refusal::NotHoldable => {
            "Coupa doesn't allow this approval to be put on hold, so nothing was done.".into()
        }
        Refusal::AboveBulkLimit => {
            "Its total is above the amount that needs its own confirmation, so it was not approved with the others. Approve it on its own.".into()
        }
    }
}

/// What someone did to an approval: `approved this`, `rejected this`, `put this on hold`.
fn done_this(decision: Decision) -> String {
    match decision {
        Decision::Hold => "put this on hold".to_owned(),
        other => format!("{} this", other.past_tense()),
    }
}

/// What a decision did, as a reply says it: `approved`, `rejected`, `put on hold`.
fn done(decision: Decision) -> &'static str {
    match decision {
        Decision::Hold => "put on hold",
        other => other.past_tense(),
    }
}

/// Which part failed, as the person is told.
fn failure(voice: &Voice, cause: FailureCause) -> String {
    match cause {
        FailureCause::CoupaUnreachable => "Coupa is busy or unreachable".into(),
        FailureCause::CoupaRefused => "Coupa refused the request".into(),
        FailureCause::ChatUnreachable => format!("{} could not be reached", voice.platform),
        FailureCause::StoreUnavailable => "the bot's state store is unavailable".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Voice = Voice {
        platform: "Teams",
        escape: str::to_owned,
    };

    fn pentest() -> Regarding {
        Regarding {
            requisition: crate::domain::RequisitionId(125),
            title: Some("External penetration test".into()),
        }
    }

    #[test]
    fn a_reply_names_the_platform_it_is_given() {
        assert_eq!(
            decision(
                &PLAIN,
                &pentest(),
                &DecisionResult::Failed(FailureCause::ChatUnreachable)
            ),
            "#125 External penetration test: Nothing was decided (Teams could not be reached); please try again in a minute."
        );
        assert!(
            refusal(&PLAIN, &Refusal::UnknownUser).starts_with("Your Teams email doesn't match")
        );
    }

    #[test]
    fn a_hold_is_said_as_a_hold_and_names_who_held_it() {
        use crate::domain::hold::Hold;
        assert_eq!(
            decision(&PLAIN, &pentest(), &DecisionResult::Done(Decision::Hold)),
            "#125 External penetration test: Put on hold in Coupa. Its buttons come back once it is released in Coupa."
        );
        let held = Refusal::OnHold(Hold {
            by: Some("Jane Doe".into()),
            reason: Some("quote".into()),
            at: None,
        });
        assert_eq!(
            refusal(&PLAIN, &held),
            "This approval is on hold in Coupa (by Jane Doe), so nothing was done. It can be decided once it is released in Coupa."
        );
        let unconfirmed = crate::domain::records::ClaimOutcome {
            decision: Decision::Hold,
            decided_by: crate::domain::ChatUserId::from("U1"),
            decided_by_name: "Jane Doe".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            confirmed: false,
            delegate_for: None,
        };
        assert!(
            refusal(&PLAIN, &Refusal::AlreadyDecided(unconfirmed))
                .starts_with("Jane Doe already put this on hold at")
        );
    }

    #[test]
    fn coupa_text_in_a_reply_goes_through_the_platforms_escape() {
        let shouting = Voice {
            platform: "Slack",
            escape: |text: &str| text.to_uppercase(),
        };
        assert_eq!(
            requisition(&shouting, &pentest()),
            "#125 EXTERNAL PENETRATION TEST"
        );
    }
}
