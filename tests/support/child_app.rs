//! The real binary as a child process (`coupa-approvals run`, configured by environment) in a
//! simulated world this test process hosts: the Coupa sandbox and the fake Slack Web API, each
//! behind a [`Hold`]. The test can freeze the child at an exact step by holding a request, then
//! SIGKILL it and start a fresh one on the same Redis namespace, as a crash and restart would.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coupa_approvals::config::{LogFormat, Settings, StoreSettings};
use coupa_approvals::domain::{CoupaUserId, RequisitionId};
use coupa_approvals::sandbox::coupa::{NewLine, NewRequisition, Sandbox, StepApprover};
use coupa_approvals::sandbox::people::Person;
use coupa_approvals::sandbox::slack::requests::form_body;
use coupa_approvals::sandbox::slack::{FakeMessage, FakeSlack, SlackSender};
use coupa_approvals::sandbox::{World, env};
use rust_decimal::Decimal;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::e2e::block_actions;
use super::hold::Hold;

const BIN: &str = env!("CARGO_BIN_EXE_coupa-approvals");

/// Coupa and Slack as the child sees them, and the holds in front of each.
pub struct StandIns {
    pub sandbox: Sandbox,
    pub slack: FakeSlack,
    pub coupa_hold: Hold,
    pub slack_hold: Hold,
    pub requester: CoupaUserId,
    pub daniel: CoupaUserId,
    world: World,
}

impl StandIns {
    pub async fn new() -> Self {
        let coupa_hold = Hold::default();
        let slack_hold = Hold::default();
        let world = World::builder()
            .wrap_coupa({
                let hold = coupa_hold.clone();
                move |router| hold.wrap(router)
            })
            .wrap_slack({
                let hold = slack_hold.clone();
                move |router| hold.wrap(router)
            })
            .settings(|settings| {
                settings.sync_interval = Duration::from_secs(1);
                settings.log_format = LogFormat::Json;
            })
            .build()
            .await
            .expect("the world starts");
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = Person::in_coupa(&world.coupa, "daniel@example.com", "Daniel", "Okafor");
        daniel.join(&world.slack);
        Self {
            sandbox: world.coupa.clone(),
            slack: world.slack.clone(),
            coupa_hold,
            slack_hold,
            requester,
            daniel: daniel.coupa_id,
            world,
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

/// `coupa-approvals run` as a child process, configured by `settings`' environment variables
/// alone (an empty working directory, so no `.env` is read), once it listens; SIGKILLed when
/// dropped. Its JSON log is kept for the test to read.
pub struct RunningBinary {
    pub addr: SocketAddr,
    process: tokio::process::Child,
    logs: Arc<Mutex<Vec<String>>>,
    _dir: TempDir,
}

impl RunningBinary {
    /// Starts the binary with `settings` (their log format must be JSON) and waits until it
    /// listens.
    pub async fn start(settings: &Settings) -> Self {
        assert_eq!(
            settings.log_format,
            LogFormat::Json,
            "the address is read from the JSON log"
        );
        let dir = TempDir::new();
        let mut command = Command::new(BIN);
        command
            .arg("run")
            .env_clear()
            .current_dir(&dir.0)
            .envs(env::variables(settings))
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
            _dir: dir,
        }
    }

    /// Everything the child logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }
}

/// One running `coupa-approvals run` process in the stand-ins' world; SIGKILLed when dropped.
pub struct ChildApp {
    pub addr: SocketAddr,
    binary: RunningBinary,
    sender: SlackSender,
}

impl ChildApp {
    /// Starts the binary against `stand_ins` with its state under `redis_prefix`, syncing every
    /// second, and waits until it listens.
    pub async fn start(stand_ins: &StandIns, redis_prefix: &str) -> Self {
        let mut settings = stand_ins.world.settings.clone();
        settings.store = StoreSettings::redis(super::redis_url(), redis_prefix);
        let binary = RunningBinary::start(&settings).await;
        let addr = binary.addr;
        let secret = stand_ins
            .world
            .signing_secret()
            .cloned()
            .expect("the world's app verifies signatures");
        Self {
            addr,
            binary,
            sender: SlackSender::new(&format!("http://{addr}"), secret),
        }
    }

    /// Daniel clicking `action` on `message`, signed as Slack signs it.
    pub async fn click(&self, message: &FakeMessage, action: &str) -> reqwest::Response {
        let payload = block_actions("UDANIEL", message, action);
        self.sender
            .request(
                "/slack/interactions",
                "application/x-www-form-urlencoded",
                form_body(&payload),
            )
            .expect("any key signs")
            .send()
            .await
            .expect("the child answers")
    }

    /// SIGTERM, as Kubernetes sends on a rolling deploy: a graceful stop begins. Returns at once.
    pub fn terminate(&self) {
        let pid = self
            .binary
            .process
            .id()
            .expect("the child runs")
            .to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits up to `within` for the child to exit by itself; its exit status.
    pub async fn exited(&mut self, within: Duration) -> std::process::ExitStatus {
        match tokio::time::timeout(within, self.binary.process.wait()).await {
            Ok(status) => status.expect("the child is reaped"),
            Err(_) => panic!("the child did not exit within {within:?}:\n{}", self.logs()),
        }
    }

    /// SIGKILL: no graceful stop, no lease released, nothing finished.
    pub async fn kill(mut self) {
        self.binary
            .process
            .start_kill()
            .expect("the child can be killed");
        let status = self
            .binary
            .process
            .wait()
            .await
            .expect("the child is reaped");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "killed by SIGKILL"
        );
    }

    /// Everything the child logged so far.
    pub fn logs(&self) -> String {
        self.binary.logs()
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
