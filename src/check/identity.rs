//! The identity check: how many approvers of pending approvals map to Slack users by email, and
//! who does not (they would get no cards).

use std::collections::BTreeMap;

use url::Url;

use super::{CheckLine, LISTED_UNMAPPED, reach_fix};
use crate::chat::port::{ChatError, ChatPort};
use crate::domain::{Person, normalize_email};
use crate::telemetry::chain;
use crate::transport_cause::{Timeouts, TransportCause};

/// Looks every approver up by email; names the first [`LISTED_UNMAPPED`] who are not found.
pub(super) async fn check(people: Vec<Person>, chat: &dyn ChatPort, api_url: &Url) -> CheckLine {
    let mut by_email: BTreeMap<String, String> = BTreeMap::new();
    let mut without_email = 0;
    for person in people {
        match person.email.as_deref().map(normalize_email) {
            Some(email) if !email.is_empty() => {
                by_email.entry(email).or_insert(person.full_name);
            }
            _ => without_email += 1,
        }
    }
    let total = by_email.len() + without_email;
    let mut unmapped = Vec::new();
    for (email, name) in &by_email {
        match chat.lookup_user_by_email(email).await {
            Ok(Some(_)) => {}
            Ok(None) => unmapped.push(format!("{name} <{email}>")),
            Err(err) => return lookup_failed(&err, api_url),
        }
    }
    let mapped = by_email.len() - unmapped.len();
    if unmapped.is_empty() && without_email == 0 {
        return CheckLine::pass(
            "identity",
            format!("{mapped} of {total} approver(s) of pending approvals map to Slack users"),
        );
    }
    let mut detail =
        format!("{mapped} of {total} approver(s) of pending approvals map to Slack users");
    if without_email > 0 {
        detail.push_str(&format!("; {without_email} have no email in Coupa"));
    }
    if !unmapped.is_empty() {
        let listed: Vec<&str> = unmapped
            .iter()
            .take(LISTED_UNMAPPED)
            .map(String::as_str)
            .collect();
        detail.push_str(&format!("; not found in Slack: {}", listed.join(", ")));
        if unmapped.len() > LISTED_UNMAPPED {
            detail.push_str(&format!(" and {} more", unmapped.len() - LISTED_UNMAPPED));
        }
    }
    CheckLine::fail(
        "identity",
        detail,
        "these approvers get no cards: give them the same email in Slack and Coupa",
    )
}

/// The ✗ line for a lookup that failed: Slack's refusal, or why Slack could not be reached.
fn lookup_failed(err: &ChatError, api_url: &Url) -> CheckLine {
    match err {
        ChatError::Api(code) => CheckLine::fail(
            "identity",
            format!("Slack refused users.lookupByEmail: {code}"),
            "the bot needs users:read and users:read.email",
        ),
        ChatError::Transport(source) => {
            let cause =
                TransportCause::from_chain(source.as_ref(), Some(api_url), Timeouts::default());
            CheckLine::fail(
                "identity",
                format!("could not look up Slack users: {cause}"),
                reach_fix("SLACK_API_URL", "Slack", &cause),
            )
        }
        ChatError::RateLimited(_) => CheckLine::fail(
            "identity",
            "Slack kept rate limiting users.lookupByEmail",
            "try again in a minute",
        ),
        other => CheckLine::fail(
            "identity",
            format!("could not look up Slack users: {}", chain(other)),
            "check this host's TLS set-up (CA certificates)",
        ),
    }
}
