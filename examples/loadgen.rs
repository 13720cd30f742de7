//! Load generator: requests as Slack or Microsoft Teams sends them, against a running
//! `bench_server`, reporting achieved throughput and acknowledgement latency (p50, p99, max).
//!
//! Three modes:
//! - `--rate N`: a constant N requests/s for `--seconds`; latency is measured from each
//!   request's *intended* send time, so a stall delays every request behind it and shows in the
//!   figures.
//! - without `--rate`: as fast as `--connections` keep-alive connections can go (saturation)
//!   for `--seconds`; latency is measured from the moment each request is handed to the
//!   connection.
//! - `--decide N`: one Approve click on each of N distinct cards, as fast as the connections go,
//!   then the time until every one of them is decided in Coupa (bench_server's `/stats`):
//!   decisions per second end to end, Coupa calls per decision, and whether each card was
//!   approved by exactly one Coupa call. Run it on a fresh bench_server.
//!
//! `--platform slack` (the default) sends `block_actions` clicks to `/slack/interactions`, each
//! signed when it is sent, with the current timestamp, as Slack does. Clicks come from
//! `bench-clicks.jsonl` (written by `bench_server`), reused in a cycle: the first click on each
//! card decides it; the rest must be refused or coalesced, and `/stats` on the server shows how
//! many Coupa approve calls were made.
//!
//! `--platform teams` sends activities to `/api/messages` as the Bot Framework does, each with a
//! Bot Framework token (RS256, the sandbox authority's key, which bench_server's bot trusts).
//! Signing a token takes far longer than the bot takes to verify one, so `--tokens` distinct
//! tokens (each valid for an hour) are signed before the run and used in turn, as Teams itself
//! reuses a token for many activities; the bot verifies each token's signature the first time
//! it sees it and checks every other claim on each activity. The timed modes send
//! each card's automatic refresh (an `adaptiveCard/action` invoke Teams sends whenever a card is
//! shown to a person its `refresh.userIds` names): the bot checks the token, learns the
//! sender, reads the card it last wrote for them and answers with it, deciding nothing.
//! `--decide` sends each card's Approve click. With `--activity redelivered` the timed modes send
//! instead one message ("help") per card, each again and again with the same activity id, as
//! Teams redelivers an activity whose acknowledgement it missed: the first is answered with
//! help, and the bot checks each repeat's token, recognises its id (a store lookup) and acknowledges
//! it without answering again.
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

use anyhow::Context;
use clap::Parser;
use coupa_approvals::sandbox::slack::requests::{self, Actor, Click, ClickedMessage};
use coupa_approvals::sandbox::slack::signing;
use coupa_approvals::sandbox::teams::sender::{Personal, card_action, personal_activity};
use coupa_approvals::sandbox::teams::{FakeMember, TokenAuthority};
use coupa_approvals::teams::card::{APPROVE, REFRESH};
use coupa_approvals::teams::routes::MESSAGES_PATH;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, HeaderValue};
use hyper_util::rt::TokioIo;
use serde_json::Value;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Platform {
    Slack,
    Teams,
}

/// Which Teams activity the timed modes send.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TeamsActivity {
    /// Each card's automatic refresh, answered with the card.
    Refresh,
    /// One message per card ("help"), delivered again and again with the same activity id.
    Redelivered,
}

#[derive(Parser, Debug)]
struct Args {
    /// The instance's address.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Which chat platform's requests to send (bench_server's `PLATFORM`).
    #[arg(long, value_enum, default_value_t = Platform::Slack)]
    platform: Platform,
    /// Its Slack signing secret.
    #[arg(long, default_value = "bench-signing-secret")]
    secret: String,
    /// Teams: the activity the timed modes send.
    #[arg(long, value_enum, default_value_t = TeamsActivity::Refresh)]
    activity: TeamsActivity,
    /// Teams: how many Bot Framework tokens to sign before the run (used in turn).
    #[arg(long, default_value_t = 1_000)]
    tokens: usize,
    /// Requests per second; omit for as fast as possible.
    #[arg(long)]
    rate: Option<u64>,
    /// How long to send.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Instead of sending for `--seconds`: approve this many distinct cards, once each, and
    /// time until every one is decided.
    #[arg(long)]
    decide: Option<usize>,
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
    /// The cards to click (from bench_server).
    #[arg(long, default_value = "bench-clicks.jsonl")]
    clicks: String,
}

/// A click as Slack sends it: form-encoded `payload` with the user, the card's channel and
/// message, and the Approve action with the button's value.
fn slack_body(click: &Value, n: usize) -> Bytes {
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
    Bytes::from(requests::form_body(&payload))
}

/// A Teams card as bench_server wrote it: where it is, who sees it, and its actions' data.
struct TeamsCard {
    service_url: String,
    app_id: String,
    conversation: String,
    activity_id: String,
    member: FakeMember,
    approve: Value,
    refresh: Value,
}

impl TeamsCard {
    fn read(line: &Value) -> Option<Self> {
        let text = |key: &str| line[key].as_str().map(str::to_owned);
        Some(Self {
            service_url: text("service_url")?,
            app_id: text("app_id")?,
            conversation: text("conversation")?,
            activity_id: text("activity_id")?,
            member: FakeMember {
                id: text("user")?,
                name: text("name")?,
                email: String::new(),
                aad_object_id: text("aad_object_id")?,
                tenant: text("tenant")?,
                time_zone: None,
            },
            approve: line.get("approve")?.clone(),
            refresh: line.get("refresh")?.clone(),
        })
    }

    /// The recipient's 1:1 chat with the bot, where activities about this card come from.
    fn from(&self) -> Personal<'_> {
        Personal {
            user: &self.member,
            conversation: &self.conversation,
            app_id: &self.app_id,
            service_url: &self.service_url,
        }
    }

    /// "help" written in the recipient's chat, the `n`th activity of the run.
    fn message(&self, n: usize) -> Bytes {
        let mut activity = personal_activity(&self.from(), "message", n as u64);
        activity["text"] = "help".into();
        activity["textFormat"] = "plain".into();
        Bytes::from(activity.to_string())
    }

    /// The invoke Teams sends for this card's `verb` (`trigger` `manual` for a click,
    /// `automatic` for a refresh), the `n`th of the run.
    fn invoke(&self, verb: &str, n: usize) -> Bytes {
        let (data, trigger) = if verb == APPROVE {
            (self.approve.clone(), "manual")
        } else {
            (self.refresh.clone(), "automatic")
        };
        let activity = card_action(
            personal_activity(&self.from(), "invoke", n as u64),
            Some(self.activity_id.as_str()),
            verb,
            data,
            trigger,
        );
        Bytes::from(activity.to_string())
    }
}

/// How each request proves where it comes from.
enum Auth {
    /// Slack's signature of the body with the current timestamp, made as it is sent.
    Slack { secret: String },
    /// `Authorization: Bearer …` with Bot Framework tokens signed before the run, in turn.
    Teams { tokens: Vec<HeaderValue> },
}

/// What is sent: where, the bodies (used in a cycle) and how each is authenticated.
struct Traffic {
    path: &'static str,
    content_type: &'static str,
    bodies: Vec<Bytes>,
    auth: Auth,
}

impl Traffic {
    /// The `n`th request of the run.
    fn request(&self, n: usize, host: &str) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
        let body = self.bodies[n % self.bodies.len()].clone();
        let builder = hyper::Request::post(self.path)
            .header("host", host)
            .header("content-type", self.content_type);
        let builder = match &self.auth {
            Auth::Slack { secret } => {
                let now = jiff::Timestamp::now().as_second();
                let signature = signing::signature(secret, now, std::str::from_utf8(&body)?)?;
                builder
                    .header(signing::TIMESTAMP_HEADER, now)
                    .header(signing::SIGNATURE_HEADER, signature)
            }
            Auth::Teams { tokens } => {
                builder.header(AUTHORIZATION, tokens[n % tokens.len()].clone())
            }
        };
        Ok(builder.body(Full::new(body))?)
    }
}

/// The traffic of this run from bench_server's file: `decide` distinct Approve clicks, else
/// the timed run's (Slack's clicks in a cycle, Teams' refreshes).
fn traffic(args: &Args) -> anyhow::Result<Traffic> {
    let lines: Vec<Value> = std::fs::read_to_string(&args.clicks)
        .with_context(|| format!("{}; run bench_server first", args.clicks))?
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    // How many bodies: each of `--decide` distinct cards once, else every card four times.
    let count = |cards: usize| match args.decide {
        Some(n) if n <= cards => Ok(n),
        Some(_) => Err(anyhow::anyhow!(
            "only {cards} cards to decide in {}",
            args.clicks
        )),
        None if cards > 0 => Ok(cards * 4),
        None => Err(anyhow::anyhow!("no cards in {}", args.clicks)),
    };
    match args.platform {
        Platform::Slack => {
            let clicks: Vec<&Value> = lines.iter().filter(|l| l["ts"].is_string()).collect();
            let total = count(clicks.len())?;
            Ok(Traffic {
                path: "/slack/interactions",
                content_type: "application/x-www-form-urlencoded",
                bodies: (0..total)
                    .map(|n| slack_body(clicks[n % clicks.len()], n))
                    .collect(),
                auth: Auth::Slack {
                    secret: args.secret.clone(),
                },
            })
        }
        Platform::Teams => {
            let cards: Vec<TeamsCard> = lines.iter().filter_map(TeamsCard::read).collect();
            anyhow::ensure!(
                !cards.is_empty(),
                "no Teams cards in {}; run bench_server with PLATFORM=teams first",
                args.clicks
            );
            let total = count(cards.len())?;
            let tokens = sign_tokens(&cards[0], args.tokens.max(1))?;
            let bodies = match (args.decide, args.activity) {
                (Some(_), _) => (0..total).map(|n| cards[n].invoke(APPROVE, n)).collect(),
                (None, TeamsActivity::Refresh) => (0..total)
                    .map(|n| cards[n % cards.len()].invoke(REFRESH, n))
                    .collect(),
                // One body per card, sent in a cycle: the same activity again and again.
                (None, TeamsActivity::Redelivered) => cards
                    .iter()
                    .enumerate()
                    .map(|(n, card)| card.message(n))
                    .collect(),
            };
            Ok(Traffic {
                path: MESSAGES_PATH,
                content_type: "application/json",
                bodies,
                auth: Auth::Teams { tokens },
            })
        }
    }
}

/// `count` distinct Bot Framework tokens for the bot and service URL of `card`, as the sandbox
/// authority signs them; says how long signing took against the bot's cost of verifying.
fn sign_tokens(card: &TeamsCard, count: usize) -> anyhow::Result<Vec<HeaderValue>> {
    let authority = TokenAuthority::new();
    let started = Instant::now();
    let tokens = (0..count)
        .map(|n| {
            let token = authority
                .token(&card.app_id, &card.service_url)
                .claim("jti", format!("loadgen-{n}"))
                .sign();
            HeaderValue::from_str(&format!("Bearer {token}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let each = started.elapsed() / u32::try_from(count).unwrap_or(u32::MAX);
    println!(
        "signed {count} Bot Framework tokens before the run ({:.0} µs each), used in turn",
        each.as_secs_f64() * 1e6
    );
    Ok(tokens)
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
    traffic: Traffic,
    rate: Option<u64>,
    started: Instant,
    deadline: Instant,
    /// Send this many requests, each body once, then stop (`--decide`).
    count: Option<usize>,
    next: AtomicUsize,
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

/// One keep-alive connection sending requests until the deadline (or the count).
async fn connection(plan: Arc<Plan>) -> anyhow::Result<Tally> {
    let stream = tokio::net::TcpStream::connect(plan.addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let host = plan.addr.to_string();
    let mut tally = Tally::default();
    loop {
        let n = plan.next.fetch_add(1, Ordering::Relaxed);
        if plan.count.is_some_and(|count| n >= count) {
            return Ok(tally);
        }
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
        let request = plan.traffic.request(n, &host)?;
        sender.ready().await?;
        match sender.send_request(request).await {
            Ok(response) => {
                let ok = response.status().is_success();
                // Read the body so the connection can carry the next request.
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

/// Runs `plan` on `connections` connections: every acknowledgement's latency, sorted, and the
/// errors.
fn run(
    runtime: &tokio::runtime::Runtime,
    plan: &Arc<Plan>,
    connections: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let tallies = runtime.block_on(async {
        let workers: Vec<_> = (0..connections)
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
            plan.addr
        );
    }
    latencies.sort_unstable();
    Ok((latencies, errors))
}

fn print_latency(what: &str, latencies: &[Duration]) {
    println!(
        "{what}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(latencies, 0.50).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
}

/// bench_server's `/stats`: Coupa calls made, approve calls among them, requisitions approved.
struct Stats {
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<Bytes>,
    >,
    uri: hyper::Uri,
}

/// One reading of `/stats`.
struct Reading {
    coupa_calls: u64,
    approve_calls: u64,
    approved: u64,
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

    async fn read(&self) -> anyhow::Result<Reading> {
        let response = self.client.get(self.uri.clone()).await?;
        anyhow::ensure!(response.status().is_success(), "{}", response.status());
        let body = response.into_body().collect().await?.to_bytes();
        let stats: Value = serde_json::from_slice(&body)?;
        let number = |key: &str| stats[key].as_u64().unwrap_or(0);
        Ok(Reading {
            coupa_calls: number("coupa_calls"),
            approve_calls: number("coupa_approve_calls"),
            approved: number("requisitions_approved"),
        })
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

    /// Waits until `wanted` requisitions are approved (or `settle` passes); the last reading and
    /// when it was taken.
    async fn approved(&self, wanted: u64, settle: Duration) -> anyhow::Result<(Reading, Instant)> {
        let deadline = Instant::now() + settle;
        loop {
            let reading = self.read().await?;
            let at = Instant::now();
            if reading.approved >= wanted || at >= deadline {
                return Ok((reading, at));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn verdict(clicked: u64, reading: &Reading) -> &'static str {
    if reading.approved == clicked && reading.approve_calls == clicked {
        "exactly once"
    } else {
        "NOT exactly once"
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
    let traffic = traffic(&args)?;
    let cards = traffic.bodies.len();
    let settle = Duration::from_secs(args.settle_seconds);
    let before = runtime.block_on(stats.read())?;
    if args.decide.is_some() {
        anyhow::ensure!(
            before.approved == 0,
            "{} requisitions are approved already; start a fresh bench_server",
            before.approved
        );
    }
    let started = Instant::now();
    let plan = Arc::new(Plan {
        addr: args.addr,
        traffic,
        rate: args.rate,
        started,
        deadline: match args.decide {
            Some(_) => started + settle,
            None => started + Duration::from_secs(args.seconds),
        },
        count: args.decide,
        next: AtomicUsize::new(0),
    });
    let (latencies, errors) = run(&runtime, &plan, args.connections)?;

    if let Some(decide) = args.decide {
        let (after, at) = runtime.block_on(stats.approved(decide as u64, settle))?;
        let elapsed = at.duration_since(started).as_secs_f64();
        let decided = after.approved;
        let calls = after.coupa_calls - before.coupa_calls;
        println!(
            "{:?}: {decide} Approve clicks on distinct cards, {} answered, {errors} errors",
            args.platform,
            latencies.len()
        );
        print_latency("answer latency", &latencies);
        println!(
            "{decided} decided in {elapsed:.1} s = {:.2} decisions/s end to end; {calls} Coupa calls \
             ({:.2} per decision); {}: {} Coupa approve calls",
            decided as f64 / elapsed,
            calls as f64 / decided.max(1) as f64,
            verdict(decide as u64, &after),
            after.approve_calls
        );
        return Ok(());
    }

    let elapsed = started
        .elapsed()
        .min(Duration::from_secs(args.seconds))
        .as_secs_f64();
    println!(
        "{:?}, {}: {} acknowledged, {errors} errors in {elapsed:.1} s = {:.0} acks/s",
        args.platform,
        args.rate
            .map(|r| format!("constant {r}/s"))
            .unwrap_or_else(|| format!("saturation, {} connections", args.connections)),
        latencies.len(),
        latencies.len() as f64 / elapsed
    );
    print_latency("ack latency", &latencies);
    match args.platform {
        Platform::Slack => {
            // The first click on each card decides it.
            let clicked = (cards / 4).min(latencies.len()) as u64;
            let (after, _) = runtime.block_on(stats.approved(clicked, settle))?;
            println!(
                "{}: {clicked} cards clicked, {} approved in Coupa, {} Coupa approve calls",
                verdict(clicked, &after),
                after.approved,
                after.approve_calls
            );
        }
        Platform::Teams => {
            let after = runtime.block_on(stats.read())?;
            println!(
                "nothing decided: {} Coupa approve calls, {} Coupa calls during the run",
                after.approve_calls - before.approve_calls,
                after.coupa_calls - before.coupa_calls
            );
        }
    }
    Ok(())
}
