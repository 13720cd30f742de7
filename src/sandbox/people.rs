//! People in both worlds: each sandbox Coupa user is also a fake Slack user with the same email,
//! so the bot's email directory maps them as it would in a real workspace. Those said to be on
//! Microsoft Teams ([`Person::join_teams`]) are members of the fake Bot Connector too, with the
//! same email, a Teams id and an Azure AD object id derived from it (so every run agrees).

use crate::domain::CoupaUserId;
use crate::sandbox::coupa::Sandbox;

use super::slack::FakeSlack;
use super::teams::{FakeConnector, FakeMember};

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

    /// Adds this person to `connector` as a member of its tenant with the bot installed: Teams
    /// id [`teams_id`], their name, their Coupa email, Azure AD object id [`aad_object_id`].
    /// Returns the member, as [`crate::sandbox::teams::TeamsSender`] takes it.
    pub fn join_teams(&self, connector: &FakeConnector) -> FakeMember {
        let member = FakeMember {
            id: teams_id(&self.email),
            name: self.name.clone(),
            email: self.email.clone(),
            aad_object_id: aad_object_id(&self.email),
            tenant: connector.tenant().to_owned(),
            time_zone: None,
        };
        connector.add_member(
            &member.id,
            &member.name,
            &member.email,
            &member.aad_object_id,
            &member.tenant,
        );
        member
    }
}

/// The Teams id the sandbox gives the person with `email`: `29:1` and the email's letters and
/// digits (`daniel@example.com` is `29:1danielexamplecom`). Teams ids always hold a `:`, Slack
/// ids never do, so the two cannot be confused.
pub fn teams_id(email: &str) -> String {
    let letters: String = email
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("29:1{letters}")
}

/// The Azure AD object id the sandbox gives the person with `email`: a GUID made from a hash of
/// the email, the same in every run.
pub fn aad_object_id(email: &str) -> String {
    // FNV-1a, 64 bits: stable across runs and platforms, unlike the standard library's hasher.
    let hash = email
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!(
        "00000000-0000-4000-8{:03x}-{:012x}",
        (hash >> 48) & 0xfff,
        hash & 0xffff_ffff_ffff
    )
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
    fn a_person_on_teams_is_a_member_with_their_coupa_email_and_stable_ids() {
        let sandbox = Sandbox::new();
        let connector = FakeConnector::default();
        let daniel = Person::in_coupa(&sandbox, "Daniel@Example.com", "Daniel", "Okafor");
        let member = daniel.join_teams(&connector);
        assert_eq!(member.id, "29:1danielexamplecom");
        assert_eq!(member.email, "Daniel@Example.com");
        assert_eq!(member.tenant, connector.tenant());
        assert_eq!(member.aad_object_id, aad_object_id("daniel@example.com"));
        assert_ne!(member.aad_object_id, aad_object_id("sofia@example.com"));
        assert!(uuid::Uuid::parse_str(&member.aad_object_id).is_ok());
        assert_eq!(connector.member(&member.id), Some(member));
    }

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
