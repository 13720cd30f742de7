//! An approval put on hold: who put it on hold, why and when, as a card shows it ("On hold by
//! Jane Doe: waiting for the second quote"). Pure.
//!
//! A hold decides nothing. The approval keeps waiting in Coupa, its cards say it is on hold and
//! offer no decision, and when Coupa releases it (from its web UI) the cards offer their buttons
//! again.
//!
//! Coupa records API actions against the bot's service account and keeps the reason in the
//! approval's `note`. A hold made through the bot carries its attribution there (`Put on hold in
//! Slack by Jane Doe <jane@acme.com>: reason`), so [`Hold::of`] reads the real person and their
//! own words back from Coupa, whichever replica asks and however long after; a hold made in
//! Coupa itself shows who Coupa names and the note as written.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Approval;
use super::attribution::HOLD_VERB;

/// Who put an approval on hold, why and when, as far as known. Stored with the approval's cards
/// (see `Store::put_hold`): its field names are a stored format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// Who put it on hold, by name.
    #[serde(default)]
    pub by: Option<String>,
    /// Why, in their own words.
    #[serde(default)]
    pub reason: Option<String>,
    /// When.
    #[serde(default)]
    pub at: Option<Timestamp>,
}

impl Hold {
    /// The hold of `approval` as Coupa shows it: the person and words of the bot's attribution
    /// when the note carries one, else who Coupa says acted and the note as written.
    pub fn of(approval: &Approval) -> Self {
        let note = approval
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some((by, reason)) = note.and_then(attributed_hold) {
            return Self {
                by: Some(by),
                reason,
                at: approval.decided_at,
            };
        }
        Self {
            by: approval.decided_by.as_ref().map(|p| p.full_name.clone()),
            reason: note.map(str::to_owned),
            at: approval.decided_at,
        }
    }
}

/// The person's name and comment in a hold's attribution (`Put on hold in <platform> by <name>
/// <<email>>[ as delegate for <approver>]: <comment>`), or `None` when `note` is not one. A
/// delegate is named as `Sam Lee (as delegate for Jane Doe)`.
fn attributed_hold(note: &str) -> Option<(String, Option<String>)> {
    let rest = note.strip_prefix(HOLD_VERB)?.strip_prefix(" in ")?;
    // The platform's name ("Slack", "Microsoft Teams") never holds " by ".
    let (_, rest) = rest.split_once(" by ")?;
    let (name, rest) = rest.split_once(" <")?;
    let (_, rest) = rest.split_once('>')?;
    let mut name = name.trim().to_owned();
    let rest = match rest.strip_prefix(" as delegate for ") {
        Some(delegated) => {
            let (approver, rest) = delegated.split_once(':').unwrap_or((delegated, ""));
            name = format!("{name} (as delegate for {})", approver.trim());
            if rest.is_empty() {
                rest
            } else {
                &delegated[approver.len()..]
            }
        }
        None => rest,
    };
    let comment = match rest.strip_prefix(':') {
        Some(comment) => Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
        None if rest.trim().is_empty() => None,
        None => return None,
    };
    Some((name, comment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attribution::attribution_as;
    use crate::domain::conversation::Platform;
    use crate::domain::{ApprovalId, ApprovalStatus, Approver, CoupaUserId, Decision, Person};

    fn person(name: &str) -> Person {
        Person {
            id: CoupaUserId(1),
            login: None,
            email: Some("jane@acme.com".into()),
            full_name: name.into(),
            active: true,
        }
    }

    fn held(note: Option<&str>) -> Approval {
        Approval {
            id: ApprovalId(7),
            status: ApprovalStatus::Other("holding".into()),
            position: Some(1),
            requisition_id: None,
            approver: Approver::User(person("Jane Doe")),
            decided_by: Some(person("Chat Approvals Service")),
            decided_at: Some(Timestamp::UNIX_EPOCH),
            note: note.map(str::to_owned),
            holdable: true,
            updated_at: None,
            delegates: Vec::new(),
        }
    }

    #[test]
    fn a_hold_made_through_the_bot_names_the_person_and_their_words() {
        for platform in ["Slack", "Microsoft Teams"] {
            let reason = attribution_as(
                Platform::named(platform),
                Decision::Hold,
                &person("Jane Doe"),
                "jane@acme.com",
                None,
                Some("waiting for the second quote: due Friday"),
            );
            assert_eq!(
                Hold::of(&held(Some(&reason))),
                Hold {
                    by: Some("Jane Doe".into()),
                    reason: Some("waiting for the second quote: due Friday".into()),
                    at: Some(Timestamp::UNIX_EPOCH),
                },
                "{platform}"
            );
        }
    }

    #[test]
    fn a_hold_made_in_coupa_names_who_coupa_says_and_the_note_as_written() {
        assert_eq!(
            Hold::of(&held(Some("Put on hold by finance"))),
            Hold {
                by: Some("Chat Approvals Service".into()),
                reason: Some("Put on hold by finance".into()),
                at: Some(Timestamp::UNIX_EPOCH),
            }
        );
        assert_eq!(Hold::of(&held(Some("  "))).reason, None);
    }

    #[test]
    fn a_hold_made_by_a_delegate_names_them_and_whom_they_stood_in_for() {
        let sam = Person {
            full_name: "Sam Lee".into(),
            ..person("Sam Lee")
        };
        for comment in [Some("second quote due: Friday"), None] {
            let reason = attribution_as(
                Platform::named("Slack"),
                Decision::Hold,
                &sam,
                "sam@acme.com",
                Some("Jane Doe"),
                comment,
            );
            let hold = Hold::of(&held(Some(&reason)));
            assert_eq!(
                hold.by.as_deref(),
                Some("Sam Lee (as delegate for Jane Doe)"),
                "{reason}"
            );
            assert_eq!(hold.reason.as_deref(), comment, "{reason}");
        }
    }

    #[test]
    fn an_attribution_without_a_comment_gives_no_reason() {
        let reason = attribution_as(
            Platform::named("Slack"),
            Decision::Hold,
            &person("Jane Doe"),
            "jane@acme.com",
            None,
            None,
        );
        assert_eq!(reason, "Put on hold in Slack by Jane Doe <jane@acme.com>");
        let hold = Hold::of(&held(Some(&reason)));
        assert_eq!(hold.by.as_deref(), Some("Jane Doe"));
        assert_eq!(hold.reason, None);
    }
}
