//! The use cases: the only place with business rules. The engine speaks in domain types and
//! talks to Coupa, the chat platform and the store through their adapters; it knows neither
//! Slack JSON nor Coupa JSON.
//!
//! - [`core`]: [`Engine`], its settings, clock and error type.
//! - [`sync`]: deliver cards for pending approvals and keep every card true.
//! - [`directory`]: Coupa users ↔ chat users by email, cached.
//! - [`decide`]: approve or reject from a card, exactly once.
//! - [`clicks`]: repeated clicks on the same card answered once.
//! - [`pending`]: "what's pending", live from Coupa.
//! - [`leader`]: which replica runs the singleton jobs.

pub mod clicks;
pub mod core;
pub mod decide;
pub mod directory;
pub mod leader;
pub mod pending;
pub mod sync;

pub use self::core::{Clock, Engine, EngineError, EngineSettings, system_clock};
