//! The use cases: the only place with business rules. The engine speaks in domain types and
//! talks to Coupa, the chat platform and the store through their adapters; it knows neither
//! Slack JSON nor Coupa JSON.
//!
//! - [`leader`]: which replica runs the singleton jobs.

pub mod leader;
