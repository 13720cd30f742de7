//! Redis going away at run time: store calls fail fast, readiness turns 503, and everything
//! recovers by itself when Redis returns. Uses a redis-server this test starts on a spare port.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::app::App;
use coupa_approvals::config::Settings;
use coupa_approvals::domain::ApprovalId;
use coupa_approvals::store::{RedisStore, Store};
use secrecy::SecretString;
use support::redis_server::RedisServer;

fn settings() -> Settings {
    support::minimal_settings()
}

/// Polls `check` every 100 ms for up to `limit`; true once it holds.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn store_fails_fast_while_redis_is_down_and_recovers_when_it_returns() {
    let mut server = RedisServer::start().await;
    let store: Arc<dyn Store> =
        Arc::new(RedisStore::new(&SecretString::from(server.url()), "outage").unwrap());
    let app = App::build_with_store(settings(), store.clone())
        .await
        .unwrap();
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    store.ping().await.expect("store answers while Redis runs");
    assert_eq!(
        support::http::get(addr, "/readyz").await.unwrap().status,
        200
    );

    server.stop();

    // Every call errors well within a bound instead of hanging or panicking.
    for _ in 0..3 {
        let call = tokio::time::timeout(
            Duration::from_secs(3),
            store.claim(ApprovalId(1), Duration::from_secs(5)),
        )
        .await;
        let result = call.expect("a store call returned within 3 s while Redis was down");
        assert!(
            result.is_err(),
            "a call succeeded with Redis down: {result:?}"
        );
    }
    let readyz = support::http::get(addr, "/readyz").await.unwrap();
    assert_eq!(readyz.status, 503, "{readyz:?}");
    assert!(
        readyz.body.contains("\"store\""),
        "readyz names the store: {}",
        readyz.body
    );
    assert_eq!(
        support::http::get(addr, "/healthz").await.unwrap().status,
        200,
        "the process itself is alive"
    );

    server.restart().await;

    assert!(
        eventually(Duration::from_secs(15), || async {
            store.ping().await.is_ok()
        })
        .await,
        "the store reconnected by itself"
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            support::http::get(addr, "/readyz")
                .await
                .map(|r| r.status == 200)
                .unwrap_or(false)
        })
        .await,
        "readiness recovered"
    );
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_store_created_while_redis_is_down_connects_once_it_starts() {
    let mut server = RedisServer::start().await;
    server.stop();
    let store = RedisStore::new(&SecretString::from(server.url()), "late").unwrap();
    let early = tokio::time::timeout(Duration::from_secs(3), store.ping()).await;
    assert!(
        matches!(early, Ok(Err(_))),
        "ping fails fast before Redis exists: {early:?}"
    );
    server.restart().await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            store.ping().await.is_ok()
        })
        .await,
        "the store connected once Redis started"
    );
}
