//! What the sync costs the bot with many approvals tracked on Redis: the first full sync's Coupa
//! list calls and their busiest second, then the Coupa calls, CPU time and wall time of a cycle in
//! which nothing changed, and the bot's resident memory.
//!
//! Two processes, so that the memory figure is the bot's alone: this one serves the Coupa sandbox
//! with `CARDS` pending requisitions (default 10,000, each for its own approver) and the fake
//! Slack Web API, and counts the calls the sandbox receives; a child process (this program again,
//! with `SYNC_COST_ROLE=bot`) runs the real app on Redis (`REDIS_URL`, else 127.0.0.1:6379, in a
//! namespace of its own, removed afterwards) against them at `COUPA_MAX_RPS=25`. The two agree on
//! phases over the child's stdin and stdout.
//!
//! CPU time is the child's `utime + stime` from `/proc/self/stat` (10 ms ticks) over `IDLE_CYCLES`
//! cycles (default 20), divided by their number; memory is `VmRSS` and `VmHWM` from
//! `/proc/self/status`. Linux only.
//!
//! `cargo run --release --example sync_cost` (or `CARDS=2000 cargo run --release --example sync_cost`).

use std::process::Stdio;
use std::time::{Duration, Instant};

use coupa_approvals::app::App;
use coupa_approvals::config::{
    CoupaSettings, MAX_COUPA_MAX_RPS, Settings, SlackSettings, StoreSettings,
};
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::coupa::{CLIENT_ID, CLIENT_SECRET, RecordedCall, busiest_second};
use coupa_approvals::sandbox::slack::BOT_TOKEN;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var("SYNC_COST_ROLE").as_deref() == Ok("bot") {
        bot().await
    } else {
        fakes().await
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The parent: Coupa and Slack, and the accounting of Coupa calls.
async fn fakes() -> anyhow::Result<()> {
    let cards = env_number("CARDS", 10_000);
    let world = World::builder().build().await?;
    let (sandbox, slack) = (&world.coupa, &world.slack);
    let requester = sandbox.add_user("req@example.com", "Re", "Quester");
    // Each for its own approver, submitted a second apart, as Coupa's clock would stamp a busy
    // afternoon.
    world.add_pending_load(
        requester,
        cards,
        cards,
        |n| format!("Requisition {n}"),
        Duration::from_secs(1),
    );

    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .env("SYNC_COST_ROLE", "bot")
        .env("SYNC_COST_COUPA_URL", world.coupa_url())
        .env("SYNC_COST_SLACK_URL", format!("{}/api", world.slack_url()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut to_bot = child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
    let mut from_bot = BufReader::new(
        child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
    )
    .lines();
    let mut summary = json!({ "pending_requisitions": cards });
    let mut mark = 0;
    while let Some(line) = from_bot.next_line().await? {
        let (phase, body) = line.split_once(' ').unwrap_or((line.as_str(), "{}"));
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let calls = sandbox.calls();
        let since: Vec<RecordedCall> = calls[mark..].to_vec();
        mark = calls.len();
        match phase {
            "built" => {}
            "synced" => {
                let lists = since
                    .iter()
                    .filter(|c| c.method == "GET" && c.path == "/api/requisitions")
                    .count();
                summary["first_full_sync"] = json!({
                    "coupa_calls": since.len(),
                    "list_calls": lists,
                    "busiest_second_calls": busiest_second(&since),
                    "cards_posted": slack.posted().len(),
                    "bot": body,
                });
            }
            "idle" => {
                let cycles = body["cycles"].as_u64().unwrap_or(1).max(1);
                summary["idle_cycle"] = json!({
                    "coupa_calls_per_cycle": since.len() as f64 / cycles as f64,
                    "bot": body,
                });
            }
            "memory" => summary["memory"] = body,
            _ => {}
        }
        to_bot.write_all(b"go\n").await?;
    }
    child.wait().await?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

/// CPU time this process has used (user + system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Linux reports in USER_HZ, 100 on every mainstream configuration.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// `VmRSS` and `VmHWM` from `/proc/self/status`, in MB.
fn memory() -> Value {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    json!({ "rss_mb": kb("VmRSS:") / 1024.0, "peak_rss_mb": kb("VmHWM:") / 1024.0 })
}

/// The child: the real app on Redis.
async fn bot() -> anyhow::Result<()> {
    // Warnings to stderr (a failed sync says why); stdout is the conversation with the parent.
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: nothing else runs yet that could read the environment concurrently.
        unsafe { std::env::set_var("RUST_LOG", "warn") };
    }
    coupa_approvals::telemetry::init_logging(coupa_approvals::config::LogFormat::Text);
    // Tells the parent what phase this is, and waits until it has taken its count. Blocking
    // is harmless here: the app's tasks run on the runtime's worker threads.
    let say = |phase: &str, body: Value| -> anyhow::Result<()> {
        println!("{phase} {body}");
        std::io::stdin().read_line(&mut String::new())?;
        Ok(())
    };
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    // The parent's fakes, with the sandbox's own credentials.
    let mut slack = SlackSettings::new(BOT_TOKEN, "sync-cost-secret");
    slack.api_url = std::env::var("SYNC_COST_SLACK_URL")?.parse()?;
    let coupa = CoupaSettings::new(
        std::env::var("SYNC_COST_COUPA_URL")?.parse()?,
        CLIENT_ID,
        CLIENT_SECRET,
    );
    let mut settings = Settings::new(slack, coupa);
    settings.coupa.max_rps = MAX_COUPA_MAX_RPS;
    settings.bind_addr = ([127, 0, 0, 1], 0).into();
    // The app reconciles at start; the idle cycles below are driven by hand.
    settings.sync_interval = Duration::from_secs(3600);
    let prefix = format!("sync-cost-{}", uuid::Uuid::new_v4().simple());
    settings.store = StoreSettings::redis(redis.clone(), prefix.clone());
    let app = App::build(settings).await?;
    let store = app.store();
    let engine = app.engine();
    say("built", json!({}))?;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let cpu_before = cpu_time();
    let running = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    // The app's own loop reconciles only once it leads, and then not for an hour: drive the
    // first full sync by hand, as the leader would.
    engine.reconcile().await?;
    let tracked = store.approvals_with_cards().await?.len();
    say(
        "synced",
        json!({
            "wall_s": started.elapsed().as_secs_f64(),
            "cpu_s": (cpu_time() - cpu_before).as_secs_f64(),
            "tracked_approvals": tracked,
        }),
    )?;

    tokio::time::sleep(Duration::from_secs(2)).await;
    let cycles = env_number("IDLE_CYCLES", 20);
    let cpu_before = cpu_time();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for _ in 0..cycles {
        let cycle = Instant::now();
        engine.sync_changes().await?;
        slowest = slowest.max(cycle.elapsed());
    }
    let cpu = cpu_time() - cpu_before;
    let wall = started.elapsed();
    say(
        "idle",
        json!({
            "cycles": cycles,
            "cpu_ms_per_cycle": cpu.as_secs_f64() * 1000.0 / cycles as f64,
            "wall_ms_per_cycle": wall.as_secs_f64() * 1000.0 / cycles as f64,
            "slowest_wall_ms": slowest.as_secs_f64() * 1000.0,
        }),
    )?;

    let mut measured = memory();
    measured["tracked_approvals"] = json!(tracked);
    say("memory", measured)?;

    let _ = stop.send(());
    let _ = running.await;
    // Leave nothing behind in Redis.
    let client = redis::Client::open(redis.as_str())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await?;
    for chunk in keys.chunks(1_000) {
        let _: () = redis::cmd("DEL").arg(chunk).query_async(&mut conn).await?;
    }
    Ok(())
}
