//! Operational HTTP routes: `/healthz`, `/readyz` (the store answers; on the sync leader, sync is
//! not stale), `/metrics` (on the main listener, or on its own with `METRICS_ADDR`); the request
//! metrics and the request deadline that every route (Slack's included) has; the cap on requests
//! in flight that the Slack routes have.
//!
//! `/readyz` answers whoever can reach the listener, so it says only *what* is not ready, in fixed
//! words; *why* (addresses, server messages) goes to the log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutLayer;

use crate::engine::sync::SyncHealth;
use crate::store::Store;
use crate::telemetry;
use crate::telemetry::chain;

/// What the operational routes need.
#[derive(Clone)]
pub struct WebState {
    /// The store whose health decides readiness.
    pub store: Arc<dyn Store>,
    /// Whether sync keeps up, which decides readiness on the replica leading it.
    pub sync: SyncHealth,
}

/// Health and readiness, with request metrics on every route merged into it later.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// `/metrics`: merged into [`router`], or served alone on `METRICS_ADDR`.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", get(metrics))
}

/// Adds the 404 fallback, the request deadline (408 when a request, its body read included, is
/// not answered within `request_timeout`) and request metrics to the finished router.
pub fn finish(router: Router, request_timeout: Duration) -> Router {
    router
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn(track_requests))
}

/// Turns requests to `router`'s routes away with 503 while `max_in_flight` of them are already
/// being handled, so a flood of requests (each of which may buffer a body before its signature
/// is checked) cannot exhaust the process. Routes merged in later are not counted.
pub fn capped(router: Router, max_in_flight: usize) -> Router {
    let permits = Arc::new(Semaphore::new(max_in_flight));
    router.layer(middleware::from_fn_with_state(permits, within_cap))
}

async fn within_cap(
    State(permits): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    // Held until the response is ready; refused at once rather than queued, so a waiting
    // client learns it should retry instead of hanging past Slack's 3-second deadline.
    let Ok(_permit) = permits.try_acquire() else {
        metrics::counter!("http_requests_shed_total").increment(1);
        tracing::warn!("too many requests in flight; refused one with 503");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "too many requests in flight; retry shortly\n",
        )
            .into_response();
    };
    next.run(request).await
}

/// 200 while the process is up; says nothing about dependencies.
async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when every dependency answers and, on the replica leading sync, sync is not stale;
/// otherwise 503 naming what is not ready, in a few words. The cause itself goes to the log
/// only: this route may be reachable from outside, and an error's text can name hosts.
async fn readyz(State(state): State<WebState>) -> Response {
    let mut failing = serde_json::Map::new();
    if let Err(err) = state.store.ping().await {
        tracing::warn!(error = %chain(&err), "not ready: store");
        failing.insert("store".into(), json!("unavailable"));
    }
    if let Some(stale) = state.sync.stale_for() {
        let reason = format!("sync has not succeeded for {} s", stale.as_secs());
        tracing::warn!(stale_secs = stale.as_secs(), "not ready: {reason}");
        failing.insert("sync".into(), json!(reason));
    }
    if failing.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "ready" }))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "failing": failing })),
        )
            .into_response()
    }
}

async fn metrics() -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        telemetry::render_metrics(),
    )
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}

/// Counts requests by route template (never the raw path, which would explode label values)
/// and status, and records their latency.
async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
