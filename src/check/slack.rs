//! The Slack checks: `auth.test` with the bot token (the bot and its workspace) and the bot scopes
//! Slack granted, against what the manifest asks for. A failure says why Slack could not be
//! reached, or what it answered instead of its JSON ([`NotJson`]).

use std::time::Duration;

use super::{CheckLine, reach_fix};
use crate::config::{SlackSettings, expose};
use crate::slack::not_json::{BodyKind, NotJson};
use crate::telemetry::chain;
use crate::transport_cause::{Timeouts, TransportCause};

/// How long `auth.test` may take to connect, and in all.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUTS: Timeouts = Timeouts {
    connect: Some(CONNECT_TIMEOUT),
    total: Some(REQUEST_TIMEOUT),
};

/// What `auth.test` answered: its JSON and the `x-oauth-scopes` header.
struct AuthTest {
    body: serde_json::Value,
    scopes: Option<String>,
}

/// Why `auth.test` gave no JSON.
enum Failed {
    /// No answer.
    Unreachable(TransportCause),
    /// An answer that is not JSON.
    NotJson(NotJson),
    /// The HTTP client could not be built.
    Setup(reqwest::Error),
}

/// Checks `auth.test` and the granted scopes; returns whether the bot token works.
pub(super) async fn check(
    settings: &SlackSettings,
    required: &[&str],
    checks: &mut Vec<CheckLine>,
) -> bool {
    let answer = match auth_test(settings).await {
        Ok(answer) => answer,
        Err(failed) => {
            checks.push(match failed {
                Failed::Unreachable(cause) => CheckLine::fail(
                    "slack auth",
                    cause.to_string(),
                    reach_fix("SLACK_API_URL", "Slack", &cause),
                ),
                Failed::NotJson(answer) if answer.status >= 500 => CheckLine::fail(
                    "slack auth",
                    answer.to_string(),
                    "Slack, or a proxy between this host and Slack, is failing: see https://slack-status.com, and check SLACK_API_URL",
                ),
                Failed::NotJson(answer) => CheckLine::fail(
                    "slack auth",
                    answer.to_string(),
                    "check SLACK_API_URL: it must be Slack's Web API, https://slack.com/api",
                ),
                Failed::Setup(err) => CheckLine::fail(
                    "slack auth",
                    format!("cannot set up an HTTP client: {}", chain(&err)),
                    "check this host's TLS set-up (CA certificates)",
                ),
            });
            return false;
        }
    };
    let body = answer.body;
    if body["ok"] != true {
        let error = body["error"].as_str().unwrap_or("unknown error");
        checks.push(CheckLine::fail(
            "slack auth",
            format!("auth.test failed: {error}"),
            "check SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…) and that the app is installed",
        ));
        return false;
    }
    checks.push(CheckLine::pass(
        "slack auth",
        format!(
            "bot {} in workspace {}",
            body["user"].as_str().unwrap_or("?"),
            body["team"].as_str().unwrap_or("?")
        ),
    ));
    let granted: Vec<String> = answer
        .scopes
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|s| !granted.iter().any(|g| g == s))
        .collect();
    checks.push(if missing.is_empty() {
        CheckLine::pass(
            "slack scopes",
            "every scope the manifest asks for is granted",
        )
    } else {
        CheckLine::fail(
            "slack scopes",
            format!("missing {}", missing.join(", ")),
            "update the app from manifests/slack-app.yaml and reinstall it to the workspace",
        )
    });
    true
}

/// Calls `auth.test` with the bot token.
async fn auth_test(settings: &SlackSettings) -> Result<AuthTest, Failed> {
    let url = format!(
        "{}/auth.test",
        settings.api_url.as_str().trim_end_matches('/')
    );
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(Failed::Setup)?;
    let unreachable = |err: reqwest::Error| Failed::Unreachable(TransportCause::of(&err, TIMEOUTS));
    let response = client
        .get(url.as_str())
        .bearer_auth(expose(&settings.bot_token))
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let scopes = header("x-oauth-scopes");
    let content_type = header("content-type");
    let bytes = response.bytes().await.map_err(unreachable)?;
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(body) if body.is_object() => Ok(AuthTest { body, scopes }),
        _ => Err(Failed::NotJson(NotJson {
            status: status.as_u16(),
            body: BodyKind::of(content_type.as_deref(), &bytes),
        })),
    }
}
