//! People in both worlds: each sandbox Coupa user is also a fake Slack user with the same email,
//! so the bot's email directory maps them as it would in a real workspace.

use crate::domain::CoupaUserId;
use crate::sandbox::coupa::Sandbox;

use super::slack::FakeSlack;

/// A person in both the sandbox Coupa and the fake Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Slack user id, like `UMARTA`.
    pub slack_id: String,
    /// Full name.
    pub name: String,
    /// Email, the same in both.
    pub email: String,
    /// Coupa user id.
    pub coupa_id: CoupaUserId,
}

impl Person {
    /// `first last` with `email`, added to `sandbox` as an active Coupa user, known in Slack
    /// (once they [`join`](Self::join) it) as [`slack_id`]`(first)`.
    pub fn in_coupa(sandbox: &Sandbox, email: &str, first: &str, last: &str) -> Self {
        Self {
            slack_id: slack_id(first),
            name: format!("{first} {last}"),
            email: email.to_owned(),
            coupa_id: sandbox.add_user(email, first, last),
        }
    }

    /// Adds this person to `slack` as a user with the same email.
    pub fn join(&self, slack: &FakeSlack) {
        slack.add_user(&self.slack_id, &self.name, &self.email);
    }
}

/// `count` approvers for load and cost measurements, added to `sandbox`: the `n`th is
/// `approver{n}@example.com`, "Approver {n}", Slack id `UAPPROVER{n}` (not yet in Slack).
pub fn numbered_approvers(sandbox: &Sandbox, count: usize) -> Vec<Person> {
    (0..count)
        .map(|n| {
            let email = format!("approver{n}@example.com");
            Person {
                slack_id: format!("UAPPROVER{n}"),
                name: format!("Approver {n}"),
                coupa_id: sandbox.add_user(&email, "Approver", &n.to_string()),
                email,
            }
        })
        .collect()
}

/// The Slack id the demo gives a person: `U` and their first name in capitals.
pub fn slack_id(first_name: &str) -> String {
    let name: String = first_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    format!("U{name}")
}

/// Adds every sandbox person (not Coupa's API service account, which has no email) to `slack`.
pub fn enrol(sandbox: &Sandbox, slack: &FakeSlack) -> Vec<Person> {
    let people: Vec<Person> = sandbox
        .users()
        .into_iter()
        .filter(|u| u.active && u.email.contains('@'))
        .map(|u| Person {
            slack_id: slack_id(&u.first_name),
            name: format!("{} {}", u.first_name, u.last_name),
            email: u.email,
            coupa_id: u.id,
        })
        .collect();
    for person in &people {
        slack.add_user(&person.slack_id, &person.name, &person.email);
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::coupa::demo_data::demo_sandbox;

    #[test]
    fn every_demo_person_gets_a_slack_user_with_the_same_email() {
        let sandbox = demo_sandbox();
        let slack = FakeSlack::default();
        let people = enrol(&sandbox, &slack);
        let ids: Vec<&str> = people.iter().map(|p| p.slack_id.as_str()).collect();
        assert_eq!(ids, ["UMARTA", "UDANIEL", "USOFIA", "ULI", "UANA"]);
        let users = slack.users();
        assert_eq!(users.len(), 5);
        assert!(
            users
                .iter()
                .any(|u| u.id == "UMARTA" && u.email == "marta.kowalski@example.com")
        );
    }
}
