//! The operational routes of a running app: health, readiness (the store, and sync on the
//! leader), metrics, 404s, graceful stop.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use coupa_approvals::app::App;
use coupa_approvals::config::Settings;
use coupa_approvals::engine::sync::SyncHealth;
use coupa_approvals::store::{MemoryStore, RedisStore, Store};
use coupa_approvals::web::{self, WebState};
use secrecy::SecretString;

fn settings() -> Settings {
    support::minimal_settings()
}

struct Running {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), coupa_approvals::app::AppError>>,
}

async fn spawn_app() -> Running {
    spawn_app_with(settings(), Arc::new(MemoryStore::new()))
        .await
        .0
}

/// The app with `settings` on `store`, and where it serves `/metrics` if not on its main address.
async fn spawn_app_with(
    settings: Settings,
    store: Arc<dyn Store>,
) -> (Running, Option<std::net::SocketAddr>) {
    coupa_approvals::telemetry::init_metrics();
    let app = App::build_with_store(settings, store).await.unwrap();
    let metrics_addr = app.metrics_addr();
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (
        Running {
            addr,
            stop: Some(stop),
            task,
        },
        metrics_addr,
    )
}

#[tokio::test]
async fn healthz_and_readyz_answer_200_on_a_healthy_app() {
    let app = spawn_app().await;
    let health = support::http::get(app.addr, "/healthz").await.unwrap();
    assert_eq!(health.status, 200);
    let ready = support::http::get(app.addr, "/readyz").await.unwrap();
    assert_eq!(ready.status, 200);
    assert!(ready.body.contains("ready"), "{}", ready.body);
}

#[tokio::test]
async fn unknown_routes_get_404() {
    let app = spawn_app().await;
    let response = support::http::get(app.addr, "/slack/nowhere")
        .await
        .unwrap();
    assert_eq!(response.status, 404);
}

#[tokio::test]
async fn metrics_show_uptime_and_requests_by_route_and_status() {
    let app = spawn_app().await;
    support::http::get(app.addr, "/healthz").await.unwrap();
    support::http::get(app.addr, "/no-such-page").await.unwrap();
    let metrics = support::http::get(app.addr, "/metrics").await.unwrap();
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers.to_lowercase().contains("text/plain"),
        "{}",
        metrics.headers
    );
    assert!(
        metrics.body.contains("process_uptime_seconds"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .lines()
            .any(|l| l.starts_with("http_requests_total{")
                && l.contains("route=\"/healthz\"")
                && l.contains("status=\"200\"")),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .lines()
            .any(|l| l.starts_with("http_requests_total{")
                && l.contains("route=\"unmatched\"")
                && l.contains("status=\"404\"")),
        "{}",
        metrics.body
    );
}

#[tokio::test]
async fn metrics_on_their_own_address_are_served_there_and_not_on_the_main_listener() {
    let mut settings = settings();
    settings.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let (mut app, metrics_addr) = spawn_app_with(settings, Arc::new(MemoryStore::new())).await;
    let metrics_addr = metrics_addr.expect("a metrics listener");
    assert_ne!(metrics_addr, app.addr);

    let metrics = support::http::get(metrics_addr, "/metrics").await.unwrap();
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("process_uptime_seconds"),
        "{}",
        metrics.body
    );
    assert_eq!(
        support::http::get(app.addr, "/metrics")
            .await
            .unwrap()
            .status,
        404
    );
    // Only metrics there: health and Slack's routes stay on the main listener.
    assert_eq!(
        support::http::get(metrics_addr, "/healthz")
            .await
            .unwrap()
            .status,
        404
    );
    assert_eq!(
        support::http::get(app.addr, "/healthz")
            .await
            .unwrap()
            .status,
        200
    );

    app.stop.take().unwrap().send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(5), &mut app.task).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "{finished:?}");
    assert!(
        support::http::get(metrics_addr, "/metrics").await.is_err(),
        "the metrics port closes with the app"
    );
}

#[tokio::test]
async fn a_stop_signal_ends_the_server_and_closes_the_port() {
    let mut app = spawn_app().await;
    assert_eq!(
        support::http::get(app.addr, "/healthz")
            .await
            .unwrap()
            .status,
        200
    );
    app.stop.take().unwrap().send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(5), &mut app.task).await;
    assert!(
        matches!(finished, Ok(Ok(Ok(())))),
        "server stopped cleanly: {finished:?}"
    );
    assert!(
        support::http::get(app.addr, "/healthz").await.is_err(),
        "port closed after stop"
    );
}

#[tokio::test]
async fn a_request_in_flight_when_the_stop_signal_arrives_still_gets_its_answer() {
    let store = support::slow_store::SlowPingStore {
        delay: Duration::from_millis(800),
        inner: MemoryStore::new(),
    };
    // Build with a fast store check at start-up, then serve /readyz slowly.
    let app = App::build_with_store(settings(), Arc::new(store))
        .await
        .unwrap();
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let in_flight = tokio::spawn(support::http::get(addr, "/readyz"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request was answered");
    assert_eq!(response.status, 200);
    let finished = tokio::time::timeout(Duration::from_secs(5), task).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "{finished:?}");
}

#[tokio::test]
async fn a_graceful_stop_releases_the_sync_lease_at_once() {
    use coupa_approvals::store::{Lease, LeaseOwner, Store};
    let store = Arc::new(MemoryStore::new());
    let app = App::build_with_store(settings(), store.clone())
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let other = LeaseOwner::new();
    // The app tries for the lease as soon as it serves; give it a moment, without competing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !store
            .acquire_lease(Lease::Sync, &other, Duration::from_secs(60))
            .await
            .unwrap(),
        "the running app holds the sync lease"
    );
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    assert!(
        store
            .acquire_lease(Lease::Sync, &other, Duration::from_secs(60))
            .await
            .unwrap(),
        "the lease was free right after the stop"
    );
}

/// A clock the test moves, in whole seconds.
fn movable_clock() -> (coupa_approvals::engine::Clock, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(1_700_000_000));
    let clock: coupa_approvals::engine::Clock = {
        let now = now.clone();
        Arc::new(move || jiff::Timestamp::from_second(now.load(Ordering::SeqCst)).unwrap())
    };
    (clock, now)
}

/// The operational routes alone, on `store`, with `sync` saying how sync keeps up.
async fn serve_operational(store: Arc<dyn Store>, sync: SyncHealth) -> std::net::SocketAddr {
    let router = web::router(WebState { store, sync });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

#[tokio::test]
async fn readyz_on_the_sync_leader_answers_503_once_sync_has_not_succeeded_for_five_intervals() {
    let (clock, now) = movable_clock();
    let sync = SyncHealth::new(Duration::from_secs(60), clock);
    let addr = serve_operational(Arc::new(MemoryStore::new()), sync.clone()).await;
    sync.leading(true);
    sync.succeeded();
    now.fetch_add(300, Ordering::SeqCst);
    assert_eq!(
        support::http::get(addr, "/readyz").await.unwrap().status,
        200
    );

    now.fetch_add(42, Ordering::SeqCst);
    let stale = support::http::get(addr, "/readyz").await.unwrap();
    assert_eq!(stale.status, 503, "{stale:?}");
    let body: serde_json::Value = serde_json::from_str(&stale.body).unwrap();
    assert_eq!(
        body["failing"]["sync"], "sync has not succeeded for 342 s",
        "{body}"
    );
    assert!(body["failing"].get("store").is_none(), "{body}");

    sync.succeeded();
    assert_eq!(
        support::http::get(addr, "/readyz").await.unwrap().status,
        200
    );
}

#[tokio::test]
async fn readyz_does_not_judge_a_replica_that_does_not_lead_on_sync() {
    let (clock, now) = movable_clock();
    let sync = SyncHealth::new(Duration::from_secs(60), clock);
    let addr = serve_operational(Arc::new(MemoryStore::new()), sync.clone()).await;
    sync.leading(true);
    now.fetch_add(3_600, Ordering::SeqCst);
    assert_eq!(
        support::http::get(addr, "/readyz").await.unwrap().status,
        503
    );
    sync.leading(false);
    assert_eq!(
        support::http::get(addr, "/readyz").await.unwrap().status,
        200
    );
}

#[tokio::test]
async fn readyz_names_what_is_not_ready_without_echoing_error_text() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let store = RedisStore::new(
        &SecretString::from(format!("redis://{closed}")),
        "readyz-no-echo",
    )
    .unwrap();
    let (clock, now) = movable_clock();
    let sync = SyncHealth::new(Duration::from_secs(60), clock);
    sync.leading(true);
    now.fetch_add(3_600, Ordering::SeqCst);
    let addr = serve_operational(Arc::new(store), sync).await;

    let response = support::http::get(addr, "/readyz").await.unwrap();

    assert_eq!(response.status, 503);
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    let failing = body["failing"].as_object().unwrap();
    let names: Vec<&str> = failing.keys().map(String::as_str).collect();
    assert_eq!(names, ["store", "sync"], "{body}");
    assert_eq!(
        failing["store"], "unavailable",
        "fixed words, whatever the cause"
    );
    for internal in [
        closed.to_string(),
        closed.port().to_string(),
        "refused".into(),
    ] {
        assert!(
            !response
                .body
                .to_lowercase()
                .contains(&internal.to_lowercase()),
            "readyz echoed {internal:?}: {}",
            response.body
        );
    }
}
