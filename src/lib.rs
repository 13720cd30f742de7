//! # coupa-approvals
//!
//! A self-hosted chat bot that brings Coupa purchase-requisition approvals into Slack. Approvers
//! get a card in a direct message, click **Approve** or **Deny**, and the decision is executed in
//! Coupa exactly once; cards are edited the moment a decision happens anywhere.
//!
//! ## Layout
//!
//! | module | holds |
//! |---|---|
//! | `main.rs` | thin entry point: parse the CLI, load configuration, start telemetry, call [`app`] |
//! | [`cli`] | the command line (`run`, `check`, `demo`) |
//! | [`config`] | typed [`config::Settings`] from the environment and `.env` (every problem at once), or built in code with the same defaults |
//! | [`telemetry`] | tracing subscriber (text or JSON), errors with their causes for logs, the Prometheus recorder |
//! | [`app`] | builds the service from settings, serves HTTP, runs the sync loop, stops gracefully |
//! | [`check`] | `coupa-approvals check`: diagnose an installation; each failure names its cause and what to do |
//! | [`domain`] | requisitions, approvals, people, money; what came of a decision ([`domain::outcome`]); what a card showed and what changed since ([`domain::change`]); what the bot remembers ([`domain::records`]); chat platforms and opaque references into them ([`domain::conversation`]): plain data, no I/O |
//! | [`engine`] | the use cases and every business rule: sync, directory, decide under a claim, repeated clicks, pending, leader; names no chat platform and words nothing a user reads |
//! | [`coupa`] | the Coupa client (OAuth2, paging, retries, rate limit), its JSON model |
//! | [`chat`] | the platform-neutral [`chat::port::ChatPort`] (post and update cards, tell one person, find people, name the platform) and card view model |
//! | [`serve`] | the HTTP server: connections with a deadline for their headers, graceful stop |
//! | [`slack`] | Slack: signed routes, Socket Mode, the check that a request comes from the installed workspace and app ([`slack::installation`]), Block Kit rendering, the Web API client (the chat port on Slack), and every sentence the bot says in Slack ([`slack::wording`]) |
//! | [`store`] | the [`store::Store`] trait in the engine's words, persisting [`domain::records`]; Redis and in-memory implementations |
//! | [`transport_cause`] | why an HTTP request got no answer (DNS, refused, TLS, timeout), read from the error's causes, for `check` and the logs |
//! | [`web`] | `/healthz`, `/readyz`, `/metrics`, request metrics, the request deadline and the cap on Slack requests in flight |
//! | `sandbox` | the simulated world for the demo, tests, examples, benchmarks and fuzzers: the Coupa sandbox and demo data, the fake Slack Web API, signed Slack requests, Coupa fixtures, Block Kit limit checks, and `World`, a typed builder of a ready world (feature `sandbox`, on by default) |
//! | `demo` | `coupa-approvals demo`: a world from `sandbox` and the real app in one process, with a web page that plays Slack (feature `sandbox`) |
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
pub mod telemetry;
pub mod transport_cause;
pub mod web;
