//! Microsoft Teams: the adapter being built beside [`crate::slack`], on the same engine and card
//! view model. Nothing here is wired to a route, a chat port or the engine yet, so nothing is
//! reachable from a running bot.
//!
//! - [`auth`]: the check every activity from the Bot Framework must pass before anything else is
//!   done with it (the `Authorization: Bearer <JWT>` verified against Microsoft's published
//!   signing keys, which are cached and re-read).
//! - [`connector`]: [`connector::BotConnector`], the bot's calls to the Bot Connector (open a
//!   1:1 conversation, post, replace and delete a card, read a member), with the bot's token sent
//!   only to trusted service URLs, Microsoft's rate limits kept by waiting, 429 and transient
//!   failures retried, and refusals typed with the connector's own code.
//! - [`connector_token`]: the bot's own Azure AD token for calls to the Bot Connector (client
//!   credentials for the bot's tenant, cached, renewed early and after a rejection, one request at
//!   a time), with errors that name the setting to fix.
//! - [`card`]: approval cards as Adaptive Cards (schema 1.5), pure; the sentences on them in
//!   [`wording`].

pub mod auth;
pub mod card;
pub mod connector;
pub mod connector_token;
pub mod wording;
