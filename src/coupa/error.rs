//! The one error type of the Coupa boundary.
//!
//! Each variant is a different thing for the caller to do: tell the admin to fix credentials,
//! refresh a card because the approval was decided elsewhere, try again later, or tell the user
//! the outcome is unknown. Messages are short and safe to log: no token, no secret, no raw body.

use std::fmt;
use std::time::Duration;

use crate::domain::ApprovalId;
use crate::transport_cause::TransportCause;

/// Why a Coupa call failed.
#[derive(Debug, thiserror::Error)]
pub enum CoupaError {
    /// The token endpoint rejected the client id or secret.
    #[error(
        "Coupa rejected the OAuth2 client credentials ({refusal}); check COUPA_CLIENT_ID and COUPA_CLIENT_SECRET (and COUPA_SCOPES) against the client under Coupa Setup → Oauth2/OpenID Connect Clients"
    )]
    CredentialsRejected {
        /// The token endpoint's answer.
        refusal: TokenRefusal,
    },
    /// No token could be obtained for another reason (token endpoint unreachable or failing,
    /// unreadable answer).
    #[error("could not get a Coupa access token from {token_url}: {problem}")]
    Token {
        /// The token endpoint (`COUPA_TOKEN_URL`).
        token_url: String,
        /// What went wrong.
        problem: TokenProblem,
    },
    /// Coupa refused a freshly renewed token for this call (401 twice).
    #[error(
        "Coupa refused the access token for {endpoint} even after renewing it; check that the OAuth2 client is active and has the scopes in COUPA_SCOPES"
    )]
    Unauthorized {
        /// The endpoint template.
        endpoint: &'static str,
    },
    /// Coupa says the client may not do this (403): usually a missing scope.
    #[error(
        "Coupa denied access to {endpoint} (403); the OAuth2 client probably lacks a scope (see COUPA_SCOPES)"
    )]
    Forbidden {
        /// The endpoint template.
        endpoint: &'static str,
    },
    /// The record does not exist (404).
    #[error("{what} was not found in Coupa")]
    NotFound {
        /// What was asked for, e.g. `approval 90211`.
        what: String,
    },
    /// The approval can no longer be acted on: it was decided, or moved on, elsewhere.
    #[error("approval {id} is no longer pending in Coupa: {message}")]
    NotPending {
        /// The approval.
        id: ApprovalId,
        /// Coupa's own explanation.
        message: String,
    },
    /// Coupa refused the request as invalid (400) for another reason.
    #[error("Coupa refused the request to {endpoint}: {message}")]
    BadRequest {
        /// The endpoint template.
        endpoint: &'static str,
        /// Coupa's validation messages.
        message: String,
    },
    /// Still rate limited (429) after every attempt allowed.
    #[error("Coupa is rate limiting {endpoint} (429) after {attempts} attempt(s)")]
    RateLimited {
        /// The endpoint template.
        endpoint: &'static str,
        /// Attempts made.
        attempts: u32,
        /// What Coupa asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// Coupa answered with a server error (5xx) on the last attempt.
    #[error("Coupa answered {endpoint} with server error {status} after {attempts} attempt(s)")]
    Server {
        /// The endpoint template.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// Coupa did not answer within the request timeout.
    #[error("Coupa did not answer {endpoint} in time after {attempts} attempt(s): {cause}")]
    Timeout {
        /// The endpoint template.
        endpoint: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Which limit ran out, and where.
        cause: TransportCause,
    },
    /// Coupa could not be reached, or the connection broke.
    #[error("could not reach Coupa for {endpoint} after {attempts} attempt(s): {cause}")]
    Connection {
        /// The endpoint template.
        endpoint: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Why, in words an admin can act on (read from `source`).
        cause: TransportCause,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// Coupa answered with something this client cannot read.
    #[error("unexpected answer from Coupa for {endpoint}: {reason}")]
    Decode {
        /// The endpoint template.
        endpoint: &'static str,
        /// What was wrong (never the whole body).
        reason: String,
    },
    /// Coupa's answer was larger than the bot reads ([`super::body::MAX_ANSWER_BYTES`]); reading
    /// stopped there. Not retried: the same request would get the same answer.
    #[error(
        "Coupa's answer to {endpoint} is larger than {}; the bot stops reading there (is a proxy answering instead of Coupa?)",
        super::body::size_words(*limit_bytes)
    )]
    TooLarge {
        /// The endpoint template.
        endpoint: &'static str,
        /// The cap that was exceeded, in bytes.
        limit_bytes: usize,
    },
    /// Coupa answered with a status this client does not expect.
    #[error("Coupa answered {endpoint} with unexpected status {status}")]
    UnexpectedStatus {
        /// The endpoint template.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// A decision's outcome could not be confirmed: it may have taken effect, and re-reading the
    /// approval did not tell. The caller must not retry blindly; the next sync shows the truth.
    #[error(
        "the {action} of approval {id} may or may not have taken effect in Coupa ({cause}); check it in Coupa"
    )]
    Unknown {
        /// The approval.
        id: ApprovalId,
        /// `approve`, `reject` or `hold`.
        action: &'static str,
        /// What made it ambiguous, and why re-reading did not settle it.
        cause: String,
    },
    /// The client could not be built (bad URL, TLS setup).
    #[error("cannot set up the Coupa client: {0}")]
    Setup(String),
}

impl CoupaError {
    /// Whether the caller may simply try again later (transient trouble on Coupa's side or the
    /// network). `Unknown` is not: a decision whose outcome is unknown must be checked first.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CoupaError::Token { .. }
                | CoupaError::RateLimited { .. }
                | CoupaError::Server { .. }
                | CoupaError::Timeout { .. }
                | CoupaError::Connection { .. }
        )
    }
}

/// The token endpoint's non-200 answer: its status and, when the body had them, the OAuth2
/// `error` code and (shortened) `error_description`. Written `HTTP 401, invalid_client: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRefusal {
    /// The HTTP status.
    pub status: u16,
    /// The OAuth2 `error` code (`invalid_client`, `invalid_scope`, …).
    pub error: Option<String>,
    /// The OAuth2 `error_description`, shortened.
    pub description: Option<String>,
}

impl fmt::Display for TokenRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match (&self.error, &self.description) {
            (Some(error), Some(description)) => write!(f, ", {error}: {description}"),
            (Some(error), None) => write!(f, ", {error}"),
            _ => Ok(()),
        }
    }
}

/// Why the token endpoint gave no token, when it did not reject the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// No answer: the endpoint could not be reached.
    Unreachable(TransportCause),
    /// An answer with a status other than 200 that does not reject the credentials (404, 5xx…).
    Status(TokenRefusal),
    /// A 200 answer that is no usable token.
    Unreadable(String),
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenProblem::Unreachable(cause) => write!(f, "{cause}"),
            TokenProblem::Status(refusal) => write!(f, "the token endpoint answered {refusal}"),
            TokenProblem::Unreadable(reason) => f.write_str(reason),
        }
    }
}
