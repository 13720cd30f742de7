//! Typed settings: read from the environment (and `.env`, loaded by `main`), or built in code.
//!
//! [`Settings::from_lookup`] reads every variable of the external interface, applies defaults, and
//! reports *every* problem at once, one line per variable, so an admin fixes a deployment in one
//! pass: it is the one place that validates what an operator wrote. Code that already holds
//! typed values (the demo, tests, tools) builds settings with [`Settings::new`],
//! [`SlackSettings::new`], [`CoupaSettings::new`] and [`StoreSettings::default`], which apply
//! the same `DEFAULT_*` values as the reader. Secrets are [`SecretString`]s: `Debug` shows
//! `[REDACTED]` and nothing here logs them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::engine::EngineSettings;

/// Slack's Web API base when `SLACK_API_URL` is not set.
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
/// Scopes the Coupa OAuth client needs when `COUPA_SCOPES` is not set.
pub const DEFAULT_COUPA_SCOPES: &str = "core.approval.read core.approval.write core.requisition.read core.user.read core.user_group.read";
/// Where Coupa's token endpoint sits under the instance URL when `COUPA_TOKEN_URL` is not set.
pub const COUPA_TOKEN_PATH: &str = "/oauth2/token";
/// Coupa calls per second for the whole process when `COUPA_MAX_RPS` is not set.
pub const DEFAULT_COUPA_MAX_RPS: u32 = 20;
/// The highest `COUPA_MAX_RPS` accepted: Coupa's own limit per instance.
pub const MAX_COUPA_MAX_RPS: u32 = 25;
/// Namespace of every store key when `REDIS_KEY_PREFIX` is not set.
pub const DEFAULT_REDIS_KEY_PREFIX: &str = "coupa-approvals";
/// HTTP listen address when `BIND_ADDR` is not set: every interface, port 3000.
pub const DEFAULT_BIND_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 3000);
/// Coupa poll period when `SYNC_INTERVAL_SECS` is not set.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(60);
/// How long a card's buttons work when `BUTTON_TTL_HOURS` is not set: a week.
pub const DEFAULT_BUTTON_TTL: Duration = Duration::from_secs(168 * 3600);

/// Every variable the service reads, in the order of the configuration table. README and
/// `.env.example` document each one (a test keeps them in step).
pub const VARIABLES: &[&str] = &[
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_APP_ID",
    "SLACK_API_URL",
    "COUPA_INSTANCE_URL",
    "COUPA_CLIENT_ID",
    "COUPA_CLIENT_SECRET",
    "COUPA_SCOPES",
    "COUPA_TOKEN_URL",
    "COUPA_MAX_RPS",
    "REDIS_URL",
    "REDIS_CA_FILE",
    "REDIS_KEY_PREFIX",
    "BIND_ADDR",
    "METRICS_ADDR",
    "SYNC_INTERVAL_SECS",
    "BUTTON_TTL_HOURS",
    "CONFIRM_ABOVE_AMOUNT",
    "LOG_FORMAT",
    "RUST_LOG",
];

/// Everything the service needs to run, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Slack credentials and endpoints.
    pub slack: SlackSettings,
    /// Coupa instance and OAuth client.
    pub coupa: CoupaSettings,
    /// Where state lives.
    pub store: StoreSettings,
    /// HTTP listen address (`BIND_ADDR`).
    pub bind_addr: SocketAddr,
    /// Where `/metrics` is served instead of on `bind_addr` (`METRICS_ADDR`); `None` serves it on
    /// `bind_addr` with the other routes.
    pub metrics_addr: Option<SocketAddr>,
    /// Coupa poll period (`SYNC_INTERVAL_SECS`).
    pub sync_interval: Duration,
    /// How long a card's buttons work (`BUTTON_TTL_HOURS`).
    pub button_ttl: Duration,
    /// Approve asks for confirmation above this total (`CONFIRM_ABOVE_AMOUNT`).
    pub confirm_above_amount: Option<Decimal>,
    /// Log line format (`LOG_FORMAT`).
    pub log_format: LogFormat,
    /// How long and how many requests the HTTP server gives its clients; fixed in code.
    pub http: HttpLimits,
}

/// How long a client may take to send its request headers before the server closes the
/// connection: Slack sends a whole request at once, so only a stalled or hostile client is cut.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one request may take from its headers to its response (body read and handling):
/// Slack gives up after 3 seconds, so anything slower is of use to nobody.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How many Slack requests may be in flight at once before more are turned away with 503:
/// far above what one workspace sends, low enough that held requests cannot exhaust memory
/// (each may buffer up to a 1 MiB body before its signature is checked).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// The HTTP server's defences against slow or numerous clients. The defaults suit every
/// installation, so no environment variable changes them; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// A connection that has not sent a request's headers within this is closed.
    pub header_read_timeout: Duration,
    /// A request not answered within this gets 408.
    pub request_timeout: Duration,
    /// Slack requests beyond this many in flight get 503; health, readiness and metrics are
    /// never turned away, so probes keep working under load.
    pub max_in_flight: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// Slack settings.
#[derive(Debug, Clone)]
pub struct SlackSettings {
    /// `SLACK_BOT_TOKEN`, `xoxb-…`.
    pub bot_token: SecretString,
    /// `SLACK_SIGNING_SECRET`; required unless Socket Mode is on.
    pub signing_secret: Option<SecretString>,
    /// `SLACK_APP_TOKEN`, `xapp-…`; when set, Socket Mode replaces the HTTP routes.
    pub app_token: Option<SecretString>,
    /// `SLACK_API_URL`, the Web API base.
    pub api_url: Url,
    /// `SLACK_APP_ID`, the app's id (`A…`): when set, a request from Slack that names another
    /// app is refused. The workspace is checked in any case, against `auth.test`.
    pub app_id: Option<String>,
}

impl SlackSettings {
    /// HTTP mode against Slack's own Web API: requests arrive at the app's `/slack/*` routes,
    /// signed with `signing_secret`. Set [`api_url`](Self::api_url) to talk to another Web API.
    pub fn new(
        bot_token: impl Into<SecretString>,
        signing_secret: impl Into<SecretString>,
    ) -> Self {
        Self {
            bot_token: bot_token.into(),
            signing_secret: Some(signing_secret.into()),
            app_token: None,
            api_url: default_slack_api_url(),
            app_id: None,
        }
    }

    /// Whether events arrive over Socket Mode rather than HTTP.
    pub fn socket_mode(&self) -> bool {
        self.app_token.is_some()
    }
}

/// Coupa settings.
#[derive(Debug, Clone)]
pub struct CoupaSettings {
    /// `COUPA_INSTANCE_URL`, without a trailing slash.
    pub instance_url: Url,
    /// `COUPA_CLIENT_ID`.
    pub client_id: String,
    /// `COUPA_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `COUPA_SCOPES`, split on whitespace.
    pub scopes: Vec<String>,
    /// `COUPA_TOKEN_URL`.
    pub token_url: Url,
    /// `COUPA_MAX_RPS`: ceiling on Coupa calls per second for the whole process.
    pub max_rps: u32,
}

impl CoupaSettings {
    /// The instance at `instance_url` with the OAuth client `client_id` / `client_secret`; the
    /// default scopes, token endpoint ([`Self::token_url_for`]) and rate limit.
    pub fn new(
        instance_url: Url,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        let instance_url = without_trailing_slash(instance_url);
        Self {
            token_url: Self::token_url_for(&instance_url),
            instance_url,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: DEFAULT_COUPA_SCOPES
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            max_rps: DEFAULT_COUPA_MAX_RPS,
        }
    }

    /// The token endpoint of the instance at `instance_url`: [`COUPA_TOKEN_PATH`] under it.
    pub fn token_url_for(instance_url: &Url) -> Url {
        let mut url = instance_url.clone();
        let path = format!("{}{COUPA_TOKEN_PATH}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        url
    }
}

/// State store settings.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// `REDIS_URL`; `None` selects the embedded in-memory store. Secret because it may carry a
    /// password.
    pub redis_url: Option<SecretString>,
    /// `REDIS_CA_FILE`: PEM certificates a `rediss://` server's certificate must chain to, for a
    /// Redis behind a private CA; `None` trusts this host's CA certificates.
    pub redis_ca_file: Option<std::path::PathBuf>,
    /// `REDIS_KEY_PREFIX`: every key lives under it.
    pub key_prefix: String,
}

impl Default for StoreSettings {
    /// The embedded in-memory store under [`DEFAULT_REDIS_KEY_PREFIX`].
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_ca_file: None,
            key_prefix: DEFAULT_REDIS_KEY_PREFIX.to_owned(),
        }
    }
}

impl StoreSettings {
    /// Redis at `url`, every key under `key_prefix`.
    pub fn redis(url: impl Into<SecretString>, key_prefix: impl Into<String>) -> Self {
        Self {
            redis_url: Some(url.into()),
            redis_ca_file: None,
            key_prefix: key_prefix.into(),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log pipelines.
    Json,
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The variable at fault.
    pub variable: &'static str,
    /// What is expected of it.
    pub expected: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.expected)
    }
}

/// Every problem found in one read of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in the order of the configuration table.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "configuration has {} problem(s):", self.problems.len())?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        write!(f, "See .env.example for every variable and its default.")
    }
}

/// Reads variables one at a time and collects problems instead of stopping at the first.
struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    /// The trimmed value, treating empty as unset (a blank line in `.env` means "not set").
    fn get(&self, variable: &str) -> Option<String> {
        (self.lookup)(variable)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn problem(&mut self, variable: &'static str, expected: impl Into<String>) {
        self.problems.push(Problem {
            variable,
            expected: expected.into(),
        });
    }

    fn required(&mut self, variable: &'static str, what: &str) -> Option<String> {
        let value = self.get(variable);
        if value.is_none() {
            self.problem(variable, format!("missing; set it to {what}"));
        }
        value
    }

    fn secret_with_prefix(
        &mut self,
        variable: &'static str,
        value: Option<String>,
        prefix: &str,
        what: &str,
    ) -> Option<SecretString> {
        let value = value?;
        if !value.starts_with(prefix) {
            self.problem(
                variable,
                format!("must start with `{prefix}` ({what}); the value given does not"),
            );
            return None;
        }
        Some(SecretString::from(value))
    }

    /// An `https` URL, or plain `http` to a loopback address only: Coupa and Slack calls carry
    /// the bot's credentials and decide money, so they never cross a network in clear text.
    fn url(&mut self, variable: &'static str, value: Option<String>, example: &str) -> Option<Url> {
        let value = value?;
        match Url::parse(&value) {
            Ok(url) if url.scheme() == "https" && url.has_host() => Some(url),
            Ok(url) if url.scheme() == "http" && is_loopback(&url) => Some(url),
            Ok(url) if url.scheme() == "http" && url.has_host() => {
                self.problem(
                    variable,
                    format!(
                        "must use https (plain http is accepted only for a loopback host such as 127.0.0.1 or localhost, for tests and the demo), like `{example}`; got http for {}",
                        url.host_str().unwrap_or_default()
                    ),
                );
                None
            }
            Ok(_) => {
                self.problem(
                    variable,
                    format!("must be an http(s) URL with a host, like `{example}`"),
                );
                None
            }
            Err(e) => {
                self.problem(
                    variable,
                    format!("is not a valid URL ({e}); expected something like `{example}`"),
                );
                None
            }
        }
    }

    fn parse<T: FromStr>(&mut self, variable: &'static str, default: T, what: &str) -> Option<T> {
        match self.get(variable) {
            None => Some(default),
            Some(value) => match value.parse::<T>() {
                Ok(parsed) => Some(parsed),
                Err(_) => {
                    self.problem(variable, format!("must be {what}; got `{value}`"));
                    None
                }
            },
        }
    }

    fn whole_number(
        &mut self,
        variable: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Option<u64> {
        let what = format!("a whole number from {} to {}", range.start(), range.end());
        let value = self.parse::<u64>(variable, default, &what)?;
        if range.contains(&value) {
            Some(value)
        } else {
            self.problem(variable, format!("must be {what}; got `{value}`"));
            None
        }
    }
}

impl Settings {
    /// Settings for `slack` and `coupa` with everything else at its default: the embedded
    /// store, [`DEFAULT_BIND_ADDR`], [`DEFAULT_SYNC_INTERVAL`], [`DEFAULT_BUTTON_TTL`], no
    /// confirmation threshold, text logs, [`HttpLimits::default`]. Change any field afterwards; nothing here validates
    /// (that is the environment reader's job, for values an operator typed).
    pub fn new(slack: SlackSettings, coupa: CoupaSettings) -> Self {
        Self {
            slack,
            coupa,
            store: StoreSettings::default(),
            bind_addr: DEFAULT_BIND_ADDR,
            metrics_addr: None,
            sync_interval: DEFAULT_SYNC_INTERVAL,
            button_ttl: DEFAULT_BUTTON_TTL,
            confirm_above_amount: None,
            log_format: LogFormat::default(),
            http: HttpLimits::default(),
        }
    }

    /// What the engine needs of these settings.
    pub fn engine_settings(&self) -> EngineSettings {
        EngineSettings {
            coupa_instance_url: self.coupa.instance_url.clone(),
            button_ttl: self.button_ttl,
            confirm_above_amount: self.confirm_above_amount,
        }
    }

    /// Reads the process environment (after `main` has loaded `.env`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, which returns a variable's value if it is set.
    ///
    /// Returns every problem at once when anything is missing or malformed.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut r = Reader {
            lookup,
            problems: Vec::new(),
        };

        // Slack.
        let bot_token = r.required(
            "SLACK_BOT_TOKEN",
            "the bot token (xoxb-…) from the Slack app's OAuth page",
        );
        let bot_token =
            r.secret_with_prefix("SLACK_BOT_TOKEN", bot_token, "xoxb-", "a Slack bot token");
        let app_token = r.get("SLACK_APP_TOKEN");
        let app_token = r.secret_with_prefix(
            "SLACK_APP_TOKEN",
            app_token,
            "xapp-",
            "a Slack app-level token",
        );
        let socket_mode = r.get("SLACK_APP_TOKEN").is_some();
        let signing_secret = if socket_mode {
            r.get("SLACK_SIGNING_SECRET").map(SecretString::from)
        } else {
            r.required(
                "SLACK_SIGNING_SECRET",
                "the signing secret from the Slack app's Basic Information page (or set SLACK_APP_TOKEN for Socket Mode)",
            )
            .map(SecretString::from)
        };
        // Slack's app ids are an `A` and upper-case letters and digits (`A0123456789`).
        let app_id = r.get("SLACK_APP_ID").filter(|id| {
            id.len() >= 2
                && id.starts_with('A')
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
        if r.get("SLACK_APP_ID").is_some() && app_id.is_none() {
            r.problem(
                "SLACK_APP_ID",
                "must be the App ID from the Slack app's Basic Information page, like `A0123456789`",
            );
        }
        let api_url = r
            .get("SLACK_API_URL")
            .or_else(|| Some(DEFAULT_SLACK_API_URL.into()));
        let api_url = r.url("SLACK_API_URL", api_url, DEFAULT_SLACK_API_URL);

        // Coupa.
        let instance = r.required(
            "COUPA_INSTANCE_URL",
            "your Coupa address, like https://acme.coupahost.com",
        );
        let instance_url = r
            .url("COUPA_INSTANCE_URL", instance, "https://acme.coupahost.com")
            .map(without_trailing_slash);
        let client_id = r.required(
            "COUPA_CLIENT_ID",
            "the OAuth2 client id from Coupa Setup → Oauth2/OpenID Connect Clients",
        );
        let client_secret = r
            .required(
                "COUPA_CLIENT_SECRET",
                "the OAuth2 client secret of that client",
            )
            .map(SecretString::from);
        let scopes: Vec<String> = r
            .get("COUPA_SCOPES")
            .unwrap_or_else(|| DEFAULT_COUPA_SCOPES.to_owned())
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let token_url = match r.get("COUPA_TOKEN_URL") {
            Some(value) => r.url(
                "COUPA_TOKEN_URL",
                Some(value),
                "https://acme.coupahost.com/oauth2/token",
            ),
            None => instance_url.as_ref().map(CoupaSettings::token_url_for),
        };
        let max_rps = r.whole_number(
            "COUPA_MAX_RPS",
            DEFAULT_COUPA_MAX_RPS.into(),
            1..=MAX_COUPA_MAX_RPS.into(),
        );

        // Store.
        let redis_url = match r.get("REDIS_URL") {
            None => None,
            Some(value) => match Url::parse(&value) {
                Ok(url) if matches!(url.scheme(), "redis" | "rediss" | "unix" | "redis+unix") => {
                    Some(SecretString::from(value))
                }
                _ => {
                    // The value may hold a password: never echo it.
                    r.problem("REDIS_URL", "must be a Redis URL like `redis://host:6379` or `rediss://user:pass@host:6380/0`");
                    None
                }
            },
        };
        let redis_ca_file = r.get("REDIS_CA_FILE").map(std::path::PathBuf::from);
        if let Some(path) = &redis_ca_file
            && !path.is_file()
        {
            r.problem(
                "REDIS_CA_FILE",
                format!(
                    "must name a readable PEM file; `{}` is not a file",
                    path.display()
                ),
            );
        }
        let key_prefix = r
            .get("REDIS_KEY_PREFIX")
            .unwrap_or_else(|| DEFAULT_REDIS_KEY_PREFIX.into());
        if key_prefix.chars().any(char::is_whitespace) {
            r.problem(
                "REDIS_KEY_PREFIX",
                format!("must not contain spaces; got `{key_prefix}`"),
            );
        }

        // Service.
        let bind_addr = r.parse::<SocketAddr>(
            "BIND_ADDR",
            DEFAULT_BIND_ADDR,
            "an address and port like `0.0.0.0:3000`",
        );
        let metrics_addr = match r.get("METRICS_ADDR") {
            None => None,
            Some(value) => match value.parse::<SocketAddr>() {
                Ok(addr) if Some(addr) == bind_addr && addr.port() != 0 => {
                    r.problem(
                        "METRICS_ADDR",
                        format!("must differ from BIND_ADDR (both are `{value}`); leave it unset to serve /metrics on BIND_ADDR"),
                    );
                    None
                }
                Ok(addr) => Some(addr),
                Err(_) => {
                    r.problem(
                        "METRICS_ADDR",
                        format!("must be an address and port like `127.0.0.1:9090`; got `{value}`"),
                    );
                    None
                }
            },
        };
        let sync_secs = r.whole_number(
            "SYNC_INTERVAL_SECS",
            DEFAULT_SYNC_INTERVAL.as_secs(),
            1..=86_400,
        );
        let ttl_hours = r.whole_number(
            "BUTTON_TTL_HOURS",
            DEFAULT_BUTTON_TTL.as_secs() / 3600,
            1..=8_760,
        );
        let confirm_above_amount = match r.get("CONFIRM_ABOVE_AMOUNT") {
            None => None,
            Some(value) => {
                match Decimal::from_str(&value) {
                    Ok(amount) if !amount.is_sign_negative() => Some(amount),
                    _ => {
                        r.problem("CONFIRM_ABOVE_AMOUNT", format!("must be a non-negative amount like `10000` or `2500.50`; got `{value}`"));
                        None
                    }
                }
            }
        };
        let log_format = match r.get("LOG_FORMAT").as_deref() {
            None | Some("text") => Some(LogFormat::Text),
            Some("json") => Some(LogFormat::Json),
            Some(other) => {
                r.problem(
                    "LOG_FORMAT",
                    format!("must be `text` or `json`; got `{other}`"),
                );
                None
            }
        };

        if !r.problems.is_empty() {
            return Err(ConfigError {
                problems: r.problems,
            });
        }
        // Every `None` below was reported as a problem above, so this cannot fail; the match keeps
        // that reasoning visible to the compiler instead of unwrapping.
        match (
            bot_token,
            api_url,
            instance_url,
            client_id,
            client_secret,
            token_url,
            max_rps,
            bind_addr,
            sync_secs,
            ttl_hours,
            log_format,
        ) {
            (
                Some(bot_token),
                Some(api_url),
                Some(instance_url),
                Some(client_id),
                Some(client_secret),
                Some(token_url),
                Some(max_rps),
                Some(bind_addr),
                Some(sync_secs),
                Some(ttl_hours),
                Some(log_format),
            ) => Ok(Settings {
                slack: SlackSettings {
                    bot_token,
                    signing_secret,
                    app_token,
                    api_url,
                    app_id,
                },
                coupa: CoupaSettings {
                    instance_url,
                    client_id,
                    client_secret,
                    scopes,
                    token_url,
                    // Within 1..=MAX_COUPA_MAX_RPS, checked above.
                    max_rps: max_rps as u32,
                },
                store: StoreSettings {
                    redis_url,
                    redis_ca_file,
                    key_prefix,
                },
                bind_addr,
                metrics_addr,
                sync_interval: Duration::from_secs(sync_secs),
                button_ttl: Duration::from_secs(ttl_hours * 3600),
                confirm_above_amount,
                log_format,
                http: HttpLimits::default(),
            }),
            _ => Err(ConfigError {
                problems: vec![Problem {
                    variable: "COUPA_TOKEN_URL",
                    expected: "could not be derived from COUPA_INSTANCE_URL; set it explicitly"
                        .into(),
                }],
            }),
        }
    }

    /// Log format alone, for telemetry set up before (or without) full settings.
    pub fn log_format_from_env() -> LogFormat {
        match std::env::var("LOG_FORMAT").as_deref().map(str::trim) {
            Ok("json") => LogFormat::Json,
            _ => LogFormat::Text,
        }
    }
}

/// Whether `url`'s host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            name.trim_end_matches('.').eq_ignore_ascii_case("localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn default_slack_api_url() -> Url {
    // A constant of this file, not input: a unit test shows that it parses.
    Url::parse(DEFAULT_SLACK_API_URL).expect("DEFAULT_SLACK_API_URL is a URL")
}

fn without_trailing_slash(mut url: Url) -> Url {
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(if path.is_empty() { "/" } else { &path });
    url
}

/// A secret's value for the one place that must send it (a header or a form field).
pub fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn valid() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("SLACK_BOT_TOKEN", "xoxb-1234-secret-bot"),
            ("SLACK_SIGNING_SECRET", "signing-secret-value"),
            ("COUPA_INSTANCE_URL", "https://acme.coupahost.com/"),
            ("COUPA_CLIENT_ID", "client-id"),
            ("COUPA_CLIENT_SECRET", "coupa-secret-value"),
        ])
    }

    fn load(vars: &HashMap<&'static str, &'static str>) -> Result<Settings, ConfigError> {
        Settings::from_lookup(&|name| vars.get(name).map(|v| v.to_string()))
    }

    fn variables(err: &ConfigError) -> Vec<&'static str> {
        err.problems.iter().map(|p| p.variable).collect()
    }

    #[test]
    fn empty_environment_lists_every_missing_variable() {
        let err = load(&HashMap::new()).unwrap_err();
        assert_eq!(
            variables(&err),
            vec![
                "SLACK_BOT_TOKEN",
                "SLACK_SIGNING_SECRET",
                "COUPA_INSTANCE_URL",
                "COUPA_CLIENT_ID",
                "COUPA_CLIENT_SECRET"
            ]
        );
        assert!(err.to_string().contains("SLACK_BOT_TOKEN: missing"));
    }

    #[test]
    fn defaults_apply_when_only_required_values_are_set() {
        let s = load(&valid()).unwrap();
        assert_eq!(s.slack.api_url.as_str(), "https://slack.com/api");
        assert_eq!(s.coupa.instance_url.as_str(), "https://acme.coupahost.com/");
        assert_eq!(
            s.coupa.token_url.as_str(),
            "https://acme.coupahost.com/oauth2/token"
        );
        assert_eq!(s.coupa.scopes.len(), 5);
        assert_eq!(s.coupa.max_rps, 20);
        assert!(s.store.redis_url.is_none());
        assert_eq!(s.store.key_prefix, "coupa-approvals");
        assert_eq!(s.bind_addr, "0.0.0.0:3000".parse().unwrap());
        assert_eq!(s.sync_interval, Duration::from_secs(60));
        assert_eq!(s.button_ttl, Duration::from_secs(168 * 3600));
        assert_eq!(s.confirm_above_amount, None);
        assert_eq!(s.log_format, LogFormat::Text);
        assert!(!s.slack.socket_mode());
    }

    #[test]
    fn every_malformed_value_is_reported_at_once() {
        let mut vars = valid();
        vars.insert("SLACK_BOT_TOKEN", "xoxp-user-token");
        vars.insert("SLACK_APP_TOKEN", "not-an-app-token");
        vars.insert("COUPA_INSTANCE_URL", "acme.coupahost.com");
        vars.insert("SYNC_INTERVAL_SECS", "soon");
        vars.insert("BUTTON_TTL_HOURS", "0");
        vars.insert("COUPA_MAX_RPS", "100");
        vars.insert("BIND_ADDR", "localhost");
        vars.insert("LOG_FORMAT", "yaml");
        vars.insert("CONFIRM_ABOVE_AMOUNT", "-5");
        vars.insert("REDIS_URL", "http://user:hunter2@redis");
        let err = load(&vars).unwrap_err();
        assert_eq!(
            variables(&err),
            vec![
                "SLACK_BOT_TOKEN",
                "SLACK_APP_TOKEN",
                "COUPA_INSTANCE_URL",
                "COUPA_MAX_RPS",
                "REDIS_URL",
                "BIND_ADDR",
                "SYNC_INTERVAL_SECS",
                "BUTTON_TTL_HOURS",
                "CONFIRM_ABOVE_AMOUNT",
                "LOG_FORMAT"
            ]
        );
        let text = err.to_string();
        assert!(text.contains("must start with `xoxb-`"), "{text}");
        assert!(text.contains("must start with `xapp-`"), "{text}");
        assert!(text.contains("got `soon`"), "{text}");
        assert!(!text.contains("hunter2"), "a Redis password leaked: {text}");
        assert!(!text.contains("xoxp-user-token"), "a token leaked: {text}");
    }

    #[test]
    fn plain_http_is_refused_for_coupa_its_token_endpoint_and_slack() {
        let mut vars = valid();
        vars.insert("SLACK_API_URL", "http://slack.example.com/api");
        vars.insert("COUPA_INSTANCE_URL", "http://acme.coupahost.com");
        vars.insert("COUPA_TOKEN_URL", "http://10.0.0.5/oauth2/token");
        let err = load(&vars).unwrap_err();
        assert_eq!(
            variables(&err),
            vec!["SLACK_API_URL", "COUPA_INSTANCE_URL", "COUPA_TOKEN_URL"]
        );
        let text = err.to_string();
        assert!(text.contains("must use https"), "{text}");
        assert!(text.contains("got http for acme.coupahost.com"), "{text}");
    }

    #[test]
    fn plain_http_is_accepted_for_loopback_hosts_only() {
        for (slack, coupa, token) in [
            (
                "http://127.0.0.1:8080/api",
                "http://localhost:9000",
                "http://[::1]:9000/oauth2/token",
            ),
            (
                "http://127.5.6.7/api",
                "http://LOCALHOST.",
                "http://127.0.0.1/oauth2/token",
            ),
        ] {
            let mut vars = valid();
            vars.insert("SLACK_API_URL", slack);
            vars.insert("COUPA_INSTANCE_URL", coupa);
            vars.insert("COUPA_TOKEN_URL", token);
            let s = load(&vars).unwrap_or_else(|e| panic!("{slack} {coupa} {token}: {e}"));
            assert_eq!(s.slack.api_url.scheme(), "http");
        }
        // A name that merely starts with "localhost" or "127." is no loopback.
        for refused in [
            "http://localhost.example.com",
            "http://127.0.0.1.example.com",
        ] {
            let mut vars = valid();
            vars.insert("COUPA_INSTANCE_URL", refused);
            assert_eq!(
                variables(&load(&vars).unwrap_err()),
                vec!["COUPA_INSTANCE_URL"],
                "{refused}"
            );
        }
    }

    #[test]
    fn metrics_can_move_to_their_own_address_but_not_onto_bind_addr() {
        assert_eq!(load(&valid()).unwrap().metrics_addr, None);
        let mut vars = valid();
        vars.insert("METRICS_ADDR", "127.0.0.1:9090");
        assert_eq!(
            load(&vars).unwrap().metrics_addr,
            Some("127.0.0.1:9090".parse().unwrap())
        );
        vars.insert("METRICS_ADDR", "9090");
        let err = load(&vars).unwrap_err();
        assert_eq!(variables(&err), vec!["METRICS_ADDR"]);
        assert!(err.to_string().contains("got `9090`"), "{err}");
        vars.insert("METRICS_ADDR", "0.0.0.0:3000");
        let err = load(&vars).unwrap_err();
        assert!(
            err.to_string().contains("must differ from BIND_ADDR"),
            "{err}"
        );
    }

    #[test]
    fn socket_mode_does_not_need_a_signing_secret() {
        let mut vars = valid();
        vars.remove("SLACK_SIGNING_SECRET");
        vars.insert("SLACK_APP_TOKEN", "xapp-1-socket");
        let s = load(&vars).unwrap();
        assert!(s.slack.socket_mode());
        assert!(s.slack.signing_secret.is_none());
    }

    #[test]
    fn an_app_id_is_optional_and_must_look_like_one() {
        assert_eq!(load(&valid()).unwrap().slack.app_id, None);
        let mut vars = valid();
        vars.insert("SLACK_APP_ID", " A0123456789 ");
        assert_eq!(
            load(&vars).unwrap().slack.app_id.as_deref(),
            Some("A0123456789")
        );
        vars.insert("SLACK_APP_ID", "https://api.slack.com/apps/A0123456789");
        let err = load(&vars).unwrap_err();
        assert_eq!(variables(&err), vec!["SLACK_APP_ID"]);
        assert!(err.to_string().contains("like `A0123456789`"), "{err}");
    }

    #[test]
    fn blank_values_count_as_unset() {
        let mut vars = valid();
        vars.insert("SLACK_APP_TOKEN", "  ");
        vars.insert("REDIS_URL", "");
        let s = load(&vars).unwrap();
        assert!(!s.slack.socket_mode());
        assert!(s.store.redis_url.is_none());
    }

    #[test]
    fn a_tls_redis_url_with_a_user_and_password_and_a_ca_file_is_accepted() {
        // Configuration only checks that the file exists; the store reads the certificates.
        const CA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let mut vars = valid();
        vars.insert(
            "REDIS_URL",
            "rediss://approvals-bot:s3cret@redis.example:6380/0",
        );
        vars.insert("REDIS_CA_FILE", CA_FILE);
        let s = load(&vars).unwrap();
        assert!(s.store.redis_url.is_some());
        assert_eq!(s.store.redis_ca_file, Some(CA_FILE.into()));
    }

    #[test]
    fn a_missing_redis_ca_file_is_a_problem() {
        let mut vars = valid();
        vars.insert("REDIS_URL", "rediss://:s3cret@redis.example:6380");
        vars.insert("REDIS_CA_FILE", "/nonexistent/redis-ca.pem");
        let err = load(&vars).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("REDIS_CA_FILE"), "{text}");
        assert!(text.contains("/nonexistent/redis-ca.pem"), "{text}");
        assert!(!text.contains("s3cret"), "a Redis password leaked: {text}");
    }

    #[test]
    fn optional_values_are_parsed() {
        let mut vars = valid();
        vars.insert("REDIS_URL", "redis://:pw@127.0.0.1:6379/1");
        vars.insert("CONFIRM_ABOVE_AMOUNT", "10000.50");
        vars.insert("LOG_FORMAT", "json");
        vars.insert("COUPA_SCOPES", "core.approval.read  core.approval.write");
        vars.insert("COUPA_TOKEN_URL", "https://login.example.com/token");
        let s = load(&vars).unwrap();
        assert!(s.store.redis_url.is_some());
        assert_eq!(s.confirm_above_amount, Some(Decimal::new(1_000_050, 2)));
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(
            s.coupa.scopes,
            vec!["core.approval.read", "core.approval.write"]
        );
        assert_eq!(
            s.coupa.token_url.as_str(),
            "https://login.example.com/token"
        );
    }

    #[test]
    fn settings_built_in_code_equal_the_environment_readers_defaults() {
        let from_env = load(&valid()).unwrap();
        let in_code = Settings::new(
            SlackSettings::new("xoxb-1234-secret-bot", "signing-secret-value"),
            CoupaSettings::new(
                Url::parse("https://acme.coupahost.com/").unwrap(),
                "client-id",
                "coupa-secret-value",
            ),
        );
        assert_eq!(format!("{in_code:?}"), format!("{from_env:?}"));
        assert_eq!(
            in_code.coupa.token_url.as_str(),
            "https://acme.coupahost.com/oauth2/token"
        );
    }

    #[test]
    fn the_default_token_url_sits_under_the_instance_path() {
        let instance = Url::parse("https://acme.coupahost.com/tenant/").unwrap();
        let coupa = CoupaSettings::new(instance, "id", "secret");
        assert_eq!(
            coupa.instance_url.as_str(),
            "https://acme.coupahost.com/tenant"
        );
        assert_eq!(
            coupa.token_url.as_str(),
            "https://acme.coupahost.com/tenant/oauth2/token"
        );
        let mut vars = valid();
        vars.insert("COUPA_INSTANCE_URL", "https://acme.coupahost.com/tenant/");
        assert_eq!(load(&vars).unwrap().coupa.token_url, coupa.token_url);
    }

    #[test]
    fn a_redis_store_in_code_keeps_its_url_secret() {
        let store = StoreSettings::redis("redis://:pw@127.0.0.1:6379", "tests");
        assert_eq!(store.key_prefix, "tests");
        assert!(!format!("{store:?}").contains("pw@"));
        assert_eq!(
            StoreSettings::default().key_prefix,
            DEFAULT_REDIS_KEY_PREFIX
        );
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let mut vars = valid();
        vars.insert("SLACK_APP_TOKEN", "xapp-1-socket-secret");
        vars.insert("REDIS_URL", "redis://:redis-password@127.0.0.1:6379");
        let s = load(&vars).unwrap();
        let debug = format!("{s:?}");
        for secret in [
            "xoxb-1234-secret-bot",
            "signing-secret-value",
            "coupa-secret-value",
            "xapp-1-socket-secret",
            "redis-password",
        ] {
            assert!(!debug.contains(secret), "{secret} visible in {debug}");
        }
        assert!(
            debug.contains("client-id"),
            "non-secret values stay visible"
        );
    }
}
