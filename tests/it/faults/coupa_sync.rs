//! Coupa answering 500s, timing out, or rate limiting while the bot syncs: the cycle retries
//! reads as the client's policy says, fails without showing anything Coupa did not say, and the
//! next good cycle delivers every card exactly once and corrects every card that went stale.

use std::time::Duration;

use axum::http::Method;
use coupa_approvals::coupa::RetryPolicy;

use crate::support::fault_world::{FaultWorld, is_pending, says_approved};

const LIST: &str = "/api/requisitions";

fn attempts() -> usize {
    RetryPolicy::default().max_attempts as usize
}

/// One card delivered and synced; then, while the bot is not looking, Coupa approves it and two
/// new requisitions arrive. Returns the world and the three approvals.
async fn world_with_news() -> (FaultWorld, [coupa_approvals::domain::ApprovalId; 3]) {
    let w = FaultWorld::new().await;
    let first = w.requisition_for_daniel("Desks");
    w.engine.reconcile().await.unwrap();
    let a1 = w.approval_of(first);
    assert!(is_pending(&w.card_for(a1)));
    w.sandbox.approve_in_coupa(a1, w.daniel.0).unwrap();
    let a2 = w.approval_of(w.requisition_for_daniel("Chairs"));
    let a3 = w.approval_of(w.requisition_for_daniel("Lamps"));
    (w, [a1, a2, a3])
}

/// After a good cycle: one card per approval, each saying what Coupa says; another cycle sends
/// nothing more.
async fn assert_converged(w: &FaultWorld, [a1, a2, a3]: [coupa_approvals::domain::ApprovalId; 3]) {
    assert_eq!(
        w.cards().len(),
        3,
        "one card per approval: {:#?}",
        w.cards()
    );
    assert!(says_approved(&w.card_for(a1)), "{:?}", w.card_for(a1).state);
    assert!(is_pending(&w.card_for(a2)));
    assert!(is_pending(&w.card_for(a3)));
    let posts = w.chat.posts();
    w.engine.sync_changes().await.unwrap();
    assert_eq!(w.chat.posts(), posts, "a further cycle sends nothing again");
}

#[tokio::test]
async fn a_sync_during_a_coupa_500_storm_fails_without_posting_and_the_next_cycle_delivers_each_card_once()
 {
    let (w, approvals) = world_with_news().await;
    w.fail(Method::GET, LIST, 500, 1_000, None);
    let before = w.sandbox.count_calls("GET", LIST);

    let failed = w.engine.sync_changes().await;

    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(
        w.sandbox.count_calls("GET", LIST) - before,
        attempts(),
        "the read was retried as often as the policy allows, no more"
    );
    assert_eq!(w.chat.posts(), 1, "nothing new was posted");
    assert_eq!(w.chat.updates(), 0, "no card was edited on a guess");

    w.sandbox.clear_faults();
    w.engine.sync_changes().await.unwrap();
    assert_converged(&w, approvals).await;
}

#[tokio::test]
async fn coupa_500s_within_the_retry_budget_are_absorbed_and_the_same_cycle_delivers_each_card_once()
 {
    let (w, approvals) = world_with_news().await;
    w.fail(Method::GET, LIST, 500, attempts() - 1, None);

    w.engine.sync_changes().await.unwrap();

    assert_converged(&w, approvals).await;
}

#[tokio::test]
async fn a_sync_during_coupa_timeouts_fails_without_posting_and_the_next_cycle_delivers_each_card_once()
 {
    let (w, approvals) = world_with_news().await;
    w.stall(Method::GET, LIST, Duration::from_secs(2), attempts());

    let failed = w.engine.sync_changes().await;

    let error = failed.expect_err("every attempt timed out");
    assert!(error.to_string().contains("in time"), "{error}");
    assert_eq!(w.chat.posts(), 1);
    assert_eq!(w.chat.updates(), 0);

    w.engine.sync_changes().await.unwrap();
    assert_converged(&w, approvals).await;
}

#[tokio::test]
async fn a_429_storm_fails_the_sync_after_the_allowed_attempts_and_a_short_one_is_waited_out() {
    let (w, approvals) = world_with_news().await;
    w.fail(Method::GET, LIST, 429, 1_000, None);
    let before = w.sandbox.count_calls("GET", LIST);

    let error = w
        .engine
        .sync_changes()
        .await
        .expect_err("the storm outlasts the retries");

    assert!(error.to_string().contains("429"), "{error}");
    assert_eq!(w.sandbox.count_calls("GET", LIST) - before, attempts());
    assert_eq!(w.chat.posts(), 1);

    // A shorter storm, with Coupa saying how long to wait: waited out inside one cycle.
    w.sandbox.clear_faults();
    w.fail(Method::GET, LIST, 429, attempts() - 1, Some(1));
    w.engine.sync_changes().await.unwrap();
    assert_converged(&w, approvals).await;
}
