//! The bot's Azure AD token for the Bot Connector, against a token address wiremock serves: one
//! request for many callers, early renewal, one renewal after a rejection, an error of its own
//! for each refusal an admin can fix, and the secret kept out of everything printed.

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::teams::connector_token::{
    BOT_FRAMEWORK_SCOPE, BotCredentials, ConnectorTokenError, ConnectorTokenSource,
};
use coupa_approvals::telemetry::chain;
use coupa_approvals::transport_cause::Timeouts;
use secrecy::SecretString;
use serde_json::json;
use tokio::task::JoinSet;
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP_ID: &str = "0b5e8c1d-7a3f-4e21-9c6b-2d8f1a4e7b30";
const TENANT: &str = "5f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f";
const SECRET: &str = "Qx8~s3cr3t-v4lue_nobody-sees";
const TOKEN_PATH: &str = "/5f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f/oauth2/v2.0/token";

fn credentials() -> BotCredentials {
    BotCredentials {
        app_id: APP_ID.to_owned(),
        app_password: SecretString::from(SECRET),
        tenant: TENANT.to_owned(),
    }
}

fn source(server: &MockServer) -> ConnectorTokenSource {
    let authority = Url::parse(&server.uri()).unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let timeouts = Timeouts {
        connect: None,
        total: Some(Duration::from_secs(10)),
    };
    ConnectorTokenSource::with_authority(credentials(), &authority, http, timeouts).unwrap()
}

fn token_answer(access_token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    }))
}

/// Serves tokens `tok-1`, `tok-2`, … (one per request), each living `expires_in` seconds.
async fn serving_tokens(expires_in: u64, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    let served = Arc::new(std::sync::atomic::AtomicU32::new(0));
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(move |_: &wiremock::Request| {
            let n = served.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            token_answer(&format!("tok-{n}"), expires_in).set_delay(delay)
        })
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

/// Azure AD's refusal with `status`, `error`, a description and `codes`, as it sends them.
async fn refusing(status: u16, error: &str, description: &str, codes: &[u64]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(status).set_body_json(json!({
            "error": error,
            "error_description": format!("{description}\r\nTrace ID: 0c1d\r\nCorrelation ID: 9e8f\r\nTimestamp: 2026-12-03 08:00:00Z"),
            "error_codes": codes,
            "timestamp": "2026-12-03 08:00:00Z",
            "trace_id": "0c1d",
            "correlation_id": "9e8f",
        })))
        .mount(&server)
        .await;
    server
}

/// Moves `tokio::time` forward by `by` without waiting, then lets it run on.
async fn time_passes(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

#[tokio::test]
async fn twenty_concurrent_callers_share_one_token_request() {
    let server = serving_tokens(3599, Duration::from_millis(200)).await;
    let source = Arc::new(source(&server));
    let mut callers = JoinSet::new();
    for _ in 0..20 {
        let source = Arc::clone(&source);
        callers.spawn(async move { source.token().await });
    }
    let mut headers = Vec::new();
    while let Some(joined) = callers.join_next().await {
        headers.push(joined.unwrap().unwrap().header_value());
    }
    assert_eq!(requests(&server).await, 1);
    assert_eq!(headers.len(), 20);
    assert!(headers.iter().all(|h| h == "Bearer tok-1"));
}

#[tokio::test]
async fn the_request_asks_for_the_bot_framework_scope_with_the_app_id() {
    let server = serving_tokens(3599, Duration::ZERO).await;
    source(&server).token().await.unwrap();
    let received = server.received_requests().await.unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&received[0].body)
        .into_owned()
        .collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(field("scope").as_deref(), Some(BOT_FRAMEWORK_SCOPE));
    assert_eq!(field("client_id").as_deref(), Some(APP_ID));
    assert_eq!(field("client_secret").as_deref(), Some(SECRET));
    assert_eq!(field("grant_type").as_deref(), Some("client_credentials"));
}

#[tokio::test]
async fn the_token_is_renewed_early_before_it_expires() {
    let server = serving_tokens(3600, Duration::ZERO).await;
    let source = source(&server);
    assert_eq!(source.token().await.unwrap().header_value(), "Bearer tok-1");

    // At 40 minutes of 60 the token is still fresh: no new request.
    time_passes(Duration::from_secs(40 * 60)).await;
    assert_eq!(source.token().await.unwrap().header_value(), "Bearer tok-1");
    assert_eq!(requests(&server).await, 1);

    // At 50 minutes (past 80 %, still ten minutes before expiry) it is renewed.
    time_passes(Duration::from_secs(10 * 60)).await;
    assert_eq!(source.token().await.unwrap().header_value(), "Bearer tok-2");
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_for_all_the_calls_it_failed() {
    let server = serving_tokens(3599, Duration::from_millis(100)).await;
    let source = Arc::new(source(&server));
    let rejected = source.token().await.unwrap();
    let mut callers = JoinSet::new();
    for _ in 0..10 {
        let source = Arc::clone(&source);
        let rejected = rejected.clone();
        callers.spawn(async move { source.renew_after_rejection(&rejected).await });
    }
    while let Some(joined) = callers.join_next().await {
        assert_eq!(joined.unwrap().unwrap().header_value(), "Bearer tok-2");
    }
    assert_eq!(requests(&server).await, 2);
    assert_eq!(source.token().await.unwrap().header_value(), "Bearer tok-2");
}

#[tokio::test]
async fn a_wrong_tenant_says_to_fix_the_tenant_id() {
    let server = refusing(
        400,
        "invalid_request",
        &format!(
            "AADSTS90002: Tenant '{TENANT}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ),
        &[90002],
    )
    .await;
    let error = source(&server).token().await.unwrap_err();
    assert!(
        matches!(&error, ConnectorTokenError::UnknownTenant { tenant, .. } if tenant == TENANT),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("MICROSOFT_APP_TENANT_ID"), "{text}");
    assert!(text.contains("AADSTS90002"), "{text}");
    assert!(!text.contains("Trace ID"), "{text}");
}

#[tokio::test]
async fn a_wrong_secret_says_to_set_the_secret_value() {
    let server = refusing(
        401,
        "invalid_client",
        &format!(
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{APP_ID}'."
        ),
        &[7000215],
    )
    .await;
    let error = source(&server).token().await.unwrap_err();
    assert!(
        matches!(error, ConnectorTokenError::WrongSecret { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("MICROSOFT_APP_PASSWORD"), "{text}");
    assert!(text.contains("not its Secret ID"), "{text}");
}

#[tokio::test]
async fn an_expired_secret_says_to_create_a_new_one() {
    let server = refusing(
        401,
        "invalid_client",
        &format!(
            "AADSTS7000222: The provided client secret keys for app '{APP_ID}' are expired. Visit the Azure portal to create new keys for your app."
        ),
        &[7000222],
    )
    .await;
    let error = source(&server).token().await.unwrap_err();
    assert!(
        matches!(error, ConnectorTokenError::ExpiredSecret { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("has expired"), "{text}");
    assert!(text.contains("create a new client secret"), "{text}");
}

#[tokio::test]
async fn an_unknown_refusal_keeps_azures_words() {
    let server = refusing(
        400,
        "invalid_scope",
        "AADSTS70011: The provided value for the input parameter 'scope' is not valid.",
        &[70011],
    )
    .await;
    let error = source(&server).token().await.unwrap_err();
    assert!(
        matches!(error, ConnectorTokenError::Refused { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("invalid_scope: AADSTS70011: The provided value"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_authority_names_the_address() {
    // A port that was free a moment ago: nothing listens there now.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let authority = Url::parse(&format!("http://{closed}")).unwrap();
    let source = ConnectorTokenSource::with_authority(
        credentials(),
        &authority,
        reqwest::Client::new(),
        Timeouts::default(),
    )
    .unwrap();
    let error = source.token().await.unwrap_err();
    assert!(
        matches!(error, ConnectorTokenError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(source.token_url()), "{error}");
}

#[tokio::test]
async fn callers_waiting_on_a_failed_request_share_its_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({
                    "error": "invalid_client",
                    "error_description": "AADSTS7000222: expired",
                    "error_codes": [7000222],
                }))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let source = Arc::new(source(&server));
    let mut callers = JoinSet::new();
    for _ in 0..10 {
        let source = Arc::clone(&source);
        callers.spawn(async move { source.token().await });
    }
    while let Some(joined) = callers.join_next().await {
        assert!(matches!(
            joined.unwrap(),
            Err(ConnectorTokenError::ExpiredSecret { .. })
        ));
    }
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn the_secret_never_appears_in_debug_output_or_errors() {
    let server = refusing(
        401,
        "invalid_client",
        "AADSTS7000215: Invalid client secret provided.",
        &[7000215],
    )
    .await;
    let tokens = source(&server);
    let error = tokens.token().await.unwrap_err();
    let printed = [
        format!("{:?}", credentials()),
        format!("{tokens:?}"),
        format!("{error:?}"),
        error.to_string(),
        chain(&error).to_string(),
    ];
    for text in printed {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
    let ok = serving_tokens(3599, Duration::ZERO).await;
    let token = source(&ok).token().await.unwrap();
    assert!(!format!("{token:?}").contains("tok-1"));
}
