//! `arbitrary` descriptions of the domain values a card is made from, and builders that turn
//! them into the library's own types. The derive lives here so the main crate does not depend on
//! `arbitrary`.

use arbitrary::Arbitrary;
use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::{
    Account, Approval, ApprovalId, ApprovalStatus, Approver, CoupaUserId, Decision, Fingerprint,
    GroupId, Line, Money, Person, Requisition, RequisitionId, RequisitionStatus,
};
use coupa_approvals::domain::hold::Hold;
use coupa_approvals::domain::records::PendingItem;
use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;

/// Any exact decimal: a 96-bit mantissa with a scale, or one of the extremes.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum DecimalInput {
    /// Mantissa and scale (the scale is taken modulo 29, Decimal's range).
    Parts(i128, u8),
    /// The largest decimal.
    Max,
    /// The smallest decimal.
    Min,
    /// Zero.
    Zero,
}

impl DecimalInput {
    /// The decimal.
    pub fn build(self) -> Decimal {
        match self {
            DecimalInput::Parts(mantissa, scale) => {
                Decimal::try_from_i128_with_scale(mantissa, u32::from(scale % 29)).unwrap_or(
                    if mantissa < 0 {
                        Decimal::MIN
                    } else {
                        Decimal::MAX
                    },
                )
            }
            DecimalInput::Max => Decimal::MAX,
            DecimalInput::Min => Decimal::MIN,
            DecimalInput::Zero => Decimal::ZERO,
        }
    }
}

/// Any timestamp jiff can hold (seconds are wrapped into its range).
pub fn timestamp(seconds: i64) -> Timestamp {
    let min = Timestamp::MIN.as_second();
    let span = Timestamp::MAX.as_second() - min + 1;
    Timestamp::from_second(min + seconds.rem_euclid(span)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An amount in a currency (any text, as Coupa might report it).
#[derive(Arbitrary, Debug, Clone)]
pub struct MoneyInput {
    amount: DecimalInput,
    currency: String,
}

impl MoneyInput {
    /// The money.
    pub fn build(&self) -> Money {
        Money::new(self.amount.build(), self.currency.clone())
    }
}

/// A requisition line.
#[derive(Arbitrary, Debug, Clone)]
pub struct LineInput {
    number: u32,
    description: String,
    quantity: Option<DecimalInput>,
    unit: Option<String>,
    unit_price: Option<MoneyInput>,
    total: Option<MoneyInput>,
    supplier: Option<String>,
    account: Option<(Option<String>, Option<String>)>,
}

impl LineInput {
    fn build(&self) -> Line {
        Line {
            number: self.number,
            description: self.description.clone(),
            quantity: self.quantity.map(DecimalInput::build),
            unit: self.unit.clone(),
            unit_price: self.unit_price.as_ref().map(MoneyInput::build),
            total: self.total.as_ref().map(MoneyInput::build),
            supplier: self.supplier.clone(),
            account: self
                .account
                .clone()
                .map(|(name, code)| Account { name, code }),
        }
    }
}

/// A person.
#[derive(Arbitrary, Debug, Clone)]
pub struct PersonInput {
    id: u64,
    email: Option<String>,
    full_name: String,
    active: bool,
}

impl PersonInput {
    fn build(&self) -> Person {
        Person {
            id: CoupaUserId(self.id),
            login: None,
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            active: self.active,
        }
    }
}

/// One approval step.
#[derive(Arbitrary, Debug, Clone)]
pub struct ApprovalInput {
    id: u64,
    status: String,
    position: Option<u32>,
    approver: ApproverInput,
}

/// A user or a group approver.
#[derive(Arbitrary, Debug, Clone)]
pub enum ApproverInput {
    /// One person.
    User(PersonInput),
    /// A group and its members.
    Group(u64, String, Vec<PersonInput>),
}

impl ApprovalInput {
    /// The approval.
    pub fn build(&self, requisition: RequisitionId) -> Approval {
        Approval {
            id: ApprovalId(self.id),
            status: ApprovalStatus::from_coupa(&self.status),
            position: self.position,
            requisition_id: Some(requisition),
            approver: match &self.approver {
                ApproverInput::User(person) => Approver::User(person.build()),
                ApproverInput::Group(id, name, members) => Approver::Group {
                    id: GroupId(*id),
                    name: name.clone(),
                    members: members.iter().map(PersonInput::build).collect(),
                },
            },
            decided_by: None,
            decided_at: None,
            note: None,
            holdable: true,
            updated_at: None,
            delegates: Vec::new(),
        }
    }
}

/// A requisition with whatever Coupa might hold in it.
#[derive(Arbitrary, Debug, Clone)]
pub struct RequisitionInput {
    id: u64,
    title: String,
    status: String,
    requested_by: Option<PersonInput>,
    total: MoneyInput,
    justification: Option<String>,
    need_by: Option<(i16, i8, i8)>,
    department: Option<String>,
    submitted_at: Option<i64>,
    updated_at: i64,
    line_count: Option<u32>,
    lines: Vec<LineInput>,
    approvals: Vec<ApprovalInput>,
    current: Vec<ApprovalInput>,
}

impl RequisitionInput {
    /// The requisition.
    pub fn build(&self) -> Requisition {
        let id = RequisitionId(self.id);
        Requisition {
            id,
            title: self.title.clone(),
            status: RequisitionStatus::from_coupa(&self.status),
            requested_by: self.requested_by.as_ref().map(PersonInput::build),
            total: self.total.build(),
            justification: self.justification.clone(),
            need_by: self.need_by.and_then(|(y, m, d)| Date::new(y, m, d).ok()),
            department: self.department.clone(),
            submitted_at: self.submitted_at.map(timestamp),
            updated_at: timestamp(self.updated_at),
            line_count: self.line_count,
            lines: self.lines.iter().map(LineInput::build).collect(),
            approvals: self.approvals.iter().map(|a| a.build(id)).collect(),
            current_approvals: self.current.iter().map(|a| a.build(id)).collect(),
        }
    }
}

/// Where the card's approval stands.
#[derive(Arbitrary, Debug, Clone)]
pub enum CardStateInput {
    /// Buttons shown.
    Pending,
    /// Decided through the bot by this recipient.
    DecidedHere(bool, String, i64, Option<String>),
    /// Decided through the bot by another approver.
    DecidedByOther(bool, String, i64),
    /// Decided in Coupa.
    DecidedInCoupa(bool, Option<i64>),
    /// No longer pending.
    NoLongerPending,
    /// Buttons expired.
    Expired,
    /// Changed after sending.
    Changed,
    /// On hold: by whom, why, when.
    OnHold(Option<String>, Option<String>, Option<i64>),
}

fn decision(approve: bool) -> Decision {
    if approve {
        Decision::Approve
    } else {
        Decision::Reject
    }
}

impl CardStateInput {
    /// The state.
    pub fn build(&self) -> CardState {
        match self {
            CardStateInput::Pending => CardState::Pending,
            CardStateInput::DecidedHere(approve, by, at, reason) => CardState::DecidedHere {
                decision: decision(*approve),
                by: by.clone(),
                at: timestamp(*at),
                reason: reason.clone(),
            },
            CardStateInput::DecidedByOther(approve, by, at) => CardState::DecidedByOther {
                decision: decision(*approve),
                by: by.clone(),
                at: timestamp(*at),
                as_delegate_for: None,
            },
            CardStateInput::DecidedInCoupa(approve, at) => CardState::DecidedInCoupa {
                decision: decision(*approve),
                by: None,
                at: at.map(timestamp),
            },
            CardStateInput::NoLongerPending => CardState::NoLongerPending,
            CardStateInput::Expired => CardState::Expired,
            CardStateInput::Changed => CardState::Changed(None),
            CardStateInput::OnHold(by, reason, at) => CardState::OnHold(Hold {
                by: by.clone(),
                reason: reason.clone(),
                at: at.map(timestamp),
            }),
        }
    }
}

/// Coupa instances as configured: plain, with a port, with a path, internationalised.
pub const INSTANCES: &[&str] = &[
    "https://acme.coupahost.com",
    "https://acme-test.coupahost.com:8443/",
    "https://coupa.example.com/some/base/",
    "https://bücher.example/",
];

/// A card: the requisition, the approval it is for, its state and how it was issued.
#[derive(Arbitrary, Debug, Clone)]
pub struct CardInput {
    /// The requisition.
    pub requisition: RequisitionInput,
    /// The approval the card is for.
    pub approval: ApprovalInput,
    /// Where it stands.
    pub state: CardStateInput,
    /// Which of [`INSTANCES`].
    pub instance: u8,
    /// Approve asks for confirmation above this total.
    pub confirm_above: Option<DecimalInput>,
    /// When the buttons were issued.
    pub issued_at: i64,
}

impl CardInput {
    /// The Coupa instance URL.
    pub fn instance(&self) -> url::Url {
        let text = INSTANCES[usize::from(self.instance) % INSTANCES.len()];
        url::Url::parse(text).expect("the listed instances are URLs")
    }

    /// The card, built with the library's own constructor.
    pub fn build(&self) -> Card {
        let requisition = self.requisition.build();
        let approval = self.approval.build(requisition.id);
        Card::new(
            &requisition,
            &approval,
            self.state.build(),
            &self.instance(),
            self.confirm_above.map(DecimalInput::build),
            timestamp(self.issued_at),
        )
    }
}

/// One item of a pending list.
#[derive(Arbitrary, Debug, Clone)]
pub struct PendingItemInput {
    approval: u64,
    requisition: u64,
    fingerprint: String,
    title: String,
    total: MoneyInput,
    requester: Option<String>,
    submitted_at: Option<i64>,
}

impl PendingItemInput {
    /// The item.
    pub fn build(&self) -> PendingItem {
        PendingItem {
            approval: ApprovalId(self.approval),
            requisition: RequisitionId(self.requisition),
            fingerprint: Fingerprint(self.fingerprint.clone()),
            title: self.title.clone(),
            total: self.total.build(),
            requester: self.requester.clone(),
            submitted_at: self.submitted_at.map(timestamp),
            delegate_for: None,
        }
    }
}
