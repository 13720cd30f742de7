//! Redis restarted while the app runs: the app keeps answering (health, clicks get a truthful
//! "try again"), nothing is sent twice, and once Redis is back everything converges — news from
//! Coupa during the outage reaches the cards, and decisions work again, once. A decision Coupa
//! executed just as Redis went away is reported as done, and the next sync fixes its card.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use coupa_approvals::domain::Decision;
use coupa_approvals::domain::outcome::DecisionResult;
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::store::RedisStore;
use secrecy::SecretString;

use crate::support::e2e::{TestApp, text_of};
use crate::support::fault_world::{FaultWorld, says_approved};
use crate::support::redis_server::RedisServer;
use crate::support::wait::until;

/// Replicas that sync every second.
fn fast_sync(settings: &mut coupa_approvals::config::Settings) {
    settings.sync_interval = Duration::from_secs(1);
}

#[tokio::test]
async fn while_redis_restarts_the_app_keeps_answering_and_then_every_card_converges_once() {
    let mut redis = RedisServer::start_persistent().await;
    let store = RedisStore::new(&SecretString::from(redis.url()), "faults-restart").unwrap();
    let app = TestApp::spawn_with(Arc::new(store), fast_sync).await;
    let daniel = vec![vec![StepApprover::User(app.daniel.coupa)]];
    let first = app.requisition(daniel.clone());
    assert!(
        until(Duration::from_secs(10), || app.cards_of("UDANIEL").len()
            == 1)
        .await
    );

    redis.stop();
    // While Redis is down, Coupa moves on: the first is approved there, a second arrives.
    let first_approval = app.sandbox().current_approval(first).unwrap();
    app.sandbox()
        .approve_in_coupa(first_approval, app.daniel.coupa)
        .unwrap();
    let second = app.requisition(daniel);

    let health = crate::support::http::get(app.addr, "/healthz")
        .await
        .unwrap();
    assert_eq!(health.status, 200, "the process stays up and answers");
    let stale = app.cards_of("UDANIEL").remove(0);
    let ack = app.click("UDANIEL", &stale, "approve").await;
    assert_eq!(ack.status().as_u16(), 200, "Slack still gets its answer");
    assert!(
        until(Duration::from_secs(10), || app
            .fake()
            .ephemerals_for("UDANIEL")
            .iter()
            .any(
                |t| t.contains("state store is unavailable") && t.contains("try again")
            ))
        .await,
        "the clicker is told to try again: {:?}",
        app.fake().ephemerals_for("UDANIEL")
    );
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        app.cards_of("UDANIEL").len(),
        1,
        "nothing is sent while the store is away"
    );

    redis.restart().await;

    let converged = || {
        let cards = app.cards_of("UDANIEL");
        cards.len() == 2
            && text_of(&cards[0]).contains("Approved in Coupa")
            && cards[1].text.starts_with("Approval needed")
    };
    assert!(
        until(Duration::from_secs(15), converged).await,
        "{:#?}",
        app.cards_of("UDANIEL")
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(app.cards_of("UDANIEL").len(), 2, "no card was sent twice");

    let second_approval = app.sandbox().current_approval(second).unwrap();
    let card = app.cards_of("UDANIEL").pop().unwrap();
    app.click("UDANIEL", &card, "approve").await;
    assert!(
        until(Duration::from_secs(10), || app
            .fake()
            .ephemerals_for("UDANIEL")
            .iter()
            .any(|t| t
                == &format!(
                    "#{second} Standing desks: Approved in Coupa."
                )))
        .await
    );
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 1);
    assert_eq!(
        app.sandbox().approval_status(second_approval).as_deref(),
        Some("approved")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_decision_coupa_executed_just_as_redis_went_down_is_reported_done_and_the_next_sync_makes_the_card_true()
 {
    let mut redis = RedisServer::start_persistent().await;
    let store = RedisStore::new(&SecretString::from(redis.url()), "faults-decided").unwrap();
    let w = FaultWorld::with(Arc::new(store), Duration::from_secs(10)).await;
    let approval = w.delivered().await;
    // Redis goes away while Coupa is executing the approve.
    w.hold
        .answer_late(Method::PUT, "/api/approvals/", Duration::from_secs(1));
    let decision = tokio::spawn({
        let engine = w.engine.clone();
        let click = w.click(approval, Decision::Approve);
        async move { engine.decide(click).await }
    });
    assert!(until(Duration::from_secs(5), || w.puts() == 1).await);
    redis.stop();

    let result = decision.await.unwrap();

    assert_eq!(
        result,
        DecisionResult::Done(Decision::Approve),
        "Coupa did it, so the user hears so"
    );
    let requisition = &w.card_for(approval).requisition;
    assert_eq!(
        w.last_told(),
        format!(
            "#{} {}: Approved in Coupa.",
            requisition.id, requisition.title
        )
    );
    assert_eq!(
        w.sandbox.approval_status(approval).as_deref(),
        Some("approved")
    );

    redis.restart().await;
    let mut synced = false;
    for _ in 0..20 {
        if w.engine.sync_changes().await.is_ok() {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(synced, "the sync works again once Redis is back");
    assert_eq!(w.cards().len(), 1);
    assert!(
        says_approved(&w.card_for(approval)),
        "{:?}",
        w.card_for(approval).state
    );
    assert_eq!(w.puts(), 1, "decided once");
}
