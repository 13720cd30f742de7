//! Microsoft Teams: the adapter being built beside [`crate::slack`], on the same engine and card
//! view model. It is not wired to a chat port yet, so nothing here is reachable from a running
//! bot.
//!
//! - [`card`]: approval cards as Adaptive Cards (schema 1.5), pure; the sentences on them in
//!   [`wording`].

pub mod card;
pub mod wording;
