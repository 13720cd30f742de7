//! An Events API body (JSON push event) through the path the `/slack/events` route takes after
//! the signature check: `requests::parse_event`, then `handlers::event_request` (who asked what,
//! with `intents::parse` on the message text) and the `url_verification` answer's JSON. The
//! intent parser also sees the raw input as message text.

#![no_main]

use coupa_approvals::slack::handlers::{self, Ack};
use coupa_approvals::chat::intents;
use coupa_approvals::slack::requests;
use libfuzzer_sys::fuzz_target;
use slack_morphism::prelude::SlackPushEvent;

fuzz_target!(|data: &[u8]| {
    // axum's `String` extractor refuses a body that is not UTF-8 before the route runs.
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let _ = intents::parse(body);
    match requests::parse_event(body) {
        Ok(SlackPushEvent::EventCallback(callback)) => {
            let _ = handlers::event_request(&callback.event);
        }
        Ok(SlackPushEvent::UrlVerification(verification)) => {
            let answer = Ack::Challenge(verification.challenge.clone()).to_json();
            assert_eq!(
                answer.as_ref().and_then(|a| a["challenge"].as_str()),
                Some(verification.challenge.as_str())
            );
        }
        Ok(SlackPushEvent::AppRateLimited(_)) | Err(_) => {}
    }
});
