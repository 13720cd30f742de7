//! What a card showed of a requisition, and what changed in Coupa since: kept with every
//! delivered card ([`Shown`]) so that, when the requisition changes, the old card can keep its
//! figures and both cards can say what changed ([`Change`]). Adapters word a [`Change`].
//!
//! [`Shown`] is part of a stored record: its serde field names are a stored format, and its
//! digests must stay stable across releases (SHA-256 over an explicit encoding, not `Hash`).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Line, Money, Requisition};

/// One line of a requisition as a card showed it: its number and digests of what it showed
/// (description, quantity, price, total, supplier; and the account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownLine {
    /// The line's number in Coupa.
    pub number: u32,
    /// Digest of the line's description, quantity, price, total and supplier.
    pub digest: String,
    /// Digest of the line's account; `None` for cards recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// The header details a card showed beside the title and total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownDetails {
    /// The requester's name.
    pub requester: Option<String>,
    /// The need-by date.
    pub need_by: Option<Date>,
    /// The department.
    pub department: Option<String>,
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
    /// Its requester, need-by date and department; `None` for cards recorded before they were
    /// kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ShownDetails>,
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
                    account: Some(account_digest(line)),
                })
                .collect(),
            justification: digest(&[requisition.justification.as_deref().unwrap_or("")]),
            details: Some(ShownDetails {
                requester: requisition
                    .requested_by
                    .as_ref()
                    .map(|p| p.full_name.clone()),
                need_by: requisition.need_by,
                department: requisition.department.clone(),
            }),
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
            title: self.title != now.title,
            ..Change::default()
        };
        // What a card recorded before these were kept is not compared: nothing is claimed to
        // have changed that the bot cannot tell.
        if let (Some(was), Some(is)) = (&self.details, &now_shown.details) {
            change.requester = was.requester != is.requester;
            change.need_by = (was.need_by != is.need_by).then_some((was.need_by, is.need_by));
            change.department = was.department != is.department;
        }
        for line in &now_shown.lines {
            match before(line.number) {
                Some(old)
                    if old.digest != line.digest
                        || (old.account.is_some() && old.account != line.account) =>
                {
                    change.lines_changed.push(line.number)
                }
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Change {
    /// The total, before and after, when it changed.
    pub total: Option<(Money, Money)>,
    /// Numbers of lines whose description, quantity, price, total, supplier or account changed.
    pub lines_changed: Vec<u32>,
    /// Numbers of lines added.
    pub lines_added: Vec<u32>,
    /// Numbers of lines removed.
    pub lines_removed: Vec<u32>,
    /// Whether the justification changed.
    pub justification: bool,
    /// Whether the title changed.
    pub title: bool,
    /// Whether the requester changed.
    pub requester: bool,
    /// The need-by date, before and after, when it changed.
    pub need_by: Option<(Option<Date>, Option<Date>)>,
    /// Whether the department changed.
    pub department: bool,
}

impl Change {
    /// Whether anything the bot can name changed.
    pub fn is_empty(&self) -> bool {
        self.total.is_none()
            && self.lines_changed.is_empty()
            && self.lines_added.is_empty()
            && self.lines_removed.is_empty()
            && !self.justification
            && !self.title
            && !self.requester
            && self.need_by.is_none()
            && !self.department
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

fn account_digest(line: &Line) -> String {
    let account = line.account.as_ref();
    digest(&[
        account.and_then(|a| a.name.as_deref()).unwrap_or(""),
        account.and_then(|a| a.code.as_deref()).unwrap_or(""),
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
    fn a_new_title_requester_need_by_date_department_or_account_is_named() {
        let before = requisition(vec![line(1, 195_000)]);
        let mut after = before.clone();
        after.title = "Internal penetration test".into();
        after.requested_by = Some(crate::domain::Person {
            id: crate::domain::CoupaUserId(7),
            login: None,
            email: None,
            full_name: "Ana Ribeiro".into(),
            active: true,
        });
        after.need_by = Some(Date::constant(2027, 1, 5));
        after.department = Some("Finance".into());
        after.lines[0].account = Some(crate::domain::Account {
            name: Some("Capital".into()),
            code: None,
        });
        let change = Shown::of(&before).changes_to(&after);
        assert!(change.title && change.requester && change.department);
        assert_eq!(
            change.need_by,
            Some((None, Some(Date::constant(2027, 1, 5))))
        );
        assert_eq!(change.lines_changed, vec![1]);
        assert_eq!(change.total, None);
    }

    #[test]
    fn what_a_card_recorded_before_details_were_kept_is_not_called_changed() {
        let before = requisition(vec![line(1, 195_000)]);
        let mut old_record = Shown::of(&before);
        old_record.details = None;
        old_record.lines[0].account = None;
        let mut after = before.clone();
        after.department = Some("Finance".into());
        after.lines[0].account = Some(crate::domain::Account {
            name: Some("Capital".into()),
            code: None,
        });
        assert!(old_record.changes_to(&after).is_empty());
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
