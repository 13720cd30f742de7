//! Shared helpers for the integration tests: Redis namespaces that clean up after themselves,
//! a throwaway redis-server, a minimal HTTP client for probing the app, the app in a simulated
//! world with the tests' people (`e2e`), the plumbing of the fault tests (holds in front of the
//! world's fakes, the binary as a child process, a fault-ready engine), the Bot Framework token
//! authority behind wiremock (`teams`), and the app in a world with Teams and the people of its
//! end-to-end tests (`teams_world`). The world itself is the library's: `coupa_approvals::sandbox`.

#![allow(dead_code)] // Each test binary uses a different subset.

pub mod arbitrary;
pub mod cards;
pub mod check_report;
pub mod child_app;
pub mod counting_store;
pub mod e2e;
pub mod engine_world;
pub mod fake_chat;
pub mod fault_world;
pub mod hold;
pub mod http;
pub mod redis_server;
pub mod slow_store;
pub mod snapshots;
pub mod teams;
pub mod teams_world;
pub mod wait;

use std::sync::Arc;

use coupa_approvals::config::{CoupaSettings, Settings, SlackSettings};
use coupa_approvals::store::RedisStore;
use secrecy::SecretString;

/// The Redis the tests use: `REDIS_URL` when set, else a redis-server this test process starts
/// on a free port the first time it is asked for (see [`redis_server::shared_url`]), so
/// `cargo test` needs nothing running beforehand.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| redis_server::shared_url().to_owned())
}

/// A unique key prefix; every key it covers is deleted when this is dropped (even after a
/// failed assertion), so parallel tests never see each other's keys.
pub struct RedisNamespace {
    pub prefix: String,
    url: String,
    /// The CA a TLS server's certificate chains to, when it is the tests' own.
    ca_pem: Option<Vec<u8>>,
}

impl RedisNamespace {
    pub fn new(test: &str) -> Self {
        Self {
            prefix: format!("test-{test}-{}", uuid::Uuid::new_v4().simple()),
            url: redis_url(),
            ca_pem: None,
        }
    }

    /// A namespace on the TLS-only, password-protected server ([`redis_server::shared_tls`]).
    pub fn over_tls(test: &str) -> Self {
        let server = redis_server::shared_tls();
        Self {
            prefix: format!("test-{test}-{}", uuid::Uuid::new_v4().simple()),
            url: server.url(),
            ca_pem: Some(server.ca_pem.clone()),
        }
    }

    pub fn store(&self) -> RedisStore {
        let url = SecretString::from(self.url.clone());
        match &self.ca_pem {
            Some(ca) => RedisStore::with_root_ca(&url, &self.prefix, ca.clone()),
            None => RedisStore::new(&url, &self.prefix),
        }
        .expect("REDIS_URL is a valid Redis URL")
    }

    fn client(&self) -> redis::RedisResult<redis::Client> {
        match &self.ca_pem {
            Some(ca) => redis::Client::build_with_tls(
                self.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.clone()),
                },
            ),
            None => redis::Client::open(self.url.as_str()),
        }
    }

    pub fn arc_store(&self) -> Arc<RedisStore> {
        Arc::new(self.store())
    }

    /// Keys currently under this namespace.
    pub fn keys(&self) -> Vec<String> {
        let Ok(client) = self.client() else {
            return Vec::new();
        };
        let Ok(mut conn) = client.get_connection() else {
            return Vec::new();
        };
        let pattern = format!("{}:*", self.prefix);
        let Ok(iter) = redis::cmd("SCAN")
            .cursor_arg(0)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .clone()
            .iter::<String>(&mut conn)
        else {
            return Vec::new();
        };
        iter.filter_map(Result::ok).collect()
    }
}

impl Drop for RedisNamespace {
    fn drop(&mut self) {
        let keys = self.keys();
        if keys.is_empty() {
            return;
        }
        if let Ok(mut conn) = self.client().and_then(|client| client.get_connection()) {
            let _: Result<(), _> = redis::cmd("DEL").arg(&keys).query(&mut conn);
        }
    }
}

/// Valid settings for an app whose Coupa and Slack are never reached (health, store and route
/// tests), listening on a free loopback port.
pub fn minimal_settings() -> Settings {
    let mut settings = Settings::new(
        SlackSettings::new("xoxb-test", "secret"),
        CoupaSettings::new("http://127.0.0.1:9".parse().expect("a URL"), "id", "secret"),
    );
    settings.bind_addr = ([127, 0, 0, 1], 0).into();
    settings
}
