//! Microsoft Teams: the adapter being built beside [`crate::slack`], on the same engine and card
//! view model. Nothing here is wired to a route, a chat port or the engine yet, so nothing is
//! reachable from a running bot.
//!
//! - [`auth`]: the check every activity from the Bot Framework must pass before anything else is
//!   done with it (the `Authorization: Bearer <JWT>` verified against Microsoft's published
//!   signing keys, which are cached and re-read).
//! - [`card`]: approval cards as Adaptive Cards (schema 1.5), pure; the sentences on them in
//!   [`wording`].

pub mod auth;
pub mod card;
pub mod wording;
