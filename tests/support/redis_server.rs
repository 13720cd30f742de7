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
    /// The password the server requires (`--requirepass`), if any.
    password: Option<String>,
}

impl RedisServer {
    /// Starts redis-server on a free port and waits until it answers.
    pub async fn start() -> Self {
        let port = free_port();
        let mut server = Self {
            port,
            child: None,
            data_dir: None,
            password: None,
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
            password: None,
        };
        server.restart().await;
        server
    }

    /// Starts a throwaway redis-server that requires `password` (`--requirepass`).
    pub async fn start_with_password(password: &str) -> Self {
        let port = free_port();
        let mut server = Self {
            port,
            child: None,
            data_dir: None,
            password: Some(password.to_owned()),
        };
        server.restart().await;
        server
    }

    /// The server's URL, with its password when it has one.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// (Re)starts the server on the same port and waits until it answers PING.
    pub async fn restart(&mut self) {
        let mut command = Command::new("redis-server");
        command.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"]);
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
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

/// The ACL user and password of the [`shared_tls`] server.
pub const TLS_USER: &str = "approvals-bot";
pub const TLS_PASSWORD: &str = "tls-test-password";

/// A redis-server that speaks only TLS and wants a password, as a managed Redis does.
pub struct TlsRedis {
    /// The TLS port on 127.0.0.1 (there is no plain port).
    pub port: u16,
    /// The PEM certificate of the throwaway CA that signed the server's certificate.
    pub ca_pem: Vec<u8>,
    _watchdog: Child,
}

impl TlsRedis {
    /// `rediss://` for `user:password`, which need not be the server's.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        format!("rediss://{user}:{password}@127.0.0.1:{}/0", self.port)
    }

    /// `rediss://` for the server's ACL user.
    pub fn url(&self) -> String {
        self.url_as(TLS_USER, TLS_PASSWORD)
    }

    /// A client that trusts the throwaway CA.
    pub fn client(&self, url: &str) -> redis::RedisResult<redis::Client> {
        redis::Client::build_with_tls(
            url,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(self.ca_pem.clone()),
            },
        )
    }

    fn answers(&self) -> bool {
        self.client(&self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(500)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    }
}

/// The TLS-only, password-protected redis-server shared by this test process (never
/// `REDIS_URL`: the tests make its CA and certificate with the `openssl` command, so they can
/// trust it), stopped by a watchdog once this process has exited, like [`shared_url`]'s. Its
/// default user is disabled: only [`TLS_USER`] with [`TLS_PASSWORD`] gets in.
pub fn shared_tls() -> &'static TlsRedis {
    static SHARED: OnceLock<TlsRedis> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("redis-tls-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        make_certificates(&dir);
        let ca_pem = std::fs::read(dir.join("ca.pem")).expect("the CA certificate just made");
        for _ in 0..5 {
            let port = free_port();
            let watchdog = Command::new("sh")
                .args([
                    "-c",
                    "cd \"$2\" && redis-server --port 0 --tls-port \"$1\" --bind 127.0.0.1 \
                     --tls-cert-file server.pem --tls-key-file server.key \
                     --tls-ca-cert-file ca.pem --tls-auth-clients no \
                     --save '' --appendonly no \
                     --user default off --user \"$3\" on \">$4\" '~*' '&*' '+@all' & \
                     server=$!; \
                     while kill -0 \"$PPID\" 2>/dev/null && kill -0 \"$server\" 2>/dev/null; do sleep 1; done; \
                     kill \"$server\" 2>/dev/null; rm -rf \"$2\"",
                    "redis-tls-watchdog",
                    &port.to_string(),
                    &dir.display().to_string(),
                    TLS_USER,
                    TLS_PASSWORD,
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("sh is available");
            let mut server = TlsRedis {
                port,
                ca_pem: ca_pem.clone(),
                _watchdog: watchdog,
            };
            for _ in 0..100 {
                if server.answers() {
                    return server;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server._watchdog.kill();
            let _ = server._watchdog.wait();
            assert!(redis_server_installed(), "{NOT_INSTALLED}");
        }
        panic!("could not start a TLS redis-server for the tests (does this redis-server support --tls-port?)");
    })
}

/// Makes a throwaway CA (`ca.pem`) and a certificate for 127.0.0.1 and localhost signed by it
/// (`server.pem`, `server.key`) in `dir`, with the `openssl` command.
fn make_certificates(dir: &std::path::Path) {
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=coupa-approvals test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-out",
            "server.pem",
            "-extfile",
            "server.ext",
        ],
    ];
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("a writable temporary directory");
    for args in steps {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the openssl command is on PATH (it makes the test CA)");
        assert!(status.success(), "openssl {args:?} failed");
    }
}
