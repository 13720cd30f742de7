//! The platform-neutral side of chat: what the engine says to approvers, and through what.
//!
//! - [`port`]: the [`port::ChatPort`] trait the engine talks to (Slack today, Teams later).
//! - [`card`]: the card view model, built from domain types; adapters render it.

pub mod card;
pub mod port;
