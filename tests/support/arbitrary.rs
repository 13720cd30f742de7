//! Requisitions and cards as Coupa might send them, for property tests: empty, long, non-Latin,
//! emoji and markup characters, hundreds of lines, any currency and amount; and every state a
//! card can be in.

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::change::Change;
use coupa_approvals::domain::hold::Hold;
use coupa_approvals::domain::{Account, Decision, Line, Money, RequisitionId};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::cards::{DECIDED_AT, at, dec};

/// Text as Coupa might hold it: empty, short, long, non-Latin, emoji, `<`, `&`, `>`.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => short_text(),
        1 => long_text(),
    ]
}

pub fn short_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   \n\t ".to_owned()),
        ".{0,40}",
        "[a-zA-Z &<>;*_~`]{0,200}",
        "[\u{4e00}-\u{4fff}\u{0600}-\u{06ff}]{1,60}",
        "[😀-🙏👍🏽\u{200d}]{1,60}",
    ]
}

/// Long enough to cross every limit, escaped or not.
pub fn long_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[&<>]{700,2000}",
        "[\u{4e00}-\u{4fff}\u{0400}-\u{04ff}]{2900,3200}",
        "[😀-🙏]{1500,3100}",
        "[a-z0-9 ]{2990,3100}",
        "[a-z &]{3000,6000}",
    ]
}

pub fn amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (any::<i64>(), 0u32..=12).prop_map(|(m, s)| Decimal::new(m, s)),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
    ]
}

pub fn currency() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z]{3}",
        Just("JPY".to_owned()),
        Just("KWD".to_owned()),
        text()
    ]
}

pub fn money() -> impl Strategy<Value = Money> {
    (amount(), currency()).prop_map(|(amount, currency)| Money::new(amount, currency))
}

/// Text for one of many lines or items: now and then long.
pub fn line_text() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => short_text(),
        1 => long_text(),
    ]
}

pub fn line() -> impl Strategy<Value = Line> {
    (
        any::<u32>(),
        line_text(),
        proptest::option::of(amount()),
        proptest::option::of(money()),
        proptest::option::of(money()),
        proptest::option::of(line_text()),
        proptest::option::of((
            proptest::option::of(line_text()),
            proptest::option::of(line_text()),
        )),
    )
        .prop_map(
            |(number, description, quantity, unit_price, total, supplier, account)| Line {
                number,
                description,
                quantity,
                unit: None,
                unit_price,
                total,
                supplier,
                account: account.map(|(name, code)| Account { name, code }),
            },
        )
}

/// The fixture card with its contents replaced by arbitrary ones.
pub fn arbitrary_card() -> impl Strategy<Value = Card> {
    (
        (text(), text(), money(), proptest::option::of(text())),
        (proptest::option::of(text()), any::<Option<u32>>()),
        proptest::collection::vec(line(), 0..=200),
        (any::<u64>(), any::<bool>()),
    )
        .prop_map(
            |(
                (title, requester, total, justification),
                (department, line_count),
                lines,
                (id, confirm),
            )| {
                let mut card = super::cards::card(CardState::Pending, None);
                let r = &mut card.requisition;
                r.id = RequisitionId(id);
                r.title = title;
                if let Some(person) = r.requested_by.as_mut() {
                    person.full_name = requester;
                }
                r.total = total;
                r.justification = justification;
                r.department = department;
                r.line_count = line_count;
                r.lines = lines;
                card.fingerprint = r.fingerprint();
                card.confirm_approve = confirm;
                card
            },
        )
}

pub fn every_state(name: &str, reason: &str) -> Vec<CardState> {
    let mut states = vec![CardState::Pending];
    for decision in [Decision::Approve, Decision::Reject] {
        states.push(CardState::DecidedHere {
            decision,
            by: name.to_owned(),
            at: at(DECIDED_AT),
            reason: Some(reason.to_owned()),
        });
        states.push(CardState::DecidedByOther {
            decision,
            by: name.to_owned(),
            at: at(DECIDED_AT),
            as_delegate_for: None,
        });
        states.push(CardState::DecidedInCoupa {
            decision,
            by: Some(name.to_owned()),
            at: Some(at(DECIDED_AT)),
        });
    }
    states.extend([
        CardState::DecidedInCoupa {
            decision: Decision::Reject,
            by: None,
            at: None,
        },
        CardState::NoLongerPending,
        CardState::Expired,
        CardState::OnHold(Hold {
            by: Some(name.to_owned()),
            reason: Some(reason.to_owned()),
            at: Some(at(DECIDED_AT)),
        }),
        CardState::Changed(None),
        CardState::Changed(Some(Change {
            total: Some((
                Money::new(dec("999999999999.99"), "USD"),
                Money::new(dec("1"), "USD"),
            )),
            lines_changed: (1..=500).collect(),
            lines_added: (501..=900).collect(),
            lines_removed: (901..=1200).collect(),
            justification: true,
            title: true,
            requester: true,
            need_by: Some((None, Some("2027-01-05".parse().unwrap()))),
            department: true,
        })),
    ]);
    states
}
