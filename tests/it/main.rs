//! The integration tests, in one test binary so that two cores link once rather than once per
//! file. Each module is one area; `support` holds what they share. Run one area with
//! `cargo test --test it <module>::` (for example `cargo test --test it slack_e2e::`). The Coupa
//! client's telemetry test is a binary of its own (`tests/coupa_telemetry.rs`): it installs a
//! tracing subscriber, and tracing's process-wide callsite cache would let tests running beside it
//! hide its events.

#[path = "../support/mod.rs"]
mod support;

mod adaptive_cards;
mod answer_caps;
mod approve_several;
mod card_fingerprints;
mod card_limits;
mod card_snapshots;
mod chat_platforms;
mod check;
mod check_causes;
mod check_endpoint;
mod check_teams;
mod cli;
mod coupa_budget;
mod coupa_client;
mod coupa_sandbox;
mod delegates;
mod demo_browser;
mod demo_cli;
mod demo_server;
mod deny_modal;
mod deployment;
mod digest;
mod docs;
mod early_refusals;
mod engine_flow;
mod escaping;
mod fan_out;
mod faults;
mod foreign_requests;
mod fuzz_seeds;
mod http_routes;
mod manifests;
mod on_hold;
mod proactive_check;
mod quiet_logs;
mod reminders;
mod replicas;
mod self_contained;
mod slack_client;
mod slack_e2e;
mod slow_clients;
mod socket_mode;
mod store_contract;
mod store_outage;
mod sync_cost;
mod sync_loop;
mod teams_auth;
mod teams_binary;
mod teams_connector;
mod teams_e2e;
mod teams_fan_out;
mod teams_graph;
mod teams_package;
mod teams_proactive;
mod teams_routes;
mod teams_token;
mod truthful_cards;
