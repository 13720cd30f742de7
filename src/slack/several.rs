//! Approving several at once in Slack. Pure.
//!
//! A "what's pending" list (and so a daily reminder, which is one) offers a `checkboxes` element
//! of its shown items that need no confirmation of their own (at or below
//! `CONFIRM_ABOVE_AMOUNT`), a backlog digest those of its items that still wait and need none;
//! each option's value is what the item carries ([`crate::chat::selection::Selected`], within
//! Slack's 150 characters); an **Approve selected** button follows. Slack sends the ticked options with the button's click (the
//! message's `state`); the bot then opens a confirmation modal saying the count and the sum (per
//! currency when mixed), its `private_metadata` carrying the selection and where the list is.
//! Its submission approves each item through the engine, and one message, visible to the person
//! only, lists what was approved and what was refused and why. Nothing ticked: a message says
//! so, and no modal opens.

use serde::{Deserialize, Serialize};
use slack_morphism::prelude::*;

use crate::chat::card::Card;
use crate::chat::selection::{self, Selected};
use crate::chat::wording as shared;
use crate::domain::ChatUserId;
use crate::domain::outcome::DecisionResult;
use crate::domain::records::PendingItem;
use crate::engine::several::ItemOutcome;

use super::blocks::{Rendered, limits};
use super::channel::ChannelId;
use super::format::{money, truncate};
use super::wording;

/// `block_id` of the actions block holding the selection and its button.
pub const SELECT_BLOCK: &str = "approve_several";
/// `block_id` of the line above the selection.
const SELECT_HEADING: &str = "approve_several_heading";
/// `block_id` of the line saying which items cannot be selected.
const SELECT_NOTE: &str = "approve_several_note";
/// `action_id` of the checkboxes.
pub const SELECT_INPUT: &str = "selected";
/// `action_id` of the Approve selected button.
pub const APPROVE_SELECTED: &str = "approve_selected";
/// `callback_id` of the confirmation modal.
pub const SEVERAL_MODAL: &str = "approve_several";

/// Options in one `checkboxes` element.
pub const MAX_OPTIONS: usize = 10;
/// Characters of an option's text.
pub const OPTION_TEXT: usize = 75;

/// The blocks that let a person approve `items` (the list's shown items) together: the
/// selection and its button, and a line saying how many cannot be selected; none when nothing
/// can be.
pub fn selection_blocks(
    items: &[PendingItem],
    issued_at: jiff::Timestamp,
    confirm_above: Option<rust_decimal::Decimal>,
) -> Vec<SlackBlock> {
    let choices: Vec<(Selected, String)> = items
        .iter()
        .filter(|item| selection::selectable(item, confirm_above))
        .map(|item| (Selected::of(item, issued_at), item.title.clone()))
        .collect();
    let left_out = items
        .iter()
        .filter(|item| !selection::selectable(item, confirm_above))
        .count();
    let note = match (confirm_above, left_out) {
        (Some(limit), 1..) => Some(shared::not_selectable(
            left_out,
            &crate::chat::format::amount(limit, 2),
        )),
        _ => None,
    };
    blocks(&choices, note)
}

/// The selection for a digest's `cards`: those still waiting that need no confirmation of their
/// own (the others keep their own Approve, which asks first).
pub fn digest_selection_blocks(cards: &[Card]) -> Vec<SlackBlock> {
    let choices: Vec<(Selected, String)> = cards
        .iter()
        .filter_map(|card| Some((Selected::of_card(card)?, card.requisition.title.clone())))
        .collect();
    blocks(&choices, None)
}

/// The heading, the checkboxes of `choices` (each item and its title) with Approve selected,
/// and `note`; none without a choice.
fn blocks(choices: &[(Selected, String)], note: Option<String>) -> Vec<SlackBlock> {
    let options: Vec<SlackBlockChoiceItem<SlackBlockText>> = choices
        .iter()
        .filter_map(|(selected, title)| {
            let value = selected.encode()?;
            let text = format!(
                "#{} {} · {}",
                selected.requisition,
                title.trim(),
                money(&selected.total)
            );
            Some(SlackBlockChoiceItem::new(
                SlackBlockText::Plain(SlackBlockPlainText::new(truncate(&text, OPTION_TEXT))),
                value,
            ))
        })
        .take(MAX_OPTIONS)
        .collect();
    if options.is_empty() {
        return Vec::new();
    }
    let checkboxes = SlackBlockCheckboxesElement::new(options).with_action_id(SELECT_INPUT.into());
    let button =
        SlackBlockButtonElement::new(SlackBlockPlainTextOnly::from(shared::APPROVE_SELECTED))
            .with_action_id(APPROVE_SELECTED.into())
            .with_value("selected".into());
    let mut blocks: Vec<SlackBlock> = vec![
        SlackSectionBlock::new()
            .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(
                shared::SELECT_SEVERAL.to_owned(),
            )))
            .with_block_id(SELECT_HEADING.into())
            .into(),
        SlackActionsBlock::new(vec![checkboxes.into(), button.into()])
            .with_block_id(SELECT_BLOCK.into())
            .into(),
    ];
    if let Some(note) = note {
        blocks.push(
            SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                SlackBlockMarkDownText::new(note),
            )])
            .with_block_id(SELECT_NOTE.into())
            .into(),
        );
    }
    blocks
}

/// `rendered` without the selection: App Home's list. Slack reports what is ticked in a view
/// only inside the view's own state, which the interaction as read here does not keep, so a
/// selection there could not be read back; App Home keeps each item's own buttons.
pub fn without_selection(mut rendered: Rendered) -> Rendered {
    rendered.blocks.retain(|block| {
        let id = match block {
            SlackBlock::Section(b) => b.block_id.as_ref(),
            SlackBlock::Actions(b) => b.block_id.as_ref(),
            SlackBlock::Context(b) => b.block_id.as_ref(),
            _ => None,
        };
        !id.is_some_and(|id| [SELECT_HEADING, SELECT_BLOCK, SELECT_NOTE].contains(&id.0.as_str()))
    });
    rendered
}

/// How many blocks [`selection_blocks`] takes at most.
pub const SELECTION_BLOCKS: usize = 3;

/// What the confirmation modal remembers: the selection and where the list is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeveralMetadata {
    /// The selected items, as [`selection::encode_all`] writes them.
    #[serde(rename = "s")]
    pub selected: String,
    /// The list's conversation (for the answer).
    #[serde(rename = "c")]
    pub channel: Option<ChannelId>,
}

/// The confirmation modal for `items`, ticked on a list in `channel`.
pub fn confirm_modal(items: &[Selected], channel: Option<ChannelId>) -> SlackView {
    let metadata = SeveralMetadata {
        selected: selection::encode_all(items),
        channel,
    };
    let text = shared::approve_several(items.len(), &selection::sum(items), |t| format!("*{t}*"));
    SlackView::Modal(
        SlackModalView::new(
            SlackBlockPlainTextOnly::from("Approve selected"),
            vec![
                SlackSectionBlock::new()
                    .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(
                        truncate(&text, limits::SECTION_TEXT),
                    )))
                    .into(),
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                    SlackBlockMarkDownText::new(shared::APPROVE_SEVERAL_NOTE.to_owned()),
                )])
                .into(),
            ],
        )
        .with_callback_id(SEVERAL_MODAL.into())
        .with_submit(SlackBlockPlainTextOnly::from(truncate(
            &format!("Approve {}", items.len()),
            limits::MODAL_TITLE,
        )))
        .with_close(SlackBlockPlainTextOnly::from("Cancel"))
        .with_private_metadata(serde_json::to_string(&metadata).unwrap_or_default()),
    )
}

/// One message listing what came of each item: a heading counting the approved ones, then
/// each requisition with its outcome (why, when refused).
pub fn outcome(outcomes: &[ItemOutcome]) -> Rendered {
    let approved = outcomes
        .iter()
        .filter(|o| matches!(o.result, DecisionResult::Done(_)))
        .count();
    let mut lines = Vec::with_capacity(outcomes.len());
    for item in outcomes {
        let icon = match item.result {
            DecisionResult::Done(_) => ":white_check_mark:",
            _ => ":warning:",
        };
        lines.push(format!(
            "{icon} {}",
            wording::decision(&item.regarding, &item.result)
        ));
    }
    let heading = shared::several_heading(approved, outcomes.len(), |t| format!("*{t}*"));
    let mut blocks: Vec<SlackBlock> = vec![section(&heading)];
    // One section per item keeps each within a section's 3,000 characters; a list has at most
    // ten, well within a message's 50 blocks.
    blocks.extend(
        lines
            .iter()
            .take(limits::MESSAGE_BLOCKS - 1)
            .map(|line| section(line)),
    );
    Rendered {
        text: truncate(
            &shared::several_summary(approved, outcomes.len()),
            limits::FALLBACK_TEXT,
        ),
        blocks,
    }
}

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(
            truncate(text, limits::SECTION_TEXT),
        )))
        .into()
}

/// A short message as blocks.
pub fn notice(text: &str) -> Rendered {
    Rendered {
        text: truncate(text, limits::FALLBACK_TEXT),
        blocks: vec![section(text)],
    }
}

/// What a press of Approve selected asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Pressed {
    /// Open the confirmation for these items with this trigger id.
    Confirm {
        /// Slack's trigger id for opening the modal.
        trigger: String,
        /// The modal.
        view: Box<SlackView>,
    },
    /// Nothing was ticked.
    NothingSelected,
    /// A ticked option is not one of the bot's, or there are more than a list shows.
    Unreadable,
}

/// Who pressed, where, and what it asks for; `None` when `event` is not a press of Approve
/// selected.
pub fn pressed(
    event: &SlackInteractionBlockActionsEvent,
) -> Option<(ChatUserId, Option<ChannelId>, Pressed)> {
    event
        .actions
        .iter()
        .flatten()
        .find(|a| a.action_id.to_string() == APPROVE_SELECTED)?;
    let user = ChatUserId(event.user.as_ref()?.id.to_string());
    let channel = super::handlers::clicked_in(event);
    let ticked: Vec<String> = event
        .state
        .as_ref()
        .and_then(|s| s.values.get(&SELECT_BLOCK.into()))
        .and_then(|block| block.get(&SELECT_INPUT.into()))
        .and_then(|input| input.selected_options.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|option| option.value)
        .collect();
    let items: Option<Vec<Selected>> = ticked.iter().map(|v| Selected::decode(v)).collect();
    let pressed = match items {
        Some(items) if items.is_empty() => Pressed::NothingSelected,
        Some(items) if items.len() <= crate::engine::several::SEVERAL_AT_ONCE => Pressed::Confirm {
            trigger: event.trigger_id.to_string(),
            view: Box::new(confirm_modal(&items, channel.clone())),
        },
        _ => Pressed::Unreadable,
    };
    Some((user, channel, pressed))
}

/// Who confirmed which items, and where the list is; `None` when `event` is not the
/// confirmation modal, or its metadata is not ours.
pub fn confirmed(
    event: &SlackInteractionViewSubmissionEvent,
) -> Option<(ChatUserId, Option<ChannelId>, Vec<Selected>)> {
    let SlackView::Modal(modal) = &event.view.view else {
        return None;
    };
    if modal.callback_id.as_ref().map(|c| c.to_string()).as_deref() != Some(SEVERAL_MODAL) {
        return None;
    }
    let metadata: SeveralMetadata =
        serde_json::from_str(modal.private_metadata.as_deref()?).ok()?;
    let items = selection::decode_all(&metadata.selected)?;
    Some((
        ChatUserId(event.user.id.to_string()),
        metadata.channel,
        items,
    ))
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::outcome::{Refusal, Regarding};
    use crate::domain::records::PendingSnapshot;
    use crate::domain::{ApprovalId, Decision, Fingerprint, Money, RequisitionId};
    use crate::sandbox::block_kit::{assert_message_within_limits, assert_modal_within_limits};
    use crate::slack::blocks::{ListOptions, pending_list};

    fn item(n: u64, cents: i64) -> PendingItem {
        PendingItem {
            approval: ApprovalId(u64::MAX - n),
            requisition: RequisitionId(u64::MAX - 100 - n),
            fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
            title: "Ergonomic chairs for the new office, with armrests ".repeat(4),
            total: Money::new(Decimal::new(cents, 2), "USD"),
            requester: Some("Jane Doe".into()),
            submitted_at: None,
            delegate_for: None,
        }
    }

    fn list(items: Vec<PendingItem>, max_blocks: usize) -> Rendered {
        let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
        pending_list(
            &PendingSnapshot {
                as_of: Timestamp::UNIX_EPOCH,
                items,
            },
            &ListOptions {
                stale: false,
                issued_at: Timestamp::UNIX_EPOCH,
                confirm_above: Some(Decimal::new(5_000, 0)),
                coupa: &coupa,
                shown: 10,
                max_blocks,
            },
        )
    }

    fn options(rendered: &Rendered) -> Vec<serde_json::Value> {
        let blocks = serde_json::to_value(&rendered.blocks).unwrap();
        blocks
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["block_id"] == SELECT_BLOCK)
            .flat_map(|b| b["elements"][0]["options"].as_array().unwrap().clone())
            .collect()
    }

    #[test]
    fn a_full_list_offers_only_the_items_within_the_threshold_inside_block_kit_limits() {
        let items: Vec<PendingItem> = (0..10)
            .map(|n| item(n, if n % 3 == 0 { 900_000 } else { 120_000 }))
            .collect();
        let rendered = list(items, limits::MESSAGE_BLOCKS);
        assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
        let offered = options(&rendered);
        assert_eq!(offered.len(), 6, "the four above 5,000 are not offered");
        for option in &offered {
            let selected = Selected::decode(option["value"].as_str().unwrap()).unwrap();
            assert_eq!(selected.total.amount, Decimal::new(120_000, 2));
        }
        let text = serde_json::to_string(&rendered.blocks).unwrap();
        assert!(text.contains("4 requisitions above 5,000.00 need their own confirmation"));

        // App Home's smaller budget still fits the selection below whole items.
        let home = list((0..10).map(|n| item(n, 100)).collect(), 20);
        assert_message_within_limits(&home, 20);
        assert!(!options(&home).is_empty());
    }

    #[test]
    fn app_homes_list_keeps_each_items_buttons_without_the_selection() {
        let items = vec![item(1, 100), item(2, 900_000)];
        let rendered = list(items, limits::MESSAGE_BLOCKS);
        let home = without_selection(rendered.clone());
        assert!(options(&home).is_empty());
        assert_eq!(home.blocks.len(), rendered.blocks.len() - 3);
        let text = serde_json::to_string(&home.blocks).unwrap();
        assert_eq!(text.matches("\"approve\"").count(), 2, "{text}");
        assert!(!text.contains("own confirmation"), "{text}");
    }

    #[test]
    fn a_list_with_nothing_selectable_has_no_selection() {
        assert!(options(&list(vec![item(1, 900_000)], limits::MESSAGE_BLOCKS)).is_empty());
    }

    #[test]
    fn the_confirmation_says_count_and_sum_per_currency_and_carries_the_selection() {
        let mut items: Vec<Selected> = (0..10)
            .map(|n| Selected::of(&item(n, 42_500), Timestamp::UNIX_EPOCH))
            .collect();
        items[9].total = Money::new(Decimal::new(30_000, 2), "EUR");
        let view =
            serde_json::to_value(confirm_modal(&items, Some(ChannelId::from("D1")))).unwrap();
        assert_modal_within_limits(&view);
        assert!(
            view.to_string()
                .contains("Approve *10 requisitions*, *USD 3,825.00 + EUR 300.00* in total?"),
            "{view}"
        );
        assert_eq!(view["submit"]["text"], "Approve 10");
        let metadata: SeveralMetadata =
            serde_json::from_str(view["private_metadata"].as_str().unwrap()).unwrap();
        assert_eq!(selection::decode_all(&metadata.selected), Some(items));
        assert_eq!(metadata.channel, Some(ChannelId::from("D1")));
    }

    #[test]
    fn the_outcome_lists_each_item_and_why_it_was_refused() {
        let regarding = |n: u64| Regarding {
            requisition: RequisitionId(n),
            title: Some("Chairs <b>".into()),
        };
        let rendered = outcome(&[
            ItemOutcome {
                regarding: regarding(1),
                result: DecisionResult::Done(Decision::Approve),
            },
            ItemOutcome {
                regarding: regarding(2),
                result: DecisionResult::Refused(Refusal::Changed),
            },
        ]);
        assert_message_within_limits(&rendered, limits::MESSAGE_BLOCKS);
        let text = serde_json::to_string(&rendered.blocks).unwrap();
        assert!(
            text.contains("Approved *1* of 2 requisitions in Coupa"),
            "{text}"
        );
        assert!(
            text.contains("#1 Chairs &lt;b&gt;: Approved in Coupa."),
            "{text}"
        );
        assert!(
            text.contains("#2 Chairs &lt;b&gt;: This requisition changed"),
            "{text}"
        );
        assert_eq!(rendered.text, "Approved 1 of 2 requisitions");
    }
}
