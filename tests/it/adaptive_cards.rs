//! The Microsoft Teams cards: valid against the Adaptive Cards 1.5 schema (vendored in
//! `tests/fixtures/adaptive-cards-schema/`, checked offline) and within Teams' card size limit
//! whatever Coupa sends, the approval card in every state and form, the "what's pending" list
//! (live and stale), a person's history of decisions, notices and help; and the JSON of representative cards, held in
//! `tests/snapshots/teams/`.

use crate::support;

use std::sync::OnceLock;

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::records::{AuditEntry, PendingItem, PendingSnapshot};
use coupa_approvals::domain::{ApprovalId, ChatUserId, Decision, Fingerprint, RequisitionId};
use coupa_approvals::engine::pending::{PendingAnswer, SHOWN_ITEMS};
use coupa_approvals::teams::card::{self, ListOptions, MAX_CARD_BYTES, ReasonProblem};
use proptest::prelude::*;
use serde_json::Value;

use support::arbitrary::{arbitrary_card, every_state, line_text, money, text};
use support::cards::{DECIDED_AT, ISSUED_AT, at, dec};
use support::snapshots::assert_snapshot;

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/adaptive-cards-schema/adaptive-card.1.5.0.json"
);

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(SCHEMA).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles offline")
    })
}

fn schema_errors(card: &Value) -> Vec<String> {
    validator()
        .iter_errors(card)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Valid, within the size limit, and with buttons exactly when the approval is still waiting.
fn assert_sendable(card: &Card, rendered: &Value) {
    let errors = schema_errors(rendered);
    assert!(errors.is_empty(), "{errors:#?}\n{rendered:#}");
    let size = card::size(rendered);
    assert!(size <= MAX_CARD_BYTES, "{size} bytes:\n{rendered}");
    let json = rendered.to_string();
    assert_eq!(
        json.contains("\"Action.Execute\""),
        card.state == CardState::Pending,
        "{:?}",
        card.state
    );
}

fn recipients() -> Vec<ChatUserId> {
    vec![
        ChatUserId("29:1bSnHZ7Js2STWrgk6ScEErLk1Lp2zQuD5H2qQ960rtvstKp8tKLl-3r8b6DoW0QxZimuTxk_kupZ1DBMpvIQQUAZL-PNj0EORDvRZXy8kvWk".into()),
        ChatUserId("29:1li".into()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_teams_card_in_every_state_is_valid_and_within_the_size_limit(
        card in arbitrary_card(),
        name in text(),
        reason in text(),
        users in proptest::collection::vec("29:[a-zA-Z0-9_-]{20,120}", 0..=80),
    ) {
        let users: Vec<ChatUserId> = users.into_iter().map(ChatUserId).collect();
        for state in every_state(&name, &reason) {
            let card = Card { state, ..card.clone() };
            assert_sendable(&card, &card::card(&card, &users).card);
        }
        let pending = Card { state: CardState::Pending, ..card };
        for problem in [ReasonProblem::Missing, ReasonProblem::TooLong] {
            let rendered = card::card_with_reason_error(&pending, &users, problem).card;
            assert_sendable(&pending, &rendered);
        }
    }
}

/// A list item as Coupa might send it (long, empty, markup, any currency or amount).
fn arbitrary_item() -> impl Strategy<Value = PendingItem> {
    (
        line_text(),
        money(),
        proptest::option::of(line_text()),
        any::<u64>(),
    )
        .prop_map(|(title, total, requester, id)| PendingItem {
            approval: ApprovalId(id),
            requisition: RequisitionId(id),
            fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
            title,
            total,
            requester: requester.clone(),
            submitted_at: Some(at(ISSUED_AT - 86_400)),
            // Held as a delegate when there is a requester, for whom the name stands.
            delegate_for: requester,
        })
}

/// Valid and within the size limit.
fn assert_valid_card(rendered: &Value) {
    let errors = schema_errors(rendered);
    assert!(errors.is_empty(), "{errors:#?}\n{rendered:#}");
    let size = card::size(rendered);
    assert!(size <= MAX_CARD_BYTES, "{size} bytes:\n{rendered}");
}

/// How many items a list card shows (each has Approve, or only its link when stale) and how many
/// it says are not shown.
fn listed_and_more(rendered: &Value) -> (usize, usize) {
    let json = rendered.to_string();
    let listed = json.matches("\"title\":\"View in Coupa\"").count();
    let more = json
        .split("…and ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (listed, more)
}

fn list_options(coupa: &url::Url) -> ListOptions<'_> {
    ListOptions {
        issued_at: at(ISSUED_AT),
        confirm_above: Some(dec("5000")),
        coupa,
        shown: SHOWN_ITEMS,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_pending_list_is_valid_within_the_size_limit_and_counts_what_it_leaves_out(
        items in proptest::collection::vec(arbitrary_item(), 0..=30),
        stale in any::<bool>(),
    ) {
        let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
        let snapshot = PendingSnapshot { as_of: at(ISSUED_AT - 600), items };
        let rendered = card::pending_list(&snapshot, stale, &list_options(&coupa)).card;
        assert_valid_card(&rendered);
        let (listed, more) = listed_and_more(&rendered);
        prop_assert!(listed <= SHOWN_ITEMS);
        prop_assert_eq!(listed + more, snapshot.items.len());
        prop_assert_eq!(rendered.to_string().contains("\"Action.Submit\""), !stale && listed > 0);
    }
}

/// `n` items as people name them: short titles, a requester, totals either side of the
/// confirmation amount.
fn typical_items(n: u64) -> Vec<PendingItem> {
    let titles = [
        "Standing desks for the Lisbon office",
        "External penetration test",
        "Conference travel: KubeCon EU",
        "Laptop refresh (design team)",
    ];
    (1..=n)
        .map(|k| PendingItem {
            approval: ApprovalId(90_200 + k),
            requisition: RequisitionId(4_800 + k),
            fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
            title: titles[(k as usize) % titles.len()].to_owned(),
            total: coupa_approvals::domain::Money::new(dec("1250.00") * dec(&k.to_string()), "USD"),
            requester: Some("Marta Alves".into()),
            submitted_at: Some(at(ISSUED_AT - (k as i64) * 86_400)),
            delegate_for: None,
        })
        .collect()
}

#[test]
fn a_full_list_of_everyday_requisitions_shows_every_one_it_may() {
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let snapshot = PendingSnapshot {
        as_of: at(ISSUED_AT),
        items: typical_items(SHOWN_ITEMS as u64 + 2),
    };
    let rendered = card::pending_list(&snapshot, false, &list_options(&coupa)).card;
    assert_valid_card(&rendered);
    assert_eq!(listed_and_more(&rendered), (SHOWN_ITEMS, 2));
}

#[test]
fn a_teams_pending_list_has_the_expected_shape() {
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let snapshot = PendingSnapshot {
        as_of: at(ISSUED_AT),
        items: typical_items(5),
    };
    let options = ListOptions {
        shown: 3,
        ..list_options(&coupa)
    };
    let rendered = card::pending(&PendingAnswer::Live(snapshot), &options).card;
    assert_valid_card(&rendered);
    assert_eq!(listed_and_more(&rendered), (3, 2));
    assert_snapshot("teams/pending_list", &rendered);
}

#[test]
fn a_stale_teams_pending_list_has_the_expected_shape() {
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let snapshot = PendingSnapshot {
        as_of: at(ISSUED_AT - 25 * 60),
        items: typical_items(2),
    };
    let rendered = card::pending(&PendingAnswer::Stale(snapshot), &list_options(&coupa)).card;
    assert_valid_card(&rendered);
    assert!(!rendered.to_string().contains("Action.Submit"));
    assert_snapshot("teams/pending_list_stale", &rendered);
}

#[test]
fn teams_notices_and_help_are_valid_cards() {
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    for answer in [
        PendingAnswer::Unavailable,
        PendingAnswer::Busy,
        PendingAnswer::NoEmail,
        PendingAnswer::NoCoupaUser {
            email: "marta.alves@acme.example".into(),
        },
    ] {
        assert_valid_card(&card::pending(&answer, &list_options(&coupa)).card);
    }
    let help = card::help().card;
    assert_valid_card(&help);
    assert_snapshot("teams/help", &help);
}

/// A decision of `n` in a person's history, its title and reason `words` long.
fn decided(n: u64, outcome: &str, words: usize) -> AuditEntry {
    AuditEntry {
        at: at(DECIDED_AT),
        actor: ChatUserId::from("29:daniel"),
        actor_email: Some("daniel@example.com".into()),
        approval: ApprovalId(90_000 + n),
        requisition: Some(RequisitionId(4_800 + n)),
        decision: Decision::Reject,
        outcome: outcome.into(),
        reason: Some("Rejected in Microsoft Teams by Daniel Okafor".into()),
        comment: Some(
            ["Over budget [see](https://evil) 😀"]
                .repeat(words)
                .join(" "),
        ),
        title: Some(["Standing desks *for* <everyone>"].repeat(words).join(" ")),
        total: Some(money_of("7420.50")),
        delegate_for: None,
    }
}

fn money_of(amount: &str) -> coupa_approvals::domain::Money {
    coupa_approvals::domain::Money::new(amount.parse().unwrap(), "USD")
}

#[test]
fn a_teams_history_is_a_valid_card_within_the_size_limit_however_long_its_words() {
    let short = card::history(&[decided(1, "rejected", 1), decided(2, "refused: expired", 1)]);
    assert_valid_card(&short.card);
    assert_snapshot("teams/history", &short.card);
    let long: Vec<AuditEntry> = (0..20).map(|n| decided(n, "rejected", 200)).collect();
    assert_valid_card(&card::history(&long).card);
    let empty = card::history(&[]);
    assert_valid_card(&empty.card);
    assert!(empty.summary.contains("haven't decided anything"));
}

/// The fixture card (USD 7,420.50) in `state`, with confirmation above `confirm_above`.
fn fixture(state: CardState, confirm_above: Option<&str>) -> Card {
    support::cards::card(state, confirm_above)
}

#[test]
fn a_pending_teams_card_has_the_expected_shape() {
    let card = fixture(CardState::Pending, None);
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/pending", &rendered);
}

#[test]
fn a_pending_teams_card_above_the_confirmation_amount_has_the_expected_shape() {
    let card = fixture(CardState::Pending, Some("5000"));
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/pending_confirm", &rendered);
}

#[test]
fn a_teams_card_after_a_blank_reason_has_the_expected_shape() {
    let card = fixture(CardState::Pending, None);
    let rendered = card::card_with_reason_error(&card, &recipients(), ReasonProblem::Missing).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/reason_missing", &rendered);
}

#[test]
fn a_denied_teams_card_has_the_expected_shape() {
    let card = fixture(
        CardState::DecidedHere {
            decision: Decision::Reject,
            by: "Daniel Okafor".into(),
            at: at(DECIDED_AT),
            reason: Some("Reuse the desks from the old floor.".into()),
        },
        None,
    );
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/decided_here_reject", &rendered);
}

#[test]
fn a_teams_card_on_hold_has_the_expected_shape() {
    let card = fixture(
        CardState::OnHold(coupa_approvals::domain::hold::Hold {
            by: Some("Daniel Okafor".into()),
            reason: Some("Waiting for the second quote".into()),
            at: Some(at(DECIDED_AT)),
        }),
        None,
    );
    let rendered = card::card(&card, &recipients()).card;
    assert_sendable(&card, &rendered);
    assert_snapshot("teams/on_hold", &rendered);
    let actions = rendered["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "only the link: {actions:?}");
    assert_eq!(actions[0]["type"], "Action.OpenUrl");
    assert!(
        rendered
            .to_string()
            .contains("**On hold** by Daniel Okafor: Waiting for the second quote")
    );
}

#[test]
fn the_schema_refuses_a_card_teams_would_refuse() {
    // The validation can fail: a card without its type, or with an unknown element, is refused.
    let mut rendered = card::card(&fixture(CardState::Pending, None), &recipients()).card;
    rendered["body"][0]["type"] = Value::from("Headline");
    assert!(!schema_errors(&rendered).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn every_reminder_is_a_valid_card_within_the_size_limit_and_counts_what_it_leaves_out(
        items in proptest::collection::vec(arbitrary_item(), 1..=30),
    ) {
        let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
        let snapshot = PendingSnapshot { as_of: at(ISSUED_AT - 600), items };
        let rendered = card::purpose_list(
            coupa_approvals::chat::list::ListPurpose::Reminder,
            &snapshot,
            &list_options(&coupa),
        )
        .card;
        assert_valid_card(&rendered);
        let (listed, more) = listed_and_more(&rendered);
        prop_assert!(listed <= SHOWN_ITEMS);
        prop_assert_eq!(listed + more, snapshot.items.len());
        prop_assert!(rendered["body"][0]["text"].as_str().unwrap_or_default().contains("Reminder:"));
    }
}
