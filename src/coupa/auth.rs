//! OAuth2 client credentials for Coupa, and the one access token every task shares.
//!
//! The token request is built by the `oauth2` crate (client id and secret in the form body,
//! [`AuthType::RequestBody`], as Coupa documents; scopes space-separated) and sent through this
//! crate's own `reqwest` client, so it gets the same TLS stack, timeouts, rate limit and metrics as
//! every other Coupa call. Its answer is read up to [`super::body::MAX_TOKEN_ANSWER_BYTES`].
//!
//! [`TokenSource`] keeps the token in a [`TokenCache`]: renewed early, one request at a time
//! for all callers, and after a 401 only if nobody has renewed since the rejected token was
//! handed out.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use tracing::Instrument;

use super::body::{MAX_TOKEN_ANSWER_BYTES, ReadError, size_words};
use super::error::{CoupaError, TokenProblem, TokenRefusal};
use super::rate_limit::{Priority, RateLimiter};
use super::transport::{record_call, shorten};
use crate::config::CoupaSettings;
use crate::token_cache::{Fresh, Outcome, TokenCache, exchange_capped, http_response};
use crate::transport_cause::{Timeouts, TransportCause};

/// The endpoint label used in metrics and spans for token requests.
const TOKEN_ENDPOINT: &str = "/oauth2/token";

/// An access token handed to one API call. `Debug` never shows the value.
#[derive(Clone)]
pub struct BearerToken {
    /// `Bearer …`, marked sensitive so `http`'s own `Debug` hides it too.
    header: HeaderValue,
    /// Which fetch produced it; a 401 renews only if this is still the cached one.
    generation: u64,
}

impl BearerToken {
    /// The `Authorization` header value.
    pub(crate) fn header_value(&self) -> HeaderValue {
        self.header.clone()
    }
}

impl From<crate::token_cache::Handed> for BearerToken {
    fn from(handed: crate::token_cache::Handed) -> Self {
        Self {
            header: handed.header,
            generation: handed.generation,
        }
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerToken")
            .field("header", &"[REDACTED]")
            .field("generation", &self.generation)
            .finish()
    }
}

/// Fetches, caches and renews Coupa access tokens; shared by every clone of the client.
pub struct TokenSource {
    client_id: ClientId,
    /// Kept as a `SecretString` (zeroed on drop); handed to `oauth2` only for each request.
    client_secret: SecretString,
    scopes: Vec<Scope>,
    token_url: TokenUrl,
    http: reqwest::Client,
    /// The limits `http` was built with, for saying how long a timed-out request waited.
    timeouts: Timeouts,
    limiter: Arc<RateLimiter>,
    cache: TokenCache<Failure>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.token_url)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// A token failure that can be handed to every waiter (the error type itself is not `Clone`).
#[derive(Clone)]
enum Failure {
    Rejected(TokenRefusal),
    Other(TokenProblem),
}

impl Failure {
    fn to_error(&self, token_url: &str) -> CoupaError {
        match self {
            Failure::Rejected(refusal) => CoupaError::CredentialsRejected {
                refusal: refusal.clone(),
            },
            Failure::Other(problem) => CoupaError::Token {
                token_url: token_url.to_owned(),
                problem: problem.clone(),
            },
        }
    }
}

impl TokenSource {
    /// Sets up the OAuth2 client from settings; nothing is fetched until the first call.
    pub(crate) fn new(
        settings: &CoupaSettings,
        http: reqwest::Client,
        timeouts: Timeouts,
        limiter: Arc<RateLimiter>,
    ) -> Self {
        let token_url = settings.token_url.to_string();
        Self {
            client_id: ClientId::new(settings.client_id.clone()),
            client_secret: settings.client_secret.clone(),
            scopes: settings.scopes.iter().cloned().map(Scope::new).collect(),
            token_url: TokenUrl::from_url(settings.token_url.clone()),
            http,
            timeouts,
            limiter,
            cache: TokenCache::new(move |failure: &Failure, outcome| {
                let error = failure.to_error(token_url.as_str());
                match outcome {
                    Outcome::KeptCurrent => tracing::warn!(
                        error = %error,
                        "renewing the Coupa access token failed; the current one is still valid"
                    ),
                    Outcome::NoToken => {
                        tracing::warn!(error = %error, "Coupa access token request failed")
                    }
                }
            }),
        }
    }

    /// A valid token: the cached one while it is fresh, else one renewal shared by all callers.
    pub async fn token(&self) -> Result<BearerToken, CoupaError> {
        self.cache
            .token(|| self.fetch())
            .await
            .map(BearerToken::from)
            .map_err(|failure| failure.to_error(self.token_url.as_str()))
    }

    /// The scopes granted with the current token (fetching one if needed); `None` when Coupa's
    /// token response did not list them.
    pub async fn granted_scopes(&self) -> Result<Option<Vec<String>>, CoupaError> {
        self.token().await?;
        Ok(self.cache.granted_scopes().await)
    }

    /// A new token after Coupa answered 401 to `rejected`: renews once, however many calls
    /// were rejected with the same token at the same time.
    pub async fn renew_after_rejection(
        &self,
        rejected: &BearerToken,
    ) -> Result<BearerToken, CoupaError> {
        self.cache
            .renew_after_rejection(rejected.generation, || self.fetch())
            .await
            .map(BearerToken::from)
            .map_err(|failure| failure.to_error(self.token_url.as_str()))
    }

    /// Asks the token endpoint; the cache makes sure nobody else does at the same time.
    async fn fetch(&self) -> Result<Fresh, Failure> {
        let http = TokenHttp {
            http: &self.http,
            limiter: &self.limiter,
        };
        let oauth = BasicClient::new(self.client_id.clone())
            .set_client_secret(ClientSecret::new(
                self.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(self.token_url.clone());
        let issued = Instant::now();
        let response = oauth
            .exchange_client_credentials()
            .add_scopes(self.scopes.iter().cloned())
            .request_async(&http)
            .await
            .map_err(|error| classify(error, self.timeouts))?;
        fresh_token(&response, issued).ok_or_else(|| {
            Failure::Other(TokenProblem::Unreadable(
                "the access token is not valid in an HTTP header".into(),
            ))
        })
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
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.to_string()).collect()),
        issued,
    })
}

/// Turns the `oauth2` crate's error into something an admin can act on, without the raw body.
fn classify(
    error: RequestTokenError<TokenHttpError, oauth2::basic::BasicErrorResponse>,
    timeouts: Timeouts,
) -> Failure {
    match error {
        RequestTokenError::Request(TokenHttpError::Status {
            status,
            error,
            description,
        }) => {
            let rejected = status == 401
                || (status == 400
                    && matches!(
                        error.as_deref(),
                        Some(
                            "invalid_client"
                                | "unauthorized_client"
                                | "invalid_scope"
                                | "invalid_grant"
                        )
                    ));
            let refusal = TokenRefusal {
                status,
                error,
                description,
            };
            if rejected {
                Failure::Rejected(refusal)
            } else {
                Failure::Other(TokenProblem::Status(refusal))
            }
        }
        RequestTokenError::Request(TokenHttpError::Transport(e)) => {
            Failure::Other(TokenProblem::Unreachable(TransportCause::of(&e, timeouts)))
        }
        RequestTokenError::Request(TokenHttpError::TooLarge { limit_bytes }) => {
            Failure::Other(TokenProblem::Unreadable(format!(
                "the token endpoint's answer is larger than {}; the bot stops reading there",
                size_words(limit_bytes)
            )))
        }
        RequestTokenError::ServerResponse(response) => {
            // Only reachable if a non-200 answer got past `TokenHttp`; treat like one, with the
            // status OAuth2 gives error responses (RFC 6749, 5.2).
            Failure::Rejected(TokenRefusal {
                status: 400,
                error: Some(response.error().as_ref().to_owned()),
                description: response
                    .error_description()
                    .map(|d| shorten(d.as_str(), 200)),
            })
        }
        RequestTokenError::Parse(e, _body) => Failure::Other(TokenProblem::Unreadable(format!(
            "unreadable token response: {}",
            e.inner()
        ))),
        RequestTokenError::Other(detail) => Failure::Other(TokenProblem::Unreadable(detail)),
    }
}

/// Why the token endpoint could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenHttpError {
    /// No answer.
    #[error("{0}")]
    Transport(#[source] reqwest::Error),
    /// A non-200 answer, reduced to its status and OAuth2 error fields.
    #[error("HTTP {status}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// The OAuth2 `error` code, when the body had one.
        error: Option<String>,
        /// The OAuth2 `error_description`, shortened.
        description: Option<String>,
    },
    /// An answer larger than [`MAX_TOKEN_ANSWER_BYTES`]; reading stopped there.
    #[error("an answer larger than {}", size_words(*limit_bytes))]
    TooLarge {
        /// The cap, in bytes.
        limit_bytes: usize,
    },
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: Option<String>,
    error_description: Option<String>,
}

/// The `oauth2` crate's HTTP client, backed by this crate's `reqwest` client.
struct TokenHttp<'a> {
    http: &'a reqwest::Client,
    limiter: &'a RateLimiter,
}

impl<'c> AsyncHttpClient<'c> for TokenHttp<'_> {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TokenHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        let span = tracing::info_span!(
            "coupa.request",
            method = "POST",
            path = TOKEN_ENDPOINT,
            status = tracing::field::Empty,
            attempt = 1,
            duration_ms = tracing::field::Empty,
        );
        Box::pin(
            async move {
                // Every call waits for the token, fetched about once a day: it goes first.
                self.limiter.acquire(Priority::Decision).await;
                let started = Instant::now();
                let answer = exchange_capped(self.http, request, MAX_TOKEN_ANSWER_BYTES)
                    .await
                    .map_err(|error| match error {
                        ReadError::Transport(error) => TokenHttpError::Transport(error),
                        ReadError::TooLarge => TokenHttpError::TooLarge {
                            limit_bytes: MAX_TOKEN_ANSWER_BYTES,
                        },
                    });
                let label = match &answer {
                    Ok((status, _, _)) => status.as_str().to_owned(),
                    Err(TokenHttpError::Transport(e)) if e.is_timeout() => "timeout".to_owned(),
                    Err(TokenHttpError::Transport(e)) if e.is_connect() => {
                        "connect_error".to_owned()
                    }
                    Err(TokenHttpError::TooLarge { .. }) => "too_large".to_owned(),
                    Err(_) => "error".to_owned(),
                };
                let elapsed = started.elapsed();
                let span = tracing::Span::current();
                span.record("status", label.as_str());
                span.record(
                    "duration_ms",
                    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                );
                record_call(TOKEN_ENDPOINT, &label, elapsed);
                let (status, headers, body) = answer?;
                if status != reqwest::StatusCode::OK {
                    let parsed: Option<OAuthErrorBody> = serde_json::from_slice(&body).ok();
                    let (error, description) = parsed
                        .map(|b| (b.error, b.error_description.map(|d| shorten(&d, 200))))
                        .unwrap_or_default();
                    return Err(TokenHttpError::Status {
                        status: status.as_u16(),
                        error,
                        description,
                    });
                }
                Ok(http_response(status, headers, body))
            }
            .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_never_show_their_value() {
        let mut header = HeaderValue::from_static("Bearer eyJ.secret.value");
        header.set_sensitive(true);
        let token = BearerToken {
            header,
            generation: 1,
        };
        assert!(!format!("{token:?}").contains("secret"));
    }
}
