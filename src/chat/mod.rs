//! The platform-neutral side of chat: what the engine says to approvers, and through what.
//!
//! - [`port`]: the [`port::ChatPort`] trait the engine talks to, one implementation per chat
//!   platform (`slack::client::SlackChat`).
//! - [`card`]: the card view model, built from domain types; adapters render it.

pub mod card;
pub mod port;
