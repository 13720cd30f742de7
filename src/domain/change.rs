//! What a card showed of a requisition, and what changed in Coupa since: kept with every
//! delivered card ([`Shown`]) so that, when the requisition changes, the old card can keep its
//! figures and both cards can say what changed ([`Change`]). Adapters word a [`Change`].
//!
//! [`Shown`] is part of a stored record: its serde field names are a stored format, and its
//! digests must stay stable across releases (SHA-256 over an explicit encoding, not `Hash`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Line, Money, Requisition};

/// One line of a requisition as a card showed it: its number and a digest of what is decided
/// on (description, quantity, price, total, supplier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownLine {
    /// The line's number in Coupa.
    pub number: u32,
    /// Digest of the line's decided-on fields.
    pub digest: String,
}

/// What a card showed of a requisition, enough to tell later what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    /// The requisition's title.
    pub title: String,
    /// Its total.
    pub total: Money,
    /// Its lines, by number and digest.
    pub lines: Vec<ShownLine>,
    /// Digest of its justification.
    pub justification: String,
}

impl Shown {
    /// What a card of `requisition` shows.
    pub fn of(requisition: &Requisition) -> Self {
        Self {
            title: requisition.title.clone(),
            total: requisition.total.clone(),
            lines: requisition
                .lines
                .iter()
                .map(|line| ShownLine {
                    number: line.number,
                    digest: line_digest(line),
                })
                .collect(),
            justification: digest(&[requisition.justification.as_deref().unwrap_or("")]),
        }
    }

    /// What changed from what the card showed to `now`.
    pub fn changes_to(&self, now: &Requisition) -> Change {
        let now_shown = Shown::of(now);
        let total_changed = self.total.currency != now.total.currency
            || self.total.amount.normalize() != now.total.amount.normalize();
        let before = |number: u32| self.lines.iter().find(|l| l.number == number);
        let after = |number: u32| now_shown.lines.iter().find(|l| l.number == number);
        let mut change = Change {
            total: total_changed.then(|| (self.total.clone(), now.total.clone())),
            lines_changed: Vec::new(),
            lines_added: Vec::new(),
            lines_removed: Vec::new(),
            justification: self.justification != now_shown.justification,
        };
        for line in &now_shown.lines {
            match before(line.number) {
                Some(old) if old.digest != line.digest => change.lines_changed.push(line.number),
                Some(_) => {}
                None => change.lines_added.push(line.number),
            }
        }
        for line in &self.lines {
            if after(line.number).is_none() {
                change.lines_removed.push(line.number);
            }
        }
        change
    }
}

/// What changed in a requisition between the card that was sent and now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    /// The total, before and after, when it changed.
    pub total: Option<(Money, Money)>,
    /// Numbers of lines whose description, quantity, price, total or supplier changed.
    pub lines_changed: Vec<u32>,
    /// Numbers of lines added.
    pub lines_added: Vec<u32>,
    /// Numbers of lines removed.
    pub lines_removed: Vec<u32>,
    /// Whether the justification changed.
    pub justification: bool,
}

impl Change {
    /// Whether anything the bot can name changed.
    pub fn is_empty(&self) -> bool {
        self.total.is_none()
            && self.lines_changed.is_empty()
            && self.lines_added.is_empty()
            && self.lines_removed.is_empty()
            && !self.justification
    }
}

fn line_digest(line: &Line) -> String {
    let decimal = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
    digest(&[
        &line.description,
        &decimal(line.quantity).unwrap_or_default(),
        &decimal(line.unit_price.as_ref().map(|m| m.amount)).unwrap_or_default(),
        &decimal(line.total.as_ref().map(|m| m.amount)).unwrap_or_default(),
        line.supplier.as_deref().unwrap_or(""),
    ])
}

/// A short digest of `fields`, each length-prefixed so that no two lists encode alike.
fn digest(fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"v1");
    for field in fields {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequisitionId, RequisitionStatus};
    use jiff::Timestamp;
    use rust_decimal::Decimal;

    fn usd(cents: i64) -> Money {
        Money::new(Decimal::new(cents, 2), "USD")
    }

    fn line(number: u32, cents: i64) -> Line {
        Line {
            number,
            description: format!("Line {number}"),
            quantity: None,
            unit: None,
            unit_price: None,
            total: Some(usd(cents)),
            supplier: None,
            account: None,
        }
    }

    fn requisition(lines: Vec<Line>) -> Requisition {
        Requisition {
            id: RequisitionId(125),
            title: "External penetration test".into(),
            status: RequisitionStatus::PendingApproval,
            requested_by: None,
            total: usd(lines
                .iter()
                .filter_map(|l| l.total.as_ref())
                .map(|m| i64::try_from(m.amount * Decimal::from(100)).unwrap_or_default())
                .sum()),
            justification: Some("Yearly".into()),
            need_by: None,
            department: None,
            submitted_at: None,
            updated_at: Timestamp::UNIX_EPOCH,
            line_count: None,
            lines,
            approvals: vec![],
            current_approvals: vec![],
        }
    }

    #[test]
    fn an_unchanged_requisition_has_no_change() {
        let r = requisition(vec![line(1, 195_000)]);
        assert!(Shown::of(&r).changes_to(&r).is_empty());
    }

    #[test]
    fn a_new_total_changed_and_added_lines_and_a_new_justification_are_named() {
        let before = requisition(vec![line(1, 150_000), line(2, 45_000)]);
        let mut after = requisition(vec![line(1, 150_000), line(2, 60_000), line(3, 30_000)]);
        after.justification = Some("Yearly, and the new office".into());
        let change = Shown::of(&before).changes_to(&after);
        assert_eq!(change.total, Some((usd(195_000), usd(240_000))));
        assert_eq!(change.lines_changed, vec![2]);
        assert_eq!(change.lines_added, vec![3]);
        assert!(change.lines_removed.is_empty());
        assert!(change.justification);
        let removed = Shown::of(&after).changes_to(&before);
        assert_eq!(removed.lines_removed, vec![3]);
    }
}
