//! Property tests: whatever Coupa sends (long, empty, non-Latin, emoji, Slack control
//! characters, hundreds of lines, any currency, any amount), every card, pending list and deny
//! modal stays inside Block Kit's limits, so Slack never rejects a message.

use crate::support;

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::records::{PendingItem, PendingSnapshot};
use coupa_approvals::domain::{ApprovalId, Fingerprint, Money, RequisitionId};
use coupa_approvals::sandbox::block_kit::{
    assert_message_within_limits, assert_modal_within_limits,
};
use coupa_approvals::slack::blocks::{self, ListOptions, limits};
use coupa_approvals::slack::channel::ChannelId;
use coupa_approvals::slack::payload::{ButtonValue, DenyMetadata};
use coupa_approvals::slack::several::SELECT_BLOCK;
use proptest::prelude::*;
use rust_decimal::Decimal;

use support::arbitrary::{arbitrary_card, every_state, line_text, money, text};
use support::cards::{ISSUED_AT, at};

const CASES: u32 = 64;

fn item() -> impl Strategy<Value = PendingItem> {
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
            submitted_at: Some(at(ISSUED_AT)),
            // Held as a delegate when there is a requester, for whom the name stands.
            delegate_for: requester,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn every_card_in_every_state_stays_within_block_kit_limits(
        card in arbitrary_card(),
        name in text(),
        reason in text(),
    ) {
        for state in every_state(&name, &reason) {
            let card = Card { state, ..card.clone() };
            let rendered = blocks::card(&card);
            assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
            let resolved = card.state != CardState::Pending;
            let json = serde_json::to_string(&rendered.blocks).expect("JSON");
            prop_assert_eq!(json.contains("\"approve\""), !resolved);
        }
    }

    #[test]
    fn every_pending_list_stays_within_its_block_limit(
        items in proptest::collection::vec(item(), 0..=300),
        shown in prop_oneof![Just(10usize), 0usize..=300],
        stale in any::<bool>(),
        max_blocks in prop_oneof![Just(limits::MESSAGE_BLOCKS), Just(limits::VIEW_BLOCKS)],
    ) {
        let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
        let snapshot = PendingSnapshot { as_of: at(ISSUED_AT), items };
        let options = ListOptions {
            stale,
            issued_at: at(ISSUED_AT),
            confirm_above: Some(Decimal::ONE_THOUSAND),
            coupa: &coupa,
            shown,
            max_blocks,
        };
        let rendered = blocks::pending_list(&snapshot, &options);
        assert_message_within_limits(&rendered, max_blocks);

        // Whole items only, and "…and N more" counts exactly what is not shown.
        let count = snapshot.items.len();
        let json = serde_json::to_value(&rendered.blocks).expect("JSON");
        let list = json.as_array().expect("blocks");
        let of_type = |t: &str| list.iter().filter(|b| b["type"] == t).count();
        let listed = of_type("divider");
        // Each shown item's buttons; the selection for approving several is a block of its own.
        let buttons = list
            .iter()
            .filter(|b| b["type"] == "actions" && b["block_id"] != SELECT_BLOCK)
            .count();
        prop_assert_eq!(buttons, if stale { 0 } else { listed });
        let more = list
            .iter()
            .filter_map(|b| b["elements"][0]["text"].as_str())
            .find_map(|t| t.strip_prefix("…and ")?.split(' ').next()?.parse::<usize>().ok())
            .unwrap_or(0);
        prop_assert_eq!(listed + more, count);
        if shown == 10 {
            prop_assert_eq!(listed, count.min(10), "the production list always fits");
        }
    }

    #[test]
    fn every_deny_modal_stays_within_modal_limits(
        title in text(),
        channel in proptest::option::of("[A-Z0-9]{1,40}"),
        approval in any::<u64>(),
        issued_at in any::<i64>(),
    ) {
        let metadata = DenyMetadata {
            button: ButtonValue {
                approval: ApprovalId(approval),
                requisition: RequisitionId(approval),
                fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
                issued_at,
            },
            channel: channel.map(ChannelId),
        };
        let view = serde_json::to_value(blocks::deny_modal(&metadata, &title)).expect("JSON");
        assert_modal_within_limits(&view);
        prop_assert_eq!(
            DenyMetadata::decode(view["private_metadata"].as_str().unwrap_or_default()),
            Some(metadata.clone())
        );
        // The hold modal is laid out alike and remembers the same.
        let hold = serde_json::to_value(blocks::hold_modal(&metadata, &title)).expect("JSON");
        assert_modal_within_limits(&hold);
        prop_assert_eq!(
            DenyMetadata::decode(hold["private_metadata"].as_str().unwrap_or_default()),
            Some(metadata)
        );
    }
}

// Regressions the properties found.

#[test]
fn a_long_pending_list_shows_whole_items_and_counts_the_rest() {
    let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
    let item = PendingItem {
        approval: ApprovalId(1),
        requisition: RequisitionId(1),
        fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
        title: "Laptops".into(),
        total: Money::new(Decimal::ONE_HUNDRED, "USD"),
        requester: None,
        submitted_at: None,
        delegate_for: None,
    };
    let snapshot = PendingSnapshot {
        as_of: at(ISSUED_AT),
        items: vec![item; 40],
    };
    let options = ListOptions {
        stale: false,
        issued_at: at(ISSUED_AT),
        confirm_above: None,
        coupa: &coupa,
        shown: 40,
        max_blocks: limits::VIEW_BLOCKS,
    };
    let rendered = blocks::pending_list(&snapshot, &options);
    let json = serde_json::to_value(&rendered.blocks).expect("JSON");
    let list = json.as_array().expect("blocks");
    // Heading, 31 items of three blocks, room for the selection of items to approve together,
    // the "more" line: every item shown with its buttons.
    let buttons = |b: &&serde_json::Value| b["type"] == "actions" && b["block_id"] != SELECT_BLOCK;
    assert_eq!(list.iter().filter(buttons).count(), 31);
    assert_eq!(list.iter().filter(|b| b["type"] == "divider").count(), 31);
    assert!(
        list.last()
            .expect("a block")
            .to_string()
            .contains("…and 9 more"),
        "{}",
        list.last().expect("a block")
    );
}

#[test]
fn a_requisition_without_a_title_gets_a_header_naming_its_number() {
    for title in ["", "  \n\t "] {
        let mut card = support::cards::card(CardState::Pending, None);
        card.requisition.title = title.to_owned();
        let rendered = blocks::card(&card);
        assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
        let json = serde_json::to_value(&rendered.blocks).expect("JSON");
        assert_eq!(json[0]["text"]["text"], "Requisition #4812");
    }
}

#[test]
fn the_largest_amount_in_a_three_decimal_currency_renders_a_card() {
    let mut card = support::cards::card(CardState::Pending, None);
    card.requisition.total = Money::new(Decimal::MAX, "KWD");
    let rendered = blocks::card(&card);
    assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
    assert!(
        rendered
            .text
            .contains("KWD 79,228,162,514,264,337,593,543,950,335.000"),
        "{}",
        rendered.text
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_reminder_stays_within_block_kit_limits_and_counts_what_it_leaves_out(
        items in proptest::collection::vec(item(), 1..=60),
    ) {
        let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
        let snapshot = PendingSnapshot { as_of: at(ISSUED_AT), items };
        let options = ListOptions {
            stale: false,
            issued_at: at(ISSUED_AT),
            confirm_above: Some(Decimal::ONE_THOUSAND),
            coupa: &coupa,
            shown: 10,
            max_blocks: limits::MESSAGE_BLOCKS,
        };
        let rendered = blocks::purpose_list(
            coupa_approvals::chat::list::ListPurpose::Reminder,
            &snapshot,
            &options,
        );
        assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
        let json = serde_json::to_value(&rendered.blocks).expect("JSON");
        let list = json.as_array().expect("blocks");
        prop_assert!(list[0].to_string().contains("Reminder:"));
        // Each item's buttons; the selection for approving several is a block of its own.
        let listed = list
            .iter()
            .filter(|b| b["type"] == "actions" && b["block_id"] != SELECT_BLOCK)
            .count();
        let more = list
            .iter()
            .filter_map(|b| b["elements"][0]["text"].as_str())
            .find_map(|t| t.strip_prefix("…and ")?.split(' ').next()?.parse::<usize>().ok())
            .unwrap_or(0);
        prop_assert_eq!(listed, snapshot.items.len().min(10));
        prop_assert_eq!(listed + more, snapshot.items.len());
    }
}
