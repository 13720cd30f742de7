//! The Coupa adapter: OAuth2, typed calls to the Core API, and Coupa JSON read into the domain.
//!
//! - [`client`]: [`CoupaClient`], the typed calls (requisitions changed since a watermark, pending
//!   requisitions, one requisition or approval, approvals pending for a user, users by email,
//!   groups, approve/reject/hold), paging, spans.
//! - [`auth`]: OAuth2 client credentials and the shared, early-renewed, single-flight token.
//! - [`body`]: answers read with a size cap ([`body::MAX_ANSWER_BYTES`], and a smaller one for
//!   the token endpoint).
//! - [`transport`]: what every call follows, the token's included: the retry policy,
//!   `Retry-After`, request metrics.
//! - [`rate_limit`]: the process-wide rate limit every call waits for, which grants waiting
//!   decision calls the next slot before sync and "what's pending".
//! - [`model`]: serde types for Coupa's kebab-case JSON and their conversion into
//!   [`crate::domain`] types. Pure and unit-tested against `tests/fixtures/coupa/`.
//! - [`error`]: [`CoupaError`], the one error type of this boundary.
//!
//! The engine sees only domain types and [`CoupaError`]; nothing outside this module knows Coupa's
//! JSON or URLs. Coupa's public API documentation is the source of the facts this code relies on.

pub mod auth;
pub mod body;
pub mod client;
mod error;
pub mod model;
pub mod rate_limit;
pub mod transport;

pub use self::client::{Action, CoupaClient, CoupaClientBuilder, PAGE_SIZE, WATERMARK_OVERLAP};
pub use self::error::{CoupaError, TokenProblem, TokenRefusal};
pub use self::model::UserGroup;
pub use self::rate_limit::Priority;
pub use self::transport::RetryPolicy;
