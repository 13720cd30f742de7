//! Approving several at once, the parts every platform shares: which items of a list may be
//! selected, what each selectable item carries back to the bot, and the totals a confirmation
//! shows. Pure.
//!
//! An item carries what its Approve button carries (approval, requisition, fingerprint, when the
//! list was issued) and the total the list showed, in one short text
//! (`90211:4812:0123…cdef:1763659240:4250.00:USD`): Slack keeps a checkbox's value within 150
//! characters, and Teams joins a multi-select's values with commas, so the text has neither
//! commas nor room for a title. The total is only what the confirmation shows; the engine
//! checks everything else, and the amount itself, against a fresh Coupa read.

use jiff::Timestamp;
use rust_decimal::Decimal;

use crate::chat::card::{Card, CardState};
use crate::domain::records::PendingItem;
use crate::domain::{ApprovalId, Fingerprint, Money, RequisitionId};
use crate::engine::several::ListedItem;

use super::format::money;

/// The longest text an item may carry (Slack's limit for a checkbox's value).
pub const MAX_VALUE_CHARS: usize = 150;

/// One selectable item, as the list showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The approval.
    pub approval: ApprovalId,
    /// Its requisition.
    pub requisition: RequisitionId,
    /// Fingerprint of the requisition as listed.
    pub fingerprint: Fingerprint,
    /// When the list was issued, Unix seconds.
    pub issued_at: i64,
    /// The total the list showed.
    pub total: Money,
}

impl Selected {
    /// `item` of a list issued at `issued_at`.
    pub fn of(item: &PendingItem, issued_at: Timestamp) -> Self {
        Self {
            approval: item.approval,
            requisition: item.requisition,
            fingerprint: item.fingerprint.clone(),
            issued_at: issued_at.as_second(),
            total: item.total.clone(),
        }
    }

    /// The item as one short text without commas; `None` when it would be longer than
    /// [`MAX_VALUE_CHARS`] or could not be read back (the item is then not offered).
    pub fn encode(&self) -> Option<String> {
        let text = format!(
            "{}:{}:{}:{}:{}:{}",
            self.approval,
            self.requisition,
            self.fingerprint.0,
            self.issued_at,
            self.total.amount,
            self.total.currency
        );
        (text.chars().count() <= MAX_VALUE_CHARS && Self::decode(&text).as_ref() == Some(self))
            .then_some(text)
    }

    /// Reads an item's text; `None` when it is not one of ours.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.trim().split(':');
        let approval = ApprovalId(parts.next()?.parse().ok()?);
        let requisition = RequisitionId(parts.next()?.parse().ok()?);
        let fingerprint = parts.next()?;
        if fingerprint.is_empty() || !fingerprint.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let issued_at = parts.next()?.parse().ok()?;
        let amount: Decimal = parts.next()?.parse().ok()?;
        let currency = parts.next()?;
        if currency.is_empty() || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            approval,
            requisition,
            fingerprint: Fingerprint(fingerprint.to_owned()),
            issued_at,
            total: Money::new(amount, currency),
        })
    }

    /// `card`, an item of a digest, when it may be approved with others: still waiting, and
    /// needing no confirmation of its own.
    pub fn of_card(card: &Card) -> Option<Self> {
        (card.state == CardState::Pending && !card.confirm_approve).then(|| Self {
            approval: card.approval,
            requisition: card.requisition.id,
            fingerprint: card.fingerprint.clone(),
            issued_at: card.issued_at.as_second(),
            total: card.requisition.total.clone(),
        })
    }

    /// What the engine decides.
    pub fn listed(&self) -> ListedItem {
        ListedItem {
            approval: self.approval,
            requisition: self.requisition,
            fingerprint: self.fingerprint.clone(),
            issued_at: Timestamp::from_second(self.issued_at).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }
}

/// Whether `item` may be approved with others: its total needs no confirmation of its own.
pub fn selectable(item: &PendingItem, confirm_above: Option<Decimal>) -> bool {
    confirm_above.is_none_or(|limit| item.total.amount <= limit)
}

/// Several items as one text (each item's, joined by commas, as Teams sends a multi-select).
pub fn encode_all(items: &[Selected]) -> String {
    items
        .iter()
        .filter_map(Selected::encode)
        .collect::<Vec<_>>()
        .join(",")
}

/// The items of a text made by [`encode_all`] (or sent by a multi-select), in order; `None` when
/// any part is not one of ours. An empty text is no items.
pub fn decode_all(text: &str) -> Option<Vec<Selected>> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(Selected::decode)
        .collect()
}

/// The sum of `items`' totals per currency, in the order the currencies first appear:
/// `USD 4,250.00`, or `USD 1,200.00 + EUR 300.00` when they are mixed.
pub fn sum(items: &[Selected]) -> String {
    let mut totals: Vec<Money> = Vec::new();
    for item in items {
        match totals
            .iter_mut()
            .find(|t| t.currency.eq_ignore_ascii_case(&item.total.currency))
        {
            Some(total) => total.amount += item.total.amount,
            None => totals.push(item.total.clone()),
        }
    }
    totals.iter().map(money).collect::<Vec<_>>().join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(approval: u64, amount: i64, currency: &str) -> Selected {
        Selected {
            approval: ApprovalId(approval),
            requisition: RequisitionId(approval + 1),
            fingerprint: Fingerprint("0123456789abcdef0123456789abcdef".into()),
            issued_at: 1_763_659_240,
            total: Money::new(Decimal::new(amount, 2), currency),
        }
    }

    #[test]
    fn an_item_round_trips_without_commas_within_slacks_limit() {
        let selected = item(u64::MAX - 1, i64::MAX, "USD");
        let text = selected.encode().expect("fits");
        assert!(text.chars().count() <= MAX_VALUE_CHARS, "{text}");
        assert!(!text.contains(','));
        assert_eq!(Selected::decode(&text), Some(selected));
    }

    #[test]
    fn several_items_round_trip_and_foreign_text_is_not_ours() {
        let items = vec![item(1, 100, "USD"), item(2, 250, "EUR")];
        assert_eq!(decode_all(&encode_all(&items)), Some(items));
        assert_eq!(decode_all(""), Some(vec![]));
        assert_eq!(decode_all("1:2:3"), None);
        assert_eq!(Selected::decode("1:2:f,f:3:4:USD"), None);
        assert_eq!(Selected::decode("1:2:ff:3:4:USD:extra"), None);
    }

    #[test]
    fn the_sum_adds_each_currency_apart() {
        let items = vec![
            item(1, 120_000, "USD"),
            item(2, 30_000, "EUR"),
            item(3, 305_000, "usd"),
        ];
        assert_eq!(sum(&items), "USD 4,250.00 + EUR 300.00");
        assert_eq!(sum(&items[..1]), "USD 1,200.00");
    }
}
