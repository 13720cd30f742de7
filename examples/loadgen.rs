//! Load generator: Slack-signed `block_actions` clicks against a running instance, reporting
//! achieved throughput and acknowledgement latency (p50, p99, max).
//!
//! Two modes:
//! - `--rate N`: a constant N requests/s; latency is measured from each request's *intended*
//!   send time, so a stall delays every request behind it and shows in the figures.
//! - without `--rate`: as fast as `--connections` workers can go (saturation).
//!
//! Clicks come from `bench-clicks.jsonl` (written by `bench_server`), reused in a cycle: the
//! first click on each card decides it; the rest must be refused by the exactly-once claim.
//!
//! `cargo run --release --example loadgen -- --rate 500 --seconds 10`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use coupa_approvals::demo::signing;
use serde_json::{Value, json};

#[derive(Parser, Debug)]
struct Args {
    /// The instance.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Its Slack signing secret.
    #[arg(long, default_value = "bench-signing-secret")]
    secret: String,
    /// Requests per second; omit for as fast as possible.
    #[arg(long)]
    rate: Option<u64>,
    /// How long to send.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Clicks to send (from bench_server).
    #[arg(long, default_value = "bench-clicks.jsonl")]
    clicks: String,
}

fn body(click: &Value, n: usize) -> String {
    let payload = json!({
        "type": "block_actions",
        "team": { "id": "T0DEMO", "domain": "demo" },
        "user": { "id": click["user"], "team_id": "T0DEMO", "username": "ada", "name": "ada" },
        "api_app_id": "A0APP",
        "container": { "type": "message", "message_ts": click["ts"], "channel_id": click["channel"], "is_ephemeral": false },
        "trigger_id": format!("trigger-{n}"),
        "channel": { "id": click["channel"], "name": "directmessage" },
        "message": { "type": "message", "ts": click["ts"], "text": "card", "user": "U0BOT" },
        "response_url": "http://127.0.0.1:9/response/1",
        "actions": [{ "type": "button", "action_id": "approve", "block_id": "b", "value": click["value"],
                      "action_ts": "1700000000.000001", "text": { "type": "plain_text", "text": "Approve" } }],
    });
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let clicks: Vec<Value> = std::fs::read_to_string(&args.clicks)?
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    anyhow::ensure!(
        !clicks.is_empty(),
        "no clicks in {}; run bench_server first",
        args.clicks
    );
    // Bodies are prepared up front so the generator measures the server, not itself.
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..clicks.len() * 4)
            .map(|n| body(&clicks[n % clicks.len()], n))
            .collect(),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .build()?;
    let endpoint = format!("{}/slack/interactions", args.url.trim_end_matches('/'));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let (client, endpoint, bodies, next, secret) = (
            client.clone(),
            endpoint.clone(),
            bodies.clone(),
            next.clone(),
            args.secret.clone(),
        );
        let rate = args.rate;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let intended = match rate {
                    Some(rate) => started + Duration::from_secs_f64(n as f64 / rate as f64),
                    None => Instant::now(),
                };
                if intended >= deadline {
                    break;
                }
                if let Some(wait) = intended.checked_duration_since(Instant::now()) {
                    tokio::time::sleep(wait).await;
                }
                let body = bodies[n % bodies.len()].clone();
                let now = jiff::Timestamp::now().as_second();
                let Ok(signature) = signing::signature(&secret, now, &body) else {
                    errors += 1;
                    continue;
                };
                let ts = now.to_string();
                let response = client
                    .post(&endpoint)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-slack-request-timestamp", ts)
                    .header("x-slack-signature", signature)
                    .body(body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => latencies.push(intended.elapsed()),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (l, e) = worker.await?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started
        .elapsed()
        .min(Duration::from_secs(args.seconds))
        .as_secs_f64();
    latencies.sort_unstable();
    println!(
        "mode: {}; {} acknowledged, {errors} errors in {elapsed:.1} s = {:.0} acks/s",
        args.rate
            .map(|r| format!("constant {r}/s"))
            .unwrap_or_else(|| format!("saturation, {} connections", args.connections)),
        latencies.len(),
        latencies.len() as f64 / elapsed
    );
    println!(
        "ack latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    Ok(())
}
