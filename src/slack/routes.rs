//! `POST /slack/events`, `/slack/interactions`, `/slack/commands`.
//!
//! Order of business for every request: beyond the cap on requests in flight it gets 503 and
//! past the request deadline 408 (both set where the routes are served, see [`crate::web`]);
//! bodies over 1 MiB get 413; slack-morphism's layer
//! verifies the signature (v0 HMAC-SHA256 over `v0:{ts}:{body}`, constant time, timestamp within
//! 5 minutes) before anything is parsed, and a bad one gets 401; a payload that is not what
//! Slack sends gets 400 (bodies are read by [`super::requests`]); an event or interaction type
//! the bot does not handle gets 200 and is ignored; a request from another workspace or app is
//! refused (see [`super::installation`]: 200 and nothing done for an event, 403 for an
//! interaction, a short reply for a command). Accepted requests are acknowledged at once (see
//! [`super::handlers`]).

use std::convert::Infallible;
use std::error::Error;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use secrecy::SecretString;
use slack_morphism::prelude::*;
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::expose;

use super::client::SlackHyperClient;
use super::handlers::{self, Ack, SlackContext};
use super::requests;

/// Largest request body accepted from Slack.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type Connector = super::client::SlackConnector;

/// The three Slack routes, verified with `signing_secret`.
pub fn router(
    ctx: SlackContext,
    client: Arc<SlackHyperClient>,
    signing_secret: &SecretString,
) -> Router {
    let environment =
        Arc::new(SlackClientEventsListenerEnvironment::new(client).with_error_handler(rejected));
    let listener: SlackEventsAxumListener<Connector> = SlackEventsAxumListener::new(environment);
    let secret = SlackSigningSecret::new(expose(signing_secret).to_owned());
    let limit = RequestBodyLimitLayer::new(MAX_BODY_BYTES);
    let events: MethodRouter<Arc<SlackContext>> = post(events)
        .layer::<_, Infallible>(listener.events_layer(&secret))
        .layer(limit);
    let interactions: MethodRouter<Arc<SlackContext>> = post(interactions)
        .layer::<_, Infallible>(listener.events_layer(&secret))
        .layer(limit);
    let commands: MethodRouter<Arc<SlackContext>> = post(commands)
        .layer::<_, Infallible>(listener.events_layer(&secret))
        .layer(limit);
    Router::new()
        .route("/slack/events", events)
        .route("/slack/interactions", interactions)
        .route("/slack/commands", commands)
        // One shared context: axum clones the state for every request.
        .with_state(Arc::new(ctx))
}

/// Requests that fail verification: 413 for an oversized body, 401 for everything else (bad or
/// missing signature, stale timestamp). Nothing else happens.
fn rejected(
    err: Box<dyn Error + Send + Sync + 'static>,
    _client: Arc<SlackClient<SlackClientHyperConnector<Connector>>>,
    _state: SlackClientEventsUserState,
) -> StatusCode {
    let mut source: Option<&(dyn Error + 'static)> = Some(err.as_ref());
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return StatusCode::PAYLOAD_TOO_LARGE;
        }
        source = e.source();
    }
    tracing::info!(error = %err, "refused a Slack request that failed verification");
    metrics::counter!("slack_requests_refused_total").increment(1);
    StatusCode::UNAUTHORIZED
}

fn respond(ack: Ack) -> Response {
    match ack {
        Ack::Forbidden => return StatusCode::FORBIDDEN.into_response(),
        Ack::Unavailable => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        _ => {}
    }
    match ack.to_json() {
        None => StatusCode::OK.into_response(),
        Some(body) => axum::Json(body).into_response(),
    }
}

fn bad_request(what: &str, err: impl std::fmt::Display) -> Response {
    tracing::warn!(error = %err, "malformed {what} from Slack");
    (StatusCode::BAD_REQUEST, format!("malformed {what}\n")).into_response()
}

async fn events(
    axum::extract::State(ctx): axum::extract::State<Arc<SlackContext>>,
    headers: axum::http::HeaderMap,
    body: String,
) -> Response {
    if let Some(retry) = headers
        .get("x-slack-retry-num")
        .and_then(|v| v.to_str().ok())
    {
        tracing::debug!(%retry, "Slack retried an event");
    }
    match requests::parse_event(&body) {
        Ok(event) => respond(handlers::on_push_event(&ctx, event).await),
        Err(err) => bad_request("event", err),
    }
}

async fn interactions(
    axum::extract::State(ctx): axum::extract::State<Arc<SlackContext>>,
    body: String,
) -> Response {
    match requests::parse_interaction(&body) {
        Ok(Some(event)) => respond(handlers::on_interaction(&ctx, event).await),
        Ok(None) => StatusCode::OK.into_response(),
        Err(err) => bad_request("interaction", err),
    }
}

async fn commands(
    axum::extract::State(ctx): axum::extract::State<Arc<SlackContext>>,
    body: String,
) -> Response {
    match requests::parse_command(&body) {
        Ok(Some(event)) => {
            let app = requests::command_app(&body);
            respond(handlers::on_command(&ctx, event, app.as_deref()).await)
        }
        Ok(None) => StatusCode::OK.into_response(),
        Err(err) => bad_request("command", err),
    }
}
