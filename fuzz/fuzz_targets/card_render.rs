//! Arbitrary requisitions, approvals and card states rendered as Slack cards (`blocks::card`),
//! pending lists (`blocks::pending_list`, in a message and in App Home) and deny modals
//! (`blocks::deny_modal`): everything must serialise and stay inside Block Kit's limits.

#![no_main]

use arbitrary::Arbitrary;
use coupa_approvals::chat::card::CardState;
use coupa_approvals::sandbox::block_kit::{
    assert_blocks_within_limits, assert_message_within_limits, assert_modal_within_limits,
};
use coupa_approvals::slack::blocks::{self, ListOptions, limits};
use coupa_approvals::slack::channel::ChannelId;
use coupa_approvals::slack::payload::{ButtonValue, DenyMetadata};
use coupa_approvals::domain::records::PendingSnapshot;
use coupa_approvals_fuzz::domain_input::{CardInput, DecimalInput, PendingItemInput, timestamp};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    card: CardInput,
    deny_title: String,
    deny_channel: Option<String>,
    items: Vec<PendingItemInput>,
    shown: u8,
    stale: bool,
    in_home: bool,
    list_confirm_above: Option<DecimalInput>,
}

fuzz_target!(|input: Input| {
    let card = input.card.build();
    let rendered = blocks::card(&card);
    assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
    // Only a pending card carries decision buttons, and their value reads back as what it says.
    let json = serde_json::to_string(&rendered.blocks).expect("blocks serialise");
    assert_eq!(
        json.contains("\"action_id\":\"approve\""),
        card.state == CardState::Pending
    );
    if card.state == CardState::Pending {
        let value = ButtonValue::of(&card);
        assert_eq!(ButtonValue::decode(&value.encode()), Some(value.clone()));

        let metadata = DenyMetadata {
            button: value,
            channel: input.deny_channel.map(ChannelId),
        };
        let modal = serde_json::to_value(blocks::deny_modal(&metadata, &input.deny_title))
            .expect("the modal serialises");
        assert_modal_within_limits(&modal);
        let private = modal["private_metadata"].as_str().unwrap_or_default();
        assert_eq!(DenyMetadata::decode(private), Some(metadata));
    }

    let coupa = input.card.instance();
    let snapshot = PendingSnapshot {
        as_of: timestamp(input.card.issued_at),
        items: input.items.iter().map(PendingItemInput::build).collect(),
    };
    let max_blocks = if input.in_home {
        limits::VIEW_BLOCKS - 1
    } else {
        limits::MESSAGE_BLOCKS
    };
    let options = ListOptions {
        stale: input.stale,
        issued_at: timestamp(input.card.issued_at),
        confirm_above: input.list_confirm_above.map(DecimalInput::build),
        coupa: &coupa,
        shown: usize::from(input.shown),
        max_blocks,
    };
    let list = blocks::pending_list(&snapshot, &options);
    assert_message_within_limits(&list, max_blocks);
    if input.in_home {
        let home = serde_json::to_value(blocks::home(list)).expect("App Home serialises");
        assert_blocks_within_limits(&home["blocks"], limits::VIEW_BLOCKS);
    }
});
