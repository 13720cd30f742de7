//! The sync loop in running apps: a leader whose sync keeps failing says so on `/readyz` (and
//! only in a few words), and gives the lease to a replica whose sync works, which then delivers
//! the cards (and `/metrics` says when sync last succeeded).

use crate::support;

use std::time::Duration;

use coupa_approvals::config::Settings;
use coupa_approvals::sandbox::coupa::StepApprover;
use support::RedisNamespace;
use support::e2e::TestApp;

/// Syncs every `interval`.
fn every(interval: Duration) -> impl FnOnce(&mut Settings) {
    move |settings| settings.sync_interval = interval
}

/// Syncs every `interval` with a Coupa client secret Coupa refuses: every cycle fails.
fn failing_every(interval: Duration) -> impl FnOnce(&mut Settings) {
    move |settings| {
        settings.sync_interval = interval;
        settings.coupa.client_secret = "not-the-secret".into();
    }
}

/// Polls `check` every 25 ms for up to `limit`.
async fn within(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = tokio::time::Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

#[tokio::test]
async fn a_leader_whose_sync_keeps_failing_answers_readyz_503_saying_for_how_long() {
    // Stale after 5 intervals (2.5 s); the lease is given up after 5 failures (about 5.5 s).
    let app = TestApp::spawn_with(
        std::sync::Arc::new(coupa_approvals::store::MemoryStore::new()),
        failing_every(Duration::from_millis(500)),
    )
    .await;
    let ready = support::http::get(app.addr, "/readyz").await.unwrap();
    assert_eq!(ready.status, 200, "not stale yet: {ready:?}");

    let mut seen = None;
    let went_stale = within(Duration::from_secs(5), async || {
        let response = support::http::get(app.addr, "/readyz").await.unwrap();
        let stale = response.status == 503;
        seen = Some(response);
        stale
    })
    .await;

    let seen = seen.unwrap();
    assert!(went_stale, "{seen:?}");
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    let reason = body["failing"]["sync"].as_str().unwrap_or_default();
    assert!(reason.starts_with("sync has not succeeded for "), "{body}");
    assert!(!seen.body.contains("401"), "no error text: {body}");
    app.stop().await;
}

#[tokio::test]
async fn a_leader_whose_sync_keeps_failing_hands_the_lease_to_a_replica_whose_sync_works() {
    coupa_approvals::telemetry::init_metrics();
    let namespace = RedisNamespace::new("sync-loop-handover");
    let interval = Duration::from_millis(300);
    let broken = TestApp::spawn_with(namespace.arc_store(), failing_every(interval)).await;
    assert!(
        within(Duration::from_secs(5), async || broken.is_leader()).await,
        "the broken replica leads first"
    );
    let working = broken.another(every(interval)).await;
    broken.requisition(vec![vec![StepApprover::User(broken.daniel.coupa)]]);

    // Five failures take about 3.3 s; the other replica checks the lease every 5 s.
    let took_over = within(Duration::from_secs(15), async || {
        working.is_leader() && working.cards_of("UDANIEL").len() == 1
    })
    .await;

    assert!(
        took_over,
        "working leads: {}, broken leads: {}, cards: {}",
        working.is_leader(),
        broken.is_leader(),
        working.cards_of("UDANIEL").len()
    );
    assert!(!broken.is_leader());
    tokio::time::sleep(interval * 3).await;
    assert_eq!(working.cards_of("UDANIEL").len(), 1, "delivered once");
    let metrics = support::http::get(working.addr, "/metrics").await.unwrap();
    let last_success: f64 = metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix("sync_last_success_timestamp_seconds "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("not exported:\n{}", metrics.body));
    assert!(
        last_success >= (jiff::Timestamp::now().as_second() - 60) as f64,
        "{last_success}"
    );
    broken.stop().await;
    working.stop().await;
}
