//! Proactive installation on Microsoft Teams through the running app: an approver who never
//! opened the bot gets the app installed through the fake Microsoft Graph once, the installation
//! event that follows teaches the bot their contact, and their card follows; a refusal by Graph
//! is recorded for `check` and counted; with proactive installation off, Graph is never called.

use crate::support;

use std::sync::Arc;

use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::store::Store;
use coupa_approvals::teams::graph::USER_READ_ALL;
use support::RedisNamespace;
use support::e2e::eventually;
use support::teams_world::{TeamsApp, offers_approve};

/// Whether the bot has learned `email`'s contact (from the installation event).
async fn knows(app: &TeamsApp, email: &str) -> bool {
    app.world
        .store
        .contact_by_email(email)
        .await
        .ok()
        .flatten()
        .is_some()
}

/// Waits until the bot has learned `email`'s contact.
async fn learns(app: &TeamsApp, email: &str) {
    let started = tokio::time::Instant::now();
    while !knows(app, email).await {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the installation event never taught the bot {email}'s contact"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn an_approver_who_never_opened_the_bot_gets_the_app_installed_once_and_their_card_follows() {
    let app = TeamsApp::spawn_proactive(None).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);

    app.sync().await;
    learns(&app, "daniel@example.com").await;
    app.sync().await;
    app.engine.reconcile().await.unwrap();

    let installs = app.graph().install_calls();
    assert_eq!(installs.len(), 1, "{installs:?}");
    assert!(installs[0].path.contains(&app.daniel.member.aad_object_id));
    assert!(
        app.graph()
            .is_installed_for(&app.daniel.member.aad_object_id)
    );
    let card = app.card_for(&app.daniel.member, req).await;
    assert!(offers_approve(&card));
    let answer = app
        .teams()
        .approve(&app.daniel.member, &card)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(eventually(|| app.puts() == 1).await, "approved in Coupa");
    app.teams()
        .approve(&app.daniel.member, &card)
        .await
        .unwrap();
    assert_eq!(app.puts(), 1, "a second click decides nothing");
    assert!(app.world.store.failed_installs().await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn two_replicas_on_one_redis_ask_graph_once_for_one_approver() {
    let namespace = RedisNamespace::new("teams-proactive-replicas");
    let store: Arc<dyn Store> = namespace.arc_store();
    let app = TeamsApp::spawn_proactive(Some(store)).await;
    let second = app
        .world
        .start_app_with(app.world.settings.clone())
        .await
        .expect("a second replica starts");
    let second_engine = second.engine();
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);

    let (a, b) = tokio::join!(app.engine.sync_changes(), second_engine.sync_changes());
    a.unwrap();
    b.unwrap();
    learns(&app, "daniel@example.com").await;
    let (a, b) = tokio::join!(app.engine.reconcile(), second_engine.reconcile());
    a.unwrap();
    b.unwrap();

    assert_eq!(app.graph().install_calls().len(), 1);
    app.card_for(&app.daniel.member, req).await;
    assert_eq!(app.cards_for(&app.daniel.member, req).len(), 1);
    second.stop().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_graph_refusal_for_a_missing_permission_is_recorded_counted_and_nothing_is_posted() {
    coupa_approvals::telemetry::init_metrics();
    let app = TeamsApp::spawn_proactive(None).await;
    app.connector().grant_graph_roles(&[USER_READ_ALL]);
    app.requisition(vec![vec![StepApprover::User(app.sofia.coupa)]]);

    app.sync().await;
    app.engine.reconcile().await.unwrap();

    assert_eq!(app.graph().install_calls().len(), 1, "refused, not retried");
    let failed = app.world.store.failed_installs().await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].email, "sofia@example.com");
    assert!(!failed[0].transient);
    assert!(
        failed[0]
            .reason
            .contains("TeamsAppInstallation.ReadWriteForUser.All"),
        "{}",
        failed[0].reason
    );
    assert!(!knows(&app, "sofia@example.com").await);
    assert!(app.posted_to(&app.sofia.member).is_empty());
    let metrics = coupa_approvals::telemetry::render_metrics();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("teams_proactive_installs_total{")
                && l.contains("outcome=\"permission_missing\"")),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn with_proactive_install_off_graph_is_never_called() {
    let app = TeamsApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);

    app.sync().await;
    app.engine.reconcile().await.unwrap();

    assert!(app.graph().calls().is_empty(), "{:?}", app.graph().calls());
    assert!(app.posted_to(&app.daniel.member).is_empty());
    assert!(app.world.store.failed_installs().await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_installation_event_that_beats_the_lookup_still_brings_the_card_in_that_sync() {
    let app = TeamsApp::spawn_proactive(None).await;
    app.graph().deliver_events_before_answering();
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);

    app.sync().await;

    assert!(knows(&app, "daniel@example.com").await);
    assert_eq!(app.graph().install_calls().len(), 1);
    let card = app.card_for(&app.daniel.member, req).await;
    assert!(offers_approve(&card));
    assert!(
        app.world.store.unmapped().await.unwrap().is_empty(),
        "not left noted as unmapped"
    );
    app.stop().await;
}
