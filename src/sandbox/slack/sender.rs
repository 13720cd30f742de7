//! Sends simulated Slack requests to an app, signed with the app's signing secret,
//! over real HTTP — so they pass through the same verification and routes as Slack's.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::requests::form_body;
use super::signing::{self, SIGNATURE_HEADER, SigningError, TIMESTAMP_HEADER};

/// Why a request did not reach the app.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// It could not be signed.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// The app did not answer.
    #[error("the app did not answer: {0}")]
    Http(#[from] reqwest::Error),
}

/// The app's answer: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAnswer {
    /// HTTP status.
    pub status: u16,
    /// Body text (empty for a plain acknowledgement).
    pub body: String,
}

/// Posts signed requests to one app.
#[derive(Clone)]
pub struct SlackSender {
    base: String,
    secret: SecretString,
    http: reqwest::Client,
}

impl SlackSender {
    /// Sends to the app at `base` (like `http://127.0.0.1:PORT`), signing with `secret`.
    pub fn new(base: &str, secret: SecretString) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            secret,
            // Slack gives an app 3 s to answer; the sender waits a little longer before saying so.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }

    /// An interaction to `/slack/interactions`, form-encoded as Slack sends it.
    pub async fn interaction(&self, payload: &Value) -> Result<AppAnswer, SendError> {
        self.post(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            form_body(payload),
        )
        .await
    }

    /// An Events API callback to `/slack/events`.
    pub async fn event(&self, payload: &Value) -> Result<AppAnswer, SendError> {
        self.post("/slack/events", "application/json", payload.to_string())
            .await
    }

    /// A signed POST of `body` to `path`, signed now and ready to send: add headers first where
    /// Slack would (`X-Slack-Retry-Num` on a retry, say).
    pub fn request(
        &self,
        path: &str,
        content_type: &str,
        body: String,
    ) -> Result<reqwest::RequestBuilder, SigningError> {
        let timestamp = jiff::Timestamp::now().as_second();
        let signature = self.signature(timestamp, &body)?;
        Ok(self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body))
    }

    /// The `X-Slack-Signature` of `body` sent at `timestamp` (Unix seconds), with the app's secret.
    pub fn signature(&self, timestamp: i64, body: &str) -> Result<String, SigningError> {
        signing::signature(self.secret.expose_secret(), timestamp, body)
    }

    async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: String,
    ) -> Result<AppAnswer, SendError> {
        let response = self.request(path, content_type, body)?.send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok(AppAnswer { status, body })
    }
}
