//! A decision's claim is short-lived so that a killed process frees the approval quickly, and
//! renewed while the decision runs so that a slow Coupa never lets a second decision in.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use coupa_approvals::domain::Decision;
use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::engine::claim::CLAIM_HOLD;
use coupa_approvals::store::MemoryStore;

use crate::support::fault_world::FaultWorld;
use crate::support::wait::until;

#[tokio::test]
async fn a_decision_slower_than_the_claim_hold_keeps_its_claim_so_a_second_click_cannot_decide_again()
 {
    let w = FaultWorld::with(Arc::new(MemoryStore::new()), Duration::from_secs(30)).await;
    let approval = w.delivered().await;
    // Coupa takes longer to answer the approve than a claim lasts without renewal.
    w.hold.answer_late(
        Method::PUT,
        "/api/approvals/",
        CLAIM_HOLD + Duration::from_secs(3),
    );
    let first = tokio::spawn({
        let engine = w.engine.clone();
        let click = w.click(approval, Decision::Approve);
        async move { engine.decide(click).await }
    });
    assert!(until(Duration::from_secs(5), || w.puts() == 1).await);
    tokio::time::sleep(CLAIM_HOLD + Duration::from_secs(1)).await;

    let second = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(second, DecisionResult::Refused(Refusal::InProgress));
    assert_eq!(
        first.await.unwrap(),
        DecisionResult::Done(Decision::Approve)
    );
    assert_eq!(w.puts(), 1, "decided once");
}
