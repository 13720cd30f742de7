//! The Coupa client against wiremock: tokens, retries, paging, decimals, decisions.
//!
//! Every test starts its own mock server and uses small backoff settings, so the suite is fast and
//! runs in parallel.

use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime};

use coupa_approvals::config::CoupaSettings;
use coupa_approvals::coupa::{CoupaClient, CoupaError, RetryPolicy};
use coupa_approvals::domain::{
    ApprovalId, ApprovalStatus, CoupaUserId, GroupId, Money, RequisitionId,
};
use coupa_approvals::sandbox::fixtures::Coupa;
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{
    body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "chat-approvals";
const CLIENT_SECRET: &str = "s3cret-value";

fn settings(server: &MockServer) -> CoupaSettings {
    CoupaSettings::new(Url::parse(&server.uri()).unwrap(), CLIENT_ID, CLIENT_SECRET)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A client for `server` with fast retries, no practical rate limit and short timeouts.
fn client(server: &MockServer) -> CoupaClient {
    CoupaClient::builder(&settings(server))
        .retry_policy(fast_retries())
        .max_rps(10_000)
        .connect_timeout(Duration::from_secs(1))
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn token_body(token: &str, expires_in: u64) -> Value {
    json!({ "access_token": token, "token_type": "bearer", "expires_in": expires_in })
}

/// Answers every token request with `token`, valid for a day.
async fn mount_token(server: &MockServer, token: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(token, 86_399)))
        .with_priority(10)
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, wanted_path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == wanted_path)
        .collect()
}

async fn mount_approval(server: &MockServer, id: u64, body: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/approvals/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .with_priority(10)
        .mount(server)
        .await;
}

/// A loopback address where nothing listens: a port the OS just handed out, closed again.
fn closed_port() -> Url {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    Url::parse(&format!("http://127.0.0.1:{port}")).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

// --- Tokens ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_token_request_sends_credentials_and_scopes_in_the_form_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(format!("client_id={CLIENT_ID}")))
        .and(body_string_contains(format!("client_secret={CLIENT_SECRET}")))
        .and(body_string_contains(
            "scope=core.approval.read+core.approval.write+core.requisition.read+core.user.read+core.user_group.read",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::OauthToken.json()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .and(header(
            "authorization",
            "Bearer eyJhbGciOiJSUzI1NiJ9.example.signature",
        ))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalUser.json()))
        .expect(1)
        .mount(&server)
        .await;

    let approval = client(&server).approval(ApprovalId(90211)).await.unwrap();

    assert_eq!(approval.id, ApprovalId(90211));
    let token_request = &requests_to(&server, "/oauth2/token").await[0];
    assert!(
        token_request.headers.get("authorization").is_none(),
        "credentials go in the body, not HTTP Basic"
    );
    server.verify().await;
}

#[tokio::test]
async fn the_token_is_cached_and_shared_by_later_calls_and_clones() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1").await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;
    let coupa = client(&server);
    let clone = coupa.clone();

    for _ in 0..3 {
        coupa.approval(ApprovalId(90211)).await.unwrap();
    }
    clone.approval(ApprovalId(90211)).await.unwrap();

    assert_eq!(requests_to(&server, "/oauth2/token").await.len(), 1);
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 4);
}

#[tokio::test]
async fn fifty_concurrent_calls_with_an_expired_token_make_one_token_request() {
    let server = MockServer::start().await;
    // The first token is already expired when it arrives; the renewal lasts a day.
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-expired", 0)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_body("tok-fresh", 86_399))
                // Slow enough that every caller queues behind this one renewal.
                .set_delay(Duration::from_millis(100)),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;
    let coupa = client(&server);
    coupa.approval(ApprovalId(90211)).await.unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let coupa = coupa.clone();
        tasks.spawn(async move { coupa.approval(ApprovalId(90211)).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }

    let tokens = requests_to(&server, "/oauth2/token").await;
    assert_eq!(tokens.len(), 2, "one initial token and exactly one renewal");
    let calls = requests_to(&server, "/api/approvals/90211").await;
    assert_eq!(calls.len(), 51);
    let fresh = calls
        .iter()
        .filter(|r| r.headers.get("authorization").unwrap() == "Bearer tok-fresh")
        .count();
    assert_eq!(fresh, 50, "every concurrent call used the renewed token");
}

#[tokio::test]
async fn a_failed_early_renewal_keeps_using_the_still_valid_token() {
    let server = MockServer::start().await;
    // Valid for ten minutes, so already due for renewal at five.
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-1", 200)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalUser.json()))
        .mount(&server)
        .await;
    let coupa = client(&server);

    for _ in 0..3 {
        coupa.approval(ApprovalId(90211)).await.unwrap();
    }

    // The first fetch, one failed renewal, and no more for a while.
    assert_eq!(requests_to(&server, "/oauth2/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 3);
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_retries_the_call_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-revoked", 86_399)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_token(&server, "tok-new").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .and(header("authorization", "Bearer tok-revoked"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .and(header("authorization", "Bearer tok-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalUser.json()))
        .mount(&server)
        .await;

    let approval = client(&server).approval(ApprovalId(90211)).await.unwrap();

    assert_eq!(approval.id, ApprovalId(90211));
    assert_eq!(requests_to(&server, "/oauth2/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 2);
}

#[tokio::test]
async fn a_second_401_after_renewal_is_an_authorization_error_not_a_loop() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;

    let error = client(&server)
        .approval(ApprovalId(90211))
        .await
        .unwrap_err();

    assert!(
        matches!(error, CoupaError::Unauthorized { .. }),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "/oauth2/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 2);
}

#[tokio::test]
async fn a_rejected_client_secret_names_the_variables_to_fix() {
    for (status, body) in [
        (
            401,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        ),
        (400, json!({"error": "invalid_client"})),
        (401, json!("<html>Unauthorized</html>")),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;

        let error = client(&server)
            .approval(ApprovalId(90211))
            .await
            .unwrap_err();

        assert!(
            matches!(error, CoupaError::CredentialsRejected { .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("COUPA_CLIENT_ID"), "{message}");
        assert!(message.contains("COUPA_CLIENT_SECRET"), "{message}");
        assert!(!message.contains(CLIENT_SECRET), "{message}");
        assert!(!message.contains("<html>"), "no raw HTTP dump: {message}");
        assert!(
            requests_to(&server, "/api/approvals/90211")
                .await
                .is_empty()
        );
    }
}

#[tokio::test]
async fn callers_waiting_on_a_failed_token_request_share_its_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_client"}))
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    let coupa = client(&server);

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let coupa = coupa.clone();
        tasks.spawn(async move { coupa.approval(ApprovalId(1)).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(matches!(
            result.unwrap(),
            Err(CoupaError::CredentialsRejected { .. })
        ));
    }

    assert_eq!(requests_to(&server, "/oauth2/token").await.len(), 1);
}

// --- Retries ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;

    let started = Instant::now();
    let approval = client(&server).approval(ApprovalId(90211)).await.unwrap();

    assert_eq!(approval.id, ApprovalId(90211));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}, Coupa asked for 1 s",
        started.elapsed()
    );
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 2);
}

#[tokio::test]
async fn a_503_with_retry_after_as_an_http_date_is_waited_out() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    let in_two_seconds = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", in_two_seconds))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;

    let started = Instant::now();
    client(&server).approval(ApprovalId(90211)).await.unwrap();

    // The date has one-second precision, so the wait is between one and two seconds.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_fast_with_the_delay() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;

    let error = client(&server)
        .approval(ApprovalId(90211))
        .await
        .unwrap_err();

    match error {
        CoupaError::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 1);
}

#[tokio::test]
async fn a_500_then_200_on_a_read_is_retried_and_succeeds() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;

    let approval = client(&server).approval(ApprovalId(90211)).await.unwrap();

    assert_eq!(approval.id, ApprovalId(90211));
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 2);
}

#[tokio::test]
async fn reads_give_up_after_four_attempts() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let error = client(&server)
        .approval(ApprovalId(90211))
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            CoupaError::Server {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 4);
}

#[tokio::test]
async fn a_slow_read_times_out_and_is_retried() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(Coupa::ApprovalUser.json())
                .set_delay(Duration::from_secs(2)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;

    let approval = client(&server).approval(ApprovalId(90211)).await.unwrap();

    assert_eq!(approval.id, ApprovalId(90211));
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 2);
}

#[tokio::test]
async fn an_unreachable_coupa_is_a_connection_error_after_four_attempts() {
    let server = MockServer::start().await;
    let mut settings = settings(&server);
    mount_token(&server, "tok").await;
    settings.instance_url = closed_port();
    let coupa = CoupaClient::builder(&settings)
        .retry_policy(fast_retries())
        .max_rps(10_000)
        .build()
        .unwrap();

    let error = coupa.approval(ApprovalId(1)).await.unwrap_err();

    assert!(
        matches!(error, CoupaError::Connection { attempts: 4, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_missing_record_is_not_found_and_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions/404"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let error = client(&server)
        .requisition(RequisitionId(404))
        .await
        .unwrap_err();

    assert!(matches!(error, CoupaError::NotFound { ref what } if what == "requisition 404"));
    assert_eq!(requests_to(&server, "/api/requisitions/404").await.len(), 1);
}

#[tokio::test]
async fn an_unreadable_answer_is_a_decode_error() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;

    let error = client(&server)
        .approval(ApprovalId(90211))
        .await
        .unwrap_err();

    assert!(matches!(error, CoupaError::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn calls_stay_under_the_configured_rate() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;
    let coupa = CoupaClient::builder(&settings(&server))
        .max_rps(20)
        .build()
        .unwrap();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let coupa = coupa.clone();
        tasks.spawn(async move { coupa.approval(ApprovalId(90211)).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }

    // 21 calls (the token request included) at 20 per second span at least one second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

// --- Lists and paging ------------------------------------------------------------------------

/// The `updated-at` of test requisition `id`: one second apart, in id order.
fn updated(id: u64) -> String {
    Timestamp::from_second(1_790_000_000 + i64::try_from(id).unwrap())
        .unwrap()
        .to_string()
}

fn minimal_requisition(id: u64) -> Value {
    json!({
        "id": id,
        "updated-at": updated(id),
        "status": "pending_approval",
        "total": "10.00",
        "currency": { "code": "EUR" },
    })
}

fn page_of(ids: std::ops::RangeInclusive<u64>) -> Vec<Value> {
    ids.map(minimal_requisition).collect()
}

#[tokio::test]
async fn pagination_over_three_pages_takes_exactly_three_requests() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param_is_missing("updated_at[gt_or_eq]"))
        .and(query_param("status", "pending_approval"))
        .and(query_param("limit", "50"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_of(1..=50)))
        .expect(1)
        .mount(&server)
        .await;
    // Each next page starts at the last change seen, so nothing shifts out of sight.
    for (since, ids) in [(50, 50..=99), (99, 99..=120)] {
        Mock::given(method("GET"))
            .and(path("/api/requisitions"))
            .and(query_param("status", "pending_approval"))
            .and(query_param("updated_at[gt_or_eq]", updated(since)))
            .and(query_param("order_by", "updated_at"))
            .and(query_param("dir", "asc"))
            .and(query_param("limit", "50"))
            .and(query_param("offset", "0"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page_of(ids)))
            .expect(1)
            .mount(&server)
            .await;
    }

    let requisitions = client(&server).pending_requisitions().await.unwrap();

    let ids: Vec<u64> = requisitions.iter().map(|r| r.id.0).collect();
    assert_eq!(ids, (1..=120).collect::<Vec<_>>(), "every record once");
    assert_eq!(requests_to(&server, "/api/requisitions").await.len(), 3);
    server.verify().await;
}

#[tokio::test]
async fn a_requisition_changed_while_paging_is_read_again_in_its_latest_version() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param_is_missing("updated_at[gt_or_eq]"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_of(1..=50)))
        .mount(&server)
        .await;
    // Requisition 10 changed after the first page: it now sorts last, with a new total.
    let mut moved = minimal_requisition(10);
    moved["updated-at"] = json!(updated(500));
    moved["total"] = json!("99.00");
    let mut last_page = page_of(50..=60);
    last_page.push(moved);
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param("updated_at[gt_or_eq]", updated(50)))
        .respond_with(ResponseTemplate::new(200).set_body_json(last_page))
        .mount(&server)
        .await;

    let requisitions = client(&server).pending_requisitions().await.unwrap();

    assert_eq!(requisitions.len(), 60);
    let ten = requisitions.iter().find(|r| r.id.0 == 10).unwrap();
    assert_eq!(ten.total, Money::new(dec("99.00"), "EUR"));
}

#[tokio::test]
async fn a_page_within_one_second_is_stepped_through_by_offset() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    let same_second = |ids: std::ops::RangeInclusive<u64>| -> Vec<Value> {
        ids.map(|id| {
            let mut r = minimal_requisition(id);
            r["updated-at"] = json!(updated(0));
            r
        })
        .collect()
    };
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(same_second(1..=50)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param("updated_at[gt_or_eq]", updated(0)))
        .and(query_param("offset", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(same_second(51..=70)))
        .mount(&server)
        .await;

    let requisitions = client(&server).pending_requisitions().await.unwrap();

    assert_eq!(requisitions.len(), 70);
    assert_eq!(requests_to(&server, "/api/requisitions").await.len(), 3);
}

#[tokio::test]
async fn a_full_last_page_is_followed_by_one_short_page() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param_is_missing("updated_at[gt_or_eq]"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_of(1..=50)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param("updated_at[gt_or_eq]", updated(50)))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_of(50..=50)))
        .mount(&server)
        .await;

    let requisitions = client(&server).pending_requisitions().await.unwrap();

    assert_eq!(requisitions.len(), 50);
    assert_eq!(requests_to(&server, "/api/requisitions").await.len(), 2);
}

#[tokio::test]
async fn changed_requisitions_are_asked_for_oldest_first_with_an_overlapping_watermark() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .and(query_param("updated_at[gt_or_eq]", "2026-11-20T17:20:36Z"))
        .and(query_param("order_by", "updated_at"))
        .and(query_param("dir", "asc"))
        .and(query_param("limit", "50"))
        .and(query_param("offset", "0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([Coupa::RequisitionPending.json()])),
        )
        .expect(1)
        .mount(&server)
        .await;

    let watermark: Timestamp = "2026-11-20T17:20:41Z".parse().unwrap();
    let changed = client(&server)
        .requisitions_changed_since(watermark)
        .await
        .unwrap();

    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].total, Money::new(dec("7420.50"), "USD"));
    let request = &requests_to(&server, "/api/requisitions").await[0];
    let fields = request
        .url
        .query_pairs()
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let fields: Value = serde_json::from_str(&fields).unwrap();
    let text = fields.to_string();
    for needed in [
        "current_approval",
        "current_parallel_approvals",
        "approver",
        "users",
        "requisition_lines",
        "unit_price",
    ] {
        assert!(text.contains(needed), "fields= lacks {needed}: {text}");
    }
    server.verify().await;
}

#[tokio::test]
async fn one_unreadable_record_in_a_list_is_skipped_not_fatal() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            minimal_requisition(1),
            { "id": 2, "updated-at": "2026-11-20T09:20:41-08:00" },
            minimal_requisition(3),
        ])))
        .mount(&server)
        .await;

    let requisitions = client(&server).pending_requisitions().await.unwrap();

    let ids: Vec<u64> = requisitions.iter().map(|r| r.id.0).collect();
    assert_eq!(ids, vec![1, 3]);
}

#[tokio::test]
async fn approvals_pending_for_a_user_are_asked_for_by_approver() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/approvals"))
        .and(query_param("status", "pending_approval"))
        .and(query_param("approvable_type", "RequisitionHeader"))
        .and(query_param("approver_id", "42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([Coupa::ApprovalUser.json()])))
        .expect(1)
        .mount(&server)
        .await;

    let approvals = client(&server)
        .pending_approvals_for(CoupaUserId(42))
        .await
        .unwrap();

    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].requisition_id, Some(RequisitionId(4812)));
    server.verify().await;
}

// --- Decimals, users, groups -----------------------------------------------------------------

#[tokio::test]
async fn every_decimal_variant_arrives_exact() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions/7"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{
                "id": 7, "updated-at": "2026-11-20T09:20:41-08:00", "status": "pending_approval",
                "total": 20575.10, "currency": { "code": "EUR" },
                "requisition-lines": [
                    { "line-num": 1, "description": "string", "quantity": "1", "unit-price": "923.12", "total": "923.12" },
                    { "line-num": 2, "description": "numbers", "quantity": 3, "unit-price": 0.1, "total": 0.3 },
                    { "line-num": 3, "description": "nulls", "quantity": null, "unit-price": null, "total": 400.5 },
                    { "line-num": 4, "description": "missing" },
                    { "line-num": 5, "description": "precise", "quantity": "2.125", "unit-price": 12345678.91, "total": "26234567.68375" }
                ]
            }"#,
        ))
        .mount(&server)
        .await;

    let req = client(&server).requisition(RequisitionId(7)).await.unwrap();

    assert_eq!(req.total, Money::new(dec("20575.1"), "EUR"));
    let lines = &req.lines;
    assert_eq!(lines[0].quantity, Some(dec("1")));
    assert_eq!(lines[0].unit_price, Some(Money::new(dec("923.12"), "EUR")));
    assert_eq!(lines[1].quantity, Some(dec("3")));
    assert_eq!(
        lines[1].unit_price.as_ref().unwrap().amount.to_string(),
        "0.1"
    );
    assert_eq!(lines[1].total.as_ref().unwrap().amount.to_string(), "0.3");
    assert_eq!(lines[2].quantity, None);
    assert_eq!(lines[2].unit_price, None);
    assert_eq!(lines[2].total.as_ref().unwrap().amount.to_string(), "400.5");
    assert_eq!(lines[3].quantity, None);
    assert_eq!(lines[3].total, None);
    assert_eq!(lines[4].quantity, Some(dec("2.125")));
    assert_eq!(
        lines[4].unit_price.as_ref().unwrap().amount.to_string(),
        "12345678.91"
    );
    assert_eq!(
        lines[4].total.as_ref().unwrap().amount,
        dec("26234567.68375")
    );
}

#[tokio::test]
async fn a_user_is_found_by_exact_email_or_not_at_all() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/users"))
        .and(query_param("email", "daniel.okafor@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::UsersByEmail.json()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users"))
        .and(query_param("email", "old.admin@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "id": 63, "email": "old.admin@example.com", "fullname": "Former Admin", "active": false }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users"))
        .and(query_param("email", "daniel@example.com"))
        // A loose match Coupa should not return; the client still refuses it.
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::UsersByEmail.json()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users"))
        .and(query_param("email", "nobody@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let coupa = client(&server);

    let daniel = coupa
        .user_by_email("daniel.okafor@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(daniel.id, CoupaUserId(42));
    assert!(daniel.active);
    let former = coupa
        .user_by_email("old.admin@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(!former.active, "inactive users are marked");
    assert_eq!(
        coupa.user_by_email("daniel@example.com").await.unwrap(),
        None
    );
    assert_eq!(
        coupa.user_by_email("nobody@example.com").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_user_group_comes_with_its_active_members() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/user_groups/12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::UserGroup.json()))
        .mount(&server)
        .await;

    let group = client(&server).user_group(GroupId(12)).await.unwrap();

    assert_eq!(group.name, "IT Procurement Approvers");
    let ids: Vec<u64> = group.members.iter().map(|p| p.id.0).collect();
    assert_eq!(ids, vec![42, 51]);
}

// --- Decisions -------------------------------------------------------------------------------

#[tokio::test]
async fn approving_an_approval_that_is_no_longer_pending_is_not_pending_with_coupas_message() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(400).set_body_json(Coupa::ErrorNotPending.json()))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap_err();

    match error {
        CoupaError::NotPending { id, message } => {
            assert_eq!(id, ApprovalId(90211));
            assert_eq!(message, "Approval is not pending and cannot be approved");
        }
        other => panic!("expected NotPending, got {other:?}"),
    }
    server.verify().await;
}

#[tokio::test]
async fn a_400_on_an_approval_that_was_decided_elsewhere_is_not_pending() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/reject"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"errors": {"base": ["Action is not allowed"]}})),
        )
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalApproved.json()).await;

    let error = client(&server)
        .reject(ApprovalId(90211), "no budget")
        .await
        .unwrap_err();

    assert!(
        matches!(error, CoupaError::NotPending { ref message, .. } if message == "Action is not allowed"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_successful_approval_returns_the_approval_as_coupa_shows_it() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalApproved.json()))
        .expect(1)
        .mount(&server)
        .await;

    let approval = client(&server)
        .approve(ApprovalId(90211), "ok for Q4 budget")
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Approved);
    server.verify().await;
}

#[tokio::test]
async fn an_ambiguous_approval_is_resolved_by_re_reading_the_approval() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    // Coupa acts, but the answer arrives after the client's timeout.
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(Coupa::ApprovalApproved.json())
                .set_delay(Duration::from_secs(2)),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalApproved.json()).await;

    let approval = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Approved);
    assert_eq!(
        requests_to(&server, "/api/approvals/90211/approve")
            .await
            .len(),
        1,
        "a decision that may have reached Coupa is never sent twice"
    );
    assert_eq!(requests_to(&server, "/api/approvals/90211").await.len(), 1);
    server.verify().await;
}

#[tokio::test]
async fn a_5xx_approval_whose_approval_still_shows_pending_is_unknown_not_a_failure() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;

    let error = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap_err();

    // The request reached Coupa, which may still apply it: pending now proves nothing.
    assert!(
        matches!(
            error,
            CoupaError::Unknown {
                id: ApprovalId(90211),
                action: "approve",
                ..
            }
        ),
        "{error:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_timed_out_rejection_whose_approval_still_shows_pending_is_unknown() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/reject"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;

    let error = client(&server)
        .reject(ApprovalId(90211), "no")
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            CoupaError::Unknown {
                action: "reject",
                ..
            }
        ),
        "{error:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn an_approval_sent_to_an_unreachable_coupa_is_a_connection_error_because_it_never_arrived() {
    let server = MockServer::start().await;
    let mut settings = settings(&server);
    mount_token(&server, "tok").await;
    settings.instance_url = closed_port();
    let coupa = CoupaClient::builder(&settings)
        .retry_policy(fast_retries())
        .max_rps(10_000)
        .build()
        .unwrap();

    let error = coupa.approve(ApprovalId(1), "ok").await.unwrap_err();

    assert!(
        matches!(error, CoupaError::Connection { attempts: 4, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_ambiguous_approval_that_cannot_be_re_read_is_unknown() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let error = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            CoupaError::Unknown {
                id: ApprovalId(90211),
                action: "approve",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        !error.is_transient(),
        "an unknown outcome must be checked, not retried"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_rate_limited_decision_is_retried_because_coupa_did_not_act() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalApproved.json()))
        .with_priority(2)
        .mount(&server)
        .await;

    let approval = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Approved);
    assert_eq!(
        requests_to(&server, "/api/approvals/90211/approve")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn reasons_with_special_characters_arrive_intact() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    let reason = r#"Approved in Slack by José Núñez <jose@acme.com>: 50% & more, ticket #12 + "rush" 'ok' — 承認 ✓"#;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/hold"))
        .and(query_param("reason", reason))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 90211, "status": "on_hold", "approver-type": "User",
            "approver": { "id": 42, "fullname": "Daniel Okafor" }
        })))
        .expect(1)
        .mount(&server)
        .await;

    let approval = client(&server)
        .hold(ApprovalId(90211), reason)
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Other("on_hold".into()));
    let request = &requests_to(&server, "/api/approvals/90211/hold").await[0];
    let raw = request.url.query().unwrap();
    for encoded in ["%26", "%23", "%2B", "%22"] {
        assert!(raw.contains(encoded), "{encoded} missing from {raw}");
    }
    server.verify().await;
}

#[tokio::test]
async fn long_reasons_are_cut_to_one_thousand_characters() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/reject"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 90211, "status": "rejected", "approver-type": "User",
            "approver": { "id": 42, "fullname": "Daniel Okafor" }
        })))
        .mount(&server)
        .await;

    client(&server)
        .reject(ApprovalId(90211), &"ü".repeat(5_000))
        .await
        .unwrap();

    let request = &requests_to(&server, "/api/approvals/90211/reject").await[0];
    let sent = request
        .url
        .query_pairs()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(sent.chars().count(), 1_000);
}

#[tokio::test]
async fn waiters_take_a_short_lived_renewal_instead_of_renewing_again() {
    let server = MockServer::start().await;
    // Two minutes to live is already inside the five-minute renewal margin.
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_body("tok-short", 120))
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalUser.json()).await;
    let coupa = client(&server);

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let coupa = coupa.clone();
        tasks.spawn(async move { coupa.approval(ApprovalId(90211)).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }

    assert_eq!(requests_to(&server, "/oauth2/token").await.len(), 1);
}

#[tokio::test]
async fn an_accepted_decision_with_an_unreadable_answer_is_read_back_not_failed() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(ResponseTemplate::new(200).set_body_string("OK"))
        .expect(1)
        .mount(&server)
        .await;
    mount_approval(&server, 90211, Coupa::ApprovalApproved.json()).await;

    let approval = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Approved);
    server.verify().await;
}

#[tokio::test]
async fn a_decision_that_never_reached_coupa_is_a_connection_error_not_unknown() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    let mut settings = settings(&server);
    // The connection is refused before a byte of the request is sent.
    settings.instance_url = closed_port();
    let coupa = CoupaClient::builder(&settings)
        .retry_policy(fast_retries())
        .max_rps(10_000)
        .build()
        .unwrap();

    let error = coupa.approve(ApprovalId(90211), "ok").await.unwrap_err();

    assert!(
        matches!(error, CoupaError::Connection { attempts: 4, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_decision_refused_with_401_is_sent_again_once_with_a_renewed_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-revoked", 86_399)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_token(&server, "tok-new").await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .and(header("authorization", "Bearer tok-revoked"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .and(header("authorization", "Bearer tok-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalApproved.json()))
        .expect(1)
        .mount(&server)
        .await;

    let approval = client(&server)
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Approved);
    server.verify().await;
}

#[tokio::test]
async fn a_403_names_the_scopes_to_check() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/user_groups/12"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server).user_group(GroupId(12)).await.unwrap_err();

    assert!(matches!(error, CoupaError::Forbidden { .. }), "{error:?}");
    assert!(error.to_string().contains("COUPA_SCOPES"));
    server.verify().await;
}

#[tokio::test]
async fn a_user_lookup_that_fails_names_no_email_in_its_error() {
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/api/users"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;

    let error = client(&server)
        .user_by_email("jane.doe@acme.com")
        .await
        .unwrap_err();

    assert!(matches!(error, CoupaError::NotFound { .. }), "{error:?}");
    let text = error.to_string();
    assert!(!text.contains("jane.doe"), "{text}");
    assert!(text.contains("…@acme.com#"), "{text}");
}
