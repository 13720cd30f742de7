//! `coupa-approvals check`: diagnose an installation in one command.
//!
//! Reads the same configuration as `run`, then checks, in order: configuration (Slack's mode and
//! the platforms served), the store, with Microsoft Teams configured the bot's Azure AD token
//! (asked for exactly as the service asks: `check/teams_token.rs`), with `PUBLIC_URL` set whether
//! Teams and Slack (over HTTP) reach the bot at that address (`check/endpoint.rs`), sync
//! (how long ago the service's sync last succeeded, from the store: `check/sync.rs`), Coupa
//! (token, granted scopes, pending requisitions: `check/coupa.rs`), with Microsoft Teams
//! configured how many approvers of pending approvals the bot can reach in Teams (those who
//! installed the app: `check/teams.rs`), with proactive installation on the bot's Microsoft
//! Graph token and the permissions it grants (right after the Teams token) and the proactive
//! installations that failed (after the Teams reach: `check/teams_graph.rs`), Slack (`auth.test`, granted
//! bot scopes, bot and workspace: `check/slack.rs`) and identity (how many approvers of pending
//! approvals map to Slack users by email: `check/identity.rs`); without Slack configured, those
//! last two give way to one line, `slack: not configured`. Each check is one line with ✓ or
//! ✗ and, for ✗, the cause in words an admin can act on (a host that does not resolve, a refused
//! address, a TLS problem, what Coupa, Azure AD or Slack answered) and what to do.
//!
//! The report is the whole output: what the store, the Coupa client and the bot's Azure AD token
//! source would warn about during the checks is in it already, so `check` runs with their
//! warnings quiet ([`REPORTED_LOG_TARGETS`]).

mod coupa;
mod endpoint;
mod identity;
mod slack;
mod sync;
mod teams;
mod teams_graph;
mod teams_token;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::chat::port::ChatPort;
use crate::config::{ChatPlatform, ConfigError, Settings, expose};
use crate::coupa::CoupaClient;
use crate::store::{Store, StoreError};
use crate::telemetry::chain;
use crate::transport_cause::{Timeouts, TransportCause};

/// Where the store and the Coupa and Bot Connector token sources log what `check` reports
/// itself (the embedded store, a failed token request). `check` runs with these targets logging
/// errors only, so nothing is said twice.
pub const REPORTED_LOG_TARGETS: &[&str] = &[
    "coupa_approvals::store",
    "coupa_approvals::coupa::auth",
    "coupa_approvals::teams::connector_token",
];

/// How many unmapped approvers are listed by name.
pub const LISTED_UNMAPPED: usize = 20;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckLine {
    /// What was checked (`configuration`, `store`, `coupa token`, …).
    pub check: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// For a failure: what to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl CheckLine {
    fn pass(check: &str, detail: impl Into<String>) -> Self {
        Self {
            check: check.to_owned(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(check: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check: check.to_owned(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every check's result, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The lines.
    pub checks: Vec<CheckLine>,
    /// Whether every check passed.
    pub ok: bool,
}

impl Report {
    fn new(checks: Vec<CheckLine>) -> Self {
        let ok = checks.iter().all(|c| c.ok);
        Self { checks, ok }
    }

    /// One line per check, ✓ or ✗, with what to do for each ✗. Lines in a row that share what
    /// to do share one hint, under the last of them, and a hint given above is not repeated.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut given: Vec<&str> = Vec::new();
        for (index, line) in self.checks.iter().enumerate() {
            let mark = if line.ok { '✓' } else { '✗' };
            out.push_str(&format!("{mark} {}: {}\n", line.check, line.detail));
            let Some(fix) = line.fix.as_deref() else {
                continue;
            };
            let next_shares_it = self
                .checks
                .get(index + 1)
                .and_then(|next| next.fix.as_deref())
                == Some(fix);
            if next_shares_it || given.contains(&fix) {
                continue;
            }
            given.push(fix);
            out.push_str(&format!("    → {fix}\n"));
        }
        out.push_str(if self.ok {
            "All checks passed.\n"
        } else {
            "Some checks failed.\n"
        });
        out
    }
}

/// The report for a configuration that did not load: one line per problem, and what to do.
pub fn configuration_report(error: &ConfigError) -> Report {
    let fix = if error.problems.len() == 1 {
        "fix the variable in the environment or .env (see .env.example)"
    } else {
        "fix these variables in the environment or .env (see .env.example)"
    };
    Report::new(
        error
            .problems
            .iter()
            .map(|p| {
                CheckLine::fail(
                    "configuration",
                    format!("{}: {}", p.variable, p.expected),
                    fix,
                )
            })
            .collect(),
    )
}

/// Runs `check` for the process: reads the environment, builds the clients, prints the report
/// as text or JSON. Returns whether every check passed.
pub async fn run_from_env(json: bool) -> bool {
    let report = match Settings::from_env() {
        Err(err) => configuration_report(&err),
        Ok(settings) => match targets(&settings) {
            Ok(targets) => run(&settings, &targets).await,
            Err(line) => Report::new(vec![line]),
        },
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(err) => eprintln!("could not print the report as JSON: {err}"),
        }
    } else {
        print!("{}", report.to_text());
    }
    report.ok
}

/// Builds what `check` talks to from the settings.
fn targets(settings: &Settings) -> Result<Targets, CheckLine> {
    let store = crate::store::open(&settings.store)
        .map_err(|e| CheckLine::fail("store", chain(&e).to_string(), "check REDIS_URL"))?;
    let coupa = CoupaClient::builder(&settings.coupa)
        .build()
        .map_err(|e| CheckLine::fail("coupa token", e.to_string(), "check COUPA_INSTANCE_URL"))?;
    let chat = match &settings.slack {
        None => None,
        Some(slack) => {
            let chat = crate::slack::client::SlackChat::new(slack).map_err(|e| {
                CheckLine::fail("slack auth", chain(&e).to_string(), "check SLACK_API_URL")
            })?;
            Some(Arc::new(chat) as Arc<dyn ChatPort>)
        }
    };
    Ok(Targets {
        store,
        coupa,
        chat,
        required_bot_scopes: crate::slack::BOT_SCOPES,
    })
}

/// What `check` talks to; built by the caller from the settings.
pub struct Targets {
    /// The state store.
    pub store: Arc<dyn Store>,
    /// Coupa.
    pub coupa: CoupaClient,
    /// Slack, for mapping approvers by email; `None` when Slack is not configured.
    pub chat: Option<Arc<dyn ChatPort>>,
    /// The bot scopes the app manifest asks for.
    pub required_bot_scopes: &'static [&'static str],
}

/// Runs every check after the configuration loaded.
pub async fn run(settings: &Settings, targets: &Targets) -> Report {
    let mut checks = vec![CheckLine::pass(
        "configuration",
        format!("complete ({})", configured(settings)),
    )];
    let store = check_store(settings, targets.store.as_ref()).await;
    let store_works = store.ok;
    checks.push(store);
    if let Some(teams) = &settings.teams {
        checks.push(teams_token::check(teams).await);
        if teams.proactive_install.is_some() {
            checks.push(teams_graph::check(teams).await);
        }
    }
    if let Some(public_url) = &settings.public_url {
        if settings.teams.is_some() {
            checks.push(endpoint::check(public_url, endpoint::TEAMS_ROUTE).await);
        }
        if settings
            .slack
            .as_ref()
            .is_some_and(|slack| !slack.socket_mode())
        {
            checks.push(endpoint::check(public_url, endpoint::SLACK_ROUTE).await);
        }
    }
    checks.push(if store_works {
        sync::check(
            targets.store.as_ref(),
            settings.sync_interval,
            jiff::Timestamp::now(),
        )
        .await
    } else {
        CheckLine::fail(
            "sync",
            "skipped: the store could not be read",
            "fix the store check above first",
        )
    });
    let pending = coupa::check(settings, &targets.coupa, &mut checks).await;
    if settings.teams.is_some() {
        checks.push(match (&pending, store_works) {
            (Some(approvers), true) => {
                teams::check(
                    approvers.clone(),
                    targets.store.as_ref(),
                    settings.slack.is_some(),
                    settings
                        .teams
                        .as_ref()
                        .is_some_and(|teams| teams.proactive_install.is_some()),
                )
                .await
            }
            (None, _) => CheckLine::fail(
                "teams reach",
                "skipped: pending approvals could not be read from Coupa",
                "fix the Coupa checks above first",
            ),
            (Some(_), false) => CheckLine::fail(
                "teams reach",
                "skipped: the store could not be read",
                "fix the store check above first",
            ),
        });
    }
    if settings
        .teams
        .as_ref()
        .is_some_and(|teams| teams.proactive_install.is_some())
    {
        checks.push(if store_works {
            teams_graph::failures(targets.store.as_ref()).await
        } else {
            CheckLine::fail(
                "teams installs",
                "skipped: the store could not be read",
                "fix the store check above first",
            )
        });
    }
    let (Some(slack_settings), Some(chat)) = (&settings.slack, &targets.chat) else {
        // Slack's checks and the identity check (approvers found in Slack) need Slack.
        checks.push(CheckLine::pass("slack", "not configured"));
        return Report::new(checks);
    };
    let slack_works = slack::check(slack_settings, targets.required_bot_scopes, &mut checks).await;
    checks.push(match (pending, slack_works) {
        (Some(approvers), true) => {
            identity::check(approvers, chat.as_ref(), &slack_settings.api_url).await
        }
        (None, true) => CheckLine::fail(
            "identity",
            "skipped: pending approvals could not be read from Coupa",
            "fix the Coupa checks above first",
        ),
        (Some(_), false) => CheckLine::fail(
            "identity",
            "skipped: the bot could not use Slack",
            "fix the Slack checks above first",
        ),
        (None, false) => CheckLine::fail(
            "identity",
            "skipped: neither Coupa nor Slack could be used",
            "fix the Coupa and Slack checks above first",
        ),
    });
    Report::new(checks)
}

/// How the configuration serves: Slack's mode and the platforms, in the order a person's
/// platforms are tried (`HTTP mode; Slack and Microsoft Teams`).
fn configured(settings: &Settings) -> String {
    let is_set = |platform: &ChatPlatform| match platform {
        ChatPlatform::Slack => settings.slack.is_some(),
        ChatPlatform::Teams => settings.teams.is_some(),
    };
    let mut platforms: Vec<ChatPlatform> = settings
        .chat_platforms
        .iter()
        .copied()
        .filter(|p| is_set(p))
        .collect();
    // Settings built in code may leave a configured platform out of the order.
    platforms.extend(
        ChatPlatform::ALL
            .into_iter()
            .filter(|p| is_set(p) && !settings.chat_platforms.contains(p)),
    );
    let names: Vec<String> = platforms.iter().map(ToString::to_string).collect();
    // Teams is always served over HTTP; only Slack may use Socket Mode.
    let mode = match &settings.slack {
        Some(slack) if slack.socket_mode() && settings.teams.is_some() => {
            "Socket Mode for Slack, HTTP for Microsoft Teams"
        }
        Some(slack) if slack.socket_mode() => "Socket Mode",
        _ => "HTTP mode",
    };
    format!("{mode}; {}", names.join(" and "))
}

/// How long the store has to answer a ping.
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

async fn check_store(settings: &Settings, store: &dyn Store) -> CheckLine {
    let fix = "check REDIS_URL and that Redis is running and reachable from here";
    match tokio::time::timeout(STORE_TIMEOUT, store.ping()).await {
        Ok(Ok(())) if store.is_embedded() => CheckLine::pass(
            "store",
            "embedded in-memory store (one replica only; state is lost on restart)",
        ),
        Ok(Ok(())) => CheckLine::pass("store", "Redis reachable"),
        Ok(Err(err)) => {
            // Only the host and port of the URL are used: it may hold a password.
            let redis_url = settings
                .store
                .redis_url
                .as_ref()
                .and_then(|url| Url::parse(expose(url)).ok());
            if matches!(err, StoreError::AuthenticationFailed(_)) {
                return CheckLine::fail(
                    "store",
                    err.to_string(),
                    "check the user name and password in REDIS_URL",
                );
            }
            let cause = TransportCause::from_chain(&err, redis_url.as_ref(), Timeouts::default());
            let fix = match cause {
                TransportCause::Tls { .. } => {
                    "check that REDIS_URL's host matches Redis's certificate, and set REDIS_CA_FILE if a private CA issued it"
                }
                _ => fix,
            };
            let detail = match cause {
                TransportCause::Other(_) => chain(&err).to_string(),
                named => format!("Redis: {named}"),
            };
            CheckLine::fail("store", detail, fix)
        }
        Err(_) => CheckLine::fail(
            "store",
            format!("Redis did not answer within {} s", STORE_TIMEOUT.as_secs()),
            fix,
        ),
    }
}

/// What to do when a service could not be reached, by cause: `variable` holds its address.
fn reach_fix(variable: &str, service: &str, cause: &TransportCause) -> String {
    match cause {
        TransportCause::UnknownHost { .. } => {
            format!("check the host name in {variable} and this host's DNS")
        }
        TransportCause::Tls { .. } => format!(
            "check that {variable} names {service}'s own host, and this host's trusted CA certificates"
        ),
        _ => format!(
            "check {variable} and this host's network access to {service} (firewall, proxy)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CoupaSettings, SlackSettings, TeamsSettings};

    fn teams() -> TeamsSettings {
        TeamsSettings::new(
            "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b",
            "secret",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
        )
    }

    fn coupa() -> CoupaSettings {
        CoupaSettings::new(
            Url::parse("https://acme.coupahost.com").unwrap(),
            "id",
            "secret",
        )
    }

    #[test]
    fn the_configuration_line_names_slacks_mode_and_the_platforms_in_their_order() {
        let slack = SlackSettings::new("xoxb-1", "signing");
        let mut socket = slack.clone();
        socket.app_token = Some("xapp-1".into());
        let mut teams_first = Settings::new(slack.clone(), coupa()).with_teams(teams());
        teams_first.chat_platforms = vec![ChatPlatform::Teams, ChatPlatform::Slack];
        for (settings, said) in [
            (Settings::new(slack.clone(), coupa()), "HTTP mode; Slack"),
            (Settings::new(socket.clone(), coupa()), "Socket Mode; Slack"),
            (
                Settings::new(slack, coupa()).with_teams(teams()),
                "HTTP mode; Slack and Microsoft Teams",
            ),
            (teams_first, "HTTP mode; Microsoft Teams and Slack"),
            (
                Settings::new(socket, coupa()).with_teams(teams()),
                "Socket Mode for Slack, HTTP for Microsoft Teams; Slack and Microsoft Teams",
            ),
            (
                Settings::for_teams(teams(), coupa()),
                "HTTP mode; Microsoft Teams",
            ),
        ] {
            assert_eq!(configured(&settings), said);
        }
    }

    #[test]
    fn a_hint_is_given_once_under_the_lines_it_is_about() {
        let report = Report::new(vec![
            CheckLine::fail("configuration", "A: missing", "fix them"),
            CheckLine::fail("configuration", "B: missing", "fix them"),
            CheckLine::fail("coupa token", "cannot resolve x.invalid", "check DNS"),
            CheckLine::fail("slack auth", "cannot resolve y.invalid", "check DNS"),
            CheckLine::pass("store", "Redis reachable"),
            CheckLine::fail("identity", "skipped", "fix them"),
        ]);
        assert_eq!(
            report.to_text(),
            "✗ configuration: A: missing\n\
             ✗ configuration: B: missing\n    → fix them\n\
             ✗ coupa token: cannot resolve x.invalid\n\
             ✗ slack auth: cannot resolve y.invalid\n    → check DNS\n\
             ✓ store: Redis reachable\n\
             ✗ identity: skipped\n\
             Some checks failed.\n"
        );
    }
}
