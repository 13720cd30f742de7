//! Redis restarted while the app runs: the app keeps answering (health, clicks get a truthful
//! "try again"), nothing is sent twice, and once Redis is back everything converges — news from
//! Coupa during the outage reaches the cards, and decisions work again, once.

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::coupa::sandbox::StepApprover;
use coupa_approvals::store::RedisStore;
use secrecy::SecretString;

use crate::support::e2e::{TestApp, text_of};
use crate::support::redis_server::RedisServer;
use crate::support::wait::until;

const FAST_SYNC: &[(&str, &str)] = &[("SYNC_INTERVAL_SECS", "1")];

#[tokio::test]
async fn while_redis_restarts_the_app_keeps_answering_and_then_every_card_converges_once() {
    let mut redis = RedisServer::start_persistent().await;
    let store = RedisStore::new(&SecretString::from(redis.url()), "faults-restart").unwrap();
    let app = TestApp::spawn_with(Arc::new(store), FAST_SYNC).await;
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
            .any(|t| t.contains("try again")))
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
            .any(|t| t == "Approved in Coupa."))
        .await
    );
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 1);
    assert_eq!(
        app.sandbox().approval_status(second_approval).as_deref(),
        Some("approved")
    );
    app.stop().await;
}
