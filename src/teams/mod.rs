//! The Microsoft Teams adapter, the sibling of [`crate::slack`]. It is being built: nothing here is
//! wired to a route or to the engine yet.
//!
//! - [`auth`]: the check every activity from the Bot Framework must pass before anything else is
//!   done with it (the `Authorization: Bearer <JWT>` verified against Microsoft's published signing
//!   keys, which are cached and re-read).

pub mod auth;
