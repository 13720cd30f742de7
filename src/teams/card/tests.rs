//! The Adaptive Card of each state, the confirm and deny forms, escaping and the size limit.

use super::*;
use crate::coupa::model::{RawRequisition, parse};
use crate::domain::{Approval, ApprovalId, Decision, Money, RequisitionId};
use crate::sandbox::fixtures::Coupa;
use rust_decimal::Decimal;

/// When the buttons were issued: 2026-11-20 17:21:00 UTC.
const ISSUED_AT: i64 = 1_795_195_260;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("a valid time")
}

/// Requisition 4812 from the Coupa fixture ("Standing desks for the Lisbon office", USD
/// 7,420.50, two lines) as a card in `state`.
fn fixture(state: CardState) -> Card {
    let requisition = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
        .expect("the fixture parses")
        .into_domain()
        .expect("the fixture reads into the domain");
    let approval: Approval = requisition
        .approvals
        .iter()
        .find(|a| a.id == ApprovalId(90_211))
        .cloned()
        .expect("the fixture's current approval");
    let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
    Card::new(&requisition, &approval, state, &coupa, None, at(ISSUED_AT))
}

fn recipients() -> Vec<ChatUserId> {
    vec![ChatUserId("29:1jane".into()), ChatUserId("29:1li".into())]
}

fn rendered(card: &Card) -> Value {
    super::card(card, &recipients()).card
}

/// Every TextBlock's and fact's text (in order within the body; keys are visited by name).
fn texts(card: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if map.get("type") == Some(&json!("TextBlock")) {
                    out.extend(map.get("text").and_then(Value::as_str).map(str::to_owned));
                }
                if let (Some(title), Some(value)) = (map.get("title"), map.get("value"))
                    && map.get("type").is_none()
                {
                    out.push(format!(
                        "{}: {}",
                        title.as_str().unwrap_or(""),
                        value.as_str().unwrap_or("")
                    ));
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(card, &mut out);
    out
}

/// Every action anywhere in the card (top level, inside forms and action sets), as (type, verb
/// or title).
fn actions(card: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, out: &mut Vec<(String, String)>, in_fallback: bool) {
        match value {
            Value::Object(map) => {
                let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
                if kind.starts_with("Action.") && !in_fallback {
                    let name = map
                        .get("verb")
                        .or_else(|| map.get("title"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    out.push((kind.to_owned(), name.to_owned()));
                }
                for (key, v) in map {
                    // The refresh action is not a button; fallbacks repeat their action.
                    if key != "refresh" {
                        walk(v, out, in_fallback || key == "fallback");
                    }
                }
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, out, in_fallback)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(card, &mut out, false);
    out
}

fn has_buttons(card: &Value) -> bool {
    actions(card)
        .iter()
        .any(|(kind, _)| kind == "Action.Execute")
}

#[test]
fn a_pending_card_shows_the_requisition_and_offers_approve_deny_and_the_link() {
    let card = rendered(&fixture(CardState::Pending));
    let texts = texts(&card["body"]);
    assert_eq!(texts[0], "Standing desks for the Lisbon office");
    for expected in [
        "Requester: Marta Kowalski",
        "Total: USD 7,420.50",
        "Need by: 2026-12-20",
        "Department: Engineering",
        "Approval step: 2 of 3",
    ] {
        assert!(
            texts.contains(&expected.to_owned()),
            "{expected} in {texts:#?}"
        );
    }
    assert!(
        texts.iter().any(|t| t.starts_with("Team of 12 moves")),
        "{texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("**1.** Electric sit\\-stand desk")
                || t.starts_with("**1.** Electric sit-stand desk")),
        "{texts:#?}"
    );
    assert_eq!(
        actions(&card),
        vec![
            ("Action.Execute".to_owned(), APPROVE.to_owned()),
            ("Action.ShowCard".to_owned(), "Deny".to_owned()),
            ("Action.Execute".to_owned(), DENY.to_owned()),
            ("Action.OpenUrl".to_owned(), "View in Coupa".to_owned()),
        ]
    );
    assert_eq!(
        card["actions"][2]["url"],
        "https://acme.coupahost.com/requisition_headers/4812"
    );
    assert_eq!(card["version"], "1.5");
}

#[test]
fn approve_and_deny_carry_what_a_slack_button_carries_and_fall_back_to_submit() {
    let card = rendered(&fixture(CardState::Pending));
    let approve = &card["actions"][0];
    assert_eq!(approve["verb"], APPROVE);
    let data = ActionData::decode(&approve["data"]).expect("our data");
    assert_eq!(data.verb, APPROVE);
    assert_eq!(data.approval, ApprovalId(90_211));
    assert_eq!(data.requisition, RequisitionId(4812));
    assert_eq!(data.fingerprint, fixture(CardState::Pending).fingerprint);
    assert_eq!(data.issued(), at(ISSUED_AT));
    assert_eq!(approve["fallback"]["type"], "Action.Submit");
    assert_eq!(approve["fallback"]["data"], approve["data"]);

    let deny = &card["actions"][1]["card"]["actions"][0];
    assert_eq!(deny["verb"], DENY);
    assert_eq!(
        ActionData::decode(&deny["data"]).map(|d| d.verb),
        Some(DENY.to_owned())
    );
    assert_eq!(deny["fallback"]["data"]["v"], DENY);
    assert_eq!(ActionData::decode(&json!({"v": "approve"})), None);
}

#[test]
fn deny_opens_a_form_asking_for_a_required_reason_of_at_most_a_thousand_characters() {
    let card = rendered(&fixture(CardState::Pending));
    let form = &card["actions"][1];
    assert_eq!(form["type"], "Action.ShowCard");
    let input = &form["card"]["body"][1];
    assert_eq!(input["type"], "Input.Text");
    assert_eq!(input["id"], REASON_INPUT);
    assert_eq!(input["isRequired"], true);
    assert_eq!(input["maxLength"], 1_000);
    assert_eq!(input["errorMessage"], shared::REASON_MISSING);
    assert_eq!(
        form["card"]["body"][0]["text"],
        "Denying **Standing desks for the Lisbon office**."
    );
}

#[test]
fn a_refused_reason_shows_the_card_with_the_form_open_and_the_error_in_it() {
    for (problem, error) in [
        (ReasonProblem::Missing, shared::REASON_MISSING.to_owned()),
        (ReasonProblem::TooLong, shared::reason_too_long()),
    ] {
        let card =
            card_with_reason_error(&fixture(CardState::Pending), &recipients(), problem).card;
        let body = card["body"].as_array().expect("a body");
        let form = body
            .iter()
            .find(|b| b["type"] == "Container")
            .expect("the deny form open in the body");
        let items = form["items"].as_array().expect("form items");
        assert_eq!(items[1]["color"], "attention");
        assert_eq!(items[1]["text"], escape(&error));
        assert_eq!(items[2]["id"], REASON_INPUT);
        assert_eq!(body.last().expect("a block")["actions"][0]["verb"], DENY);
        // Approve and the link stay; Deny is not offered a second time.
        let top: Vec<&str> = card["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|a| a["title"].as_str())
            .collect();
        assert_eq!(top, ["Approve", "View in Coupa"]);
    }
}

#[test]
fn a_blank_or_overlong_reason_is_refused_and_a_good_one_is_trimmed() {
    assert_eq!(validate_reason(None), Err(ReasonProblem::Missing));
    assert_eq!(validate_reason(Some(" \n\t ")), Err(ReasonProblem::Missing));
    assert_eq!(
        validate_reason(Some(&"é".repeat(1_001))),
        Err(ReasonProblem::TooLong)
    );
    assert_eq!(
        validate_reason(Some(&"é".repeat(1_000))),
        Ok("é".repeat(1_000))
    );
    assert_eq!(
        validate_reason(Some("  over budget \n")),
        Ok("over budget".to_owned())
    );
}

#[test]
fn above_the_confirmation_amount_approve_first_says_what_is_approved_and_for_how_much() {
    let mut card = fixture(CardState::Pending);
    card.requisition.total = Money::new(Decimal::new(5_180_000, 2), "USD");
    card.confirm_approve = true;
    let rendered = rendered(&card);
    let approve = &rendered["actions"][0];
    assert_eq!(approve["type"], "Action.ShowCard");
    assert_eq!(approve["title"], "Approve");
    assert_eq!(
        approve["card"]["body"][0]["text"],
        "You are approving **Standing desks for the Lisbon office** for **USD 51,800.00**."
    );
    let confirm = &approve["card"]["actions"][0];
    assert_eq!(confirm["type"], "Action.Execute");
    assert_eq!(confirm["title"], "Confirm");
    assert_eq!(confirm["verb"], APPROVE);
    // Nothing approves without the confirmation.
    assert_eq!(
        actions(&rendered)
            .iter()
            .filter(|(_, verb)| verb == APPROVE)
            .count(),
        1
    );
}

#[test]
fn refresh_names_the_cards_recipients() {
    let card = rendered(&fixture(CardState::Pending));
    assert_eq!(card["refresh"]["userIds"], json!(["29:1jane", "29:1li"]));
    assert_eq!(card["refresh"]["action"]["verb"], REFRESH);
    let many: Vec<ChatUserId> = (0..100).map(|i| ChatUserId(format!("29:{i}"))).collect();
    let card = super::card(&fixture(CardState::Pending), &many).card;
    assert_eq!(
        card["refresh"]["userIds"].as_array().map(Vec::len),
        Some(MAX_REFRESH_USERS)
    );
}

#[test]
fn every_card_no_longer_waiting_says_what_happened_and_offers_only_the_link() {
    let decided = at(1_795_255_500);
    let cases = [
        (
            CardState::DecidedHere {
                decision: Decision::Reject,
                by: "Daniel Okafor".into(),
                at: decided,
                reason: Some("Use the *existing* desks".into()),
            },
            "❌ **Rejected** by Daniel Okafor in Teams · {{DATE(2026-11-21T10:05:00Z, SHORT)}} at {{TIME(2026-11-21T10:05:00Z)}}\n\nUse the \\*existing\\* desks",
        ),
        (
            CardState::DecidedByOther {
                decision: Decision::Approve,
                by: "Li Chen".into(),
                at: decided,
                as_delegate_for: None,
            },
            "✅ **Approved** by Li Chen (another approver of this step) · {{DATE(2026-11-21T10:05:00Z, SHORT)}} at {{TIME(2026-11-21T10:05:00Z)}}",
        ),
        (
            CardState::DecidedInCoupa {
                decision: Decision::Approve,
                by: Some("Li Chen".into()),
                at: None,
            },
            "✅ **Approved in Coupa** by Li Chen",
        ),
        (
            CardState::NoLongerPending,
            "ℹ️ **No longer waiting for your approval.** See Coupa for where it stands.",
        ),
        (
            CardState::Expired,
            "⌛ **These buttons expired.** Open the requisition in Coupa to decide it.",
        ),
        (
            CardState::Changed(None),
            "✏️ **This requisition changed after this card was sent.** See the new card below.",
        ),
        (
            CardState::Changed(Some(Change {
                total: Some((
                    Money::new(Decimal::new(742_050, 2), "USD"),
                    Money::new(Decimal::new(900_000, 2), "USD"),
                )),
                ..Change::default()
            })),
            "✏️ **Changed in Coupa:** total USD 7,420.50 → USD 9,000.00. See the new card below.",
        ),
    ];
    for (state, status) in cases {
        let card = rendered(&fixture(state.clone()));
        let texts = texts(&card["body"]);
        assert_eq!(texts.last().map(String::as_str), Some(status), "{state:?}");
        assert!(!has_buttons(&card), "{state:?} has buttons");
        assert_eq!(
            actions(&card),
            vec![("Action.OpenUrl".to_owned(), "View in Coupa".to_owned())]
        );
        assert!(
            card.get("refresh").is_none(),
            "{state:?} asks to be refreshed"
        );
    }
}

#[test]
fn a_changed_card_keeps_the_total_it_was_sent_with_beside_the_change() {
    let change = Change {
        total: Some((
            Money::new(Decimal::new(742_050, 2), "USD"),
            Money::new(Decimal::new(900_000, 2), "USD"),
        )),
        ..Change::default()
    };
    let card = rendered(&fixture(CardState::Changed(Some(change))));
    let texts = texts(&card["body"]);
    assert!(
        texts[1].contains("Total when sent: USD 7,420.50"),
        "{texts:#?}"
    );
    // What the card showed and nothing newer.
    assert!(
        !texts.iter().any(|t| t.contains("Justification")),
        "{texts:#?}"
    );
}

#[test]
fn a_card_that_replaces_another_says_what_changed() {
    let change = Change {
        justification: true,
        ..Change::default()
    };
    let card = rendered(&fixture(CardState::Pending).updated(Some(change)));
    assert_eq!(texts(&card["body"])[1], "✏️ Updated: justification changed");
}

#[test]
fn more_lines_than_shown_are_counted() {
    let mut card = fixture(CardState::Pending);
    let line = card.requisition.lines[0].clone();
    card.requisition.lines = (1..=8)
        .map(|n| Line {
            number: n,
            ..line.clone()
        })
        .collect();
    card.requisition.line_count = Some(12);
    let texts = texts(&rendered(&card));
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("**")).count(),
        SHOWN_LINES
    );
    assert!(
        texts.contains(&"+7 more lines in Coupa".to_owned()),
        "{texts:#?}"
    );
}

#[test]
fn coupa_text_cannot_make_links_emphasis_lists_or_date_functions() {
    assert_eq!(
        escape("[Log in](https://evil)"),
        "\\[Log in\\](https://evil)"
    );
    assert_eq!(escape("**x**"), "\\*\\*x\\*\\*");
    assert_eq!(
        escape("snake_case `code` ~~gone~~"),
        "snake\\_case \\`code\\` \\~\\~gone\\~\\~"
    );
    assert_eq!(escape("<https://evil>"), "\\<https://evil>");
    assert_eq!(
        escape("- one\n  + two\n3. three\n# four\n> five"),
        "\\- one\n  \\+ two\n3\\. three\n\\# four\n\\> five"
    );
    assert_eq!(escape("a - b, 3. c, x > y"), "a - b, 3. c, x > y");
    assert_eq!(
        escape("{{DATE(2026-01-01T00:00:00Z)}}"),
        "{\u{200B}{DATE(2026-01-01T00:00:00Z)}}"
    );
    assert_eq!(escape("a \\* b"), "a \\\\\\* b");
    assert_eq!(
        escape("Pens & paper &amp; &#60;"),
        "Pens & paper \\&amp; \\&#60;"
    );
}

#[test]
fn a_title_written_as_markdown_shows_as_typed_on_the_card_and_its_forms() {
    let mut card = fixture(CardState::Pending);
    card.requisition.title = "[Log in](https://evil) **now**".into();
    card.confirm_approve = true;
    let rendered = rendered(&card);
    let escaped = "\\[Log in\\](https://evil) \\*\\*now\\*\\*";
    assert_eq!(rendered["body"][0]["text"], escaped);
    let texts = texts(&rendered);
    assert!(
        texts.contains(&format!("Denying **{escaped}**.")),
        "{texts:#?}"
    );
    assert!(
        texts.contains(&format!(
            "You are approving **{escaped}** for **USD 7,420.50**."
        )),
        "{texts:#?}"
    );
}

#[test]
fn a_requisition_without_a_title_is_headed_by_its_number() {
    let mut card = fixture(CardState::Pending);
    card.requisition.title = "  ".into();
    assert_eq!(rendered(&card)["body"][0]["text"], "Requisition #4812");
}

#[test]
fn a_card_too_large_for_teams_is_cut_until_it_fits() {
    let mut card = fixture(CardState::Pending);
    card.requisition.title = "標".repeat(5_000);
    card.requisition.justification = Some("*".repeat(20_000));
    let line = card.requisition.lines[0].clone();
    card.requisition.lines = (1..=200)
        .map(|n| Line {
            number: n,
            description: "😀".repeat(3_000),
            ..line.clone()
        })
        .collect();
    let many: Vec<ChatUserId> = (0..60)
        .map(|i| ChatUserId(format!("29:{}", "x".repeat(120 + i % 3))))
        .collect();
    let rendered = super::card(&card, &many).card;
    assert!(
        size(&rendered) <= MAX_CARD_BYTES,
        "{} bytes",
        size(&rendered)
    );
    assert!(has_buttons(&rendered));
    assert_eq!(
        rendered["refresh"]["userIds"].as_array().map(Vec::len),
        Some(60)
    );
}

#[test]
fn a_card_kept_as_json_comes_back_the_same() {
    let change = Change {
        lines_added: vec![4],
        ..Change::default()
    };
    for card in [
        fixture(CardState::Pending),
        fixture(CardState::Changed(Some(change.clone()))).updated(Some(change)),
    ] {
        let kept = serde_json::to_string(&card).unwrap();
        assert_eq!(serde_json::from_str::<Card>(&kept).unwrap(), card);
    }
}

#[test]
fn a_card_being_decided_says_so_and_offers_only_the_link() {
    let card = deciding(&fixture(CardState::Pending), &recipients()).card;
    assert!(
        texts(&card["body"])
            .iter()
            .any(|t| t.starts_with("⏳ Deciding")),
        "{card:#}"
    );
    assert!(!has_buttons(&card), "{card:#}");
    assert_eq!(
        actions(&card),
        vec![("Action.OpenUrl".to_owned(), "View in Coupa".to_owned())]
    );
}
