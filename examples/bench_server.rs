//! A coupa-approvals instance to load-test: the real app on Redis (`REDIS_URL`, else
//! 127.0.0.1:6379), the Coupa sandbox with `CARDS` pending requisitions (default 1,000), each for
//! its own approver (chat platforms pace messages per conversation, so one approver with a
//! thousand cards would take long to fill), and the chat platform's stand-ins, all in one
//! process.
//!
//! `PLATFORM` chooses the chat platform: `slack` (the default: the fake Slack Web API) or
//! `teams` (the Bot Framework token authority and the fake Bot Connector; every approver has
//! installed the app, so the bot knows their 1:1 chat).
//!
//! It delivers every card, then writes one line per card to `bench-clicks.jsonl` for `loadgen`:
//! on Slack the card's Approve button (channel, ts, user, value); on Teams the card's
//! conversation, activity id, recipient (Teams id, Azure AD object id, name, tenant), the
//! service URL and app id the Bot Framework's tokens name, and the data of the card's Approve
//! action and of its refresh. It serves `GET /stats` on the next port up: Coupa calls made,
//! approve calls among them, and approvals decided. `COUPA_MAX_RPS` sets the Coupa client's rate
//! limit (default 25, Coupa's own).
//!
//! `cargo run --release --example bench_server` then `cargo run --release --example loadgen`;
//! `PLATFORM=teams cargo run --release --example bench_server` then
//! `cargo run --release --example loadgen -- --platform teams`.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::routing::get;
use coupa_approvals::config::{ChatPlatform, MAX_COUPA_MAX_RPS};
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::slack::requests::Click;
use coupa_approvals::sandbox::teams::FakeMember;
use coupa_approvals::sandbox::teams::sender::{action_data, card_of};
use coupa_approvals::teams::card::APPROVE;
use serde_json::{Value, json};

/// The signing secret loadgen signs Slack requests with.
const SECRET: &str = "bench-signing-secret";

/// The file loadgen reads.
const CLICKS: &str = "bench-clicks.jsonl";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    coupa_approvals::telemetry::init_logging(coupa_approvals::config::LogFormat::Text);
    let cards: usize = std::env::var("CARDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    // The sandbox is local; Coupa's own limit is 25 calls/s, the default.
    let max_rps: u32 = match std::env::var("COUPA_MAX_RPS") {
        Ok(value) => value.parse().context("COUPA_MAX_RPS")?,
        Err(_) => MAX_COUPA_MAX_RPS,
    };
    anyhow::ensure!(
        (1..=MAX_COUPA_MAX_RPS).contains(&max_rps),
        "COUPA_MAX_RPS must be from 1 to {MAX_COUPA_MAX_RPS}"
    );
    let platform = match std::env::var("PLATFORM").as_deref() {
        Err(_) | Ok("slack") => ChatPlatform::Slack,
        Ok("teams") => ChatPlatform::Teams,
        Ok(other) => anyhow::bail!("PLATFORM must be slack or teams, not {other:?}"),
    };
    let bind: SocketAddr = std::env::var("BIND_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .context("BIND_ADDR")?;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());

    let world = World::builder()
        .platforms([platform])
        .redis(redis)
        .settings(move |settings| {
            if let Some(slack) = settings.slack.as_mut() {
                slack.signing_secret = Some(SECRET.into());
            }
            settings.coupa.max_rps = max_rps;
            settings.bind_addr = bind;
            settings.sync_interval = Duration::from_secs(3600);
        })
        .build()
        .await?;
    let requester = world.coupa.add_user("req@example.com", "Re", "Quester");
    // Each card for its own approver.
    let approvers = world.add_pending_load(
        requester,
        cards,
        cards,
        |n| format!("Bench requisition {n}"),
        Duration::ZERO,
    );
    let mut members = Vec::new();
    if let Some(teams) = world.teams() {
        for person in &approvers {
            members.push(teams.installed(person, &*world.store).await?);
        }
    }
    let app = world.start_app().await?;
    let addr = app.addr;

    app.engine().reconcile().await?;
    let lines = match world.teams() {
        Some(_) => teams_lines(&world, &members),
        None => slack_lines(&world),
    };
    let mut out = std::fs::File::create(CLICKS)?;
    for line in &lines {
        writeln!(out, "{line}")?;
    }

    let stats_addr = std::net::SocketAddr::new(addr.ip(), addr.port() + 1);
    let stats = world.coupa.clone();
    let router = axum::Router::new().route(
        "/stats",
        get(move || {
            let sandbox = stats.clone();
            async move {
                let approvals = sandbox.count_calls("PUT", "/api/approvals/");
                let decided = sandbox
                    .requisition_ids()
                    .into_iter()
                    .filter(|r| sandbox.requisition_status(*r).as_deref() == Some("approved"))
                    .count();
                axum::Json(json!({
                    "cards": cards,
                    "coupa_calls": sandbox.calls().len(),
                    "coupa_approve_calls": approvals,
                    "requisitions_approved": decided
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(stats_addr).await?;
    println!("bench server: app on http://{addr}, stats on http://{stats_addr}/stats");
    let written = lines.len();
    match world.teams() {
        Some(_) => println!("Microsoft Teams; {written} cards written to {CLICKS}"),
        None => println!("signing secret: {SECRET}; {written} cards written to {CLICKS}"),
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(coupa_approvals::app::shutdown_signal())
        .await?;
    app.stop().await?;
    Ok(())
}

/// Each card's Approve button as the fake Slack shows it.
fn slack_lines(world: &World) -> Vec<Value> {
    world
        .slack
        .posted()
        .iter()
        .filter_map(|message| {
            let click = Click::on(message, "approve")?;
            let user = format!("U{}", message.channel.trim_start_matches('D'));
            Some(json!({ "channel": message.channel, "ts": message.ts, "user": user, "value": click.value }))
        })
        .collect()
}

/// Each card in the 1:1 chats of `members` as the fake Bot Connector holds it: where it is, who
/// sees it, and the data its Approve action and its refresh carry.
fn teams_lines(world: &World, members: &[FakeMember]) -> Vec<Value> {
    let Some(teams) = world.teams() else {
        return Vec::new();
    };
    let connector = teams.connector();
    let mut lines = Vec::new();
    for member in members {
        let Some(conversation) = connector.conversation_with(&member.id) else {
            continue;
        };
        for posted in connector.activities(&conversation) {
            let approve = action_data(&posted.activity, APPROVE);
            let refresh = card_of(&posted.activity)
                .and_then(|card| card.pointer("/refresh/action/data"))
                .cloned();
            let (Some(approve), Some(refresh)) = (approve, refresh) else {
                continue;
            };
            lines.push(json!({
                "service_url": teams.service_url(),
                "app_id": connector.app_id(),
                "conversation": conversation,
                "activity_id": posted.id,
                "user": member.id,
                "aad_object_id": member.aad_object_id,
                "name": member.name,
                "tenant": member.tenant,
                "approve": approve,
                "refresh": refresh,
            }));
        }
    }
    lines
}
