//! A Slack interaction request body (form-encoded `payload=<JSON>`) through the path the
//! `/slack/interactions` route takes after the signature check: `requests::parse_interaction`,
//! then the handlers' pure readers (`handlers::clicks` for buttons, with `ButtonValue` decoding
//! and the deny modal; `handlers::submission` for the deny modal, with `DenyMetadata` decoding
//! and the reason check), and the acknowledgement's JSON.

#![no_main]

use coupa_approvals::domain::Decision;
use coupa_approvals::sandbox::block_kit::assert_modal_within_limits;
use coupa_approvals::slack::handlers::{self, Ack, Click, Submission};
use coupa_approvals::slack::payload::{ButtonValue, DenyMetadata};
use coupa_approvals::slack::requests;
use libfuzzer_sys::fuzz_target;
use slack_morphism::prelude::SlackInteractionEvent;

fuzz_target!(|data: &[u8]| {
    // axum's `String` extractor refuses a body that is not UTF-8 before the route runs.
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    // The button value and modal metadata decoders also see arbitrary text on their own:
    // whatever reads back must encode and read back the same.
    if let Some(value) = ButtonValue::decode(body) {
        assert_eq!(ButtonValue::decode(&value.encode()), Some(value.clone()));
        let _ = value.issued();
    }
    if let Some(metadata) = DenyMetadata::decode(body) {
        assert_eq!(DenyMetadata::decode(&metadata.encode()), Some(metadata));
    }

    let Ok(Some(event)) = requests::parse_interaction(body) else {
        return;
    };
    match &event {
        SlackInteractionEvent::BlockActions(actions) => {
            for click in handlers::clicks(actions) {
                match click {
                    Click::Approve(request) => {
                        assert_eq!(request.decision, Decision::Approve);
                    }
                    Click::Deny { view, .. } | Click::Hold { view, .. } => {
                        let view = serde_json::to_value(&*view).expect("the modal serialises");
                        assert_modal_within_limits(&view);
                    }
                }
            }
        }
        SlackInteractionEvent::ViewSubmission(submission) => match handlers::submission(submission)
        {
            Submission::Ignored => {}
            Submission::Invalid(errors) => {
                let ack = Ack::ViewErrors(errors).to_json();
                assert!(ack.is_some(), "view errors have a JSON body");
            }
            Submission::Deny(request) => {
                assert_eq!(request.decision, Decision::Reject);
                let reason = request.comment.as_deref().unwrap_or_default();
                assert!(!reason.trim().is_empty(), "a denial always has a reason");
            }
            Submission::Hold(request) => {
                assert_eq!(request.decision, Decision::Hold);
                let reason = request.comment.as_deref().unwrap_or_default();
                assert!(!reason.trim().is_empty(), "a hold always has a reason");
            }
        },
        _ => {}
    }
});
