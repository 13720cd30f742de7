//! A coupa-approvals instance to load-test: the real app on Redis (`REDIS_URL`, else
//! 127.0.0.1:6379), the Coupa sandbox with `CARDS` pending requisitions (default 1,000), each for
//! its own approver (Slack paces messages per conversation, so one approver with a thousand cards
//! would take a thousand seconds to fill), and the fake Slack Web API, all in one process.
//!
//! It delivers every card, writes one line per card's Approve button to `bench-clicks.jsonl`
//! (channel, ts, user, value) for `loadgen`, and serves `GET /stats` on the next port up: Coupa
//! approve calls made, and approvals decided. `COUPA_MAX_RPS` sets the Coupa client's rate
//! limit (default 25).
//!
//! `cargo run --release --example bench_server` then `cargo run --release --example loadgen`.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::routing::get;
use coupa_approvals::config::MAX_COUPA_MAX_RPS;
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::slack::requests::Click;
use serde_json::json;

/// The signing secret loadgen signs with.
const SECRET: &str = "bench-signing-secret";

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
    let bind: SocketAddr = std::env::var("BIND_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .context("BIND_ADDR")?;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());

    let world = World::builder()
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
    world.add_pending_load(
        requester,
        cards,
        cards,
        |n| format!("Bench requisition {n}"),
        Duration::ZERO,
    );
    let app = world.start_app().await?;
    let addr = app.addr;

    app.engine().reconcile().await?;
    let mut out = std::fs::File::create("bench-clicks.jsonl")?;
    let mut written = 0;
    for message in world.slack.posted() {
        if let Some(click) = Click::on(&message, "approve") {
            let user = format!("U{}", message.channel.trim_start_matches('D'));
            let line = json!({ "channel": message.channel, "ts": message.ts, "user": user, "value": click.value });
            writeln!(out, "{line}")?;
            written += 1;
        }
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
                    "coupa_approve_calls": approvals,
                    "requisitions_approved": decided
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(stats_addr).await?;
    println!("bench server: app on http://{addr}, stats on http://{stats_addr}/stats");
    println!("signing secret: {SECRET}; {written} cards written to bench-clicks.jsonl");
    axum::serve(listener, router)
        .with_graceful_shutdown(coupa_approvals::app::shutdown_signal())
        .await?;
    app.stop().await?;
    Ok(())
}
