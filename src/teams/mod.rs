//! Microsoft Teams: the adapter beside [`crate::slack`], on the same engine and card view model.
//! Every rule that protects money holds unchanged: a click goes through the engine's decide like
//! a Slack click, and every copy of a card, on either platform, is edited when it is decided.
//!
//! - [`chat`]: [`chat::TeamsChat`], the chat port on Teams: cards posted to, and edited in,
//!   each person's 1:1 chat with the bot, reached through what their own activities taught the
//!   bot (their contact); the directory finds them by the email of their Teams account.
//! - [`handler`]: what the bot does with each verified activity: learn how to reach its sender,
//!   answer "what's pending", a person's history and help, decide a click and answer it with the
//!   card as it stands.
//! - [`routes`]: `POST /api/messages`, where every activity arrives: size-capped, verified before
//!   anything but its `serviceUrl` and `channelId` is read, then read and handed to an
//!   [`routes::ActivityHandler`], whose reply is the answer.
//! - [`auth`]: the check every activity from the Bot Framework must pass before anything else is
//!   done with it (the `Authorization: Bearer <JWT>` verified against Microsoft's published
//!   signing keys, which are cached and re-read).
//! - [`connector`]: [`connector::BotConnector`], the bot's calls to the Bot Connector (open a
//!   1:1 conversation, post, replace and delete a card, read a member), with the bot's token sent
//!   only to trusted service URLs, Microsoft's rate limits kept by waiting, 429 and transient
//!   failures retried, and refusals typed with the connector's own code.
//! - [`activity`]: the parts of an activity the bot uses (pure).
//! - [`invoke`]: a click on a card read from an `Action.Execute` invoke or its `Action.Submit`
//!   fallback, the answers to an invoke, and the activities the bot sends (pure).
//! - [`connector_token`]: the bot's own Azure AD token for calls to the Bot Connector (client
//!   credentials for the bot's tenant, cached, renewed early and after a rejection, one request at
//!   a time), with errors that name the setting to fix.
//! - [`graph`] and [`proactive`]: proactive installation (`TEAMS_PROACTIVE_INSTALL`): the app
//!   installed through Microsoft Graph, once per person, for an approver the bot cannot reach
//!   yet, so that the installation event Teams sends teaches the bot their contact.
//! - [`card`]: approval cards, the "what's pending" list, a person's history, notices and help as
//!   Adaptive Cards (schema 1.5), pure; their sentences in [`wording`]. What a message asks for is read by
//!   [`crate::chat::intents`], as for Slack.

pub mod activity;
pub mod auth;
pub mod card;
pub mod chat;
pub mod connector;
pub mod connector_token;
pub mod graph;
pub mod handler;
pub mod invoke;
pub mod proactive;
pub mod routes;
pub mod wording;
