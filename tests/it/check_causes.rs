//! `coupa-approvals check` names why each thing failed — the address that refused, the host that
//! does not resolve, what Coupa or Slack answered — gives each hint once, and does not repeat its
//! findings as log lines. The command runs as a child process against local servers that fail
//! in each of those ways, with `RUST_LOG=info` as `.env.example` sets it.

use std::collections::HashMap;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A Slack Web API whose `auth.test` accepts the bot token and grants every scope.
async fn working_slack() -> MockServer {
    let slack = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/auth.test"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "x-oauth-scopes",
                    coupa_approvals::slack::BOT_SCOPES.join(",").as_str(),
                )
                .set_body_json(json!({ "ok": true, "user": "approvals", "team": "Acme" })),
        )
        .mount(&slack)
        .await;
    slack
}

/// A Coupa that grants a token with every scope and has nothing pending.
async fn working_coupa() -> MockServer {
    let coupa = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "token",
            "token_type": "bearer",
            "expires_in": 86_399,
            "scope": coupa_approvals::config::DEFAULT_COUPA_SCOPES,
        })))
        .mount(&coupa)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/requisitions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&coupa)
        .await;
    coupa
}

/// A local port nothing listens on.
fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Settings for `coupa_url` and `slack_api_url`, the rest valid.
fn settings(coupa_url: &str, slack_api_url: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("SLACK_BOT_TOKEN", "xoxb-check".to_owned()),
        ("SLACK_SIGNING_SECRET", "signing".to_owned()),
        ("SLACK_API_URL", slack_api_url.to_owned()),
        ("COUPA_INSTANCE_URL", coupa_url.to_owned()),
        ("COUPA_CLIENT_ID", "client".to_owned()),
        ("COUPA_CLIENT_SECRET", "secret".to_owned()),
    ])
}

/// What `check` printed: the report on stdout, logs on stderr.
struct Printed {
    exit: Option<i32>,
    report: String,
    logs: String,
}

impl Printed {
    /// Asserts the report has exactly `line`.
    fn has_line(&self, line: &str) {
        assert!(
            self.report.lines().any(|l| l == line),
            "no line {line:?} in\n{}",
            self.report
        );
    }

    /// Asserts `fix` is given exactly once, as a hint line.
    fn has_hint_once(&self, fix: &str) {
        let hint = format!("    → {fix}");
        let times = self.report.lines().filter(|l| *l == hint).count();
        assert_eq!(times, 1, "{hint:?} given {times} times in\n{}", self.report);
    }

    /// Asserts nothing was logged as a warning (the report says it all).
    fn logs_no_warning(&self) {
        assert!(
            !self.logs.contains("WARN"),
            "check logged warnings beside its report:\n{}",
            self.logs
        );
    }
}

async fn check(vars: &HashMap<&'static str, String>) -> Printed {
    // An empty working directory: no .env from anywhere else.
    let dir = std::env::temp_dir().join(format!("check-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_coupa-approvals"))
        .arg("check")
        .env_clear()
        .env("RUST_LOG", "info")
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Printed {
        exit: output.status.code(),
        report: String::from_utf8_lossy(&output.stdout).into_owned(),
        logs: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test]
async fn refused_connections_name_the_address_tried() {
    let closed = closed_port();
    let mut vars = settings(&format!("http://{closed}"), &format!("http://{closed}/api"));
    vars.insert("REDIS_URL", format!("redis://{closed}"));
    let printed = check(&vars).await;
    assert_eq!(printed.exit, Some(1), "{}", printed.report);
    printed.has_line(&format!("✗ store: Redis: connection refused by {closed}"));
    printed.has_line(&format!("✗ coupa token: connection refused by {closed}"));
    printed.has_line(&format!("✗ slack auth: connection refused by {closed}"));
    printed.has_hint_once(
        "check COUPA_INSTANCE_URL and this host's network access to Coupa (firewall, proxy)",
    );
    printed.has_hint_once(
        "check SLACK_API_URL and this host's network access to Slack (firewall, proxy)",
    );
    printed.has_line("✗ identity: skipped: neither Coupa nor Slack could be used");
    assert!(
        !printed.report.contains("error sending request"),
        "{}",
        printed.report
    );
    printed.logs_no_warning();
}

#[tokio::test]
async fn an_unresolvable_coupa_host_is_named() {
    let slack = working_slack().await;
    let printed = check(&settings(
        "https://something.invalid",
        &format!("{}/api", slack.uri()),
    ))
    .await;
    printed.has_line("✗ coupa token: cannot resolve something.invalid");
    printed.has_hint_once("check the host name in COUPA_INSTANCE_URL and this host's DNS");
    printed.has_line("✓ slack auth: bot approvals in workspace Acme");
    printed.has_line("✗ identity: skipped: pending approvals could not be read from Coupa");
    printed.logs_no_warning();
}

#[tokio::test]
async fn an_error_page_from_slack_is_described_not_quoted() {
    let coupa = working_coupa().await;
    let slack = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
        ))
        .mount(&slack)
        .await;
    let printed = check(&settings(&coupa.uri(), &format!("{}/api", slack.uri()))).await;
    printed.has_line("✓ coupa token: access token obtained");
    printed.has_line("✗ slack auth: Slack answered HTTP 502 with HTML, not JSON");
    printed.has_hint_once(
        "Slack, or a proxy between this host and Slack, is failing: see https://slack-status.com, and check SLACK_API_URL",
    );
    printed.has_line("✗ identity: skipped: the bot could not use Slack");
    assert!(!printed.report.contains("<h1>"), "{}", printed.report);
    printed.logs_no_warning();
}

#[tokio::test]
async fn a_rejected_coupa_client_is_named_once_and_not_logged() {
    let slack = working_slack().await;
    let coupa = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&coupa)
        .await;
    let printed = check(&settings(&coupa.uri(), &format!("{}/api", slack.uri()))).await;
    assert_eq!(printed.exit, Some(1), "{}", printed.report);
    printed.has_line("✗ coupa token: Coupa answered 401: client id or secret wrong");
    printed.has_hint_once(
        "check COUPA_CLIENT_ID and COUPA_CLIENT_SECRET against the OAuth2 client in Coupa Setup → Oauth2/OpenID Connect Clients",
    );
    assert_eq!(
        printed.report.matches("COUPA_CLIENT_SECRET").count(),
        1,
        "{}",
        printed.report
    );
    // Neither the token failure nor the embedded store is logged beside the report.
    printed.logs_no_warning();
    assert!(!printed.logs.contains("access token"), "{}", printed.logs);
    assert!(!printed.logs.contains("REDIS_URL"), "{}", printed.logs);
}

#[tokio::test]
async fn missing_variables_share_one_hint() {
    let printed = check(&HashMap::from([(
        "COUPA_INSTANCE_URL",
        "https://acme.coupahost.com".to_owned(),
    )]))
    .await;
    assert_eq!(printed.exit, Some(1), "{}", printed.report);
    let problems = printed
        .report
        .lines()
        .filter(|l| l.starts_with("✗ configuration: "))
        .count();
    assert!(problems >= 3, "{}", printed.report);
    printed.has_hint_once("fix these variables in the environment or .env (see .env.example)");
    let hints = printed
        .report
        .lines()
        .filter(|l| l.starts_with("    → "))
        .count();
    assert_eq!(hints, 1, "{}", printed.report);
}
