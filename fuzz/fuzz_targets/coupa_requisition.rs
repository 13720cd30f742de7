//! Coupa requisition JSON read the way the Coupa client reads it: one record
//! (`CoupaClient::requisition`: `model::parse` into `RawRequisition`, then `into_domain`) and a
//! list page (`model::parse` into JSON values, `RawKey` for keyset paging, `model::record` per
//! entry). Every requisition read must fingerprint stably and render as a card within limits.

#![no_main]

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::coupa::model::{self, RawKey, RawRequisition};
use coupa_approvals::domain::Requisition;
use coupa_approvals::sandbox::block_kit::assert_message_within_limits;
use coupa_approvals::slack::blocks::{self, limits};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

fn check(requisition: &Requisition) {
    let fingerprint = requisition.fingerprint();
    assert_eq!(fingerprint.0.len(), 32, "a 128-bit hex fingerprint");
    assert!(fingerprint.0.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(requisition.clone().fingerprint(), fingerprint, "stable");
    let _ = requisition.step();
    let Some(approval) = requisition.current_approvals.first() else {
        return;
    };
    let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
    let card = Card::new(
        requisition,
        approval,
        CardState::Pending,
        &coupa,
        Some(rust_decimal::Decimal::ONE_THOUSAND),
        requisition.updated_at,
    );
    assert_eq!(card.fingerprint, fingerprint);
    assert_message_within_limits(&blocks::card(&card), limits::MESSAGE_BLOCKS);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = model::parse::<RawRequisition>(data) {
        if let Ok(requisition) = raw.into_domain() {
            check(&requisition);
        }
    }
    if let Ok(page) = model::parse::<Vec<serde_json::Value>>(data) {
        for value in page {
            let _ = RawKey::deserialize(&value);
            if let Ok(requisition) = model::record(value, RawRequisition::into_domain) {
                check(&requisition);
            }
        }
    }
});
