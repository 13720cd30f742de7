//! [`GraphClient`]: the bot's two calls to Microsoft Graph, for proactive installation: find a
//! person by email (`GET /users/{email}?$select=id`, application permission `User.Read.All`) and
//! install the app in their personal scope (`POST /users/{id}/teamwork/installedApps` binding
//! the app's catalog entry, application permission `TeamsAppInstallation.ReadWriteForUser.All`).
//! Graph answers 201 Created for a new installation, after which Teams sends the bot the
//! installation event, and 409 Conflict when the app is installed for that person already: the
//! installation is then done as well, and the bot learns the person's contact from that
//! installation's event or their next activity.
//!
//! - A person is found by sign-in name first (`GET /users/{email}`), then by `mail`
//!   (`GET /users?$filter=mail eq '{email}'`), as the two differ in some organisations.
//! - The token is the bot's own, app-only, for [`GRAPH_SCOPE`], from the same credentials,
//!   cache and renewal as its Bot Connector token ([`ConnectorTokenSource::for_graph`]); after a
//!   401 it is renewed once and the call tried once more.
//! - 429 and 5xx are retried after `Retry-After` (at most [`MAX_RETRY_AFTER`]) or a short
//!   backoff, [`MAX_ATTEMPTS`] attempts in all; every request is bounded by [`REQUEST_TIMEOUT`].
//! - Refusals are typed ([`GraphError`]): the person is unknown (404), a permission is missing
//!   (403, naming it), the app is not in the catalog (404 on the installation), installed
//!   already (409), or Graph is failing or unreachable for now ([`GraphError::is_transient`]).
//! - Answers are read up to [`MAX_ANSWER_BYTES`]; redirects are not followed (the token would go
//!   with them).

use std::time::Duration;

use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::coupa::body::{ReadError, read_capped, size_words};
use crate::coupa::transport::{retry_after, shorten};
use crate::teams::connector_token::{ConnectorToken, ConnectorTokenError, ConnectorTokenSource};
use crate::transport_cause::{Timeouts, TransportCause};

pub use crate::teams::connector_token::GRAPH_SCOPE;

/// The application permission that reads a person by email.
pub const USER_READ_ALL: &str = "User.Read.All";

/// The application permission that installs the app for a person.
pub const INSTALL_FOR_USER: &str = "TeamsAppInstallation.ReadWriteForUser.All";

/// The narrower permission that installs only the bot's own app; Graph accepts it too.
pub const INSTALL_SELF_FOR_USER: &str = "TeamsAppInstallation.ReadWriteSelfForUser.All";

/// The largest answer read from Graph: 64 KiB (a user id or an error is a few hundred bytes).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Limit on opening a connection to Graph.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Limit on one request, answer included: a sync waits for it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// A `Retry-After` longer than this is not waited for: the call fails as transient and a later
/// sync tries again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Backoff before a retry without `Retry-After`.
const BACKOFF: Duration = Duration::from_millis(500);

/// Why a Graph call did not install the app. Each message says what to look at.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Graph knows nobody with this email (404 on the user).
    #[error("Microsoft Graph knows no user with this email in the tenant")]
    UserNotFound {
        /// The email asked for.
        email: String,
    },
    /// Graph refused for want of a permission (403).
    #[error(
        "Microsoft Graph refused {call} (HTTP 403): the app registration lacks the application permission {permission}; grant admin consent for it in the app registration's API permissions"
    )]
    PermissionMissing {
        /// Which call.
        call: &'static str,
        /// The permission the call needs.
        permission: &'static str,
    },
    /// The app's catalog id names no app (404 on the installation).
    #[error(
        "the organisation's app catalog has no app {catalog_app_id}; set TEAMS_CATALOG_APP_ID to the app's ID in Teams admin center → Teams apps → Manage apps"
    )]
    NotInCatalog {
        /// The catalog id asked for.
        catalog_app_id: String,
    },
    /// The app is installed for the person already (409).
    #[error("the app is installed for this user already")]
    AlreadyInstalled,
    /// The bot has no Graph token.
    #[error("no Microsoft Graph token: {0}")]
    Token(#[from] ConnectorTokenError),
    /// Graph failed for now (429 or 5xx after the retries).
    #[error("Microsoft Graph is failing for {call} (HTTP {status}{}); a later sync tries again", words(.message))]
    Failing {
        /// Which call.
        call: &'static str,
        /// The last HTTP status.
        status: u16,
        /// Graph's `error.message`, shortened.
        message: Option<String>,
    },
    /// The whole installation took longer than the caller allows.
    #[error("Microsoft Graph gave no result within {} s; a later sync tries again", .after.as_secs())]
    TimedOut {
        /// How long the caller waited.
        after: Duration,
    },
    /// No answer from Graph.
    #[error("could not reach Microsoft Graph for {call}: {cause}")]
    Unreachable {
        /// Which call.
        call: &'static str,
        /// Why there was no answer.
        cause: TransportCause,
    },
    /// Any other refusal, in Graph's words.
    #[error("Microsoft Graph refused {call} with HTTP {status}{}", words(.message))]
    Refused {
        /// Which call.
        call: &'static str,
        /// The HTTP status.
        status: u16,
        /// Graph's `error.code` and `error.message`, shortened.
        message: Option<String>,
    },
    /// An answer that is no use (too large, or without the user's id).
    #[error("Microsoft Graph's answer to {call} is unusable: {reason}")]
    Unreadable {
        /// Which call.
        call: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (this host's TLS set-up).
    #[error("cannot set up an HTTP client for Microsoft Graph")]
    Setup(#[source] reqwest::Error),
}

fn words(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl GraphError {
    /// Whether a later attempt may succeed with nothing changed: Graph failing or unreachable,
    /// or Azure AD unreachable for the token. Everything else needs an admin.
    pub fn is_transient(&self) -> bool {
        match self {
            GraphError::Failing { .. }
            | GraphError::Unreachable { .. }
            | GraphError::TimedOut { .. } => true,
            GraphError::Token(ConnectorTokenError::Unreachable { .. }) => true,
            GraphError::Token(ConnectorTokenError::Refused { refusal, .. }) => {
                refusal.status >= 500 || refusal.status == 429
            }
            _ => false,
        }
    }

    /// A short word for the metric's `outcome` label.
    pub fn outcome(&self) -> &'static str {
        match self {
            GraphError::UserNotFound { .. } => "user_not_found",
            GraphError::PermissionMissing { .. } => "permission_missing",
            GraphError::NotInCatalog { .. } => "not_in_catalog",
            GraphError::AlreadyInstalled => "already_installed",
            _ if self.is_transient() => "transient",
            _ => "failed",
        }
    }
}

/// Graph's error body: `{"error":{"code","message"}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorFields,
}

#[derive(Deserialize)]
struct ErrorFields {
    code: Option<String>,
    message: Option<String>,
}

/// One call's answer: status and body.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    /// Graph's `code: message`, shortened, when the body has them.
    fn message(&self) -> Option<String> {
        let body: ErrorBody = serde_json::from_slice(&self.body).ok()?;
        let text = match (body.error.code, body.error.message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code,
            (None, Some(message)) => message,
            (None, None) => return None,
        };
        Some(shorten(&text, 300))
    }
}

/// The bot's Microsoft Graph client. Share one per process.
pub struct GraphClient {
    http: reqwest::Client,
    timeouts: Timeouts,
    token: ConnectorTokenSource,
    /// Graph's base, like `https://graph.microsoft.com/v1.0`.
    base: Url,
    /// The app's id in the organisation's app catalog.
    catalog_app_id: String,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.base.as_str())
            .field("catalog_app_id", &self.catalog_app_id)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// A client of Graph at `base` installing the catalog app `catalog_app_id` with tokens from
    /// `token` (a [`ConnectorTokenSource::for_graph`]). Nothing is sent until the first call.
    pub fn new(
        token: ConnectorTokenSource,
        base: Url,
        catalog_app_id: String,
    ) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect would carry the bot's token somewhere nobody chose.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("coupa-approvals/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(GraphError::Setup)?;
        Ok(Self {
            http,
            timeouts: Timeouts {
                connect: Some(CONNECT_TIMEOUT),
                total: Some(REQUEST_TIMEOUT),
            },
            token,
            base,
            catalog_app_id,
        })
    }

    /// Installs the app in the personal scope of the person with `email`: finds their id, then
    /// asks for the installation. `Err(GraphError::AlreadyInstalled)` when they have it.
    pub async fn install_for(&self, email: &str) -> Result<(), GraphError> {
        let user = self.user_id(email).await?;
        let url = self.url(&["users", &user, "teamwork", "installedApps"]);
        let catalog = self.url(&["appCatalogs", "teamsApps", &self.catalog_app_id]);
        let body = json!({ "teamsApp@odata.bind": catalog.as_str() });
        let answer = self
            .call("install the app", Method::POST, url, Some(&body))
            .await?;
        match answer.status.as_u16() {
            200..=299 => Ok(()),
            409 => Err(GraphError::AlreadyInstalled),
            403 => Err(GraphError::PermissionMissing {
                call: "install the app",
                permission: INSTALL_FOR_USER,
            }),
            // The user was just found: what the installation does not find is the app.
            404 => Err(GraphError::NotInCatalog {
                catalog_app_id: self.catalog_app_id.clone(),
            }),
            status => Err(GraphError::Refused {
                call: "install the app",
                status,
                message: answer.message(),
            }),
        }
    }

    /// The Azure AD object id of the person with `email`: the user whose sign-in name
    /// (`userPrincipalName`) it is, else the one user whose `mail` it is (the two differ in some
    /// organisations, and Coupa holds the email).
    pub async fn user_id(&self, email: &str) -> Result<String, GraphError> {
        const CALL: &str = "find the user";
        let mut url = self.url(&["users", email]);
        url.set_query(Some("$select=id"));
        let answer = self.call(CALL, Method::GET, url, None).await?;
        match answer.status.as_u16() {
            200 => return id_of(&answer.body, CALL),
            404 => {}
            status => return Err(lookup_refused(status, &answer)),
        }
        // OData quotes a string by doubling its single quotes; the rest is percent-encoded.
        let quoted = email.replace('\'', "''");
        let filter: String =
            url::form_urlencoded::byte_serialize(format!("mail eq '{quoted}'").as_bytes())
                .collect::<String>()
                .replace('+', "%20");
        let mut url = self.url(&["users"]);
        url.set_query(Some(&format!("$filter={filter}&$select=id")));
        let answer = self.call(CALL, Method::GET, url, None).await?;
        if answer.status != StatusCode::OK {
            return Err(lookup_refused(answer.status.as_u16(), &answer));
        }
        let found: Value =
            serde_json::from_slice(&answer.body).map_err(|e| GraphError::Unreadable {
                call: CALL,
                reason: format!("not JSON: {e}"),
            })?;
        match found
            .get("value")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([]) => Err(GraphError::UserNotFound {
                email: email.to_owned(),
            }),
            Some([user]) => id_of(user.to_string().as_bytes(), CALL),
            Some(_) => Err(GraphError::Unreadable {
                call: CALL,
                reason: "several users have this email".into(),
            }),
            None => Err(GraphError::Unreadable {
                call: CALL,
                reason: "no `value` list".into(),
            }),
        }
    }

    /// `base` with `segments` appended, each percent-encoded as one segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    /// Sends one call with the bot's token: renewed once after a 401; 429 and 5xx retried. Any
    /// answer that is not retried is returned, refusals included, for the caller to type.
    async fn call(
        &self,
        call: &'static str,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Answer, GraphError> {
        let mut token = self.token.token().await?;
        let mut renewed = false;
        let mut attempt = 1;
        loop {
            let sent = self.send(call, &method, &url, body, &token).await?;
            let status = sent.answer.status;
            if status == StatusCode::UNAUTHORIZED && !renewed {
                renewed = true;
                token = self.token.renew_after_rejection(&token).await?;
                continue;
            }
            let transient = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if !transient {
                return Ok(sent.answer);
            }
            let wait = sent.wait.unwrap_or(BACKOFF * attempt);
            if attempt >= MAX_ATTEMPTS || wait > MAX_RETRY_AFTER {
                return Err(GraphError::Failing {
                    call,
                    status: status.as_u16(),
                    message: sent.answer.message(),
                });
            }
            metrics::counter!("teams_graph_retries_total", "status" => status.as_u16().to_string())
                .increment(1);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn send(
        &self,
        call: &'static str,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
        token: &ConnectorToken,
    ) -> Result<Sent, GraphError> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, token.header_value());
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |e: &reqwest::Error| GraphError::Unreachable {
            call,
            cause: TransportCause::of(e, self.timeouts),
        };
        let response = request.send().await.map_err(|e| unreachable(&e))?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let body = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::Transport(e) => unreachable(&e),
                ReadError::TooLarge => GraphError::Unreadable {
                    call,
                    reason: format!(
                        "larger than {}; the bot stops reading there",
                        size_words(MAX_ANSWER_BYTES)
                    ),
                },
            })?;
        Ok(Sent {
            wait,
            answer: Answer { status, body },
        })
    }
}

/// The error for a refused user lookup.
fn lookup_refused(status: u16, answer: &Answer) -> GraphError {
    match status {
        403 => GraphError::PermissionMissing {
            call: "find the user",
            permission: USER_READ_ALL,
        },
        status => GraphError::Refused {
            call: "find the user",
            status,
            message: answer.message(),
        },
    }
}

/// The non-empty `id` of a user object.
fn id_of(body: &[u8], call: &'static str) -> Result<String, GraphError> {
    let user: Value = serde_json::from_slice(body).map_err(|e| GraphError::Unreadable {
        call,
        reason: format!("not JSON: {e}"),
    })?;
    user.get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| GraphError::Unreadable {
            call,
            reason: "no `id`".into(),
        })
}

/// An answer and the wait its `Retry-After` asked for.
struct Sent {
    wait: Option<Duration>,
    answer: Answer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_are_told_apart_from_what_needs_an_admin() {
        let failing = GraphError::Failing {
            call: "install the app",
            status: 503,
            message: None,
        };
        assert!(failing.is_transient());
        assert_eq!(failing.outcome(), "transient");
        let missing = GraphError::PermissionMissing {
            call: "find the user",
            permission: USER_READ_ALL,
        };
        assert!(!missing.is_transient());
        assert_eq!(missing.outcome(), "permission_missing");
        assert!(missing.to_string().contains("User.Read.All"), "{missing}");
    }
}
