//! The fake's Azure AD token endpoint: `POST /{tenant}/oauth2/v2.0/token` with the client
//! credentials grant, answered as Azure AD answers (the token, or `error`,
//! `error_description` starting with the `AADSTS` code, and `error_codes`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{ConnectorCall, FakeConnector};
use crate::teams::connector_token::{BOT_FRAMEWORK_SCOPE, GRAPH_SCOPE};
use crate::teams::graph::{INSTALL_FOR_USER, USER_READ_ALL};

/// How long the tokens it issues live, as Azure AD's usually do.
const TOKEN_LIFETIME_SECONDS: u64 = 3_599;

pub(super) async fn token(
    State(fake): State<FakeConnector>,
    Path(tenant): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Map<String, Value> = url::form_urlencoded::parse(&body)
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect();
    let field = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or_default();
    let mut recorded = form.clone();
    if recorded.contains_key("client_secret") {
        recorded.insert("client_secret".into(), "[REDACTED]".into());
    }
    let mut inner = fake.lock();
    inner.calls.push(ConnectorCall {
        method: method.to_string(),
        path: uri.path().to_owned(),
        body: Some(Value::Object(recorded)),
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        at: tokio::time::Instant::now(),
        refused: None,
    });
    if field("grant_type") != "client_credentials" {
        return azure_refusal(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if tenant != fake.tenant {
        return azure_refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if field("client_id") != fake.app_id {
        return azure_refusal(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{tenant}'.",
                field("client_id")
            ),
        );
    }
    if field("client_secret") != fake.app_password {
        return azure_refusal(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    if field("scope") == GRAPH_SCOPE {
        inner.tokens_issued += 1;
        let roles = inner
            .graph_roles
            .clone()
            .unwrap_or_else(|| vec![INSTALL_FOR_USER.to_owned(), USER_READ_ALL.to_owned()]);
        let access_token = graph_token(&fake, inner.tokens_issued, &roles);
        inner.graph_tokens.push((access_token.clone(), roles));
        return axum::Json(json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "ext_expires_in": TOKEN_LIFETIME_SECONDS,
            "access_token": access_token,
        }))
        .into_response();
    }
    if field("scope") != BOT_FRAMEWORK_SCOPE {
        return azure_refusal(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid.",
        );
    }
    inner.tokens_issued += 1;
    let access_token = format!("sandbox-connector-token-{}", inner.tokens_issued);
    inner.tokens.push(access_token.clone());
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "ext_expires_in": TOKEN_LIFETIME_SECONDS,
        "access_token": access_token,
    }))
    .into_response()
}

/// An app-only Graph token shaped as Azure AD's: a JWT whose claims name Graph as audience, the
/// tenant, the app and its `roles`. Its signature is a placeholder: only the fake Graph takes it,
/// and it looks the token up rather than verify it.
fn graph_token(fake: &FakeConnector, serial: usize, roles: &[String]) -> String {
    let now = jiff::Timestamp::now().as_second();
    let header = json!({ "typ": "JWT", "alg": "RS256", "kid": "sandbox-graph" });
    let claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{}/", fake.tenant),
        "tid": fake.tenant,
        "appid": fake.app_id,
        "roles": roles,
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME_SECONDS as i64,
        "uti": format!("sandbox-graph-{serial}"),
    });
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.{}",
        part(&header),
        part(&claims),
        URL_SAFE_NO_PAD.encode(format!("sandbox-signature-{serial}"))
    )
}

/// Azure AD's refusal: the description starts with `AADSTS{code}:` and goes on with trace
/// lines, as Azure's does.
fn azure_refusal(status: StatusCode, error: &str, code: u64, words: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {words}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000"
            ),
            "error_codes": [code],
            "timestamp": "2026-01-01 00:00:00Z",
            "trace_id": "00000000-0000-0000-0000-000000000000",
            "correlation_id": "00000000-0000-0000-0000-000000000000",
        })),
    )
        .into_response()
}
