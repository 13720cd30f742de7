//! The fuzzers' committed seed corpus (`fuzz/seeds/`) stays real-shaped: each Slack seed reads
//! into the request its name describes, and each Coupa seed reads (or is refused) as its name
//! says. A seed that silently stopped parsing would leave the fuzzer starting from nothing.

use std::path::Path;

use coupa_approvals::chat::intents::Intent;
use coupa_approvals::coupa::model::{self, RawRequisition};
use coupa_approvals::domain::Decision;
use coupa_approvals::slack::handlers::{self, Click, EventRequest, Submission};
use coupa_approvals::slack::requests;
use slack_morphism::prelude::*;

fn seed(target: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn interaction(name: &str) -> SlackInteractionEvent {
    match requests::parse_interaction(&seed("slack_interaction", name)) {
        Ok(Some(event)) => event,
        other => panic!("{name}: {other:?}"),
    }
}

fn clicks(name: &str) -> Vec<Click> {
    match interaction(name) {
        SlackInteractionEvent::BlockActions(actions) => handlers::clicks(&actions),
        other => panic!("{name}: {other:?}"),
    }
}

fn submission(name: &str) -> Submission {
    match interaction(name) {
        SlackInteractionEvent::ViewSubmission(event) => handlers::submission(&event),
        other => panic!("{name}: {other:?}"),
    }
}

fn event(name: &str) -> Option<EventRequest> {
    match requests::parse_event(&seed("slack_event", name)) {
        Ok(SlackPushEvent::EventCallback(callback)) => handlers::event_request(&callback.event),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn button_seeds_read_as_an_approve_a_deny_and_a_link_click() {
    let approve = clicks("block-actions-approve.txt");
    assert!(
        matches!(approve.as_slice(), [Click::Approve(r)] if r.decision == Decision::Approve),
        "{approve:?}"
    );
    let deny = clicks("block-actions-deny.txt");
    assert!(matches!(deny.as_slice(), [Click::Deny { .. }]), "{deny:?}");
    assert_eq!(clicks("block-actions-link.txt"), Vec::new());
}

#[test]
fn deny_modal_seeds_read_as_a_denial_and_a_missing_reason() {
    assert!(matches!(
        submission("view-submission-deny.txt"),
        Submission::Deny(r) if r.comment.as_deref() == Some("Over budget this quarter")
    ));
    assert!(matches!(
        submission("view-submission-empty-reason.txt"),
        Submission::Invalid(_)
    ));
}

#[test]
fn the_shortcut_seed_is_an_ignored_interaction_type() {
    let body = seed("slack_interaction", "shortcut-ignored.txt");
    assert!(matches!(requests::parse_interaction(&body), Ok(None)));
}

#[test]
fn event_seeds_read_as_the_requests_they_are_named_for() {
    assert!(matches!(
        event("message-im.json"),
        Some(EventRequest::Message {
            intent: Intent::Pending,
            ..
        })
    ));
    assert_eq!(event("message-bot.json"), None);
    assert_eq!(event("message-edited.json"), None);
    assert!(matches!(
        event("app-mention.json"),
        Some(EventRequest::Mention {
            intent: Intent::Help,
            ..
        })
    ));
    assert!(matches!(
        event("app-home-opened.json"),
        Some(EventRequest::Home { .. })
    ));
    assert!(matches!(
        requests::parse_event(&seed("slack_event", "url-verification.json")),
        Ok(SlackPushEvent::UrlVerification(_))
    ));
    assert!(matches!(
        requests::parse_event(&seed("slack_event", "app-rate-limited.json")),
        Ok(SlackPushEvent::AppRateLimited(_))
    ));
}

#[test]
fn coupa_seeds_read_as_requisitions_except_the_one_without_a_total() {
    for name in [
        "requisition-pending.json",
        "minimal.json",
        "number-decimals.json",
    ] {
        let body = seed("coupa_requisition", name);
        let read = model::parse::<RawRequisition>(body.as_bytes()).and_then(|r| r.into_domain());
        assert!(read.is_ok(), "{name}: {read:?}");
    }
    let page = seed("coupa_requisition", "page-of-two.json");
    let values: Vec<serde_json::Value> = model::parse(page.as_bytes()).expect("a JSON list");
    let read: Vec<_> = values
        .into_iter()
        .map(|v| model::record(v, RawRequisition::into_domain))
        .collect();
    assert!(read.iter().all(Result::is_ok), "{read:?}");
    let refused = seed("coupa_requisition", "no-total.json");
    let refused = model::parse::<RawRequisition>(refused.as_bytes()).and_then(|r| r.into_domain());
    assert!(refused.is_err());
}
