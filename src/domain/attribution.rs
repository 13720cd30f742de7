//! The reason sent to Coupa with a decision. Coupa records API decisions against the OAuth
//! service account, so the real approver, and the platform they decided on, travel in the reason:
//! `Approved in Slack by Jane Doe <jane@acme.com>: comment`. A delegate's reason also names whom
//! they stood in for: `Approved in Slack by Sam Lee <sam@acme.com> as delegate for Jane Doe`.

use super::conversation::Platform;
use super::{Decision, MAX_REASON_CHARS, Person};

/// How the reason of a hold begins: `Put on hold in Slack by Jane Doe <jane@acme.com>: …`.
pub(crate) const HOLD_VERB: &str = "Put on hold";

/// The reason for `person` (mapped by `email`) deciding on `platform`, as the delegate for
/// `delegate_for` when they decided in someone else's place, with their comment cut to
/// [`MAX_REASON_CHARS`] characters.
pub fn attribution_as(
    platform: Platform,
    decision: Decision,
    person: &Person,
    email: &str,
    delegate_for: Option<&str>,
    comment: Option<&str>,
) -> String {
    let verb = match decision {
        Decision::Approve => "Approved",
        Decision::Reject => "Rejected",
        Decision::Hold => HOLD_VERB,
    };
    let mut reason = format!("{verb} in {platform} by {} <{email}>", person.full_name);
    if let Some(approver) = delegate_for {
        reason.push_str(" as delegate for ");
        reason.push_str(approver);
    }
    if let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        reason.push_str(": ");
        reason.extend(comment.chars().take(MAX_REASON_CHARS));
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CoupaUserId;

    const SLACK: Platform = Platform::named("Slack");

    fn jane() -> Person {
        Person {
            id: CoupaUserId(1),
            login: None,
            email: Some("jane@acme.com".into()),
            full_name: "Jane Doe".into(),
            active: true,
        }
    }

    #[test]
    fn attribution_names_the_real_approver_and_keeps_the_comment() {
        assert_eq!(
            attribution_as(
                SLACK,
                Decision::Approve,
                &jane(),
                "jane@acme.com",
                None,
                Some(" ok for Q4 ")
            ),
            "Approved in Slack by Jane Doe <jane@acme.com>: ok for Q4"
        );
        assert_eq!(
            attribution_as(
                SLACK,
                Decision::Reject,
                &jane(),
                "jane@acme.com",
                None,
                None
            ),
            "Rejected in Slack by Jane Doe <jane@acme.com>"
        );
    }

    #[test]
    fn attribution_names_the_platform_the_decision_was_made_on() {
        assert_eq!(
            attribution_as(
                Platform::named("Microsoft Teams"),
                Decision::Approve,
                &jane(),
                "jane@acme.com",
                None,
                None
            ),
            "Approved in Microsoft Teams by Jane Doe <jane@acme.com>"
        );
    }

    #[test]
    fn a_delegates_attribution_names_whom_they_stood_in_for() {
        let sam = Person {
            full_name: "Sam Lee".into(),
            ..jane()
        };
        assert_eq!(
            attribution_as(
                SLACK,
                Decision::Approve,
                &sam,
                "sam@acme.com",
                Some("Jane Doe"),
                Some("covering")
            ),
            "Approved in Slack by Sam Lee <sam@acme.com> as delegate for Jane Doe: covering"
        );
    }

    #[test]
    fn attribution_limits_the_comment() {
        let long = "x".repeat(5_000);
        let reason = attribution_as(
            SLACK,
            Decision::Reject,
            &jane(),
            "jane@acme.com",
            None,
            Some(&long),
        );
        assert_eq!(
            reason.chars().filter(|c| *c == 'x').count(),
            MAX_REASON_CHARS
        );
    }
}
