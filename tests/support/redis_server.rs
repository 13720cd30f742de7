//! redis-server processes the tests start themselves, so `cargo test` needs only `redis-server`
//! on `PATH`:
//!
//! - [`shared_url`]: one server per test process, shared by every test that uses Redis when
//!   `REDIS_URL` is unset, and stopped when the test process exits;
//! - [`RedisServer`]: a server one test owns: started on a spare port, stopped and restarted at
//!   will; either throwaway (data lost on restart) or persistent (an append-only file in a
//!   temporary directory, so a restart keeps the data, as a production Redis with persistence
//!   does).

use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const NOT_INSTALLED: &str = "redis-server is not on PATH: install it (Debian/Ubuntu: \
     `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL";

/// The URL of the redis-server shared by this test process, started on a free port the first
/// time it is asked for. A watchdog shell stops it once this process has exited (a static is never
/// dropped, so nothing else would), checking once a second.
pub fn shared_url() -> &'static str {
    /// The server's URL and its watchdog, kept for the life of the process.
    struct Shared {
        url: String,
        _watchdog: Child,
    }
    static SHARED: OnceLock<Shared> = OnceLock::new();
    &SHARED.get_or_init(|| {
        // Another process may take the free port between the probe and redis-server's bind:
        // try a few ports before giving up.
        for _ in 0..5 {
            let port = free_port();
            let url = format!("redis://127.0.0.1:{port}");
            let mut watchdog = Command::new("sh")
                .args([
                    "-c",
                    "redis-server --port \"$1\" --bind 127.0.0.1 --save '' --appendonly no & \
                     server=$!; \
                     while kill -0 \"$PPID\" 2>/dev/null && kill -0 \"$server\" 2>/dev/null; do sleep 1; done; \
                     kill \"$server\" 2>/dev/null",
                    "redis-watchdog",
                    &port.to_string(),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("sh is available");
            for _ in 0..100 {
                if answers(&url) {
                    return Shared {
                        url,
                        _watchdog: watchdog,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // Not answering within 5 s: most likely the port was taken and the server has exited.
            // Stop its watchdog and try another port.
            let _ = watchdog.kill();
            let _ = watchdog.wait();
            assert!(redis_server_installed(), "{NOT_INSTALLED}");
        }
        panic!("could not start a redis-server for the tests");
    })
    .url
}

fn redis_server_installed() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn answers(url: &str) -> bool {
    redis::Client::open(url)
        .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
        .is_ok()
}

/// A private redis-server process, killed on drop.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// Where a persistent server keeps its append-only file.
    data_dir: Option<std::path::PathBuf>,
}

impl RedisServer {
    /// Starts redis-server on a free port and waits until it answers.
    pub async fn start() -> Self {
        let port = free_port();
        let mut server = Self {
            port,
            child: None,
            data_dir: None,
        };
        server.restart().await;
        server
    }

    /// Starts a redis-server that keeps its data across [`RedisServer::restart`].
    pub async fn start_persistent() -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("redis-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = Self {
            port,
            child: None,
            data_dir: Some(dir),
        };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on the same port and waits until it answers PING.
    pub async fn restart(&mut self) {
        let mut command = Command::new("redis-server");
        command.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"]);
        match &self.data_dir {
            Some(dir) => command
                .args([
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                ])
                .arg("--dir")
                .arg(dir),
            None => command.args(["--save", "", "--appendonly", "no"]),
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(NOT_INSTALLED);
        self.child = Some(child);
        for _ in 0..100 {
            if self.answers() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    /// Kills the server and waits until the port is closed.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn answers(&self) -> bool {
        answers(&self.url())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
