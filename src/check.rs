//! `coupa-approvals check`: diagnose an installation in one command.
//!
//! Reads the same configuration as `run`, then checks, in order: configuration, the store, Coupa
//! (token, granted scopes, pending requisitions), Slack (`auth.test`, granted bot scopes, bot
//! and workspace) and identity (how many approvers of pending approvals map to Slack users by
//! email). Each check is one line with ✓ or ✗ and, for ✗, what to do.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::chat::port::ChatPort;
use crate::config::{ConfigError, DEFAULT_COUPA_SCOPES, Settings, expose};
use crate::coupa::CoupaClient;
use crate::domain::{Approver, Person, normalize_email};
use crate::store::Store;
use crate::telemetry::chain;

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

    /// One line per check, ✓ or ✗, with what to do for each ✗.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in &self.checks {
            let mark = if line.ok { '✓' } else { '✗' };
            out.push_str(&format!("{mark} {}: {}\n", line.check, line.detail));
            if let Some(fix) = &line.fix {
                out.push_str(&format!("    → {fix}\n"));
            }
        }
        out.push_str(if self.ok {
            "All checks passed.\n"
        } else {
            "Some checks failed.\n"
        });
        out
    }
}

/// The report for a configuration that did not load: one line per problem.
pub fn configuration_report(error: &ConfigError) -> Report {
    Report::new(
        error
            .problems
            .iter()
            .map(|p| {
                CheckLine::fail(
                    "configuration",
                    format!("{}: {}", p.variable, p.expected),
                    "fix the variable in the environment or .env (see .env.example)",
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
    let chat = crate::slack::client::SlackChat::new(&settings.slack)
        .map_err(|e| CheckLine::fail("slack auth", chain(&e).to_string(), "check SLACK_API_URL"))?;
    Ok(Targets {
        store,
        coupa,
        chat: Arc::new(chat),
        required_bot_scopes: crate::slack::BOT_SCOPES,
    })
}

/// What `check` talks to; built by the caller from the settings.
pub struct Targets {
    /// The state store.
    pub store: Arc<dyn Store>,
    /// Coupa.
    pub coupa: CoupaClient,
    /// The chat platform, for mapping approvers by email.
    pub chat: Arc<dyn ChatPort>,
    /// The bot scopes the app manifest asks for.
    pub required_bot_scopes: &'static [&'static str],
}

/// Runs every check after the configuration loaded.
pub async fn run(settings: &Settings, targets: &Targets) -> Report {
    let mut checks = vec![CheckLine::pass(
        "configuration",
        format!(
            "complete ({} mode)",
            if settings.slack.socket_mode() {
                "Socket Mode"
            } else {
                "HTTP"
            }
        ),
    )];
    checks.push(check_store(targets.store.as_ref()).await);
    let pending = check_coupa(&targets.coupa, &mut checks).await;
    check_slack(settings, targets.required_bot_scopes, &mut checks).await;
    if let Some(approvers) = pending {
        checks.push(check_identity(approvers, targets.chat.as_ref()).await);
    } else {
        checks.push(CheckLine::fail(
            "identity",
            "skipped: pending approvals could not be read from Coupa",
            "fix the Coupa checks above first",
        ));
    }
    Report::new(checks)
}

async fn check_store(store: &dyn Store) -> CheckLine {
    match tokio::time::timeout(Duration::from_secs(5), store.ping()).await {
        Ok(Ok(())) if store.is_embedded() => CheckLine::pass(
            "store",
            "embedded in-memory store (one replica only; state is lost on restart)",
        ),
        Ok(Ok(())) => CheckLine::pass("store", "Redis reachable"),
        Ok(Err(err)) => CheckLine::fail(
            "store",
            chain(&err).to_string(),
            "check REDIS_URL and that Redis is running and reachable from here",
        ),
        Err(_) => CheckLine::fail(
            "store",
            "Redis did not answer within 5 s",
            "check REDIS_URL and that Redis is running and reachable from here",
        ),
    }
}

/// Checks token, scopes and pending requisitions; returns the approvers of pending approvals.
async fn check_coupa(coupa: &CoupaClient, checks: &mut Vec<CheckLine>) -> Option<Vec<Person>> {
    match coupa.granted_scopes().await {
        Ok(granted) => {
            checks.push(CheckLine::pass("coupa token", "access token obtained"));
            checks.push(match granted {
                None => CheckLine::pass(
                    "coupa scopes",
                    "Coupa did not list granted scopes; assuming COUPA_SCOPES",
                ),
                Some(granted) => {
                    let missing: Vec<&str> = DEFAULT_COUPA_SCOPES
                        .split_whitespace()
                        .filter(|s| !granted.iter().any(|g| g == s))
                        .collect();
                    if missing.is_empty() {
                        CheckLine::pass("coupa scopes", "all five required scopes granted")
                    } else {
                        CheckLine::fail(
                            "coupa scopes",
                            format!("missing {}", missing.join(", ")),
                            "add them to the OAuth2 client in Coupa Setup → Oauth2/OpenID Connect Clients, and to COUPA_SCOPES",
                        )
                    }
                }
            });
        }
        Err(err) => {
            checks.push(CheckLine::fail(
                "coupa token",
                err.to_string(),
                "check COUPA_INSTANCE_URL, COUPA_CLIENT_ID and COUPA_CLIENT_SECRET",
            ));
            return None;
        }
    }
    match coupa.pending_requisitions().await {
        Ok(requisitions) => {
            checks.push(CheckLine::pass(
                "coupa requisitions",
                format!(
                    "{} requisition(s) pending approval readable",
                    requisitions.len()
                ),
            ));
            let mut people = Vec::new();
            for requisition in &requisitions {
                for approval in &requisition.current_approvals {
                    match &approval.approver {
                        Approver::Group { id, members, .. } if members.is_empty() => {
                            if let Ok(group) = coupa.user_group(*id).await {
                                people.extend(group.members);
                            }
                        }
                        approver => people.extend(approver.people().into_iter().cloned()),
                    }
                }
            }
            Some(people)
        }
        Err(err) => {
            checks.push(CheckLine::fail(
                "coupa requisitions",
                err.to_string(),
                "the OAuth2 client needs core.requisition.read; check it in Coupa",
            ));
            None
        }
    }
}

async fn check_slack(settings: &Settings, required: &[&str], checks: &mut Vec<CheckLine>) {
    let url = format!(
        "{}/auth.test",
        settings.slack.api_url.as_str().trim_end_matches('/')
    );
    let answer = async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let response = client
            .get(url.as_str())
            .bearer_auth(expose(&settings.slack.bot_token))
            .send()
            .await?;
        let scopes = response
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: serde_json::Value = response.json().await?;
        Ok::<_, reqwest::Error>((body, scopes))
    }
    .await;
    let (body, scopes) = match answer {
        Ok(answer) => answer,
        Err(err) => {
            checks.push(CheckLine::fail(
                "slack auth",
                format!("could not reach Slack: {err}"),
                "check SLACK_API_URL and this host's network access to Slack",
            ));
            return;
        }
    };
    if body["ok"] != true {
        let error = body["error"].as_str().unwrap_or("unknown error");
        checks.push(CheckLine::fail(
            "slack auth",
            format!("auth.test failed: {error}"),
            "check SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…) and that the app is installed",
        ));
        return;
    }
    checks.push(CheckLine::pass(
        "slack auth",
        format!(
            "bot {} in workspace {}",
            body["user"].as_str().unwrap_or("?"),
            body["team"].as_str().unwrap_or("?")
        ),
    ));
    let granted: Vec<String> = scopes
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|s| !granted.iter().any(|g| g == s))
        .collect();
    checks.push(if missing.is_empty() {
        CheckLine::pass(
            "slack scopes",
            "every scope the manifest asks for is granted",
        )
    } else {
        CheckLine::fail(
            "slack scopes",
            format!("missing {}", missing.join(", ")),
            "update the app from manifests/slack-app.yaml and reinstall it to the workspace",
        )
    });
}

async fn check_identity(people: Vec<Person>, chat: &dyn ChatPort) -> CheckLine {
    let mut by_email: BTreeMap<String, String> = BTreeMap::new();
    let mut without_email = 0;
    for person in people {
        match person.email.as_deref().map(normalize_email) {
            Some(email) if !email.is_empty() => {
                by_email.entry(email).or_insert(person.full_name);
            }
            _ => without_email += 1,
        }
    }
    let total = by_email.len() + without_email;
    let mut unmapped = Vec::new();
    for (email, name) in &by_email {
        match chat.lookup_user_by_email(email).await {
            Ok(Some(_)) => {}
            Ok(None) => unmapped.push(format!("{name} <{email}>")),
            Err(err) => {
                return CheckLine::fail(
                    "identity",
                    format!("could not look up Slack users: {}", chain(&err)),
                    "the bot needs users:read and users:read.email",
                );
            }
        }
    }
    let mapped = by_email.len() - unmapped.len();
    if unmapped.is_empty() && without_email == 0 {
        return CheckLine::pass(
            "identity",
            format!("{mapped} of {total} approver(s) of pending approvals map to Slack users"),
        );
    }
    let mut detail =
        format!("{mapped} of {total} approver(s) of pending approvals map to Slack users");
    if without_email > 0 {
        detail.push_str(&format!("; {without_email} have no email in Coupa"));
    }
    if !unmapped.is_empty() {
        let listed: Vec<&str> = unmapped
            .iter()
            .take(LISTED_UNMAPPED)
            .map(String::as_str)
            .collect();
        detail.push_str(&format!("; not found in Slack: {}", listed.join(", ")));
        if unmapped.len() > LISTED_UNMAPPED {
            detail.push_str(&format!(" and {} more", unmapped.len() - LISTED_UNMAPPED));
        }
    }
    CheckLine::fail(
        "identity",
        detail,
        "these approvers get no cards: give them the same email in Slack and Coupa",
    )
}
