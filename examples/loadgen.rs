//! Load generator: Slack-signed `block_actions` clicks against a running instance, reporting
//! achieved throughput and acknowledgement latency (p50, p99, max).
//!
//! Two modes:
//! - `--rate N`: a constant N requests/s; latency is measured from each request's *intended*
//!   send time, so a stall delays every request behind it and shows in the figures.
//! - without `--rate`: as fast as `--connections` keep-alive connections can go (saturation);
//!   latency is measured from the moment each request is handed to the connection.
//!
//! Every request is signed when it is sent, with the current timestamp, as Slack does. Clicks
//! come from `bench-clicks.jsonl` (written by `bench_server`), reused in a cycle: the first click
//! on each card decides it; the rest must be refused or coalesced, and `/stats` on the server
//! shows how many Coupa approve calls were made.
//!
//! The generator speaks HTTP/1.1 through hyper's connection API, one task per connection on
//! `--threads` runtime threads (default 1, so the server and Redis keep the other core).
//!
//! It first waits (up to 5 minutes) for bench_server to be ready, so one line runs both:
//! `cargo run --release --example bench_server & cargo run --release --example loadgen -- --rate 500`

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use coupa_approvals::sandbox::slack::requests::{self, Actor, Click, ClickedMessage};
use coupa_approvals::sandbox::slack::signing;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;

#[derive(Parser, Debug)]
struct Args {
    /// The instance's address.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Its Slack signing secret.
    #[arg(long, default_value = "bench-signing-secret")]
    secret: String,
    /// Requests per second; omit for as fast as possible.
    #[arg(long)]
    rate: Option<u64>,
    /// How long to send.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Runtime threads of the generator itself.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// bench_server's statistics, read after the run to check that every card was decided once.
    #[arg(long, default_value = "http://127.0.0.1:3001/stats")]
    stats: String,
    /// How long to wait for every clicked card to be decided after the run.
    #[arg(long, default_value_t = 120)]
    settle_seconds: u64,
    /// Clicks to send (from bench_server).
    #[arg(long, default_value = "bench-clicks.jsonl")]
    clicks: String,
}

/// A click as Slack sends it: form-encoded `payload` with the user, the card's channel and
/// message, and the Approve action with the button's value.
fn body(click: &Value, n: usize) -> String {
    let text = |key: &str| click[key].as_str().unwrap_or_default();
    let payload = requests::block_actions(
        &Actor::new(text("user"), "ada"),
        &ClickedMessage {
            channel: text("channel").to_owned(),
            ts: text("ts").to_owned(),
            text: "card".to_owned(),
            blocks: Value::Null,
        },
        &Click {
            action_id: "approve".to_owned(),
            block_id: "decide".to_owned(),
            value: text("value").to_owned(),
            text: "Approve".to_owned(),
        },
        &format!("{n}.1700000000.0123456789abcdef0123456789abcdef"),
        "https://hooks.slack.com/actions/T0DEMO/1/abcdefghijklmnopqrstuvwx",
        1_700_000_000.000_001,
    );
    requests::form_body(&payload)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

struct Plan {
    addr: SocketAddr,
    secret: String,
    bodies: Vec<Bytes>,
    rate: Option<u64>,
    started: Instant,
    deadline: Instant,
    next: AtomicUsize,
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

/// One keep-alive connection sending clicks until the deadline.
async fn connection(plan: Arc<Plan>) -> anyhow::Result<Tally> {
    let stream = tokio::net::TcpStream::connect(plan.addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut tally = Tally::default();
    loop {
        let n = plan.next.fetch_add(1, Ordering::Relaxed);
        let intended = match plan.rate {
            Some(rate) => plan.started + Duration::from_secs_f64(n as f64 / rate as f64),
            None => Instant::now(),
        };
        if intended >= plan.deadline {
            return Ok(tally);
        }
        if let Some(wait) = intended.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        let body = plan.bodies[n % plan.bodies.len()].clone();
        let now = jiff::Timestamp::now().as_second();
        let text = std::str::from_utf8(&body)?;
        let signature = signing::signature(&plan.secret, now, text)?;
        let request = hyper::Request::post("/slack/interactions")
            .header("host", plan.addr.to_string())
            .header("content-type", "application/x-www-form-urlencoded")
            .header(signing::TIMESTAMP_HEADER, now)
            .header(signing::SIGNATURE_HEADER, signature)
            .body(Full::new(body))?;
        sender.ready().await?;
        match sender.send_request(request).await {
            Ok(response) => {
                let ok = response.status().is_success();
                // Read the (empty) body so the connection can carry the next request.
                let drained = response.into_body().collect().await.is_ok();
                if ok && drained {
                    tally.latencies.push(intended.elapsed());
                } else {
                    tally.errors += 1;
                }
            }
            Err(_) => {
                tally.errors += 1;
                return Ok(tally);
            }
        }
    }
}

/// bench_server's `/stats`: Coupa approve calls made and requisitions approved.
struct Stats {
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<Bytes>,
    >,
    uri: hyper::Uri,
}

impl Stats {
    fn new(url: &str) -> anyhow::Result<Self> {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        Ok(Self {
            client,
            uri: url.parse()?,
        })
    }

    async fn read(&self) -> anyhow::Result<Value> {
        let response = self.client.get(self.uri.clone()).await?;
        anyhow::ensure!(response.status().is_success(), "{}", response.status());
        let body = response.into_body().collect().await?.to_bytes();
        Ok(serde_json::from_slice(&body)?)
    }

    /// Waits for the statistics to answer: bench_server serves them once every card is delivered
    /// and the click file written, so the two can be started together.
    async fn wait_for_server(&self, patience: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + patience;
        while self.read().await.is_err() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "bench_server did not answer at {} within {patience:?}",
                self.uri
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }

    /// Waits until every clicked card is decided, then reports whether each was decided by
    /// exactly one Coupa call.
    async fn exactly_once(&self, clicked: u64, settle: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + settle;
        loop {
            let stats = self.read().await?;
            let decided = stats["requisitions_approved"].as_u64().unwrap_or(0);
            let calls = stats["coupa_approve_calls"].as_u64().unwrap_or(0);
            if decided >= clicked || Instant::now() >= deadline {
                let verdict = if decided == clicked && calls == clicked {
                    "exactly once"
                } else {
                    "NOT exactly once"
                };
                println!(
                    "{verdict}: {clicked} cards clicked, {decided} approved in Coupa, {calls} Coupa approve calls"
                );
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let stats = Stats::new(&args.stats)?;
    runtime.block_on(stats.wait_for_server(Duration::from_secs(300)))?;
    let clicks: Vec<Value> = std::fs::read_to_string(&args.clicks)?
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    anyhow::ensure!(
        !clicks.is_empty(),
        "no clicks in {}; run bench_server first",
        args.clicks
    );
    // Bodies are prepared up front; signing happens per request.
    let bodies: Vec<Bytes> = (0..clicks.len() * 4)
        .map(|n| Bytes::from(body(&clicks[n % clicks.len()], n)))
        .collect();
    let started = Instant::now();
    let plan = Arc::new(Plan {
        addr: args.addr,
        secret: args.secret.clone(),
        bodies,
        rate: args.rate,
        started,
        deadline: started + Duration::from_secs(args.seconds),
        next: AtomicUsize::new(0),
    });
    let settle = Duration::from_secs(args.settle_seconds);
    let tallies = runtime.block_on(async {
        let workers: Vec<_> = (0..args.connections)
            .map(|_| tokio::spawn(connection(plan.clone())))
            .collect();
        let mut tallies = Vec::new();
        for worker in workers {
            tallies.push(worker.await?);
        }
        anyhow::Ok(tallies)
    })?;
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut failed = None;
    for tally in tallies {
        match tally {
            Ok(t) => {
                latencies.extend(t.latencies);
                errors += t.errors;
            }
            Err(err) => {
                failed.get_or_insert(err);
                errors += 1;
            }
        }
    }
    if latencies.is_empty() {
        let why = failed.map(|e| format!("{e:#}")).unwrap_or_default();
        anyhow::bail!(
            "no request was acknowledged ({why}); is bench_server running at {}?",
            args.addr
        );
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
    let clicked = clicks.len().min(latencies.len());
    runtime.block_on(stats.exactly_once(clicked as u64, settle))
}
