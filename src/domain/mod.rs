//! The words of the business: requisitions, their approvals, the people who decide them, money.
//!
//! Everything here is plain data and pure functions. Adapters convert into these types (Coupa JSON
//! in `coupa::model`, Slack payloads in `slack`), the engine works only with them, and nothing here
//! performs I/O.
//!
//! - this module: ids, money, people and how their emails compare, approvals, requisitions,
//!   decisions and the longest reason they may carry.
//! - [`conversation`]: which chat platform, and opaque references to its conversations and
//!   messages.
//! - `attribution`: the reason sent to Coupa, naming who decided and on which platform, and
//!   whom a delegate stood in for.
//! - [`delegate`]: who may decide a step in the approver's place, and until when.
//! - [`change`]: what a card showed of a requisition, and what changed in Coupa since.
//! - [`hold`]: an approval put on hold: by whom, why, when, as a card shows it.
//! - [`outcome`]: what came of a decision request, typed; adapters word it.
//! - [`records`]: what the bot remembers between requests (delivered cards, claim outcomes, the
//!   directory cache, pending lists, the audit log); the store persists them.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub(crate) mod attribution;
pub mod change;
pub mod conversation;
pub mod delegate;
pub mod hold;
pub mod outcome;
pub mod records;

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as the platform spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

numeric_id!(
    /// A Coupa approval record (`/api/approvals/{id}`): one step of one requisition's chain.
    ApprovalId
);
numeric_id!(
    /// A Coupa requisition header (`/api/requisitions/{id}`).
    RequisitionId
);
numeric_id!(
    /// A Coupa user.
    CoupaUserId
);
numeric_id!(
    /// A Coupa user group or approval group.
    GroupId
);
text_id!(
    /// A chat platform's user id (Slack `U…`).
    ChatUserId
);
text_id!(
    /// A digest of what a card showed about a requisition; see [`Requisition::fingerprint`].
    Fingerprint
);

/// An amount of money in one currency. Never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exact.
    pub amount: Decimal,
    /// ISO 4217 code as Coupa reports it (`USD`, `EUR`).
    pub currency: String,
}

impl Money {
    /// Builds an amount in `currency`.
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// A Coupa user as far as approvals care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Coupa's id for the user.
    pub id: CoupaUserId,
    /// Login name in Coupa.
    pub login: Option<String>,
    /// Email address; the key that maps a Coupa user to a chat user.
    pub email: Option<String>,
    /// Display name (`fullname`, or first and last name).
    pub full_name: String,
    /// Inactive users keep their records but cannot act.
    pub active: bool,
}

/// An email address as the bot compares them: trimmed and lower-cased. Coupa users and chat
/// users are matched by email, and every cache is keyed by this form.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Who must decide an approval step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Approver {
    /// One named user.
    User(Person),
    /// Any one active member of a group.
    Group {
        /// Coupa's id for the group.
        id: GroupId,
        /// The group's name, shown on cards.
        name: String,
        /// Members as Coupa listed them; see [`Approver::people`].
        members: Vec<Person>,
    },
}

impl Approver {
    /// The people who may act on this step: the user, or the group's active members.
    pub fn people(&self) -> Vec<&Person> {
        match self {
            Approver::User(person) => vec![person],
            Approver::Group { members, .. } => members.iter().filter(|p| p.active).collect(),
        }
    }

    /// Whether the Coupa user `id` may decide this step.
    pub fn includes(&self, id: CoupaUserId) -> bool {
        self.people().iter().any(|p| p.id == id)
    }

    /// The name to show: the person's, or the group's.
    pub fn display_name(&self) -> &str {
        match self {
            Approver::User(person) => &person.full_name,
            Approver::Group { name, .. } => name,
        }
    }
}

/// Where an approval step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApprovalStatus {
    /// `pending_approval`: waiting for its approver now.
    PendingApproval,
    /// `pending`: a later step, not yet reached.
    Waiting,
    /// `approved`.
    Approved,
    /// `rejected`.
    Rejected,
    /// Any other status Coupa reports (`escalated`, `holding`, …), kept verbatim.
    Other(String),
}

impl ApprovalStatus {
    /// Reads Coupa's status word.
    pub fn from_coupa(status: &str) -> Self {
        match status {
            "pending_approval" => Self::PendingApproval,
            "pending" => Self::Waiting,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Only a step in this state can be approved, rejected or held.
    pub fn is_actionable(&self) -> bool {
        matches!(self, Self::PendingApproval)
    }

    /// Whether the step is on hold. Coupa's word for a held approval is not documented, so any
    /// status naming a hold counts (`holding`, `on_hold`); the Coupa client reads it the same way.
    pub fn is_held(&self) -> bool {
        matches!(self, Self::Other(word) if word.contains("hold"))
    }
}

/// One step of a requisition's approval chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Coupa's id for this step.
    pub id: ApprovalId,
    /// Where it stands.
    pub status: ApprovalStatus,
    /// Place in the chain, from 1.
    pub position: Option<u32>,
    /// The requisition this step belongs to, when Coupa said so.
    pub requisition_id: Option<RequisitionId>,
    /// Who must decide.
    pub approver: Approver,
    /// Who decided, as Coupa recorded it (for API decisions, the service account).
    pub decided_by: Option<Person>,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
    /// The reason or note recorded with the decision.
    pub note: Option<String>,
    /// Whether Coupa allows putting it on hold.
    pub holdable: bool,
    /// Coupa's last change to this record.
    pub updated_at: Option<Timestamp>,
    /// Who may decide in the approver's place (see [`delegate`]); active or not, as Coupa named
    /// them. Absent from records kept before delegates were read.
    #[serde(default)]
    pub delegates: Vec<delegate::Delegate>,
}

/// A requisition line's budget account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Human name of the account.
    pub name: Option<String>,
    /// Account code.
    pub code: Option<String>,
}

/// One line of a requisition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Line number as shown in Coupa.
    pub number: u32,
    /// What is bought.
    pub description: String,
    /// Quantity; absent on amount-based lines.
    pub quantity: Option<Decimal>,
    /// Unit of measure (`Each`).
    pub unit: Option<String>,
    /// Price per unit; absent on amount-based lines.
    pub unit_price: Option<Money>,
    /// Line total.
    pub total: Option<Money>,
    /// Supplier name.
    pub supplier: Option<String>,
    /// Budget account.
    pub account: Option<Account>,
}

/// Where a requisition stands as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequisitionStatus {
    /// `pending_approval`.
    PendingApproval,
    /// `approved`, `ordered` and later: nothing left to approve.
    Approved,
    /// Any other status (`draft`, `withdrawn`, `abandoned`, …), kept verbatim.
    Other(String),
}

impl RequisitionStatus {
    /// Reads Coupa's status word.
    pub fn from_coupa(status: &str) -> Self {
        match status {
            "pending_approval" => Self::PendingApproval,
            "approved" | "ordered" | "partially_received" | "received" => Self::Approved,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A purchase requisition with what an approver needs to decide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requisition {
    /// Coupa's id.
    pub id: RequisitionId,
    /// `req-title`.
    pub title: String,
    /// Overall status.
    pub status: RequisitionStatus,
    /// Who asked for it.
    pub requested_by: Option<Person>,
    /// Header total.
    pub total: Money,
    /// Why it is needed.
    pub justification: Option<String>,
    /// When it is needed.
    pub need_by: Option<Date>,
    /// Department name.
    pub department: Option<String>,
    /// When it was submitted for approval.
    pub submitted_at: Option<Timestamp>,
    /// Coupa's last change; the sync watermark is built from these.
    pub updated_at: Timestamp,
    /// Number of lines Coupa reports (may exceed `lines.len()` when trimmed).
    pub line_count: Option<u32>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Every step of the chain, in order.
    pub approvals: Vec<Approval>,
    /// The step(s) waiting now: the current approval and any parallel ones.
    pub current_approvals: Vec<Approval>,
}

impl Requisition {
    /// A digest of everything a card shows of the requisition: title, requester, total, need-by
    /// date, department, justification, the number of lines and each line (description,
    /// quantity, unit price, total, supplier, account). Buttons carry it, and a decision on a
    /// requisition whose fingerprint moved on is refused.
    ///
    /// Two renderings of the same requisition have the same fingerprint; any change to those
    /// fields gives another. It is stored with every card, so it must stay stable across
    /// releases: SHA-256 over an explicit, versioned encoding, not `Hash`. Compare with
    /// [`Requisition::unchanged_since`], which also accepts the fingerprints of cards sent by
    /// earlier releases.
    pub fn fingerprint(&self) -> Fingerprint {
        fingerprint_of(|field| {
            field("v2");
            self.v1_fields(field);
            field(&self.title);
            let requester = self.requested_by.as_ref();
            field(&requester.map(|p| p.id.to_string()).unwrap_or_default());
            field(requester.map(|p| p.full_name.as_str()).unwrap_or(""));
            field(&self.need_by.map(|d| d.to_string()).unwrap_or_default());
            field(self.department.as_deref().unwrap_or(""));
            field(&self.line_count.map(|n| n.to_string()).unwrap_or_default());
            for line in &self.lines {
                let account = line.account.as_ref();
                field(&line.number.to_string());
                field(account.and_then(|a| a.name.as_deref()).unwrap_or(""));
                field(account.and_then(|a| a.code.as_deref()).unwrap_or(""));
            }
        })
    }

    /// Whether a card whose buttons carry `fingerprint` still shows this requisition as it is.
    ///
    /// Cards sent before the fingerprint covered every shown field carry a version 1 fingerprint
    /// (total, lines and their suppliers, justification). They stay good until one of those
    /// fields changes, so that a release covering more fields does not make every live card
    /// look changed at once; their buttons expire within `BUTTON_TTL_HOURS` anyway. A version 2
    /// fingerprint never equals a version 1 one: each encoding starts with its version.
    pub fn unchanged_since(&self, fingerprint: &Fingerprint) -> bool {
        *fingerprint == self.fingerprint() || *fingerprint == self.fingerprint_v1()
    }

    /// The version 1 fingerprint, which cards sent by earlier releases carry: total, lines and
    /// suppliers, justification. New cards carry [`Requisition::fingerprint`].
    pub fn fingerprint_v1(&self) -> Fingerprint {
        fingerprint_of(|field| {
            field("v1");
            self.v1_fields(field);
        })
    }

    /// The fields version 1 covered, in its order (after its version).
    fn v1_fields(&self, field: &mut dyn FnMut(&str)) {
        field(&self.total.amount.normalize().to_string());
        field(&self.total.currency);
        field(self.justification.as_deref().unwrap_or(""));
        for line in &self.lines {
            field(&line.number.to_string());
            field(&line.description);
            field(&decimal_text(line.quantity));
            field(&decimal_text(line.unit_price.as_ref().map(|m| m.amount)));
            field(&decimal_text(line.total.as_ref().map(|m| m.amount)));
            field(line.supplier.as_deref().unwrap_or(""));
        }
    }

    /// How far along the chain the current step is, as (position, steps).
    pub fn step(&self) -> Option<(u32, u32)> {
        self.step_of(self.current_approvals.first()?)
    }

    /// Where `approval` sits in the chain, as (position, steps): a card shows the step it was
    /// sent for, even after the chain has moved on.
    pub fn step_of(&self, approval: &Approval) -> Option<(u32, u32)> {
        let position = approval.position?;
        let steps = self
            .approvals
            .iter()
            .filter_map(|a| a.position)
            .max()
            .unwrap_or(position)
            .max(position);
        Some((position, steps))
    }
}

/// SHA-256 over the fields `encode` gives, each length-prefixed so that no two lists encode
/// alike, as 32 hex digits.
fn fingerprint_of(encode: impl FnOnce(&mut dyn FnMut(&str))) -> Fingerprint {
    let mut hasher = Sha256::new();
    encode(&mut |value: &str| {
        hasher.update((value.len() as u64).to_le_bytes());
        hasher.update(value.as_bytes());
    });
    let digest = hasher.finalize();
    Fingerprint(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
}

fn decimal_text(value: Option<Decimal>) -> String {
    value.map(|d| d.normalize().to_string()).unwrap_or_default()
}

/// The longest reason, in characters: what an approver may type when denying, the comment that
/// goes into the attribution, and the whole reason sent to Coupa.
pub const MAX_REASON_CHARS: usize = 1_000;

/// What an approver chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approve the step.
    Approve,
    /// Reject (deny) the step; always with a reason.
    Reject,
    /// Put the step on hold, when Coupa allows it (`holdable`); always with a reason. It decides
    /// nothing: the approval waits until Coupa releases it, then can be decided again.
    Hold,
}

impl Decision {
    /// The stable word for what was done: "approved", "rejected" or "held". Metrics and the
    /// audit log are built from it.
    pub fn past_tense(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
            Decision::Hold => "held",
        }
    }

    /// Whether this choice asks for a reason: Deny and Hold do, Approve does not.
    pub fn needs_reason(self) -> bool {
        matches!(self, Decision::Reject | Decision::Hold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn requisition() -> Requisition {
        let usd = |s: &str| Money::new(Decimal::from_str(s).unwrap(), "USD");
        Requisition {
            id: RequisitionId(4812),
            title: "Standing desks".into(),
            status: RequisitionStatus::PendingApproval,
            requested_by: None,
            total: usd("7420.50"),
            justification: Some("Team moves".into()),
            need_by: None,
            department: None,
            submitted_at: None,
            updated_at: Timestamp::UNIX_EPOCH,
            line_count: Some(1),
            lines: vec![Line {
                number: 1,
                description: "Desk".into(),
                quantity: Some(Decimal::from(12)),
                unit: None,
                unit_price: Some(usd("585")),
                total: Some(usd("7020.00")),
                supplier: Some("Ergonomica".into()),
                account: None,
            }],
            approvals: vec![],
            current_approvals: vec![],
        }
    }

    #[test]
    fn fingerprint_ignores_trailing_zeros_and_metadata() {
        let a = requisition();
        let mut b = requisition();
        b.total.amount = Decimal::from_str("7420.5").unwrap();
        b.updated_at = Timestamp::from_second(1_000).unwrap();
        b.submitted_at = Some(Timestamp::from_second(2_000).unwrap());
        b.lines[0].unit = Some("Each".into());
        assert_eq!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn fingerprint_changes_with_every_field_the_card_shows() {
        let base = requisition().fingerprint();
        fn person(id: u64, name: &str) -> Person {
            Person {
                id: CoupaUserId(id),
                login: None,
                email: None,
                full_name: name.into(),
                active: true,
            }
        }
        type Edit = fn(&mut Requisition);
        let changes: Vec<(&str, Edit)> = vec![
            ("title", |r| r.title = "Sitting desks".into()),
            ("requester", |r| r.requested_by = Some(person(7, "Ana"))),
            ("need-by date", |r| {
                r.need_by = Some(Date::constant(2027, 1, 5))
            }),
            ("department", |r| r.department = Some("Finance".into())),
            ("line count", |r| r.line_count = Some(9)),
            ("line account", |r| {
                r.lines[0].account = Some(Account {
                    name: Some("Capital".into()),
                    code: Some("6100".into()),
                })
            }),
        ];
        for (field, change) in changes {
            let mut changed = requisition();
            change(&mut changed);
            assert_ne!(base, changed.fingerprint(), "{field}");
            assert!(!changed.unchanged_since(&base), "{field}");
        }
        let mut renamed = requisition();
        renamed.requested_by = Some(person(7, "Ana"));
        let mut other = renamed.clone();
        other.requested_by = Some(person(7, "Ana Ribeiro"));
        assert_ne!(
            renamed.fingerprint(),
            other.fingerprint(),
            "requester's name"
        );
    }

    #[test]
    fn a_version_1_fingerprint_stays_what_earlier_releases_stored() {
        // Stored with cards and carried in buttons: this value must never change.
        assert_eq!(
            requisition().fingerprint_v1(),
            Fingerprint("5a54094f01f4aa679fd1cf2562059da8".into())
        );
        assert_ne!(requisition().fingerprint(), requisition().fingerprint_v1());
    }

    #[test]
    fn a_card_sent_with_a_version_1_fingerprint_stays_good_until_a_field_it_covered_changes() {
        let v1 = requisition().fingerprint_v1();
        assert!(requisition().unchanged_since(&v1));
        let mut retitled = requisition();
        retitled.title = "Sitting desks".into();
        retitled.department = Some("Finance".into());
        assert!(
            retitled.unchanged_since(&v1),
            "fields version 1 did not cover"
        );
        let mut repriced = requisition();
        repriced.total.amount = Decimal::from(7421);
        assert!(!repriced.unchanged_since(&v1));
        assert!(!requisition().unchanged_since(&Fingerprint("0123".into())));
    }

    #[test]
    fn fingerprint_changes_with_total_lines_supplier_or_justification() {
        let base = requisition().fingerprint();
        let mut changed = requisition();
        changed.total.amount = Decimal::from(7421);
        assert_ne!(base, changed.fingerprint());
        let mut changed = requisition();
        changed.lines[0].supplier = Some("Other".into());
        assert_ne!(base, changed.fingerprint());
        let mut changed = requisition();
        changed.justification = None;
        assert_ne!(base, changed.fingerprint());
        let mut changed = requisition();
        changed.lines[0].quantity = Some(Decimal::from(13));
        assert_ne!(base, changed.fingerprint());
    }

    #[test]
    fn group_approver_includes_only_active_members() {
        let person = |id, active| Person {
            id: CoupaUserId(id),
            login: None,
            email: None,
            full_name: format!("p{id}"),
            active,
        };
        let group = Approver::Group {
            id: GroupId(12),
            name: "IT".into(),
            members: vec![person(42, true), person(63, false)],
        };
        assert!(group.includes(CoupaUserId(42)));
        assert!(!group.includes(CoupaUserId(63)));
        assert_eq!(group.people().len(), 1);
    }
}
