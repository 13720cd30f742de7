//! Typed settings: read from the environment (and `.env`, loaded by `main`), or built in code.
//!
//! [`Settings::from_lookup`] reads every variable of the external interface, applies defaults, and
//! reports *every* problem at once, one line per variable, so an admin fixes a deployment in one
//! pass: it is the one place that validates what an operator wrote. Code that already holds
//! typed values (the demo, tests, tools) builds settings with [`Settings::new`],
//! [`SlackSettings::new`], [`TeamsSettings::new`], [`CoupaSettings::new`] and
//! [`StoreSettings::default`], which apply the same `DEFAULT_*` values as the reader. Secrets are
//! [`SecretString`]s: `Debug` shows `[REDACTED]` and nothing here logs them.
//!
//! Each part of the configuration has its own file: the chat platforms (`slack.rs`, `teams.rs`,
//! and `platforms.rs` for which are served and in which order), `coupa.rs` and `store.rs`; this
//! file holds the service's own settings and puts them together. `reader.rs` holds the rules
//! every variable shares.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::engine::EngineSettings;
use crate::engine::reminders::ReminderSettings;

mod coupa;
mod platforms;
mod reader;
mod reminders;
mod slack;
mod store;
mod teams;

pub use coupa::{
    COUPA_TOKEN_PATH, CoupaSettings, DEFAULT_COUPA_MAX_RPS, DEFAULT_COUPA_SCOPES, MAX_COUPA_MAX_RPS,
};
pub use platforms::{ChatPlatform, DEFAULT_CHAT_PLATFORMS, NO_CHAT_PLATFORM};
pub use slack::{DEFAULT_SLACK_API_URL, SlackSettings};
pub use store::{DEFAULT_REDIS_KEY_PREFIX, StoreSettings};
pub use teams::{
    DEFAULT_TEAMS_GRAPH_URL, DEFAULT_TEAMS_LOGIN_URL, DEFAULT_TEAMS_OPENID_METADATA_URL,
    DEFAULT_TEAMS_SERVICE_URL, ProactiveInstall, TeamsSettings,
};

use reader::Reader;

/// HTTP listen address when `BIND_ADDR` is not set: every interface, port 3000.
pub const DEFAULT_BIND_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 3000);
/// Coupa poll period when `SYNC_INTERVAL_SECS` is not set.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(60);
/// How long a card's buttons work when `BUTTON_TTL_HOURS` is not set: a week.
pub const DEFAULT_BUTTON_TTL: Duration = Duration::from_secs(168 * 3600);
/// How many new cards one sync may send a person before the rest come as a digest, when
/// `DIGEST_ABOVE` is not set.
pub const DEFAULT_DIGEST_ABOVE: usize = 5;

/// Every variable the service reads, in the order of the configuration table. README and
/// `.env.example` document each one (a test keeps them in step).
pub const VARIABLES: &[&str] = &[
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_APP_ID",
    "SLACK_API_URL",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
    "TEAMS_OPENID_METADATA_URL",
    "TEAMS_LOGIN_URL",
    "TEAMS_SERVICE_URL",
    "TEAMS_PROACTIVE_INSTALL",
    "TEAMS_CATALOG_APP_ID",
    "TEAMS_GRAPH_URL",
    "CHAT_PLATFORMS",
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
    "PUBLIC_URL",
    "METRICS_ADDR",
    "SYNC_INTERVAL_SECS",
    "BUTTON_TTL_HOURS",
    "CONFIRM_ABOVE_AMOUNT",
    "REMIND_AFTER_HOURS",
    "WORKING_HOURS",
    "DIGEST_ABOVE",
    "LOG_FORMAT",
    "RUST_LOG",
];

/// Everything the service needs to run, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Slack credentials and endpoints; `None` when Slack is not configured.
    pub slack: Option<SlackSettings>,
    /// Microsoft Teams credentials and endpoints; `None` when Teams is not configured.
    pub teams: Option<TeamsSettings>,
    /// The configured platforms, in the order a person's platforms are tried
    /// (`CHAT_PLATFORMS`): never empty, each one's settings present.
    pub chat_platforms: Vec<ChatPlatform>,
    /// Coupa instance and OAuth client.
    pub coupa: CoupaSettings,
    /// Where state lives.
    pub store: StoreSettings,
    /// HTTP listen address (`BIND_ADDR`).
    pub bind_addr: SocketAddr,
    /// Where Slack and Teams reach the service from outside (`PUBLIC_URL`): an origin such as
    /// `https://approvals.example.com`, with no path. `check` calls the routes there; `None`
    /// leaves that unchecked.
    pub public_url: Option<Url>,
    /// Where `/metrics` is served instead of on `bind_addr` (`METRICS_ADDR`); `None` serves it on
    /// `bind_addr` with the other routes.
    pub metrics_addr: Option<SocketAddr>,
    /// Coupa poll period (`SYNC_INTERVAL_SECS`).
    pub sync_interval: Duration,
    /// How long a card's buttons work (`BUTTON_TTL_HOURS`).
    pub button_ttl: Duration,
    /// Approve asks for confirmation above this total (`CONFIRM_ABOVE_AMOUNT`).
    pub confirm_above_amount: Option<Decimal>,
    /// When and whether reminders are sent (`REMIND_AFTER_HOURS`, `WORKING_HOURS`).
    pub reminders: ReminderSettings,
    /// When one sync would send a person more new cards than this, all but the newest few come
    /// as a digest instead (`DIGEST_ABOVE`); 0 never sends a digest.
    pub digest_above: usize,
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
    /// The variable at fault, or [`NO_CHAT_PLATFORM`] when no chat platform is configured
    /// (either platform's variables fix that).
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

impl Settings {
    /// Settings for Slack alone (`slack`) and `coupa` with everything else at its default: the
    /// embedded store, [`DEFAULT_BIND_ADDR`], [`DEFAULT_SYNC_INTERVAL`], [`DEFAULT_BUTTON_TTL`],
    /// no confirmation threshold, [`ReminderSettings::default`], text logs, [`HttpLimits::default`]. Change any field
    /// afterwards; nothing here validates (that is the environment reader's job, for values an
    /// operator typed).
    pub fn new(slack: SlackSettings, coupa: CoupaSettings) -> Self {
        Self::with_platforms(Some(slack), None, coupa)
    }

    /// Like [`Settings::new`], for Microsoft Teams alone.
    pub fn for_teams(teams: TeamsSettings, coupa: CoupaSettings) -> Self {
        Self::with_platforms(None, Some(teams), coupa)
    }

    /// These settings with Microsoft Teams served too, tried after the platforms already here.
    pub fn with_teams(mut self, teams: TeamsSettings) -> Self {
        self.teams = Some(teams);
        if !self.chat_platforms.contains(&ChatPlatform::Teams) {
            self.chat_platforms.push(ChatPlatform::Teams);
        }
        self
    }

    fn with_platforms(
        slack: Option<SlackSettings>,
        teams: Option<TeamsSettings>,
        coupa: CoupaSettings,
    ) -> Self {
        let chat_platforms = [
            (ChatPlatform::Slack, slack.is_some()),
            (ChatPlatform::Teams, teams.is_some()),
        ]
        .into_iter()
        .filter_map(|(platform, present)| present.then_some(platform))
        .collect();
        Self {
            slack,
            teams,
            chat_platforms,
            coupa,
            store: StoreSettings::default(),
            bind_addr: DEFAULT_BIND_ADDR,
            public_url: None,
            metrics_addr: None,
            sync_interval: DEFAULT_SYNC_INTERVAL,
            button_ttl: DEFAULT_BUTTON_TTL,
            confirm_above_amount: None,
            reminders: ReminderSettings::default(),
            digest_above: DEFAULT_DIGEST_ABOVE,
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
            reminders: self.reminders,
            digest_above: self.digest_above,
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

        let slack = slack::read(&mut r);
        let teams = teams::read(&mut r);
        let chat_platforms = platforms::read(&mut r, &slack, &teams);
        let coupa = coupa::read(&mut r);
        let store = store::read(&mut r);

        // Service.
        let bind_addr = r.parse::<SocketAddr>(
            "BIND_ADDR",
            DEFAULT_BIND_ADDR,
            "an address and port like `0.0.0.0:3000`",
        );
        let public_url = read_public_url(&mut r);
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
        let reminders = reminders::read(&mut r);
        // 0 turns digests off: every new card is sent as a card of its own.
        let digest_above = r.whole_number("DIGEST_ABOVE", DEFAULT_DIGEST_ABOVE as u64, 0..=1_000);
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
            slack.settings(),
            teams.settings(),
            chat_platforms,
            coupa,
            bind_addr,
            sync_secs,
            ttl_hours,
            log_format,
        ) {
            (
                Some(slack),
                Some(teams),
                Some(chat_platforms),
                Some(coupa),
                Some(bind_addr),
                Some(sync_secs),
                Some(ttl_hours),
                Some(log_format),
            ) => Ok(Settings {
                slack,
                teams,
                chat_platforms,
                coupa,
                store,
                bind_addr,
                public_url,
                metrics_addr,
                sync_interval: Duration::from_secs(sync_secs),
                button_ttl: Duration::from_secs(ttl_hours * 3600),
                confirm_above_amount,
                reminders,
                // A bad value was reported as a problem above.
                digest_above: digest_above.map_or(DEFAULT_DIGEST_ABOVE, |n| n as usize),
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

/// `PUBLIC_URL`: an https origin (plain http only for a loopback host, like every URL here), with
/// nothing after the host and port, because each platform's route is appended to it.
fn read_public_url(r: &mut Reader<'_>) -> Option<Url> {
    const EXAMPLE: &str = "https://approvals.example.com";
    let value = r.get("PUBLIC_URL");
    let url = r.url("PUBLIC_URL", value, EXAMPLE)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        r.problem(
            "PUBLIC_URL",
            format!(
                "must be the address alone, like `{EXAMPLE}`, without a path: the bot adds `/api/messages` and `/slack/…` itself; got `{url}`"
            ),
        );
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        r.problem(
            "PUBLIC_URL",
            format!("must not carry a user name or password, like `{EXAMPLE}`"),
        );
        return None;
    }
    Some(url)
}

/// `MICROSOFT_APP_ID` alone, read through `lookup` with the same rules as
/// [`Settings::from_lookup`]: for commands that need the bot's identity and nothing else (the
/// Teams app package).
pub fn teams_app_id_from_lookup(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut r = Reader {
        lookup,
        problems: Vec::new(),
    };
    match teams::read_app_id(&mut r) {
        Some(app_id) if r.problems.is_empty() => Ok(app_id),
        _ => Err(ConfigError {
            problems: r.problems,
        }),
    }
}

/// `PUBLIC_URL` alone, read through `lookup` with the same rules as [`Settings::from_lookup`]:
/// `None` when it is not set.
pub fn public_url_from_lookup(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Url>, ConfigError> {
    let mut r = Reader {
        lookup,
        problems: Vec::new(),
    };
    let url = read_public_url(&mut r);
    if r.problems.is_empty() {
        Ok(url)
    } else {
        Err(ConfigError {
            problems: r.problems,
        })
    }
}

/// A secret's value for the one place that must send it (a header or a form field).
pub fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
mod tests;
