//! The use cases: the only place with business rules. The engine speaks in domain types and
//! talks to Coupa, the chat platform and the store through their adapters; it knows neither a
//! chat platform's JSON nor Coupa's, and writes no sentence a user reads: it returns typed
//! outcomes ([`crate::domain::outcome`]) that each chat adapter words.
//!
//! - [`service`]: [`Engine`], its settings and clock, and what every use case does with cards.
//! - [`sync`]: deliver cards for pending approvals and keep every card true; the loop that runs
//!   it (surviving failed and panicking cycles, backing off, resigning the lease) and
//!   [`sync::SyncHealth`], how stale it is.
//! - `delivery`: a card's delivery, known to the store before the post and recorded after it,
//!   so that a store failure or a crash in between loses no card and sends none twice.
//! - `delegates`: who may decide a step in its approver's place (the approval's delegate, the
//!   approver's delegations and their dates), so that they get the card and their decision counts.
//! - [`digest`]: a person sent many new cards in one cycle gets one message listing all but the
//!   newest few, each item a recorded card that decides and updates as its own card does.
//! - `directory`: Coupa users ↔ chat users by email, cached.
//! - [`decide`]: approve or reject from a card, exactly once, under a [`claim`].
//! - `doubts`: the sync settling decisions whose outcome was unknown (unconfirmed by Coupa, or
//!   cut off mid-call), from what Coupa shows.
//! - [`clicks`]: repeated clicks on the same card answered once.
//! - [`hold`]: an approval put on hold: its cards say who held it and why, and show their buttons
//!   again once Coupa releases it.
//! - [`pending`]: "what's pending", live from Coupa.
//! - [`several`]: approve several listed approvals after one confirmation, each through the
//!   same decide path, none above the amount that needs a confirmation of its own.
//! - [`history`]: "what did I approve this week", the asker's own decisions from the audit log.
//! - [`reminders`]: once a day at most, in each person's working hours and own time zone, the
//!   list of what has waited on them a while; claimed in the store so one replica sends it once.
//! - `pending_cache`: each person's last "what's pending" kept briefly, one lookup per person at a
//!   time, a few at once: asking cannot spend Coupa's budget.
//! - `regarding`: which requisition a private reply names, from what the person was shown.
//! - `leader`: which replica runs the singleton jobs, and resigning that role.
//! - [`EngineError`]: why a use case could not finish.
//!
//! A test (`speaks_no_platform`) keeps the engine free of any platform's name and adapter.

pub mod claim;
pub mod clicks;
pub mod decide;
mod delegates;
mod delivery;
pub mod digest;
mod directory;
mod doubts;
mod error;
pub mod history;
pub mod hold;
pub(crate) mod leader;
pub mod pending;
mod pending_cache;
mod regarding;
pub mod reminders;
pub mod service;
pub mod several;
pub mod sync;

#[cfg(test)]
mod speaks_no_platform;

pub use self::error::EngineError;
pub use self::service::{Clock, Engine, EngineSettings, system_clock};
