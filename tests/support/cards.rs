//! The card fixture: the shared Coupa fixture's requisition ("Standing desks for the Lisbon
//! office", USD 7,420.50, two lines, step 2 of 3) as a [`Card`], with fixed times so rendered
//! JSON is stable.

use std::str::FromStr;

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::{
    Account, Approval, ApprovalId, ApprovalStatus, Approver, CoupaUserId, Line, Money, Person,
    Requisition, RequisitionId, RequisitionStatus,
};
use jiff::Timestamp;
use rust_decimal::Decimal;

/// When the card's buttons were issued (2026-11-20 17:21:00 UTC).
pub const ISSUED_AT: i64 = 1_795_195_260;
/// When a decision on the card was made (2026-11-21 10:05:00 UTC).
pub const DECIDED_AT: i64 = 1_795_255_500;

/// A fixed time, Unix seconds.
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("a valid timestamp")
}

/// A decimal from text.
pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal")
}

/// A person in the fixture.
pub fn person(id: u64, name: &str, email: &str) -> Person {
    Person {
        id: CoupaUserId(id),
        login: None,
        email: Some(email.to_owned()),
        full_name: name.to_owned(),
        active: true,
    }
}

/// Step `position` of the chain, decided or not.
pub fn approval(id: u64, position: u32, status: ApprovalStatus, approver: Person) -> Approval {
    Approval {
        id: ApprovalId(id),
        status,
        position: Some(position),
        requisition_id: Some(RequisitionId(4812)),
        approver: Approver::User(approver),
        decided_by: None,
        decided_at: None,
        note: None,
        holdable: true,
        updated_at: None,
        delegates: Vec::new(),
    }
}

fn usd(amount: &str) -> Money {
    Money::new(dec(amount), "USD")
}

fn account() -> Option<Account> {
    Some(Account {
        name: Some("Office Furniture - Lisbon".into()),
        code: Some("LIS-6100-ENG".into()),
    })
}

/// Requisition 4812 as Coupa returns it in `tests/fixtures/coupa/requisition-pending.json`.
pub fn requisition() -> Requisition {
    let daniel = person(42, "Daniel Okafor", "daniel.okafor@example.com");
    let current = approval(90211, 2, ApprovalStatus::PendingApproval, daniel);
    Requisition {
        id: RequisitionId(4812),
        title: "Standing desks for the Lisbon office".into(),
        status: RequisitionStatus::PendingApproval,
        requested_by: Some(person(118, "Marta Kowalski", "marta.kowalski@example.com")),
        total: usd("7420.50"),
        justification: Some(
            "Team of 12 moves into the new floor on Jan 5; current desks stay in the old building."
                .into(),
        ),
        need_by: Some("2026-12-20".parse().expect("a date")),
        department: Some("Engineering".into()),
        submitted_at: Some(at(1_795_195_240)),
        updated_at: at(1_795_195_241),
        line_count: Some(2),
        lines: vec![
            Line {
                number: 1,
                description: "Electric sit-stand desk, 160x80, oak top".into(),
                quantity: Some(dec("12")),
                unit: Some("Each".into()),
                unit_price: Some(usd("585.00")),
                total: Some(usd("7020.00")),
                supplier: Some("Ergonomica Lda".into()),
                account: account(),
            },
            Line {
                number: 2,
                description: "Delivery and assembly".into(),
                quantity: None,
                unit: None,
                unit_price: None,
                total: Some(usd("400.50")),
                supplier: Some("Ergonomica Lda".into()),
                account: account(),
            },
        ],
        approvals: vec![
            approval(
                90210,
                1,
                ApprovalStatus::Approved,
                person(77, "Li Chen", "li.chen@example.com"),
            ),
            current.clone(),
            approval(
                90212,
                3,
                ApprovalStatus::Waiting,
                person(5, "Ana Ribeiro", "ana.ribeiro@example.com"),
            ),
        ],
        current_approvals: vec![current],
    }
}

/// The card for step 2 of [`requisition`] in `state`; `confirm_above` as `CONFIRM_ABOVE_AMOUNT`.
pub fn card(state: CardState, confirm_above: Option<&str>) -> Card {
    let requisition = requisition();
    let instance = url::Url::parse("https://acme.coupahost.com").expect("a URL");
    Card::new(
        &requisition,
        &requisition.current_approvals[0],
        state,
        &instance,
        confirm_above.map(dec),
        at(ISSUED_AT),
    )
}
