//! A digest as Block Kit: several new approvals in one message, laid out as the "what's
//! pending" list is (each item's title, amount, requester, age and number, with the Approve and
//! Deny its own card would carry), each item that no longer waits showing how it ended instead
//! of buttons. Pure.
//!
//! A digest opens with a section, never a header, so that it is not taken for an approval's own
//! card when a conversation's messages are searched ([`crate::slack::found`]).

use slack_morphism::prelude::*;

use crate::chat::card::{Card, CardState};
use crate::chat::wording as shared;
use crate::domain::records::PendingItem;

use super::super::format::{escape, slack_date, truncate};
use super::super::found::DIGEST_BLOCK;
use super::super::payload::ButtonValue;
use super::super::wording;
use super::{
    Rendered, bold, buttons, icon, item_text, limits, link_button, md, section, title_case,
};

/// `items` (each an approval's card, oldest first) as one digest message.
pub fn digest(items: &[Card]) -> Rendered {
    let waiting = items
        .iter()
        .filter(|c| c.state == CardState::Pending)
        .count();
    // Its opening block's id marks it as a digest, for finding one whose record was lost.
    let mut blocks: Vec<SlackBlock> = vec![
        SlackSectionBlock::new()
            .with_text(md(
                shared::digest_heading(waiting, items.len(), bold),
                limits::SECTION_TEXT,
            ))
            .with_block_id(DIGEST_BLOCK.into())
            .into(),
    ];
    for card in items {
        blocks.push(SlackDividerBlock::new().into());
        let text = item_text(&item_of(card), card.issued_at);
        match status(card) {
            None => {
                blocks.push(section(text));
                let confirm = card
                    .confirm_approve
                    .then_some((card.requisition.title.as_str(), &card.requisition.total));
                blocks.push(buttons(
                    &ButtonValue::of(card),
                    confirm,
                    Some(&card.coupa_link),
                ));
            }
            Some(status) => {
                blocks.push(section(format!("{text}\n{status}")));
                blocks.push(SlackActionsBlock::new(vec![link_button(card)]).into());
            }
        }
    }
    // An engine digest holds few enough items to fit; a longer list is cut whole items at a time,
    // keeping room for the selection of items to approve together.
    let reserved = crate::slack::several::SELECTION_BLOCKS;
    let whole = (limits::MESSAGE_BLOCKS - 1 - reserved) / 3 * 3 + 1;
    let shown = (whole - 1) / 3;
    blocks.truncate(whole);
    blocks.extend(crate::slack::several::digest_selection_blocks(
        &items[..shown.min(items.len())],
    ));
    Rendered {
        text: truncate(&shared::digest_summary(waiting), limits::FALLBACK_TEXT),
        blocks,
    }
}

/// The item `card` shows, as the pending list shows one.
fn item_of(card: &Card) -> PendingItem {
    let r = &card.requisition;
    PendingItem {
        approval: card.approval,
        requisition: r.id,
        fingerprint: card.fingerprint.clone(),
        title: if r.title.trim().is_empty() {
            format!("Requisition #{}", r.id)
        } else {
            r.title.clone()
        },
        total: r.total.clone(),
        requester: r.requested_by.as_ref().map(|p| p.full_name.clone()),
        submitted_at: r.submitted_at,
        delegate_for: card.delegate_for.clone(),
    }
}

/// How an item that no longer waits ended, in one line; `None` while it waits.
fn status(card: &Card) -> Option<String> {
    Some(match &card.state {
        CardState::Pending => return None,
        CardState::DecidedHere {
            decision, by, at, ..
        } => format!(
            "{} *{}* by {} in Slack · {}",
            icon(*decision),
            title_case(decision.past_tense()),
            escape(by),
            slack_date(*at)
        ),
        CardState::DecidedByOther {
            decision,
            by,
            at,
            as_delegate_for,
        } => format!(
            "{} *{}* by {} ({}) · {}",
            icon(*decision),
            title_case(decision.past_tense()),
            escape(by),
            shared::decided_by_whom(as_delegate_for.as_deref().map(escape).as_deref()),
            slack_date(*at)
        ),
        CardState::OnHold(hold) => format!(
            ":double_vertical_bar: {}",
            shared::on_hold(
                hold.by.as_deref().map(escape).as_deref(),
                hold.reason.as_deref().map(escape).as_deref(),
                bold
            )
        ),
        CardState::DecidedInCoupa { decision, by, at } => format!(
            "{} *{} in Coupa*{}{}",
            icon(*decision),
            title_case(decision.past_tense()),
            by.as_deref()
                .map(|by| format!(" by {}", escape(by)))
                .unwrap_or_default(),
            at.map(|t| format!(" · {}", slack_date(t)))
                .unwrap_or_default()
        ),
        CardState::NoLongerPending => {
            format!(":information_source: {}", shared::no_longer_pending(bold))
        }
        CardState::Expired => format!(":hourglass: {}", shared::expired(bold)),
        CardState::Changed(Some(change)) => format!(
            ":pencil2: {}",
            shared::changed_in_coupa(&wording::change(change), bold)
        ),
        CardState::Changed(None) => format!(":pencil2: {}", shared::changed_since_sent(bold)),
    })
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::Value;

    use super::*;
    use crate::coupa::model::{RawRequisition, parse};
    use crate::domain::{Approval, ApprovalId, RequisitionId};
    use crate::sandbox::fixtures::Coupa;
    use crate::slack::found;
    use crate::slack::payload::{APPROVE, ButtonValue};

    const ISSUED_AT: i64 = 1_795_195_260;

    fn item(n: u64, state: CardState) -> Card {
        let mut requisition = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
            .expect("the fixture parses")
            .into_domain()
            .expect("the fixture reads into the domain");
        let mut approval: Approval = requisition
            .approvals
            .iter()
            .find(|a| a.id == ApprovalId(90_211))
            .cloned()
            .expect("the fixture's current approval");
        approval.id = ApprovalId(90_000 + n);
        requisition.id = RequisitionId(4_800 + n);
        let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
        let issued = Timestamp::from_second(ISSUED_AT).expect("a time");
        Card::new(&requisition, &approval, state, &coupa, None, issued)
    }

    fn approves(blocks: &Value) -> Vec<ButtonValue> {
        blocks
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|b| b["elements"].as_array().into_iter().flatten())
            .filter(|e| e["action_id"] == APPROVE)
            .filter_map(|e| ButtonValue::decode(e["value"].as_str()?))
            .collect()
    }

    #[test]
    fn ten_items_fit_a_message_each_with_its_own_cards_buttons() {
        let items: Vec<Card> = (1..=10).map(|n| item(n, CardState::Pending)).collect();
        let rendered = digest(&items);
        assert!(rendered.blocks.len() <= limits::MESSAGE_BLOCKS);
        let blocks = serde_json::to_value(&rendered.blocks).unwrap();
        let values = approves(&blocks);
        assert_eq!(values.len(), 10);
        assert_eq!(values[3], ButtonValue::of(&items[3]));
        assert_eq!(
            rendered.text,
            "10 requisitions are waiting for your approval"
        );
    }

    #[test]
    fn a_digest_is_never_taken_for_an_approvals_own_card_but_is_known_as_a_digest() {
        let items = vec![item(1, CardState::Pending), item(2, CardState::Expired)];
        let blocks = serde_json::to_value(&digest(&items).blocks).unwrap();
        assert_eq!(found::waiting_card(&blocks), None);
        assert_eq!(
            found::waiting_digest_item(&blocks, ApprovalId(90_001)),
            Some(ButtonValue::of(&items[0]))
        );
        assert_eq!(
            found::waiting_digest_item(&blocks, ApprovalId(90_002)),
            None,
            "an item no longer waiting"
        );
        assert_eq!(found::waiting_digest_item(&blocks, ApprovalId(7)), None);
    }

    #[test]
    fn an_item_no_longer_waiting_shows_why_instead_of_buttons() {
        let items = vec![item(1, CardState::Expired), item(2, CardState::Pending)];
        let blocks = serde_json::to_value(&digest(&items).blocks).unwrap();
        let values = approves(&blocks);
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].approval, ApprovalId(90_002));
        let json = blocks.to_string();
        assert!(json.contains("These buttons expired."), "{json}");
        assert!(
            json.contains("*1* of these 2 requisitions still waits"),
            "{json}"
        );
    }
}
