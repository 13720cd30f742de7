//! # coupa-approvals
//!
//! A self-hosted chat bot that brings Coupa purchase-requisition approvals into Slack and
//! Microsoft Teams. Approvers get a card in a direct message, click **Approve** or **Deny**, and
//! the decision is executed in Coupa exactly once; cards are edited the moment a decision happens
//! anywhere.
//!
//! ## Layout
//!
//! | module | holds |
//! |---|---|
//! | `main.rs` | thin entry point: parse the CLI, load configuration, start telemetry, call [`app`] |
//! | [`cli`] | the command line (`run`, `check`, `demo`, `teams-package`) |
//! | [`config`] | typed [`config::Settings`] from the environment and `.env` (every problem at once), or built in code with the same defaults: Slack, Microsoft Teams or both ([`config::SlackSettings`], [`config::TeamsSettings`]), the order a person's platforms are tried ([`config::ChatPlatform`]), Coupa, the store, the service, reminders (`REMIND_AFTER_HOURS`, `WORKING_HOURS`) |
//! | [`telemetry`] | tracing subscriber (text or JSON), errors with their causes for logs, the Prometheus recorder |
//! | [`app`] | builds the service from settings (Slack, Teams or both, one chat port over them in `CHAT_PLATFORMS` order), serves HTTP, runs the sync loop, stops gracefully (decisions and replies under way finish first) |
//! | [`check`] | `coupa-approvals check`: diagnose an installation (store, the bot's Azure AD token for Teams, with proactive installation its Graph permissions and the failed installations, sync staleness, Coupa, approvers reachable in Teams, Slack, identity); each failure names its cause and what to do |
//! | [`domain`] | requisitions, approvals, people, money; who may decide in an approver's place and until when ([`domain::delegate`]); what came of a decision ([`domain::outcome`]); an approval put on hold, by whom and why ([`domain::hold`]); what a card showed and what changed since ([`domain::change`]); what the bot remembers, decisions in doubt and deliveries under way included ([`domain::records`]); chat platforms and opaque references into them ([`domain::conversation`]): plain data, no I/O |
//! | [`engine`] | the use cases and every business rule: sync (its loop, which outlives failed and panicking cycles, backs off and gives the lease up; the watermark; how stale it is), delivery known to the store before each post (so a crash or store failure loses no card and sends none twice), digests (a person sent more than `DIGEST_ABOVE` new cards in one cycle gets one message listing all but the newest few, each item a recorded card decided and edited like one), directory, decide under a claim (its intent on record before Coupa is called), hold (an approval on hold keeps its cards, saying who put it on hold and why, and they get their buttons back once Coupa releases it), delegates (an approval's delegate and the approver's delegations: their marked cards, their decisions, their cards closed once the delegation ends), settle decisions whose outcome was unknown, repeated clicks, pending (each person's answer kept briefly, asks coalesced, a few lookups at once), history (a person's own decisions of the last 7 days, from the audit log), several approved at once from a list (each through the same decide path, one person's selections one after the other, none above `CONFIRM_ABOVE_AMOUNT` by Coupa's fresh read), reminders (once a day at most per person, in their working hours and own time zone, the live list of what has waited on them; claimed in the store so one replica sends it once; run after each sync cycle), leader; names no chat platform and words nothing a user reads |
//! | [`coupa`] | the Coupa client (OAuth2, paging, retries, a rate limit that grants decisions the next slot first, answers read up to a size cap; approvers' delegations), its JSON model |
//! | [`chat`] | the platform-neutral [`chat::port::ChatPort`] (post and update cards and digests, find a card in someone's direct conversation with the bot, withdraw a second copy, tell one person, post a list of what waits on someone ([`chat::list`]: a reminder), find people, name the platform and say whose ids it serves), one port over several platforms ([`chat::platforms`]: each call to the platform whose ids it names, a person found by email on the first platform that knows them) and card view model, the money, ages and words every platform writes alike ([`chat::format`], [`chat::wording`]), which list items may be approved together and what each carries back ([`chat::selection`]), and what a message asks for, read alike from Slack and Teams text ([`chat::intents`]) |
//! | [`serve`] | the HTTP server: connections with a deadline for their headers, graceful stop |
//! | [`slack`] | Slack: signed routes, Socket Mode, the check that a request comes from the installed workspace and app ([`slack::installation`]), Block Kit rendering (cards, lists, digests; a list's selection of items to approve together, its confirmation modal and the reply saying what came of each in [`slack::several`]), "stop reminders" / "start reminders" and App Home's reminders button ([`slack::reminders`]), the Web API client (the chat port on Slack; each answer read up to a size cap), the bot's own cards and digests recognised in a DM's history ([`slack::found`]), and every sentence the bot says in Slack ([`slack::wording`]) |
//! | [`teams`] | Microsoft Teams: the chat port on Teams ([`teams::chat`]: cards in each person's 1:1 chat, reached through the contact their activities taught the bot), what is done with each activity ([`teams::handler`]: learn its sender's contact, email and time zone, answer "what's pending", a person's history and help, decide a click through the engine and answer with the card as it stands, or "Deciding…" after 5 s), `POST /api/messages` ([`teams::routes`]: 413 over 1 MiB, the Bot Framework token checked before the body is read, 400 for a body that is not an activity, then the activity ([`teams::activity`]) to a handler whose reply is the answer); the token check ([`teams::auth`]: RS256 by a published key chosen by `kid`, issuer, audience, lifetime, service URL, a Teams activity with a key endorsed for Teams; 403 for those last two, 401 otherwise; keys cached, read again daily and on an unknown key; a token's signature verified once per key read, its other checks made on every activity); card clicks and invoke answers ([`teams::invoke`]); Adaptive Cards 1.5 for approvals, the "what's pending" list (with a multi-select of items to approve together, its confirmation card and the result card: [`teams::card::several`]), digests, a person's history, notices and help, within Teams' size limit ([`teams::card`], their sentences in [`teams::wording`]); the Bot Connector client ([`teams::connector`]: open a 1:1 conversation, post, replace and delete cards, read a member; the token only to trusted service URLs, Microsoft's rate limits kept by waiting, 429/412/5xx retried after `Retry-After` or a backoff, one token renewal after a 401); the bot's Azure AD token for the Bot Connector and Microsoft Graph ([`teams::connector_token`]: cached, renewed early or after a rejection, each misconfiguration named with the setting to fix); proactive installation ([`teams::graph`], [`teams::proactive`]: the app installed through Graph, once per person, for an approver with no contact) |
//! | [`store`] | the [`store::Store`] trait in the engine's words, persisting [`domain::records`] (cards, and deliveries begun and not yet recorded; each digest's items; the holds cards show, until Coupa releases them; how to reach each Teams user, found by user, email or conversation; each person's proactive installation of the Teams app, claimed once, and the failed ones; who just became reachable; the card last written to each recipient, for a client that asks for it again; each person's reminder of a day, claimed once, and whether they want reminders; the audit log, each person's own entries also kept apart for their history); Redis and in-memory implementations |
//! | [`teams_package`] | `coupa-approvals teams-package`: the Teams app package an admin uploads (the manifest template of `manifests/teams/` with the app id and host filled in, and the two icons, compiled in and zipped) |
//! | [`token_cache`] | one OAuth2 access token shared by every task, for Coupa and for the Bot Connector: renewed at 80 % of its lifetime or five minutes before expiry, one request for all callers, once after a rejection; a failed early renewal keeps the working token |
//! | [`transport_cause`] | why an HTTP request got no answer (DNS, refused, TLS, timeout), read from the error's causes, for `check` and the logs |
//! | [`web`] | `/healthz`, `/readyz` (the store; sync staleness on the leader; what is not ready, never why), `/metrics` (on the main listener or its own `METRICS_ADDR`), request metrics, the request deadline and the cap on Slack and Teams requests in flight |
//! | `sandbox` | the simulated world for the demo, tests, examples, benchmarks and fuzzers: the Coupa sandbox (holds, and releasing them as Coupa's web UI would, included; approvals and users with delegates) and demo data, the fake Slack Web API, signed Slack requests, a Bot Framework token authority (throwaway keys, OpenID metadata and JWKS, tokens with chosen claims), a fake Bot Connector with its Azure AD token endpoint (recording every call, scripted refusals, Microsoft's published rate limits when asked), a fake Microsoft Graph that installs the app and delivers the installation event, signed Teams activities from its members (install, messages, card clicks), Coupa fixtures, Block Kit limit checks, and `World`, a typed builder of a ready world on Slack, Teams or both (feature `sandbox`, on by default) |
//! | `demo` | `coupa-approvals demo`: a world from `sandbox` on Slack and Teams and the real app in one process, with a web page that plays Slack and Teams side by side (Block Kit and Adaptive Cards drawn as sent; each person's next cards moved between the two; "Skip ahead a day" moves the app's clock to the next working morning and sends reminders) (feature `sandbox`) |
//!
//! The data flow and the rules that protect money and trust are described in the project's
//! design notes; each module's own docs say what it is for. The `sandbox` cargo feature (on by
//! default) adds `sandbox` and `demo`; `--no-default-features` builds the service alone.

pub mod app;
pub mod chat;
pub mod check;
pub mod cli;
pub mod config;
pub mod coupa;
#[cfg(feature = "sandbox")]
pub mod demo;
pub mod domain;
pub mod engine;
#[cfg(any(test, feature = "sandbox"))]
pub mod sandbox;
pub mod serve;
pub mod slack;
pub mod store;
pub mod teams;
pub mod teams_package;
pub mod telemetry;
pub mod token_cache;
pub mod transport_cause;
pub mod web;
