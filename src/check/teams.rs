//! The Teams reach check: how many approvers of pending approvals the bot can write to in Teams.
//!
//! Teams lets a bot message only people who have its app installed, so the bot knows someone in
//! Teams once an activity of theirs (installing the app, a message, a click) taught it their
//! contact and email. An approver with no contact is "not reachable in Teams": they get no cards
//! there until the app is installed for them.

use std::collections::BTreeMap;

use super::{CheckLine, LISTED_UNMAPPED};
use crate::domain::{Person, normalize_email};
use crate::store::Store;
use crate::telemetry::chain;

/// Looks every approver's email up among the contacts in `store`; names the first
/// [`LISTED_UNMAPPED`] who cannot be reached. With `other_platform` (Slack beside Teams), those
/// approvers may still get their cards there, so the line reports them without failing. With
/// `proactive_install`, the fix says the bot installs the app for them itself.
pub(super) async fn check(
    people: Vec<Person>,
    store: &dyn Store,
    other_platform: bool,
    proactive_install: bool,
) -> CheckLine {
    let mut by_email: BTreeMap<String, String> = BTreeMap::new();
    for person in people {
        if let Some(email) = person.email.as_deref().map(normalize_email)
            && !email.is_empty()
        {
            by_email.entry(email).or_insert(person.full_name);
        }
    }
    let mut unreachable = Vec::new();
    for (email, name) in &by_email {
        match store.contact_by_email(email).await {
            Ok(Some(_)) => {}
            Ok(None) => unreachable.push(format!("{name} <{email}>")),
            Err(err) => {
                return CheckLine::fail(
                    "teams reach",
                    format!("could not read Teams contacts: {}", chain(&err)),
                    "fix the store check above first",
                );
            }
        }
    }
    let reachable = by_email.len() - unreachable.len();
    let mut detail = format!(
        "{reachable} of {} approver(s) of pending approvals can be reached in Teams",
        by_email.len()
    );
    if unreachable.is_empty() {
        return CheckLine::pass("teams reach", detail);
    }
    let listed: Vec<&str> = unreachable
        .iter()
        .take(LISTED_UNMAPPED)
        .map(String::as_str)
        .collect();
    detail.push_str(&format!("; not reachable in Teams: {}", listed.join(", ")));
    if unreachable.len() > LISTED_UNMAPPED {
        detail.push_str(&format!(
            " and {} more",
            unreachable.len() - LISTED_UNMAPPED
        ));
    }
    if other_platform {
        detail.push_str(" (they may be reached in Slack)");
        return CheckLine::pass("teams reach", detail);
    }
    if proactive_install {
        return CheckLine::fail(
            "teams reach",
            detail,
            "the running bot installs the app for them through Microsoft Graph when a sync looks them up; the teams installs line below lists any installation that failed",
        );
    }
    CheckLine::fail(
        "teams reach",
        detail,
        "they get no cards in Teams until the app is installed for them: pre-install it with a Teams app setup policy, or ask them to open the bot once",
    )
}
