//! The Coupa adapter: Coupa JSON read into the domain, and a stateful sandbox.
//!
//! - [`model`]: serde types for Coupa's kebab-case JSON and their conversion into
//!   [`crate::domain`] types. Pure and unit-tested against `shared/fixtures/coupa/`.
//! - [`error`]: [`CoupaError`], the one error type of this boundary.
//! - [`sandbox`] and [`demo_data`]: a stateful fake Coupa for `demo` and the tests.

pub mod demo_data;
pub mod error;
pub mod model;
pub mod sandbox;

pub use self::error::CoupaError;
pub use self::model::UserGroup;
