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
use std::sync::Arc;

use axum::routing::get;
use coupa_approvals::app::App;
use coupa_approvals::config::Settings;
use coupa_approvals::sandbox::coupa::{NewRequisition, Sandbox};
use coupa_approvals::sandbox::slack::FakeSlack;
use coupa_approvals::store::RedisStore;
use rust_decimal::Decimal;
use secrecy::SecretString;
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
    let max_rps = std::env::var("COUPA_MAX_RPS").unwrap_or_else(|_| "25".into());
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());

    let sandbox = Sandbox::new("bench", "bench-secret");
    let requester = sandbox.add_user("req@example.com", "Re", "Quester");
    let slack = FakeSlack::new("xoxb-bench");
    for n in 0..cards {
        let email = format!("approver{n}@example.com");
        let approver = sandbox.add_user(&email, "Approver", &n.to_string());
        slack.add_user(&format!("UAPPROVER{n}"), &format!("Approver {n}"), &email);
        sandbox.add_requisition(NewRequisition::one_line(
            format!("Bench requisition {n}"),
            requester,
            approver,
            Decimal::from(100 + n as i64),
        ));
    }
    let coupa = sandbox.clone().serve().await?;
    let slack_server = slack.clone().serve().await?;

    let vars = [
        ("SLACK_BOT_TOKEN", "xoxb-bench".to_owned()),
        ("SLACK_SIGNING_SECRET", SECRET.to_owned()),
        ("SLACK_API_URL", slack_server.api_url()),
        ("COUPA_INSTANCE_URL", coupa.url()),
        ("COUPA_CLIENT_ID", "bench".to_owned()),
        ("COUPA_CLIENT_SECRET", "bench-secret".to_owned()),
        ("COUPA_MAX_RPS", max_rps),
        ("BIND_ADDR", bind.clone()),
        ("SYNC_INTERVAL_SECS", "3600".to_owned()),
    ];
    let settings = Settings::from_lookup(&|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })?;
    let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let store = Arc::new(RedisStore::new(&SecretString::from(redis), &prefix)?);
    let app = App::build_with_store(settings, store).await?;
    let addr = app.local_addr();
    let engine = app.engine();
    tokio::spawn(app.run_until_stopped(coupa_approvals::app::shutdown_signal()));

    engine.reconcile().await?;
    let mut out = std::fs::File::create("bench-clicks.jsonl")?;
    let mut written = 0;
    for message in slack.posted() {
        let value = message
            .blocks
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
            .find(|e| e["action_id"] == "approve")
            .and_then(|e| e["value"].as_str().map(str::to_owned));
        if let Some(value) = value {
            let user = format!("U{}", message.channel.trim_start_matches('D'));
            let line = json!({ "channel": message.channel, "ts": message.ts, "user": user, "value": value });
            writeln!(out, "{line}")?;
            written += 1;
        }
    }

    let stats_addr = std::net::SocketAddr::new(addr.ip(), addr.port() + 1);
    let stats = sandbox.clone();
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
    Ok(())
}
