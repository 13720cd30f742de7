//! The sandbox's HTTP API: the OAuth2 token endpoint and the Core API calls the bot makes, with
//! Coupa's paging, filters and errors. Every API call is recorded, checked for a valid token and
//! matched against the injected faults before it is served.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::Sandbox;
use super::calls::{Fault, RecordedCall};
use super::seed::StepApprover;
use super::state::{ApprovalRecord, RequisitionRecord};
use crate::domain::{ApprovalId, GroupId, RequisitionId};

/// Coupa returns at most this many records per list call.
pub const PAGE_LIMIT: usize = 50;

/// The HTTP API over `sandbox`.
pub(super) fn router(sandbox: &Sandbox) -> Router {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/api/requisitions", get(list_requisitions))
        .route("/api/requisitions/{id}", get(get_requisition))
        .route("/api/approvals", get(list_approvals))
        .route("/api/approvals/{id}", get(get_approval))
        .route("/api/approvals/{id}/{action}", put(act_on_approval))
        .route("/api/users", get(list_users))
        .route("/api/user_groups/{id}", get(get_group))
        .route(
            "/api/delegations",
            get(super::delegations::list_delegations),
        )
        .with_state(sandbox.clone())
}

fn errors(status: StatusCode, field: &str, message: &str) -> Response {
    (status, Json(json!({ "errors": { field: [message] } }))).into_response()
}

/// One record as JSON, or Coupa's 404 naming `what`.
fn one(found: Option<Value>, what: &str) -> Response {
    match found {
        Some(value) => Json(value).into_response(),
        None => errors(StatusCode::NOT_FOUND, "id", &format!("{what} not found")),
    }
}

pub(super) fn pairs(query: &Option<String>) -> Vec<(String, String)> {
    query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// Records the call, checks the token and applies any fault; `Err` is the response to send.
pub(super) async fn admit(
    sandbox: &Sandbox,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Option<Fault>, Response> {
    let fault = {
        let mut inner = sandbox.lock();
        inner.calls.push(RecordedCall {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: pairs(&uri.query().map(str::to_owned)),
            at: tokio::time::Instant::now(),
        });
        if !inner.authorized(headers) {
            return Err((
                StatusCode::UNAUTHORIZED,
                Json(json!({ "errors": { "token": ["invalid or expired access token"] } })),
            )
                .into_response());
        }
        let position = inner.faults.iter().position(|f| {
            f.times > 0
                && uri.path().starts_with(&f.path_prefix)
                && f.method.as_ref().is_none_or(|m| m == method)
        });
        position.map(|i| {
            let fault = inner.faults[i].clone();
            inner.faults[i].times -= 1;
            if inner.faults[i].times == 0 {
                inner.faults.remove(i);
            }
            fault
        })
    };
    if let Some(fault) = &fault {
        tokio::time::sleep(fault.delay).await;
        if let (Some(status), false) = (fault.status, fault.after_effect) {
            return Err(fault_response(fault, status));
        }
    }
    Ok(fault)
}

fn fault_response(fault: &Fault, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, "sandbox fault").into_response();
    if let Some(secs) = fault.retry_after
        && let Ok(value) = secs.to_string().parse()
    {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

async fn token(State(sandbox): State<Sandbox>, body: String) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let mut inner = sandbox.lock();
    inner.token_requests += 1;
    // Coupa's documentation puts the client credentials in the form body.
    let credentials_ok = form.get("client_id") == Some(&inner.client_id)
        && form.get("client_secret") == Some(&inner.client_secret);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    if !credentials_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client", "error_description": "Client authentication failed" })),
        )
            .into_response();
    }
    let token = format!("sandbox-token-{}", uuid::Uuid::new_v4().simple());
    let ttl = inner.token_ttl;
    inner
        .tokens
        .push((token.clone(), tokio::time::Instant::now() + ttl));
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs(),
        "scope": form.get("scope").cloned().unwrap_or_default(),
    }))
    .into_response()
}

/// Applies `field[op]=value` filters on `updated_at` and plain equality on `status`.
fn matches_filters(query: &[(String, String)], status: &str, updated_at: Timestamp) -> bool {
    query.iter().all(|(key, value)| {
        let key = key.replace('-', "_");
        match key.as_str() {
            "status" => status == value,
            "updated_at[gt]" | "updated_at[gt_or_eq]" | "updated_at[lt]" => {
                let Ok(bound) = value.parse::<Timestamp>() else {
                    return false;
                };
                match key.as_str() {
                    "updated_at[gt]" => updated_at > bound,
                    "updated_at[gt_or_eq]" => updated_at >= bound,
                    _ => updated_at < bound,
                }
            }
            _ => true,
        }
    })
}

pub(super) fn page<T>(query: &[(String, String)], items: Vec<T>) -> Vec<T> {
    let number = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let offset = number("offset").unwrap_or(0);
    let limit = number("limit").unwrap_or(PAGE_LIMIT).min(PAGE_LIMIT);
    items.into_iter().skip(offset).take(limit).collect()
}

async fn list_requisitions(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let query = pairs(&query);
    let inner = sandbox.lock();
    let mut matching: Vec<&RequisitionRecord> = inner
        .requisitions
        .values()
        .filter(|r| matches_filters(&query, r.status, r.updated_at))
        .collect();
    matching.sort_by_key(|r| (r.updated_at, r.id));
    let descending = query.iter().any(|(k, v)| k == "dir" && v == "desc");
    if descending {
        matching.reverse();
    }
    let body: Vec<Value> = page(&query, matching)
        .into_iter()
        .map(|r| inner.requisition_json(r))
        .collect();
    Json(body).into_response()
}

async fn get_requisition(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let inner = sandbox.lock();
    let found = id
        .parse()
        .ok()
        .and_then(|id| inner.requisitions.get(&RequisitionId(id)))
        .map(|r| inner.requisition_json(r));
    one(found, "Requisition")
}

async fn list_approvals(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let query = pairs(&query);
    let inner = sandbox.lock();
    let approver_id = query
        .iter()
        .find(|(k, _)| k == "approver_id" || k == "approver-id")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let approver_type = query
        .iter()
        .find(|(k, _)| k == "approver_type" || k == "approver-type")
        .map(|(_, v)| v.clone());
    let matching: Vec<&ApprovalRecord> = inner
        .approvals
        .values()
        .filter(|a| matches_filters(&query, a.status, a.updated_at))
        .filter(|a| {
            let (kind, id) = match a.approver {
                StepApprover::User(u) => ("User", u.0),
                StepApprover::Group(g) => ("UserGroup", g.0),
            };
            approver_id.is_none_or(|want| want == id)
                && approver_type.as_deref().is_none_or(|want| want == kind)
        })
        .collect();
    let body: Vec<Value> = page(&query, matching)
        .into_iter()
        .map(|a| inner.approval_json(a))
        .collect();
    Json(body).into_response()
}

async fn get_approval(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let inner = sandbox.lock();
    let found = id
        .parse()
        .ok()
        .and_then(|id| inner.approvals.get(&ApprovalId(id)))
        .map(|a| inner.approval_json(a));
    one(found, "Approval")
}

async fn act_on_approval(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let fault = match admit(&sandbox, &method, &uri, &headers).await {
        Ok(fault) => fault,
        Err(response) => return response,
    };
    if !matches!(action.as_str(), "approve" | "reject" | "hold") {
        return errors(StatusCode::NOT_FOUND, "action", "Unknown action");
    }
    let reason = pairs(&query)
        .into_iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v);
    let Ok(id) = id.parse::<u64>() else {
        return errors(StatusCode::NOT_FOUND, "id", "Approval not found");
    };
    let mut inner = sandbox.lock();
    let service = inner.service_account;
    let outcome = inner.decide(ApprovalId(id), &action, service, reason);
    let response = match outcome {
        Err(message) if message == "not found" => {
            errors(StatusCode::NOT_FOUND, "id", "Approval not found")
        }
        Err(message) => errors(StatusCode::BAD_REQUEST, "status", &message),
        Ok(()) => match inner.approvals.get(&ApprovalId(id)) {
            Some(a) => Json(inner.approval_json(a)).into_response(),
            None => errors(StatusCode::NOT_FOUND, "id", "Approval not found"),
        },
    };
    // An after-effect fault: the decision took effect, but the caller sees a failure.
    match fault {
        Some(fault) if fault.after_effect => fault_response(&fault, fault.status.unwrap_or(502)),
        _ => response,
    }
}

async fn list_users(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let query = pairs(&query);
    let inner = sandbox.lock();
    let email = query.iter().find(|(k, _)| k == "email").map(|(_, v)| v);
    let users: Vec<Value> = inner
        .users
        .values()
        .filter(|u| email.is_none_or(|e| *e == u.email))
        .map(|u| inner.user_json(u.id))
        .collect();
    Json(page(&query, users)).into_response()
}

async fn get_group(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let inner = sandbox.lock();
    let found = id
        .parse()
        .ok()
        .and_then(|id| inner.groups.get(&GroupId(id)))
        .map(|g| inner.group_json(g));
    one(found, "User group")
}
