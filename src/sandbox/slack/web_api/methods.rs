//! The fake's HTTP side: each Web API method the bot calls, with Slack's parameters (query,
//! form or JSON), answers and errors, and the `response_url`s slash commands answer through.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

use super::{BOT_USER_ID, FakeMessage, FakeModal, FakeSlack, Inner, TEAM_ID, dm_channel};

/// `/api/{method}` and `/response/{id}` over `slack`.
pub(super) fn router(slack: &FakeSlack) -> Router {
    Router::new()
        .route("/api/{method}", any(api))
        .route("/response/{id}", post(response_url))
        .with_state(slack.clone())
}

/// A 429 asking to wait `wait`, rounded up to whole seconds (at least one), as Slack sends it.
fn rate_limited(inner: &mut Inner, wait: Duration) -> Response {
    inner.rate_limited += 1;
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({ "ok": false, "error": "ratelimited" })),
    )
        .into_response();
    if let Ok(value) = seconds.to_string().parse() {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

fn ok(body: Value) -> Response {
    let mut body = body;
    body["ok"] = Value::Bool(true);
    axum::Json(body).into_response()
}

fn slack_error(error: &str) -> Response {
    axum::Json(json!({ "ok": false, "error": error })).into_response()
}

/// Reads parameters from the query string, a JSON body or a form body.
fn params(query: Option<String>, headers: &HeaderMap, body: &Bytes) -> Value {
    let mut params = serde_json::Map::new();
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            params.extend(map);
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(body) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    if let Some(query) = query {
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    Value::Object(params)
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

async fn api(
    State(slack): State<FakeSlack>,
    Path(method): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let p = params(query, &headers, &body);
    let mut inner = slack.lock();
    inner.calls.push(method.clone());
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == inner.token);
    if !authorized {
        return slack_error("invalid_auth");
    }
    match method.as_str() {
        "auth.test" => {
            let mut response = ok(json!({
                "url": "https://demo.slack.com/",
                "team": "Demo Workspace",
                "user": "coupa-approvals",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0BOT",
            }));
            if let Ok(value) = inner.scopes.parse() {
                response.headers_mut().insert("x-oauth-scopes", value);
            }
            response
        }
        "conversations.open" => {
            // A comma-separated list in a form, an array in JSON (as slack-morphism sends it).
            let user = match &p["users"] {
                Value::Array(users) => users.first().map(text).unwrap_or_default(),
                users => text(users).split(',').next().unwrap_or_default().to_owned(),
            };
            if !inner.users.contains_key(&user) {
                return slack_error("user_not_found");
            }
            ok(json!({ "channel": { "id": dm_channel(&user), "is_im": true, "user": user } }))
        }
        "chat.postMessage" => {
            let mut channel = text(&p["channel"]);
            if channel.starts_with('U') {
                channel = dm_channel(&channel);
            }
            let now = tokio::time::Instant::now();
            if let Some(gap) = inner.per_channel_gap
                && let Some(last) = inner.last_post.get(&channel)
                && now < *last + gap
            {
                let wait = *last + gap - now;
                return rate_limited(&mut inner, wait);
            }
            if let Some(budget) = inner.workspace_budget.as_mut()
                && let Err(wait) = budget.take(now)
            {
                return rate_limited(&mut inner, wait);
            }
            if inner.per_channel_gap.is_some() {
                inner.last_post.insert(channel.clone(), now);
            }
            inner.post_times.push(now);
            let ts = inner.fresh_ts();
            let message = FakeMessage {
                channel: channel.clone(),
                ts: ts.clone(),
                text: text(&p["text"]),
                blocks: p["blocks"].clone(),
                only_for: None,
                edits: 0,
                from_user: None,
            };
            inner.messages.push(message);
            ok(json!({
                "channel": channel,
                "ts": ts,
                "message": { "type": "message", "ts": ts, "text": p["text"], "blocks": p["blocks"], "user": BOT_USER_ID },
            }))
        }
        "chat.update" => {
            let channel = text(&p["channel"]);
            let ts = text(&p["ts"]);
            let Some(message) = inner
                .messages
                .iter_mut()
                .find(|m| m.channel == channel && m.ts == ts)
            else {
                return slack_error(if channel.starts_with('D') {
                    "message_not_found"
                } else {
                    "channel_not_found"
                });
            };
            message.text = text(&p["text"]);
            message.blocks = p["blocks"].clone();
            message.edits += 1;
            ok(json!({
                "channel": channel,
                "ts": ts,
                "text": p["text"],
                "message": { "text": p["text"], "blocks": p["blocks"] },
            }))
        }
        "conversations.history" => {
            let channel = text(&p["channel"]);
            let limit = match &p["limit"] {
                Value::Number(n) => n.as_u64(),
                other => other.as_str().and_then(|l| l.parse().ok()),
            }
            .unwrap_or(100) as usize;
            // Newest first, ephemerals left out, as Slack lists a conversation.
            let messages: Vec<Value> = inner
                .messages
                .iter()
                .rev()
                .filter(|m| m.channel == channel && m.only_for.is_none())
                .take(limit)
                .map(|m| match &m.from_user {
                    Some(user) => {
                        json!({ "type": "message", "ts": m.ts, "text": m.text, "user": user })
                    }
                    None => json!({
                        "type": "message", "ts": m.ts, "text": m.text, "blocks": m.blocks,
                        "user": BOT_USER_ID, "bot_id": "B0BOT",
                    }),
                })
                .collect();
            ok(json!({ "messages": messages, "has_more": false }))
        }
        "chat.delete" => {
            let channel = text(&p["channel"]);
            let ts = text(&p["ts"]);
            let before = inner.messages.len();
            inner
                .messages
                .retain(|m| !(m.channel == channel && m.ts == ts && m.only_for.is_none()));
            if inner.messages.len() == before {
                return slack_error("message_not_found");
            }
            ok(json!({ "channel": channel, "ts": ts }))
        }
        "chat.postEphemeral" => {
            let user = text(&p["user"]);
            let ts = inner.fresh_ts();
            inner.messages.push(FakeMessage {
                channel: text(&p["channel"]),
                ts: ts.clone(),
                text: text(&p["text"]),
                blocks: p["blocks"].clone(),
                only_for: Some(user),
                edits: 0,
                from_user: None,
            });
            ok(json!({ "message_ts": ts }))
        }
        "users.lookupByEmail" => {
            let email = text(&p["email"]).trim().to_lowercase();
            match inner
                .users
                .values()
                .find(|u| u.email.to_lowercase() == email)
            {
                Some(user) => ok(json!({ "user": Inner::user_json(user) })),
                None => slack_error("users_not_found"),
            }
        }
        "users.info" => match inner.users.get(&text(&p["user"])) {
            Some(user) => ok(json!({ "user": Inner::user_json(user) })),
            None => slack_error("user_not_found"),
        },
        "views.open" | "views.publish" => {
            let view = match &p["view"] {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                other => other.clone(),
            };
            if method == "views.open" {
                inner.modals.push(FakeModal {
                    trigger_id: text(&p["trigger_id"]),
                    view: view.clone(),
                });
            } else {
                inner.homes.insert(text(&p["user_id"]), view.clone());
            }
            let mut stateful = view;
            if let Value::Object(map) = &mut stateful {
                map.insert("id".into(), json!("V0DEMO"));
                map.insert("team_id".into(), json!(TEAM_ID));
                map.insert("hash".into(), json!("1"));
                map.insert("state".into(), json!({ "values": {} }));
            }
            ok(json!({ "view": stateful }))
        }
        _ => slack_error("unknown_method"),
    }
}

async fn response_url(
    State(slack): State<FakeSlack>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    slack.lock().responses.push((id, value));
    (StatusCode::OK, "ok").into_response()
}
