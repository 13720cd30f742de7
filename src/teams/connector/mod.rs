//! [`BotConnector`]: the bot's calls to the Bot Connector, Teams' API for bots: open a 1:1
//! conversation with a person, post an activity (a card) there, replace it, delete it, and read
//! a member's profile.
//!
//! - The bot's Azure AD token ([`ConnectorTokenSource`]) goes with every call, and only to a
//!   trusted service URL ([`trust`]): one passed to [`BotConnector::trust`] or configured. A call
//!   for any other is refused before anything is sent. After a 401 the token is renewed once
//!   and the call tried once more.
//! - Calls keep to Microsoft's rate limits by waiting ([`pacing`]): a burst is delayed, never
//!   dropped, and calls for one conversation go out in the order they were made.
//! - 429, 412, 502, 503 and 504 are retried as [`retry`] says; other refusals are
//!   [`ConnectorError::Refused`] with the connector's own `code` (`ConversationNotFound`,
//!   `MessageSizeTooBig`, …).
//! - Answers are read up to [`MAX_ANSWER_BYTES`]; redirects are not followed (the token would go
//!   with them).
//!
//! Counted in `teams_connector_requests_total{call,outcome}` (once per call, with how it ended)
//! and `teams_connector_retries_total{status}` (once per retry).

mod error;
mod member;
pub mod pacing;
pub mod retry;
pub mod trust;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::time::Instant;
use url::Url;

use crate::coupa::body::{ReadError, read_capped, size_words};
use crate::coupa::transport::{retry_after, shorten};
use crate::domain::ChatUserId;
use crate::domain::conversation::{ConversationRef, MessageRef};
use crate::teams::connector_token::{ConnectorToken, ConnectorTokenSource};
use crate::transport_cause::{Timeouts, TransportCause};

pub use self::error::ConnectorError;
pub use self::member::Member;
use self::member::{Created, ErrorBody};
use self::pacing::{Kind, Pacer};
use self::retry::{RetryPolicy, retryable};
use self::trust::{TrustedUrls, normalize, segment};

/// The largest answer read from the Bot Connector: 1 MiB (ids and profiles are a few hundred
/// bytes).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Limit on opening a connection to the Bot Connector.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Limit on one request, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The bot's client for the Bot Connector. Cheap to clone; clones share the token, the trusted
/// service URLs and the pace.
#[derive(Clone)]
pub struct BotConnector {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    timeouts: Timeouts,
    token: ConnectorTokenSource,
    /// The bot's own Teams id, `28:<app id>`.
    bot_id: String,
    trusted: TrustedUrls,
    pacer: Pacer,
    retry: RetryPolicy,
}

impl std::fmt::Debug for BotConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotConnector")
            .field("bot_id", &self.inner.bot_id)
            .finish_non_exhaustive()
    }
}

/// One request: which call, where, and what it spends.
struct Request<'a> {
    call: &'static str,
    service_url: &'a str,
    /// The conversation whose pace it keeps (the person's id for a conversation being opened).
    lane: &'a str,
    kind: Kind,
    method: Method,
    /// Below the service URL, segments already encoded: `/v3/conversations/…`.
    path: String,
    body: Option<&'a Value>,
}

impl BotConnector {
    /// A client for the bot `app_id`, trusting `default_service_url` (`TEAMS_SERVICE_URL`) if
    /// given. Nothing is sent until the first call.
    pub fn new(
        token: ConnectorTokenSource,
        app_id: String,
        default_service_url: Option<Url>,
    ) -> Result<Self, ConnectorError> {
        Self::with_retry_policy(token, app_id, default_service_url, RetryPolicy::default())
    }

    /// As [`BotConnector::new`], retrying as `retry` says.
    pub fn with_retry_policy(
        token: ConnectorTokenSource,
        app_id: String,
        default_service_url: Option<Url>,
        retry: RetryPolicy,
    ) -> Result<Self, ConnectorError> {
        let trusted = TrustedUrls::default();
        if let Some(url) = default_service_url {
            trusted.trust(normalize(url.as_str())?);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect would carry the bot's token somewhere nobody trusted.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("coupa-approvals/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ConnectorError::Setup)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                timeouts: Timeouts {
                    connect: Some(CONNECT_TIMEOUT),
                    total: Some(REQUEST_TIMEOUT),
                },
                token,
                bot_id: format!("28:{app_id}"),
                trusted,
                pacer: Pacer::new(),
                retry,
            }),
        })
    }

    /// Trusts `service_url` from now on: the `serviceUrl` of a verified activity, or of a
    /// contact stored from one. One that cannot be a service URL is ignored (and logged).
    pub fn trust(&self, service_url: &str) {
        match normalize(service_url) {
            Ok(url) => self.inner.trusted.trust(url),
            Err(error) => tracing::warn!(%error, "a service URL was not trusted"),
        }
    }

    /// Opens (or finds) the 1:1 conversation of the bot with `user` in `tenant`.
    pub async fn create_conversation(
        &self,
        service_url: &str,
        tenant: &str,
        user: &ChatUserId,
    ) -> Result<ConversationRef, ConnectorError> {
        let body = json!({
            "bot": { "id": self.inner.bot_id },
            "members": [{ "id": user.as_str() }],
            "channelData": { "tenant": { "id": tenant } },
            "isGroup": false,
            "tenantId": tenant,
        });
        let answer = self
            .call(Request {
                call: "create_conversation",
                service_url,
                lane: user.as_str(),
                kind: Kind::Write,
                method: Method::POST,
                path: "/v3/conversations".into(),
                body: Some(&body),
            })
            .await?;
        let created: Created = parse("create_conversation", &answer)?;
        Ok(ConversationRef::new(created.id))
    }

    /// Posts `activity` in `conversation`; returns the new activity's id.
    pub async fn send(
        &self,
        service_url: &str,
        conversation: &ConversationRef,
        activity: &Value,
    ) -> Result<String, ConnectorError> {
        let path = format!(
            "/v3/conversations/{}/activities",
            segment("conversation", conversation.as_str())?
        );
        let answer = self
            .call(Request {
                call: "send",
                service_url,
                lane: conversation.as_str(),
                kind: Kind::Write,
                method: Method::POST,
                path,
                body: Some(activity),
            })
            .await?;
        let created: Created = parse("send", &answer)?;
        Ok(created.id)
    }

    /// Replaces the posted `message` with `activity`.
    pub async fn update(
        &self,
        service_url: &str,
        message: &MessageRef,
        activity: &Value,
    ) -> Result<(), ConnectorError> {
        self.call(Request {
            call: "update",
            service_url,
            lane: message.conversation().as_str(),
            kind: Kind::Write,
            method: Method::PUT,
            path: activity_path(message)?,
            body: Some(activity),
        })
        .await
        .map(drop)
    }

    /// Deletes the posted `message`.
    pub async fn delete(
        &self,
        service_url: &str,
        message: &MessageRef,
    ) -> Result<(), ConnectorError> {
        self.call(Request {
            call: "delete",
            service_url,
            lane: message.conversation().as_str(),
            kind: Kind::Write,
            method: Method::DELETE,
            path: activity_path(message)?,
            body: None,
        })
        .await
        .map(drop)
    }

    /// `user`'s profile as a member of `conversation` (name, email, Azure AD object id, tenant).
    pub async fn member(
        &self,
        service_url: &str,
        conversation: &ConversationRef,
        user: &ChatUserId,
    ) -> Result<Member, ConnectorError> {
        let path = format!(
            "/v3/conversations/{}/members/{}",
            segment("conversation", conversation.as_str())?,
            segment("user", user.as_str())?
        );
        let answer = self
            .call(Request {
                call: "member",
                service_url,
                lane: conversation.as_str(),
                kind: Kind::Read,
                method: Method::GET,
                path,
                body: None,
            })
            .await?;
        parse("member", &answer)
    }

    /// Makes one call, counted in the metrics with how it ended.
    async fn call(&self, request: Request<'_>) -> Result<Vec<u8>, ConnectorError> {
        let call = request.call;
        let result = self.attempts(request).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(ConnectorError::UntrustedServiceUrl { .. }) => "untrusted",
            Err(ConnectorError::InvalidServiceUrl { .. } | ConnectorError::InvalidId { .. }) => {
                "invalid"
            }
            Err(ConnectorError::Token(_)) => "no_token",
            Err(ConnectorError::Refused { .. }) => "refused",
            Err(ConnectorError::RateLimited { .. }) => "rate_limited",
            Err(ConnectorError::Unavailable { .. }) => "unavailable",
            Err(ConnectorError::Transport { .. }) => "transport",
            Err(ConnectorError::Unreadable { .. }) => "unreadable",
            Err(ConnectorError::Setup(_)) => "setup",
        };
        metrics::counter!("teams_connector_requests_total", "call" => call, "outcome" => outcome)
            .increment(1);
        result
    }

    /// Sends `request` until it is answered for good, within the pace and the retry policy.
    async fn attempts(&self, request: Request<'_>) -> Result<Vec<u8>, ConnectorError> {
        let inner = &*self.inner;
        let call = request.call;
        // Before anything else: an untrusted service URL gets no request and no token.
        let base = inner.trusted.check(request.service_url)?;
        let url = format!("{}{}", base.as_str(), request.path);
        let mut token = inner.token.token().await?;
        let mut renewed = false;
        let mut attempts = 0;
        // Held until the call is over: calls for one conversation go in order, and a retry
        // holds the conversation back rather than letting later calls overtake it.
        let mut turn = inner.pacer.lane(request.lane).await;
        // The retry budget counts from the call's turn, not from its wait in the queue.
        let began = Instant::now();
        loop {
            turn.ready(request.kind).await;
            let sent = self.send_once(&request, &url, &token).await;
            turn.answered(request.kind);
            let response = sent.map_err(|source| ConnectorError::Transport {
                call,
                cause: TransportCause::of(&source, inner.timeouts),
                source,
            })?;
            let status = response.status();
            if status.is_success() {
                return read(call, response, inner.timeouts).await;
            }
            if status == StatusCode::UNAUTHORIZED && !renewed {
                renewed = true;
                tracing::debug!(
                    call,
                    "the Bot Connector refused the token; renewing it once"
                );
                token = inner.token.renew_after_rejection(&token).await?;
                continue;
            }
            attempts += 1;
            if !retryable(status) {
                return Err(refusal(call, status, response).await);
            }
            let asked = retry_after(response.headers());
            let give_up = |retry_after| {
                if status == StatusCode::TOO_MANY_REQUESTS {
                    ConnectorError::RateLimited {
                        call,
                        attempts,
                        retry_after,
                    }
                } else {
                    ConnectorError::Unavailable {
                        call,
                        status: status.as_u16(),
                        attempts,
                    }
                }
            };
            if attempts >= inner.retry.max_attempts {
                return Err(give_up(None));
            }
            if let Some(asked) = asked.filter(|a| *a > inner.retry.max_retry_after) {
                return Err(give_up(Some(asked)));
            }
            let wait = asked.unwrap_or_else(|| inner.retry.backoff(attempts));
            if began.elapsed() + wait > inner.retry.max_total {
                return Err(give_up(asked));
            }
            metrics::counter!("teams_connector_retries_total", "status" => status.as_str().to_owned())
                .increment(1);
            tracing::debug!(
                call,
                status = status.as_u16(),
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "the Bot Connector asked to wait; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP request with `token`.
    async fn send_once(
        &self,
        request: &Request<'_>,
        url: &str,
        token: &ConnectorToken,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .header(AUTHORIZATION, token.header_value());
        if let Some(body) = request.body {
            builder = builder.json(body);
        }
        builder.send().await
    }
}

/// `…/v3/conversations/{conversation}/activities/{activity}`, segments encoded.
fn activity_path(message: &MessageRef) -> Result<String, ConnectorError> {
    Ok(format!(
        "/v3/conversations/{}/activities/{}",
        segment("conversation", message.conversation().as_str())?,
        segment("activity", message.id())?
    ))
}

/// A successful answer's body, up to [`MAX_ANSWER_BYTES`].
async fn read(
    call: &'static str,
    response: reqwest::Response,
    timeouts: Timeouts,
) -> Result<Vec<u8>, ConnectorError> {
    read_capped(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|error| match error {
            ReadError::Transport(source) => ConnectorError::Transport {
                call,
                cause: TransportCause::of(&source, timeouts),
                source,
            },
            ReadError::TooLarge => ConnectorError::Unreadable {
                call,
                reason: format!("larger than {}", size_words(MAX_ANSWER_BYTES)),
            },
        })
}

/// A refusal, with the connector's `{"error":{"code","message"}}` (or a top-level
/// `message`) when the body has one.
async fn refusal(
    call: &'static str,
    status: StatusCode,
    response: reqwest::Response,
) -> ConnectorError {
    let detail = read_capped(response, MAX_ANSWER_BYTES)
        .await
        .ok()
        .and_then(|body| serde_json::from_slice::<ErrorBody>(&body).ok());
    let (code, message) = match detail {
        Some(ErrorBody {
            error: Some(detail),
            ..
        }) => (detail.code, detail.message),
        // A refusal in front of the connector (401) has only a top-level `message`.
        Some(ErrorBody { message, .. }) => (None, message),
        None => (None, None),
    };
    let message = message.map(|m| shorten(&m, 300));
    ConnectorError::Refused {
        call,
        status: status.as_u16(),
        code,
        message,
    }
}

/// An answer's JSON, or why it is unusable.
fn parse<T: DeserializeOwned>(call: &'static str, body: &[u8]) -> Result<T, ConnectorError> {
    serde_json::from_slice(body).map_err(|error| ConnectorError::Unreadable {
        call,
        reason: format!("not the JSON expected ({error})"),
    })
}
