//! What goes into the sandbox: people, approval chains and requisitions, as a test or the demo
//! describes them.

use rust_decimal::Decimal;

use crate::domain::{CoupaUserId, GroupId};

#[derive(Debug, Clone)]
pub struct SandboxUser {
    /// Coupa id.
    pub id: CoupaUserId,
    /// Login.
    pub login: String,
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Whether the account is active.
    pub active: bool,
}

/// Who approves one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepApprover {
    /// A user.
    User(CoupaUserId),
    /// Any active member of a group.
    Group(GroupId),
}

/// A line of a new requisition.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// What is bought.
    pub description: String,
    /// Quantity; `None` for an amount line.
    pub quantity: Option<Decimal>,
    /// Unit price; `None` for an amount line.
    pub unit_price: Option<Decimal>,
    /// Line total (for amount lines; quantity lines compute it).
    pub amount: Decimal,
    /// Supplier name.
    pub supplier: String,
    /// Account name and code.
    pub account: (String, String),
}

impl NewLine {
    /// A quantity line: `quantity` × `unit_price`.
    pub fn quantity(description: &str, quantity: i64, unit_price: Decimal, supplier: &str) -> Self {
        Self {
            description: description.to_owned(),
            quantity: Some(Decimal::from(quantity)),
            unit_price: Some(unit_price),
            amount: unit_price * Decimal::from(quantity),
            supplier: supplier.to_owned(),
            account: ("Operating Expenses".into(), "OPEX-6000".into()),
        }
    }

    /// An amount line (services, fees): no quantity or unit price.
    pub fn amount(description: &str, amount: Decimal, supplier: &str) -> Self {
        Self {
            description: description.to_owned(),
            quantity: None,
            unit_price: None,
            amount,
            supplier: supplier.to_owned(),
            account: ("Operating Expenses".into(), "OPEX-6000".into()),
        }
    }
}

/// A requisition to create in the sandbox, pending at its first step.
#[derive(Debug, Clone)]
pub struct NewRequisition {
    /// Title.
    pub title: String,
    /// Requester.
    pub requested_by: CoupaUserId,
    /// ISO currency code.
    pub currency: String,
    /// Lines.
    pub lines: Vec<NewLine>,
    /// Justification.
    pub justification: Option<String>,
    /// Department name.
    pub department: Option<String>,
    /// Need-by date, `YYYY-MM-DD`.
    pub need_by: Option<String>,
    /// Approval chain: each step lists its approvers; more than one means parallel approvals,
    /// all of which must approve before the next step.
    pub chain: Vec<Vec<StepApprover>>,
}

impl NewRequisition {
    /// Twelve standing desks and their delivery, USD 7,420.50, from `requested_by`, waiting for
    /// `chain`: the requisition the end-to-end tests decide.
    pub fn standing_desks(requested_by: CoupaUserId, chain: Vec<Vec<StepApprover>>) -> Self {
        Self {
            title: "Standing desks".into(),
            requested_by,
            currency: "USD".into(),
            lines: vec![
                NewLine::quantity("Desk", 12, Decimal::new(58_500, 2), "Ergonomica"),
                NewLine::amount("Delivery", Decimal::new(40_050, 2), "Ergonomica"),
            ],
            justification: Some("New floor".into()),
            department: Some("Engineering".into()),
            need_by: Some("2026-12-20".into()),
            chain,
        }
    }

    /// A requisition of one line for `amount` USD, waiting for `approver` alone: the shape that
    /// load and cost measurements create by the thousand.
    pub fn one_line(
        title: impl Into<String>,
        requested_by: CoupaUserId,
        approver: CoupaUserId,
        amount: Decimal,
    ) -> Self {
        Self {
            title: title.into(),
            requested_by,
            currency: "USD".into(),
            lines: vec![NewLine::amount("Item", amount, "Supplier")],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![vec![StepApprover::User(approver)]],
        }
    }
}
