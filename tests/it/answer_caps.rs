//! Answers from Coupa, its token endpoint and Slack are read up to a cap: a server (or a proxy
//! in its place) that sends a huge or endless body gets a clear error naming the endpoint, never
//! a bot that buffers it all.

use std::time::Duration;

use coupa_approvals::chat::port::{ChatError, ChatPort};
use coupa_approvals::config::CoupaSettings;
use coupa_approvals::coupa::body::{MAX_ANSWER_BYTES, MAX_TOKEN_ANSWER_BYTES};
use coupa_approvals::coupa::{CoupaClient, CoupaError, RetryPolicy, TokenProblem};
use coupa_approvals::domain::{ApprovalId, ApprovalStatus, ChatUserId};
use coupa_approvals::sandbox::fixtures::Coupa;
use coupa_approvals::slack::capped;
use coupa_approvals::slack::client::{SlackChat, web_client};
use coupa_approvals::telemetry::chain;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A JSON document of at least `bytes` bytes.
fn json_of_size(bytes: usize) -> String {
    format!(r#"{{"ok":true,"padding":"{}"}}"#, "x".repeat(bytes))
}

fn coupa(settings: &CoupaSettings) -> CoupaClient {
    CoupaClient::builder(settings)
        .retry_policy(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
        })
        .max_rps(10_000)
        .build()
        .unwrap()
}

fn settings_for(server: &MockServer) -> CoupaSettings {
    CoupaSettings::new(Url::parse(&server.uri()).unwrap(), "client", "secret")
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok", "token_type": "bearer", "expires_in": 86_399
        })))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, wanted: &str) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests.iter().filter(|r| r.url.path() == wanted).count()
}

#[tokio::test]
async fn a_huge_coupa_page_is_refused_with_an_error_naming_the_endpoint_and_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!("[{}]", json_of_size(MAX_ANSWER_BYTES)),
            "application/json",
        ))
        .mount(&server)
        .await;

    let error = coupa(&settings_for(&server))
        .pending_requisitions()
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            CoupaError::TooLarge {
                endpoint: "/api/requisitions",
                limit_bytes: MAX_ANSWER_BYTES
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("/api/requisitions"), "{text}");
    assert!(text.contains("larger than 8 MiB"), "{text}");
    assert_eq!(requests_to(&server, "/api/requisitions").await, 1);
}

#[tokio::test]
async fn a_page_just_under_the_cap_is_read() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let mut approval = Coupa::ApprovalUser.json();
    approval["note"] = json!("x".repeat(MAX_ANSWER_BYTES - 10_000));
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(200).set_body_json(approval))
        .mount(&server)
        .await;

    let approval = coupa(&settings_for(&server))
        .approval(ApprovalId(90211))
        .await
        .unwrap();

    assert_eq!(approval.id, ApprovalId(90211));
}

#[tokio::test]
async fn an_endless_chunked_coupa_answer_is_cut_off_at_the_cap() {
    let tokens = MockServer::start().await;
    mount_token(&tokens).await;
    // Sends a chunked 200 with no end: without a cap the bot would read until memory ran out.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let endless = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
        let mut sent = 0usize;
        // Stops by itself only far past the cap, so that the test cannot hang.
        while sent < 16 * MAX_ANSWER_BYTES {
            if stream.write_all(chunk.as_bytes()).await.is_err() {
                return sent;
            }
            sent += 64 * 1024;
        }
        sent
    });
    let mut settings = CoupaSettings::new(
        Url::parse(&format!("http://{addr}")).unwrap(),
        "client",
        "secret",
    );
    settings.token_url = Url::parse(&format!("{}/oauth2/token", tokens.uri())).unwrap();

    let error = coupa(&settings)
        .approval(ApprovalId(90211))
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            CoupaError::TooLarge {
                endpoint: "/api/approvals/:id",
                ..
            }
        ),
        "{error:?}"
    );
    let sent = endless.await.unwrap();
    assert!(
        sent < 16 * MAX_ANSWER_BYTES,
        "the bot kept reading: {sent} bytes"
    );
}

#[tokio::test]
async fn a_huge_token_answer_is_a_token_error_naming_the_token_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(json_of_size(MAX_TOKEN_ANSWER_BYTES), "application/json"),
        )
        .mount(&server)
        .await;

    let error = coupa(&settings_for(&server))
        .approval(ApprovalId(90211))
        .await
        .unwrap_err();

    let CoupaError::Token { token_url, problem } = &error else {
        panic!("a token error: {error:?}");
    };
    assert!(token_url.ends_with("/oauth2/token"), "{token_url}");
    assert!(
        matches!(problem, TokenProblem::Unreadable(reason) if reason.contains("larger than 64 KiB")),
        "{problem:?}"
    );
    assert!(error.to_string().contains(&server.uri()), "{error}");
    assert_eq!(requests_to(&server, "/api/approvals/90211").await, 0);
}

#[tokio::test]
async fn a_decision_accepted_with_a_huge_answer_is_read_back_not_failed() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("PUT"))
        .and(path("/api/approvals/90211/approve"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(json_of_size(MAX_ANSWER_BYTES), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/approvals/90211"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Coupa::ApprovalApproved.json()))
        .mount(&server)
        .await;

    let approval = coupa(&settings_for(&server))
        .approve(ApprovalId(90211), "ok")
        .await
        .unwrap();

    assert_eq!(approval.status, ApprovalStatus::Approved);
    server.verify().await;
}

async fn slack_answering(body: String) -> (MockServer, SlackChat) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let api_url = Url::parse(&format!("{}/api", server.uri())).unwrap();
    let chat = SlackChat::with_client(web_client(&api_url).unwrap(), "xoxb-test");
    (server, chat)
}

#[tokio::test]
async fn a_huge_slack_answer_is_a_transport_error_naming_the_cap_and_the_host() {
    let (server, chat) = slack_answering(json_of_size(capped::MAX_ANSWER_BYTES)).await;

    let error = chat
        .user_info(&ChatUserId("U0DANIEL".into()))
        .await
        .unwrap_err();

    let ChatError::Transport(source) = &error else {
        panic!("a transport error: {error:?}");
    };
    let cap = source
        .downcast_ref::<capped::AnswerTooLarge>()
        .unwrap_or_else(|| panic!("the cap is the cause: {source:?}"));
    assert_eq!(cap.limit_bytes, capped::MAX_ANSWER_BYTES);
    assert_eq!(cap.host, "127.0.0.1");
    let text = chain(&error).to_string();
    assert!(text.contains("larger than 4 MiB"), "{text}");
    assert!(text.contains("SLACK_API_URL"), "{text}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn large_slack_answers_under_the_cap_one_after_another_are_each_read() {
    // Two answers of three quarters of the cap on one kept-alive connection: the cap counts each
    // answer, not the connection's lifetime.
    let user = json!({ "ok": true, "user": {
        "id": "U0DANIEL", "name": "daniel", "real_name": "Daniel Okafor",
        "profile": { "email": "daniel@example.com", "title": "x".repeat(capped::MAX_ANSWER_BYTES * 3 / 4) },
    }});
    let (server, chat) = slack_answering(user.to_string()).await;

    for _ in 0..2 {
        let found = chat
            .user_info(&ChatUserId("U0DANIEL".into()))
            .await
            .unwrap();
        assert_eq!(found.name, "Daniel Okafor");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
