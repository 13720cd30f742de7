//! The bot's own credential for the Bot Connector: an Azure AD access token obtained with the
//! OAuth2 client-credentials grant (client id = the Microsoft App ID, secret = the app password),
//! for the scope `https://api.botframework.com/.default`, from the bot's own tenant
//! (`{authority}/{tenant}/oauth2/v2.0/token`; single-tenant registrations are the only kind
//! Microsoft still creates).
//!
//! The request is built by the `oauth2` crate, as Coupa's is ([`crate::coupa::auth`]), and sent
//! through this crate's `reqwest` client; the answer is read up to [`MAX_TOKEN_ANSWER_BYTES`]. The
//! token lives in a [`TokenCache`], shared with Coupa's source: renewed at 80 % of its lifetime or
//! five minutes before expiry, one request for all callers, and after a rejection by the Bot
//! Connector only if nobody renewed since the rejected token was handed out. The HTTP hook is
//! this module's own: Coupa's also takes a slot from Coupa's rate limiter and counts the request
//! in Coupa's metrics, neither of which concerns Azure AD.
//!
//! Azure AD's refusals are read (`error`, `error_description`, `error_codes`) and the ones an
//! admin can fix get their own [`ConnectorTokenError`] variant saying what to change; other
//! refusals keep Azure's words.

use std::future::Future;
use std::pin::Pin;

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use crate::coupa::body::{MAX_TOKEN_ANSWER_BYTES, ReadError, size_words};
use crate::coupa::transport::shorten;
use crate::token_cache::{Fresh, Handed, Outcome, TokenCache, exchange_capped, http_response};
use crate::transport_cause::{Timeouts, TransportCause};

/// Microsoft's Azure AD authority host, used unless another is given.
pub const AZURE_AD_AUTHORITY: &str = "https://login.microsoftonline.com";

/// The scope a token for the Bot Connector is asked for.
pub const BOT_FRAMEWORK_SCOPE: &str = "https://api.botframework.com/.default";

/// The scope a token for Microsoft Graph is asked for: the application permissions granted to
/// the bot's app registration (proactive installation, [`crate::teams::graph`]).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Azure AD: the tenant does not exist (wrong tenant id or domain).
const AADSTS_UNKNOWN_TENANT: u64 = 90002;
/// Azure AD: no application with this id in the tenant.
const AADSTS_UNKNOWN_APP: u64 = 700016;
/// Azure AD: the client secret is not the application's.
const AADSTS_WRONG_SECRET: u64 = 7000215;
/// Azure AD: the client secret has expired.
const AADSTS_EXPIRED_SECRET: u64 = 7000222;

/// Who the bot is to Azure AD. `Debug` never shows the password.
#[derive(Clone)]
pub struct BotCredentials {
    /// The Microsoft App ID (the client id).
    pub app_id: String,
    /// The app password (a client secret of the app registration).
    pub app_password: SecretString,
    /// The tenant the app is registered in: its id (a GUID) or a verified domain.
    pub tenant: String,
}

impl std::fmt::Debug for BotCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotCredentials")
            .field("app_id", &self.app_id)
            .field("app_password", &"[REDACTED]")
            .field("tenant", &self.tenant)
            .finish()
    }
}

/// What Azure AD said when it refused a token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureRefusal {
    /// The HTTP status.
    pub status: u16,
    /// The OAuth2 `error` code (`invalid_client`, `invalid_request`, …).
    pub error: Option<String>,
    /// The `error_description`, shortened (it starts with the `AADSTS…` code).
    pub description: Option<String>,
    /// The numeric `error_codes` (`7000215` for AADSTS7000215).
    pub codes: Vec<u64>,
}

impl AzureRefusal {
    /// Whether Azure AD gave `code`, in `error_codes` or at the start of the description.
    fn has_code(&self, code: u64) -> bool {
        self.codes.contains(&code)
            || self
                .description
                .as_deref()
                .is_some_and(|d| d.starts_with(&format!("AADSTS{code}:")))
    }
}

impl std::fmt::Display for AzureRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match (&self.error, &self.description) {
            (Some(error), Some(description)) => write!(f, ", {error}: {description}"),
            (Some(error), None) => write!(f, ", {error}"),
            (None, Some(description)) => write!(f, ", {description}"),
            (None, None) => Ok(()),
        }
    }
}

/// Why the bot has no token for the Bot Connector. Each message says what an admin can change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorTokenError {
    /// The tenant cannot be put in the token address.
    #[error(
        "the Microsoft tenant {tenant:?} is not a tenant id or domain; set MICROSOFT_APP_TENANT_ID to the Directory (tenant) ID of the bot's app registration"
    )]
    InvalidTenant {
        /// The tenant as configured.
        tenant: String,
    },
    /// Azure AD does not know the tenant (AADSTS90002).
    #[error(
        "Azure AD does not know the tenant {tenant} ({refusal}); set MICROSOFT_APP_TENANT_ID to the Directory (tenant) ID shown on the bot's app registration"
    )]
    UnknownTenant {
        /// The tenant asked for.
        tenant: String,
        /// Azure AD's answer (boxed: it is the largest part of the error).
        refusal: Box<AzureRefusal>,
    },
    /// No application with the app id in the tenant (AADSTS700016).
    #[error(
        "Azure AD has no application {app_id} in tenant {tenant} ({refusal}); check MICROSOFT_APP_ID and MICROSOFT_APP_TENANT_ID against the bot's app registration"
    )]
    UnknownApp {
        /// The app id asked for.
        app_id: String,
        /// The tenant asked for.
        tenant: String,
        /// Azure AD's answer (boxed: it is the largest part of the error).
        refusal: Box<AzureRefusal>,
    },
    /// The secret is not the app's (AADSTS7000215, or `invalid_client` without a known code).
    #[error(
        "Azure AD rejected the bot's client secret for app {app_id} ({refusal}); set MICROSOFT_APP_PASSWORD to the secret's Value (not its Secret ID) from Certificates & secrets of the app registration"
    )]
    WrongSecret {
        /// The app id asked for.
        app_id: String,
        /// Azure AD's answer (boxed: it is the largest part of the error).
        refusal: Box<AzureRefusal>,
    },
    /// The secret has expired (AADSTS7000222).
    #[error(
        "the bot's client secret for app {app_id} has expired ({refusal}); create a new client secret in the app registration's Certificates & secrets and set MICROSOFT_APP_PASSWORD to its Value"
    )]
    ExpiredSecret {
        /// The app id asked for.
        app_id: String,
        /// Azure AD's answer (boxed: it is the largest part of the error).
        refusal: Box<AzureRefusal>,
    },
    /// Any other refusal, in Azure AD's words.
    #[error("Azure AD refused the bot's token request at {token_url}: {refusal}")]
    Refused {
        /// The token address.
        token_url: String,
        /// Azure AD's answer (boxed: it is the largest part of the error).
        refusal: Box<AzureRefusal>,
    },
    /// No answer from the token address.
    #[error(
        "could not reach Azure AD at {token_url} for the bot's token: {cause}; check that the bot can make outbound HTTPS requests to that host"
    )]
    Unreachable {
        /// The token address.
        token_url: String,
        /// Why there was no answer.
        cause: TransportCause,
    },
    /// An answer that is no usable token.
    #[error("Azure AD's answer at {token_url} is not a usable token: {reason}")]
    Unreadable {
        /// The token address.
        token_url: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// An access token for one call to the Bot Connector. `Debug` never shows the value.
#[derive(Clone)]
pub struct ConnectorToken {
    /// `Bearer …`, marked sensitive so `http`'s own `Debug` hides it too.
    header: HeaderValue,
    /// Which fetch produced it; a rejection renews only if this is still the cached one.
    generation: u64,
}

impl From<Handed> for ConnectorToken {
    fn from(handed: Handed) -> Self {
        Self {
            header: handed.header,
            generation: handed.generation,
        }
    }
}

impl ConnectorToken {
    /// The `Authorization` header value.
    pub fn header_value(&self) -> HeaderValue {
        self.header.clone()
    }
}

impl std::fmt::Debug for ConnectorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorToken")
            .field("header", &"[REDACTED]")
            .field("generation", &self.generation)
            .finish()
    }
}

/// The token address for `tenant` under `authority`: `{authority}/{tenant}/oauth2/v2.0/token`.
pub fn token_url(authority: &Url, tenant: &str) -> Result<Url, ConnectorTokenError> {
    // A GUID or a domain: anything else could change the address's path or host.
    let plausible = !tenant.is_empty()
        && tenant.len() <= 255
        && !tenant.starts_with('.')
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    let invalid = || ConnectorTokenError::InvalidTenant {
        tenant: tenant.to_owned(),
    };
    if !plausible {
        return Err(invalid());
    }
    let base = authority.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{tenant}/oauth2/v2.0/token")).map_err(|_| invalid())
}

/// Fetches, caches and renews the bot's Bot Connector token (or, built with
/// [`ConnectorTokenSource::for_graph`], its Microsoft Graph token); share one per process and
/// scope.
pub struct ConnectorTokenSource {
    credentials: BotCredentials,
    /// The scope asked for: [`BOT_FRAMEWORK_SCOPE`] or [`GRAPH_SCOPE`].
    scope: &'static str,
    token_url: TokenUrl,
    http: reqwest::Client,
    /// The limits `http` was built with, for saying how long a timed-out request waited.
    timeouts: Timeouts,
    cache: TokenCache<ConnectorTokenError>,
}

impl std::fmt::Debug for ConnectorTokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorTokenSource")
            .field("credentials", &self.credentials)
            .field("scope", &self.scope)
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl ConnectorTokenSource {
    /// A source asking Microsoft's Azure AD ([`AZURE_AD_AUTHORITY`]) for the bot's tenant.
    pub fn new(
        credentials: BotCredentials,
        http: reqwest::Client,
        timeouts: Timeouts,
    ) -> Result<Self, ConnectorTokenError> {
        // The constant always parses; the error only keeps this free of a panic path.
        let authority =
            Url::parse(AZURE_AD_AUTHORITY).map_err(|_| ConnectorTokenError::InvalidTenant {
                tenant: credentials.tenant.clone(),
            })?;
        Self::with_authority(credentials, &authority, http, timeouts)
    }

    /// A source asking the authority at `authority` (another cloud, or a test's server).
    /// Nothing is fetched until the first call.
    pub fn with_authority(
        credentials: BotCredentials,
        authority: &Url,
        http: reqwest::Client,
        timeouts: Timeouts,
    ) -> Result<Self, ConnectorTokenError> {
        Self::for_scope(credentials, authority, http, timeouts, BOT_FRAMEWORK_SCOPE)
    }

    /// A source of the bot's Microsoft Graph token ([`GRAPH_SCOPE`]) from the authority at
    /// `authority`: the same credentials, cache and errors as the Bot Connector's.
    pub fn for_graph(
        credentials: BotCredentials,
        authority: &Url,
        http: reqwest::Client,
        timeouts: Timeouts,
    ) -> Result<Self, ConnectorTokenError> {
        Self::for_scope(credentials, authority, http, timeouts, GRAPH_SCOPE)
    }

    fn for_scope(
        credentials: BotCredentials,
        authority: &Url,
        http: reqwest::Client,
        timeouts: Timeouts,
        scope: &'static str,
    ) -> Result<Self, ConnectorTokenError> {
        let url = token_url(authority, &credentials.tenant)?;
        Ok(Self {
            credentials,
            scope,
            token_url: TokenUrl::from_url(url),
            http,
            timeouts,
            cache: TokenCache::new(move |error: &ConnectorTokenError, outcome| {
                match (scope == GRAPH_SCOPE, outcome) {
                    (false, Outcome::KeptCurrent) => tracing::warn!(
                        error = %error,
                        "renewing the bot's Bot Connector token failed; the current one is still valid"
                    ),
                    (false, Outcome::NoToken) => {
                        tracing::warn!(error = %error, "the bot's Bot Connector token request failed")
                    }
                    (true, Outcome::KeptCurrent) => tracing::warn!(
                        error = %error,
                        "renewing the bot's Microsoft Graph token failed; the current one is still valid"
                    ),
                    (true, Outcome::NoToken) => {
                        tracing::warn!(error = %error, "the bot's Microsoft Graph token request failed")
                    }
                }
            }),
        })
    }

    /// The scope this source asks Azure AD for.
    pub fn scope(&self) -> &'static str {
        self.scope
    }

    /// The token address asked.
    pub fn token_url(&self) -> &str {
        self.token_url.as_str()
    }

    /// A valid token: the cached one while it is fresh, else one renewal shared by all callers.
    pub async fn token(&self) -> Result<ConnectorToken, ConnectorTokenError> {
        self.cache
            .token(|| self.fetch())
            .await
            .map(ConnectorToken::from)
    }

    /// A new token after the Bot Connector refused `rejected` (401): renews once, however many
    /// calls were refused with the same token at the same time.
    pub async fn renew_after_rejection(
        &self,
        rejected: &ConnectorToken,
    ) -> Result<ConnectorToken, ConnectorTokenError> {
        self.cache
            .renew_after_rejection(rejected.generation, || self.fetch())
            .await
            .map(ConnectorToken::from)
    }

    /// Asks Azure AD; the cache makes sure nobody else does at the same time.
    async fn fetch(&self) -> Result<Fresh, ConnectorTokenError> {
        let oauth = BasicClient::new(ClientId::new(self.credentials.app_id.clone()))
            .set_client_secret(ClientSecret::new(
                self.credentials.app_password.expose_secret().to_owned(),
            ))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(self.token_url.clone());
        let issued = Instant::now();
        let response = oauth
            .exchange_client_credentials()
            .add_scope(Scope::new(self.scope.to_owned()))
            .request_async(&AzureHttp { http: &self.http })
            .await
            .map_err(|error| self.classify(error))?;
        fresh_token(&response, issued).ok_or_else(|| ConnectorTokenError::Unreadable {
            token_url: self.token_url.to_string(),
            reason: "the access token is not valid in an HTTP header".into(),
        })
    }

    /// Turns the `oauth2` crate's error into one an admin can act on.
    fn classify(
        &self,
        error: RequestTokenError<AzureHttpError, oauth2::basic::BasicErrorResponse>,
    ) -> ConnectorTokenError {
        let token_url = self.token_url.to_string();
        match error {
            RequestTokenError::Request(AzureHttpError::Refused(refusal)) => {
                self.refusal_error(refusal)
            }
            RequestTokenError::Request(AzureHttpError::Transport(e)) => {
                ConnectorTokenError::Unreachable {
                    token_url,
                    cause: TransportCause::of(&e, self.timeouts),
                }
            }
            RequestTokenError::Request(AzureHttpError::TooLarge { limit_bytes }) => {
                ConnectorTokenError::Unreadable {
                    token_url,
                    reason: format!(
                        "the answer is larger than {}; the bot stops reading there",
                        size_words(limit_bytes)
                    ),
                }
            }
            // Only reachable if a non-200 answer got past `AzureHttp`; OAuth2 gives error
            // responses status 400 (RFC 6749, 5.2).
            RequestTokenError::ServerResponse(response) => self.refusal_error(AzureRefusal {
                status: 400,
                error: Some(response.error().as_ref().to_owned()),
                description: response
                    .error_description()
                    .map(|d| shorten(d.as_str(), 300)),
                codes: Vec::new(),
            }),
            RequestTokenError::Parse(e, _body) => ConnectorTokenError::Unreadable {
                token_url,
                reason: format!("unreadable token response: {}", e.inner()),
            },
            RequestTokenError::Other(reason) => {
                ConnectorTokenError::Unreadable { token_url, reason }
            }
        }
    }

    /// The variant for a refusal: the known causes by their AADSTS code, others in Azure's words.
    fn refusal_error(&self, refusal: AzureRefusal) -> ConnectorTokenError {
        let refusal = Box::new(refusal);
        let app_id = self.credentials.app_id.clone();
        let tenant = self.credentials.tenant.clone();
        let names_tenant = refusal.error.as_deref() == Some("invalid_request")
            && refusal
                .description
                .as_deref()
                .is_some_and(|d| d.contains(&format!("'{tenant}'")) && d.contains("enant"));
        if refusal.has_code(AADSTS_EXPIRED_SECRET) {
            ConnectorTokenError::ExpiredSecret { app_id, refusal }
        } else if refusal.has_code(AADSTS_WRONG_SECRET) {
            ConnectorTokenError::WrongSecret { app_id, refusal }
        } else if refusal.has_code(AADSTS_UNKNOWN_TENANT) || names_tenant {
            ConnectorTokenError::UnknownTenant { tenant, refusal }
        } else if refusal.has_code(AADSTS_UNKNOWN_APP) {
            ConnectorTokenError::UnknownApp {
                app_id,
                tenant,
                refusal,
            }
        } else if refusal.error.as_deref() == Some("invalid_client") {
            ConnectorTokenError::WrongSecret { app_id, refusal }
        } else {
            ConnectorTokenError::Refused {
                token_url: self.token_url.to_string(),
                refusal,
            }
        }
    }
}

/// The token as received, or `None` if it cannot be sent in a header.
fn fresh_token(response: &BasicTokenResponse, issued: Instant) -> Option<Fresh> {
    let mut header =
        HeaderValue::from_str(&format!("Bearer {}", response.access_token().secret())).ok()?;
    header.set_sensitive(true);
    Some(Fresh {
        header,
        lifetime: response.expires_in(),
        scopes: None,
        issued,
    })
}

/// Why Azure AD's token address gave no token.
#[derive(Debug, thiserror::Error)]
enum AzureHttpError {
    /// No answer.
    #[error("{0}")]
    Transport(#[source] reqwest::Error),
    /// A non-200 answer, reduced to Azure AD's error fields.
    #[error("{0}")]
    Refused(AzureRefusal),
    /// An answer larger than [`MAX_TOKEN_ANSWER_BYTES`]; reading stopped there.
    #[error("an answer larger than {}", size_words(*limit_bytes))]
    TooLarge { limit_bytes: usize },
}

/// The fields of Azure AD's error body that say what is wrong.
#[derive(Deserialize)]
struct AzureErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u64>,
}

/// The `oauth2` crate's HTTP client, backed by this crate's `reqwest` client.
struct AzureHttp<'a> {
    http: &'a reqwest::Client,
}

impl<'c> AsyncHttpClient<'c> for AzureHttp<'_> {
    type Error = AzureHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, AzureHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (status, headers, body) =
                exchange_capped(self.http, request, MAX_TOKEN_ANSWER_BYTES)
                    .await
                    .map_err(|error| match error {
                        ReadError::Transport(error) => AzureHttpError::Transport(error),
                        ReadError::TooLarge => AzureHttpError::TooLarge {
                            limit_bytes: MAX_TOKEN_ANSWER_BYTES,
                        },
                    })?;
            if status != reqwest::StatusCode::OK {
                let parsed: Option<AzureErrorBody> = serde_json::from_slice(&body).ok();
                let refusal = match parsed {
                    Some(b) => AzureRefusal {
                        status: status.as_u16(),
                        error: b.error,
                        description: b.error_description.map(|d| first_line(&d)),
                        codes: b.error_codes,
                    },
                    None => AzureRefusal {
                        status: status.as_u16(),
                        error: None,
                        description: None,
                        codes: Vec::new(),
                    },
                };
                return Err(AzureHttpError::Refused(refusal));
            }
            Ok(http_response(status, headers, body))
        })
    }
}

/// Azure AD's description without the trace and correlation ids it appends on later lines.
fn first_line(description: &str) -> String {
    shorten(description.lines().next().unwrap_or_default().trim(), 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_address_is_under_the_tenant() {
        let authority = Url::parse(AZURE_AD_AUTHORITY).unwrap();
        let url = token_url(&authority, "contoso.onmicrosoft.com").unwrap();
        assert_eq!(
            url.as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn a_tenant_that_would_change_the_address_is_refused() {
        let authority = Url::parse(AZURE_AD_AUTHORITY).unwrap();
        for tenant in ["", "a/b", "x?y", "evil.com#", "..", "a b"] {
            assert!(
                matches!(
                    token_url(&authority, tenant),
                    Err(ConnectorTokenError::InvalidTenant { .. })
                ),
                "{tenant:?}"
            );
        }
    }

    #[test]
    fn azure_descriptions_lose_their_trace_lines() {
        let description = "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: abc\r\nCorrelation ID: def";
        assert_eq!(
            first_line(description),
            "AADSTS7000215: Invalid client secret provided."
        );
    }
}
