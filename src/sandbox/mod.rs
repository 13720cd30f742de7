//! The simulated world: everything the demo, the tests, the examples, the benchmarks and the
//! fuzzers need to run the bot without Coupa, Slack or the network.
//!
//! | module | holds |
//! |---|---|
//! | [`world`] | [`World`]: the fakes served (Teams' too, when asked for), settings, a store; the bot in it as an app or an engine |
//! | [`coupa`] | a stateful fake Coupa (the same HTTP API shapes, in memory) and the demo's data |
//! | [`slack`] | a stateful fake Slack Web API, Slack-shaped request payloads, request signing, signed requests to an app |
//! | [`teams`] | a Bot Framework token authority (throwaway RSA keys, the OpenID metadata and JWKS it publishes, tokens minted with any claims) a fake Bot Connector with Azure AD's token endpoint (every call recorded, refusals and rate limits scripted), a fake Microsoft Graph that installs the app and delivers its installation event, and signed activities from its members to an app |
//! | [`people`] | people who are both Coupa users and Slack users, and members of the fake Bot Connector when on Teams |
//! | [`fixtures`] | Coupa API responses from `tests/fixtures/coupa/`, compiled in |
//! | [`block_kit`] | assertions that rendered Block Kit keeps Slack's limits |
//! | [`env`](mod@env) | settings as the environment variables of a `coupa-approvals` process |
//! | `served` | a router on a free loopback port, until dropped |
//!
//! Nothing here is part of the service: a build without the `sandbox` cargo feature leaves the
//! whole module out.

pub mod block_kit;
pub mod coupa;
pub mod env;
pub mod fixtures;
pub mod people;
mod served;
pub mod slack;
pub mod teams;
pub mod world;

pub use self::world::{RunningApp, TeamsSide, World, WorldBuilder, WorldError};
