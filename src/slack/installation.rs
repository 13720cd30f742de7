//! Which Slack workspace (and app) this bot serves, and the check every request from Slack passes
//! before anything is done with it, over HTTP and Socket Mode alike.
//!
//! A valid signature proves that Slack sent a request for an app with this signing secret, not
//! that it comes from the workspace the bot token belongs to: an app installed in a second
//! workspace, or a signing secret shared by mistake, would otherwise let people there click
//! buttons and ask for lists here. The workspace is learned from `auth.test` with the bot token
//! (asked at start, and again on a request while it is not known); the app id is not in
//! `auth.test`'s answer, so it is checked only when `SLACK_APP_ID` sets it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::chat::port::ChatError;
use crate::telemetry::chain;

use super::client::SlackChat;

/// How long a request waits for `auth.test` when the workspace is not known yet, leaving Slack's
/// 3 s for the rest.
pub const LEARN_WAIT: Duration = Duration::from_secs(2);

/// How long one `auth.test` may take: a call that hangs must not keep every request waiting
/// for it, so the next request asks again.
pub const AUTH_TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a request from Slack says it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Its workspace (`team_id`, `team.id`).
    pub team: String,
    /// Its app (`api_app_id`, a view's `app_id`), when the request names one.
    pub app: Option<String>,
}

impl Origin {
    /// A request from workspace `team` for app `app`.
    pub fn new(team: impl ToString, app: Option<impl ToString>) -> Self {
        Self {
            team: team.to_string(),
            app: app.map(|a| a.to_string()),
        }
    }
}

/// The workspace the bot token belongs to and, when configured, the app's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    /// The workspace's team id (`T…`), from `auth.test`.
    pub team: String,
    /// The app's id (`A…`), from `SLACK_APP_ID`.
    pub app: Option<String>,
}

/// Why a request from Slack is not this installation's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Foreign {
    /// It comes from another workspace.
    #[error("it comes from workspace {got}, and this bot serves {ours}")]
    Team {
        /// The request's workspace.
        got: String,
        /// This bot's.
        ours: String,
    },
    /// It names another app.
    #[error("it is for app {got}, and this bot is {ours} (SLACK_APP_ID)")]
    App {
        /// The request's app.
        got: String,
        /// This bot's.
        ours: String,
    },
}

impl Foreign {
    /// A stable name for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Foreign::Team { .. } => "other_workspace",
            Foreign::App { .. } => "other_app",
        }
    }
}

impl Installation {
    /// Whether a request from `origin` is this installation's. A request that names no app is
    /// judged by its workspace alone (a Socket Mode connection is the app's own).
    pub fn admits(&self, origin: &Origin) -> Result<(), Foreign> {
        if origin.team != self.team {
            return Err(Foreign::Team {
                got: origin.team.clone(),
                ours: self.team.clone(),
            });
        }
        if let (Some(ours), Some(got)) = (&self.app, &origin.app)
            && got != ours
        {
            return Err(Foreign::App {
                got: got.clone(),
                ours: ours.clone(),
            });
        }
        Ok(())
    }
}

/// Why the workspace could not be learned.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// `auth.test` failed.
    #[error("auth.test failed")]
    Slack(#[from] ChatError),
    /// `auth.test` did not answer within [`AUTH_TEST_TIMEOUT`].
    #[error("auth.test did not answer within {} s", AUTH_TEST_TIMEOUT.as_secs())]
    TimedOut,
    /// The check was built without a Slack client to ask.
    #[error("no Slack client to ask")]
    NothingToAsk,
}

/// What became of a request at the installation check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// It is this installation's: handle it.
    Admitted,
    /// It comes from another workspace or app: do nothing with it.
    Foreign(Foreign),
    /// The workspace is not known (Slack did not answer `auth.test`): do nothing with it now.
    Unknown,
}

/// The installation check, learning the workspace from Slack once and keeping it.
#[derive(Clone)]
pub struct InstallationCheck {
    known: Arc<OnceCell<Installation>>,
    slack: Option<SlackChat>,
    app: Option<String>,
}

impl std::fmt::Debug for InstallationCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationCheck")
            .field("known", &self.known.get())
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

impl InstallationCheck {
    /// A check that asks `slack` (`auth.test`) for the workspace; `app` is `SLACK_APP_ID`.
    pub fn new(slack: SlackChat, app: Option<String>) -> Self {
        Self {
            known: Arc::new(OnceCell::new()),
            slack: Some(slack),
            app,
        }
    }

    /// A check for an installation already known (tests, and tools that learned it elsewhere).
    pub fn known(installation: Installation) -> Self {
        Self {
            app: installation.app.clone(),
            known: Arc::new(OnceCell::new_with(Some(installation))),
            slack: None,
        }
    }

    /// The installation, asking Slack once if it is not known yet. Concurrent callers share one
    /// `auth.test`; a failure is not kept, so the next caller asks again.
    pub async fn learn(&self) -> Result<&Installation, LearnError> {
        self.known
            .get_or_try_init(|| async {
                let Some(slack) = &self.slack else {
                    return Err(LearnError::NothingToAsk);
                };
                let team = tokio::time::timeout(AUTH_TEST_TIMEOUT, slack.team())
                    .await
                    .map_err(|_| LearnError::TimedOut)??;
                tracing::info!(%team, app = ?self.app, "serving this Slack workspace");
                Ok(Installation {
                    team,
                    app: self.app.clone(),
                })
            })
            .await
    }

    /// Whether a request from `origin` may be handled. Logs and counts every refusal.
    pub async fn admit(&self, origin: &Origin, what: &'static str) -> Admission {
        let installation = match tokio::time::timeout(LEARN_WAIT, self.learn()).await {
            Ok(Ok(installation)) => installation,
            Ok(Err(err)) => {
                tracing::error!(error = %chain(&err), %what, team = %origin.team, "ignored a Slack request: could not ask Slack (auth.test) which workspace the bot token belongs to");
                metrics::counter!("slack_requests_foreign_total", "reason" => "unchecked")
                    .increment(1);
                return Admission::Unknown;
            }
            Err(_) => {
                tracing::error!(%what, team = %origin.team, "ignored a Slack request: Slack did not say in time (auth.test) which workspace the bot token belongs to");
                metrics::counter!("slack_requests_foreign_total", "reason" => "unchecked")
                    .increment(1);
                return Admission::Unknown;
            }
        };
        match installation.admits(origin) {
            Ok(()) => Admission::Admitted,
            Err(foreign) => {
                tracing::warn!(reason = %foreign, %what, "refused a Slack request from outside this installation; nothing was done");
                metrics::counter!("slack_requests_foreign_total", "reason" => foreign.label())
                    .increment(1);
                Admission::Foreign(foreign)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(app: Option<&str>) -> Installation {
        Installation {
            team: "T0OURS".into(),
            app: app.map(str::to_owned),
        }
    }

    #[test]
    fn a_request_from_another_workspace_is_foreign_whatever_its_app() {
        let other = Origin::new("T0OTHER", Some("A0OURS"));
        assert!(matches!(
            ours(Some("A0OURS")).admits(&other),
            Err(Foreign::Team { .. })
        ));
        assert!(matches!(
            ours(None).admits(&other),
            Err(Foreign::Team { .. })
        ));
    }

    #[test]
    fn the_app_is_checked_only_when_configured_and_named() {
        let other_app = Origin::new("T0OURS", Some("A0OTHER"));
        assert!(matches!(
            ours(Some("A0OURS")).admits(&other_app),
            Err(Foreign::App { .. })
        ));
        assert_eq!(ours(None).admits(&other_app), Ok(()));
        assert_eq!(
            ours(Some("A0OURS")).admits(&Origin::new("T0OURS", None::<&str>)),
            Ok(())
        );
        assert_eq!(
            ours(Some("A0OURS")).admits(&Origin::new("T0OURS", Some("A0OURS"))),
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_check_with_nothing_to_ask_refuses_until_it_knows() {
        let check = InstallationCheck {
            known: Arc::new(OnceCell::new()),
            slack: None,
            app: None,
        };
        let origin = Origin::new("T0OURS", None::<&str>);
        assert_eq!(check.admit(&origin, "event").await, Admission::Unknown);
        let known = InstallationCheck::known(ours(None));
        assert_eq!(known.admit(&origin, "event").await, Admission::Admitted);
    }
}
