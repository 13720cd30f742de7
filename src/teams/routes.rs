//! `POST /api/messages`: where the Bot Framework posts every Teams activity for the bot.
//!
//! Order of business for every request (the request deadline and any cap on requests in flight
//! are set where the route is served, see [`crate::web`]):
//!
//! 1. a body over [`MAX_BODY_BYTES`] gets 413: a declared length over it before anything is read,
//!    otherwise as soon as the body passes it;
//! 2. only `serviceUrl` and `channelId` are read from the body, and the `Authorization` header is
//!    verified against them ([`ActivityVerifier::verify_activity`]): a refusal gets 401 (403 for
//!    a key not endorsed for Teams, or another channel), a log line naming the reason, and
//!    nothing else is done;
//! 3. the body is read as an [`Activity`]: a body that is not one gets 400 with a short reason;
//! 4. the [`ActivityHandler`] gets the activity, and its [`HandlerReply`] is the answer: 200 with
//!    an empty body, or 200 with an invoke's answer as JSON.
//!
//! Each request is counted in `teams_activities_total{type,outcome}`: `type` is the activity's
//! type once it is read (`unverified` or `unreadable` before), `outcome` one of `accepted`,
//! `answered`, `refused` (401), `forbidden` (403), `too_large`, `malformed`.

use std::error::Error as _;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;

use super::activity::Activity;
use super::auth::{ActivityVerifier, Claimed};
use super::invoke::InvokeResponse;

/// Where the Bot Framework posts activities (the bot's messaging endpoint is this path).
pub const MESSAGES_PATH: &str = "/api/messages";

/// Largest activity body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the bot does with a verified activity.
#[async_trait]
pub trait ActivityHandler: Send + Sync + 'static {
    /// Handles `activity`, whose token was verified for this bot, its service URL and Teams, and
    /// says what to answer. An invoke waits for this answer (Teams gives up after about 15 s),
    /// so anything slow belongs in a task of its own.
    async fn on_activity(&self, activity: Activity) -> HandlerReply;
}

/// The answer to a verified activity.
#[derive(Debug, Clone, PartialEq)]
pub enum HandlerReply {
    /// 200 with an empty body: the activity was taken (or ignored).
    Accepted,
    /// 200 with the invoke's answer as JSON.
    Invoke(InvokeResponse),
}

/// What the route needs.
struct Route {
    verifier: ActivityVerifier,
    handler: Arc<dyn ActivityHandler>,
}

/// `POST /api/messages`, verified with `verifier`, handled by `handler`.
pub fn router(verifier: ActivityVerifier, handler: Arc<dyn ActivityHandler>) -> Router {
    Router::new()
        .route(MESSAGES_PATH, post(messages))
        .with_state(Arc::new(Route { verifier, handler }))
}

async fn messages(State(route): State<Arc<Route>>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_capped(&headers, body).await {
        Ok(body) => body,
        Err(status) => return status.into_response(),
    };

    let claimed = ClaimedFields::read(&body);
    // A header that is not text is no bearer token: refused as such.
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or_default());
    if let Err(refusal) = route
        .verifier
        .verify_activity(authorization, claimed.as_claimed())
        .await
    {
        let status = refusal.status();
        tracing::warn!(
            reason = %refusal,
            status = status.as_u16(),
            "refused an activity whose token did not pass"
        );
        let outcome = if refusal.is_forbidden() {
            "forbidden"
        } else {
            "refused"
        };
        count("unverified", outcome);
        return status.into_response();
    }

    let activity = match Activity::parse(&body) {
        Ok(activity) => activity,
        Err(err) => return malformed("unreadable", &err.to_string()),
    };
    // The activity must be the one its token was checked against (two readings of one body agree
    // unless it is ambiguous, with a field given twice, for example).
    if claimed.service_url.as_deref() != Some(activity.service_url.as_str())
        || claimed.channel_id.as_deref() != Some(activity.channel_id.as_str())
    {
        return malformed(
            activity.kind.label(),
            "the activity's serviceUrl or channelId is ambiguous",
        );
    }

    let kind = activity.kind.label();
    match route.handler.on_activity(activity).await {
        HandlerReply::Accepted => {
            count(kind, "accepted");
            StatusCode::OK.into_response()
        }
        HandlerReply::Invoke(answer) => {
            count(kind, "answered");
            axum::Json(answer).into_response()
        }
    }
}

/// The body, unless it is larger than [`MAX_BODY_BYTES`] (413) or cannot be read (400).
async fn read_capped(headers: &HeaderMap, body: Body) -> Result<Bytes, StatusCode> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|err| {
            let mut source = err.source();
            while let Some(cause) = source {
                if cause.is::<http_body_util::LengthLimitError>() {
                    return too_large();
                }
                source = cause.source();
            }
            tracing::warn!(error = %err, "could not read an activity's body");
            count("unreadable", "malformed");
            StatusCode::BAD_REQUEST
        })
}

fn too_large() -> StatusCode {
    tracing::warn!(
        limit = MAX_BODY_BYTES,
        "refused an activity larger than the limit"
    );
    count("unverified", "too_large");
    StatusCode::PAYLOAD_TOO_LARGE
}

/// 400 with `reason`, after the token was verified.
fn malformed(kind: &'static str, reason: &str) -> Response {
    tracing::warn!(%reason, "refused a verified request that is not an activity");
    count(kind, "malformed");
    (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response()
}

fn count(kind: &'static str, outcome: &'static str) {
    metrics::counter!("teams_activities_total", "type" => kind, "outcome" => outcome).increment(1);
}

/// `serviceUrl` and `channelId`, read from a body before its token is checked; every other field
/// is skipped unread. A body that is not a JSON object, or names them as anything but text,
/// names neither.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimedFields {
    #[serde(default, deserialize_with = "text_or_none")]
    service_url: Option<String>,
    #[serde(default, deserialize_with = "text_or_none")]
    channel_id: Option<String>,
}

impl ClaimedFields {
    fn read(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    fn as_claimed(&self) -> Claimed<'_> {
        Claimed {
            service_url: self.service_url.as_deref(),
            channel: self.channel_id.as_deref(),
        }
    }
}

fn text_or_none<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_service_url_and_channel_are_read_before_verification() {
        let claimed = ClaimedFields::read(
            br#"{"type":"message","serviceUrl":"https://smba.example/","channelId":"msteams","from":{"id":"29:1"}}"#,
        );
        assert_eq!(
            claimed.as_claimed(),
            Claimed {
                service_url: Some("https://smba.example/"),
                channel: Some("msteams"),
            }
        );
    }

    #[test]
    fn a_body_that_names_them_otherwise_names_neither() {
        for body in [
            &b"not json"[..],
            b"[]",
            b"{}",
            br#"{"serviceUrl":42,"channelId":null}"#,
        ] {
            let claimed = ClaimedFields::read(body);
            assert_eq!(
                claimed.as_claimed(),
                Claimed::default(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
