//! Several replicas on one Redis: one syncs at a time, cards go out once, a decision happens
//! once whichever replica gets the click, and a graceful stop hands the lease over at once.

use crate::support;

use std::time::Duration;

use coupa_approvals::sandbox::coupa::StepApprover;
use support::RedisNamespace;
use support::e2e::{TestApp, block_actions, eventually};

/// Replicas that sync every second.
fn fast_sync(settings: &mut coupa_approvals::config::Settings) {
    settings.sync_interval = Duration::from_secs(1);
}

async fn two_replicas(namespace: &RedisNamespace) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with(namespace.arc_store(), fast_sync).await;
    let b = a.another(fast_sync).await;
    (a, b)
}

async fn settle(first: &TestApp, second: &TestApp) {
    assert!(
        eventually(|| first.is_leader() || second.is_leader()).await,
        "someone took the lease"
    );
}

#[tokio::test]
async fn exactly_one_replica_leads_and_a_graceful_stop_hands_over_at_once() {
    let namespace = RedisNamespace::new("replicas-lead");
    let (a, b) = two_replicas(&namespace).await;
    settle(&a, &b).await;
    for _ in 0..10 {
        assert!(a.is_leader() ^ b.is_leader(), "exactly one leader");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (leader, follower) = if a.is_leader() { (a, b) } else { (b, a) };
    leader.stop().await;
    // The follower checks every third of the 15 s lease; a released lease is taken at its next
    // check, long before the lease would have run out.
    let started = tokio::time::Instant::now();
    let mut took_over = false;
    while started.elapsed() < Duration::from_secs(7) {
        if follower.is_leader() {
            took_over = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        took_over,
        "the other replica took over after the graceful stop"
    );
    follower.stop().await;
}

#[tokio::test]
async fn two_replicas_deliver_each_card_once() {
    let namespace = RedisNamespace::new("replicas-cards");
    let (a, b) = two_replicas(&namespace).await;
    settle(&a, &b).await;
    for _ in 0..5 {
        a.requisition(vec![vec![StepApprover::User(a.daniel.coupa)]]);
    }
    assert!(eventually(|| a.cards_of("UDANIEL").len() == 5).await);
    // Both replicas keep running their loops (and the follower may try); nothing more arrives.
    b.sync().await;
    a.sync().await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(a.cards_of("UDANIEL").len(), 5);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn concurrent_clicks_on_two_replicas_make_one_coupa_call() {
    let namespace = RedisNamespace::new("replicas-clicks");
    let (a, b) = two_replicas(&namespace).await;
    a.requisition(vec![vec![StepApprover::User(a.daniel.coupa)]]);
    a.sync().await;
    let card = a.cards_of("UDANIEL").pop().unwrap();
    let payload = block_actions("UDANIEL", &card, "approve");
    let (ra, rb) = tokio::join!(a.interaction(&payload), b.interaction(&payload));
    assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (200, 200));
    let puts = || a.sandbox().count_calls("PUT", "/api/approvals/");
    assert!(eventually(|| puts() == 1).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(puts(), 1);
    // The second click was told what happened.
    assert!(eventually(|| a.fake().ephemerals_for("UDANIEL").len() == 2).await);
    let told = a.fake().ephemerals_for("UDANIEL");
    assert!(
        told.iter().any(|t| t.contains("Approved in Coupa")),
        "{told:?}"
    );
    assert!(
        told.iter().any(|t| t.contains("Already approved")
            || t.contains("deciding this approval right now")
            || t.contains("sent to someone else")),
        "{told:?}"
    );
    a.stop().await;
    b.stop().await;
}
