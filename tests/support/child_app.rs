//! The real binary as a child process (`coupa-approvals run`, configured by environment) against
//! stand-ins this test process hosts: the Coupa sandbox and the fake Slack Web API, each behind a
//! [`Hold`]. The test can freeze the child at an exact step by holding a request, then SIGKILL it
//! and start a fresh one on the same Redis namespace, as a crash and restart would.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coupa_approvals::domain::{CoupaUserId, RequisitionId};
use coupa_approvals::sandbox::coupa::{NewLine, NewRequisition, Sandbox, StepApprover};
use coupa_approvals::sandbox::slack::{FakeMessage, FakeSlack};
use rust_decimal::Decimal;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::e2e::{BOT_TOKEN, SIGNING_SECRET, block_actions, sign};
use super::hold::{Hold, Served};

const BIN: &str = env!("CARGO_BIN_EXE_coupa-approvals");

/// Coupa and Slack as the child sees them, and the holds in front of each.
pub struct StandIns {
    pub sandbox: Sandbox,
    pub slack: FakeSlack,
    pub coupa_hold: Hold,
    pub slack_hold: Hold,
    pub requester: CoupaUserId,
    pub daniel: CoupaUserId,
    coupa: Served,
    slack_served: Served,
}

impl StandIns {
    pub async fn new() -> Self {
        let sandbox = Sandbox::new("client", "secret");
        let slack = FakeSlack::new(BOT_TOKEN);
        let requester = sandbox.add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = sandbox.add_user("daniel@example.com", "Daniel", "Okafor");
        slack.add_user("UDANIEL", "Daniel Okafor", "daniel@example.com");
        let coupa_hold = Hold::default();
        let slack_hold = Hold::default();
        let coupa = Served::start(coupa_hold.wrap(sandbox.router())).await;
        let slack_served = Served::start(slack_hold.wrap(slack.router())).await;
        Self {
            sandbox,
            slack,
            coupa_hold,
            slack_hold,
            requester,
            daniel,
            coupa,
            slack_served,
        }
    }

    /// A requisition waiting for Daniel alone.
    pub fn requisition_for_daniel(&self) -> RequisitionId {
        self.sandbox.add_requisition(NewRequisition {
            title: "Standing desks".into(),
            requested_by: self.requester,
            currency: "USD".into(),
            lines: vec![NewLine::amount(
                "Desks",
                Decimal::new(702_000, 2),
                "Ergonomica",
            )],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![vec![StepApprover::User(self.daniel)]],
        })
    }

    /// The bot's cards in Daniel's DM, as they stand now.
    pub fn cards(&self) -> Vec<FakeMessage> {
        self.slack
            .conversation("UDANIEL")
            .into_iter()
            .filter(|m| m.only_for.is_none() && m.from_user.is_none() && m.blocks.is_array())
            .collect()
    }

    /// What Daniel has been told (ephemeral messages), oldest first.
    pub fn told(&self) -> Vec<String> {
        self.slack.ephemerals_for("UDANIEL")
    }

    /// Approve/reject PUTs that reached Coupa (held ones never do).
    pub fn puts(&self) -> usize {
        self.sandbox.count_calls("PUT", "/api/approvals/")
    }
}

/// One running `coupa-approvals run` process; SIGKILLed when dropped.
pub struct ChildApp {
    pub addr: SocketAddr,
    process: tokio::process::Child,
    logs: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
    _dir: TempDir,
}

impl ChildApp {
    /// Starts the binary against `stand_ins` with its state under `redis_prefix`, syncing every
    /// second, and waits until it listens.
    pub async fn start(stand_ins: &StandIns, redis_prefix: &str) -> Self {
        let dir = TempDir::new();
        let mut command = Command::new(BIN);
        command
            .arg("run")
            .env_clear()
            .current_dir(&dir.0)
            .env("SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
            .env(
                "SLACK_API_URL",
                format!("{}/api", stand_ins.slack_served.url()),
            )
            .env("COUPA_INSTANCE_URL", stand_ins.coupa.url())
            .env("COUPA_CLIENT_ID", "client")
            .env("COUPA_CLIENT_SECRET", "secret")
            .env("REDIS_URL", super::redis_url())
            .env("REDIS_KEY_PREFIX", redis_prefix)
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("SYNC_INTERVAL_SECS", "1")
            .env("LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut process = command.spawn().expect("the binary starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        let stderr = process.stderr.take().expect("stderr is piped");
        // Keep reading the log so the pipe never fills and blocks the child.
        tokio::spawn({
            let logs = logs.clone();
            async move {
                let mut lines = BufReader::new(stderr).lines();
                let mut addr_tx = Some(addr_tx);
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                        && event["message"] == "listening"
                        && let Some(addr) = event["addr"].as_str().and_then(|a| a.parse().ok())
                        && let Some(tx) = addr_tx.take()
                    {
                        let _ = tx.send(addr);
                    }
                    logs.lock().unwrap().push(line);
                }
            }
        });
        let addr: SocketAddr = tokio::time::timeout(Duration::from_secs(20), addr_rx)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| {
                panic!(
                    "the child never listened:\n{}",
                    logs.lock().unwrap().join("\n")
                )
            });
        Self {
            addr,
            process,
            logs,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// Daniel clicking `action` on `message`, signed as Slack signs it.
    pub async fn click(&self, message: &FakeMessage, action: &str) -> reqwest::Response {
        let payload = block_actions("UDANIEL", message, action);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish();
        let ts = jiff::Timestamp::now().as_second().to_string();
        self.http
            .post(format!("http://{}/slack/interactions", self.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", sign(SIGNING_SECRET, &ts, &body))
            .body(body)
            .send()
            .await
            .expect("the child answers")
    }

    /// SIGKILL: no graceful stop, no lease released, nothing finished.
    pub async fn kill(mut self) {
        self.process.start_kill().expect("the child can be killed");
        let status = self.process.wait().await.expect("the child is reaped");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "killed by SIGKILL"
        );
    }

    /// Everything the child logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }
}

/// An empty working directory (so no `.env` is read), removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "coupa-approvals-faults-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
