//! The one error type of the Coupa boundary.
//!
//! Each variant is a different thing for the caller to do: tell the admin to fix credentials,
//! refresh a card because the approval was decided elsewhere, try again later, or tell the user
//! the outcome is unknown. Messages are short and safe to log: no token, no secret, no raw body.

use std::time::Duration;

use crate::domain::ApprovalId;

/// Why a Coupa call failed.
#[derive(Debug, thiserror::Error)]
pub enum CoupaError {
    /// The token endpoint rejected the client id or secret.
    #[error(
        "Coupa rejected the OAuth2 client credentials ({detail}); check COUPA_CLIENT_ID and COUPA_CLIENT_SECRET (and COUPA_SCOPES) against the client under Coupa Setup → Oauth2/OpenID Connect Clients"
    )]
    CredentialsRejected {
        /// Coupa's OAuth error code and description, or the HTTP status.
        detail: String,
    },
    /// No token could be obtained for another reason (token endpoint down, unreadable answer).
    #[error("could not get a Coupa access token from {token_url}: {detail}")]
    Token {
        /// The token endpoint (`COUPA_TOKEN_URL`).
        token_url: String,
        /// What went wrong.
        detail: String,
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
    #[error("Coupa did not answer {endpoint} in time after {attempts} attempt(s)")]
    Timeout {
        /// The endpoint template.
        endpoint: &'static str,
        /// Attempts made.
        attempts: u32,
    },
    /// Coupa could not be reached, or the connection broke.
    #[error("could not reach Coupa for {endpoint} after {attempts} attempt(s)")]
    Connection {
        /// The endpoint template.
        endpoint: &'static str,
        /// Attempts made.
        attempts: u32,
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
