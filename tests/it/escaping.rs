//! Coupa's words never become Slack markup: a requisition titled `<https://evil|Log in>` or a
//! requester named `<!channel>` reads as that text on every card, list, modal and private reply,
//! in the blocks and in the notification text alike, never as a link or a mention.
//!
//! A table over the public renderers: every Coupa-sourced string is set to each hostile value,
//! every rendering is collected (the `text` fallback and every mrkdwn text object), and each must
//! hold only the bot's own markup.

use crate::support;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::domain::change::Change;
use coupa_approvals::domain::outcome::{DecisionResult, Refusal, Regarding};
use coupa_approvals::domain::records::{ClaimOutcome, CoupaDecision, PendingItem, PendingSnapshot};
use coupa_approvals::domain::{Account, ApprovalId, ChatUserId, Decision, Money, RequisitionId};
use coupa_approvals::slack::blocks::{self, ListOptions, Rendered};
use coupa_approvals::slack::payload::{ButtonValue, DenyMetadata};
use coupa_approvals::slack::wording;
use serde_json::Value;

use support::cards::{DECIDED_AT, at, card, dec};

/// Strings a Coupa user could type into a title, a name, a department or a line.
const HOSTILE: &[&str] = &[
    "<https://evil.example/login|Log in to approve>",
    "<!channel>",
    "<!here> urgent",
    "<@U0ADMIN> says yes",
    "<#C0GENERAL>",
    "Pens & paper",
    "a &lt; b",
];

/// The Coupa instance of the card fixture: its links are the bot's own markup.
const COUPA: &str = "https://acme.coupahost.com";

/// Every mrkdwn text of `rendered` and its notification text.
fn texts(rendered: &Rendered) -> Vec<String> {
    let mut texts = vec![rendered.text.clone()];
    let blocks = serde_json::to_value(&rendered.blocks).expect("blocks serialise");
    mrkdwn(&blocks, &mut texts);
    texts
}

fn mrkdwn(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if object.get("type").and_then(Value::as_str) == Some("mrkdwn")
                && let Some(text) = object.get("text").and_then(Value::as_str)
            {
                into.push(text.to_owned());
            }
            object.values().for_each(|v| mrkdwn(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| mrkdwn(v, into)),
        _ => {}
    }
}

/// Holds only the bot's own markup: every `<` opens a date token or a link into Coupa, and every
/// `&` starts one of the three escapes.
fn assert_inert(text: &str, hostile: &str, rendering: &str) {
    for (at, _) in text.match_indices('<') {
        let rest = &text[at..];
        assert!(
            rest.starts_with("<!date^") || rest.starts_with(&format!("<{COUPA}")),
            "{rendering}: {hostile:?} became markup in {text:?}"
        );
    }
    for (at, _) in text.match_indices('&') {
        let rest = &text[at..];
        assert!(
            ["&amp;", "&lt;", "&gt;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "{rendering}: {hostile:?} left a bare & in {text:?}"
        );
    }
}

/// Every rendering that shows Coupa's words, with every such word set to `hostile`.
fn renderings(hostile: &str) -> Vec<(String, Rendered)> {
    let h = || hostile.to_owned();
    let mut fixture = card(CardState::Pending, Some("1"));
    let r = &mut fixture.requisition;
    r.title = h();
    r.justification = Some(h());
    r.department = Some(h());
    if let Some(requester) = r.requested_by.as_mut() {
        requester.full_name = h();
    }
    for line in &mut r.lines {
        line.description = h();
        line.supplier = Some(h());
        line.account = Some(Account {
            name: Some(h()),
            code: Some(h()),
        });
    }
    let decided = at(DECIDED_AT);
    let usd = |amount| Money::new(dec(amount), "USD");
    let states = [
        CardState::Pending,
        CardState::DecidedHere {
            decision: Decision::Reject,
            by: h(),
            at: decided,
            reason: Some(h()),
        },
        CardState::DecidedByOther {
            decision: Decision::Approve,
            by: h(),
            at: decided,
            as_delegate_for: Some(h()),
        },
        CardState::DecidedInCoupa {
            decision: Decision::Approve,
            by: Some(h()),
            at: Some(decided),
        },
        CardState::NoLongerPending,
        CardState::Expired,
        CardState::OnHold(coupa_approvals::domain::hold::Hold {
            by: Some(h()),
            reason: Some(h()),
            at: Some(decided),
        }),
        CardState::Changed(None),
        CardState::Changed(Some(Change {
            total: Some((usd("7000"), usd("7420.50"))),
            lines_changed: vec![1],
            ..Change::default()
        })),
    ];
    let mut out: Vec<(String, Rendered)> = states
        .into_iter()
        .map(|state| {
            let mut shown = fixture.clone();
            shown.state = state.clone();
            // Sent to a delegate: whom they stand in for is Coupa's words too.
            shown.delegate_for = Some(h());
            (format!("card {state:?}"), blocks::card(&shown))
        })
        .collect();
    let updated = fixture.clone().updated(Some(Change {
        justification: true,
        ..Change::default()
    }));
    out.push(("updated card".into(), blocks::card(&updated)));

    let snapshot = PendingSnapshot {
        as_of: decided,
        items: vec![PendingItem {
            approval: ApprovalId(90211),
            requisition: RequisitionId(4812),
            fingerprint: fixture.fingerprint.clone(),
            title: h(),
            total: usd("7420.50"),
            requester: Some(h()),
            submitted_at: Some(decided),
            delegate_for: Some(h()),
        }],
    };
    let coupa = url::Url::parse(COUPA).expect("a URL");
    for stale in [false, true] {
        let options = ListOptions {
            stale,
            issued_at: decided,
            confirm_above: Some(dec("1")),
            coupa: &coupa,
            shown: 5,
            max_blocks: blocks::limits::MESSAGE_BLOCKS,
        };
        out.push((
            format!("pending list, stale {stale}"),
            blocks::pending_list(&snapshot, &options),
        ));
    }

    let metadata = DenyMetadata {
        button: ButtonValue::of(&fixture),
        channel: None,
    };
    let modal = serde_json::to_value(blocks::deny_modal(&metadata, hostile)).expect("a modal");
    let mut modal_texts = Vec::new();
    mrkdwn(&modal, &mut modal_texts);
    for text in modal_texts {
        out.push((
            "deny modal".into(),
            Rendered {
                text,
                blocks: vec![],
            },
        ));
    }

    let regarding = Regarding {
        requisition: RequisitionId(4812),
        title: Some(h()),
    };
    let claim = |confirmed| ClaimOutcome {
        decision: Decision::Approve,
        decided_by: ChatUserId::from("UOTHER"),
        decided_by_name: h(),
        at: decided,
        confirmed,
        delegate_for: None,
    };
    let results = [
        DecisionResult::Done(Decision::Approve),
        DecisionResult::Refused(Refusal::AlreadyDecided(claim(true))),
        DecisionResult::Refused(Refusal::AlreadyDecided(claim(false))),
        DecisionResult::Refused(Refusal::DecidedInCoupa(CoupaDecision {
            decision: Decision::Reject,
            by: Some(h()),
            at: Some(decided),
        })),
        DecisionResult::Refused(Refusal::NotRecipient),
    ];
    for result in results {
        out.push((
            format!("reply {result:?}"),
            blocks::notice(&wording::decision(&regarding, &result)),
        ));
    }
    out.push((
        "no Coupa user".into(),
        blocks::notice(&wording::no_coupa_user(hostile)),
    ));
    out
}

#[test]
fn coupa_words_on_cards_lists_modals_and_replies_render_as_text_not_markup() {
    for hostile in HOSTILE {
        for (rendering, rendered) in renderings(hostile) {
            for text in texts(&rendered) {
                assert_inert(&text, hostile, &rendering);
            }
        }
    }
}

#[test]
fn an_escaped_title_still_reads_as_the_title_in_the_notification() {
    let mut fixture = card(CardState::Pending, None);
    fixture.requisition.title = "<!channel> Pens & paper".into();
    let rendered = blocks::card(&fixture);
    assert!(
        rendered
            .text
            .starts_with("Approval needed: &lt;!channel&gt; Pens &amp; paper — "),
        "{}",
        rendered.text
    );
}
