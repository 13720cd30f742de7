//! [`ProactiveInstaller`]: installs the Teams app through Microsoft Graph for an approver the
//! bot cannot reach yet, once per person across replicas and restarts.
//!
//! Teams lets a bot message only people who have its app installed. When the directory looks up
//! an approver's email and no contact has it, [`ProactiveInstaller::install_once`] claims the
//! installation for that email in the store (set-if-absent, so one replica of many asks) and asks
//! Graph. The lookup still answers "not reachable yet": the `installationUpdate` Teams then sends
//! to `/api/messages` teaches the bot the contact like any installation, the directory's cached
//! "nobody" is replaced, and the card follows at the next sync (in the same sync when the event
//! beats the lookup: the directory then asks again).
//!
//! An installation that succeeded (or found the app installed already) is never asked for again.
//! One that failed is kept with its reason for `check` to list, and the email may be claimed
//! again only after a back-off: [`RETRY_TRANSIENT`] when Graph was failing or unreachable,
//! [`RETRY_PERMANENT`] when an admin must change something first (no such user, a permission
//! missing, the app not in the catalog). Each attempt is bounded by [`INSTALL_DEADLINE`], so a
//! slow Graph never holds a sync for long. Counted in `teams_proactive_installs_total{outcome}`.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::records::FailedInstall;
use crate::store::Store;
use crate::telemetry::{self, chain};

use super::graph::{GraphClient, GraphError};

/// How long a claim keeps other replicas off while one asks Graph: far above
/// [`INSTALL_DEADLINE`], so it lapses only if the replica died.
pub const CLAIM_HOLD: Duration = Duration::from_secs(10 * 60);

/// The longest one installation may take, token and retries included.
pub const INSTALL_DEADLINE: Duration = Duration::from_secs(30);

/// When an installation that failed for now (Graph failing or unreachable) may be tried again.
pub const RETRY_TRANSIENT: Duration = Duration::from_secs(60 * 60);

/// When an installation that needs an admin first may be tried again: daily.
pub const RETRY_PERMANENT: Duration = Duration::from_secs(24 * 60 * 60);

/// How an installation attempt ended, for the metric and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallOutcome {
    /// Another replica installed it, is installing it, or an earlier failure's back-off runs.
    NotClaimed,
    /// Graph installed the app (or it was installed already).
    Installed,
    /// It failed; the reason is kept for `check`.
    Failed(FailedInstall),
}

/// Installs the app for approvers the bot cannot reach; share one per process.
pub struct ProactiveInstaller {
    graph: GraphClient,
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for ProactiveInstaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProactiveInstaller")
            .field("graph", &self.graph)
            .finish_non_exhaustive()
    }
}

impl ProactiveInstaller {
    /// Installs through `graph`, remembering each person's installation in `store`.
    pub fn new(graph: GraphClient, store: Arc<dyn Store>) -> Self {
        Self { graph, store }
    }

    /// Installs the app for `email` (normalised) unless it was done, is being done, or failed
    /// too recently. Never fails its caller: a store or Graph failure is logged and recorded.
    pub async fn install_once(&self, email: &str) -> InstallOutcome {
        match self.store.claim_install(email, CLAIM_HOLD).await {
            Ok(true) => {}
            Ok(false) => return InstallOutcome::NotClaimed,
            Err(err) => {
                // Without the claim nobody can tell whether another replica is asking: wait
                // for a later sync rather than risk asking twice.
                tracing::warn!(error = %chain(&err), "could not claim a proactive Teams installation; a later sync tries again");
                return InstallOutcome::NotClaimed;
            }
        }
        let result =
            match tokio::time::timeout(INSTALL_DEADLINE, self.graph.install_for(email)).await {
                Ok(result) => result,
                Err(_) => Err(GraphError::TimedOut {
                    after: INSTALL_DEADLINE,
                }),
            };
        let outcome = match result {
            Ok(()) => "installed",
            Err(ref err) => err.outcome(),
        };
        metrics::counter!("teams_proactive_installs_total", "outcome" => outcome).increment(1);
        match result {
            Ok(()) | Err(GraphError::AlreadyInstalled) => {
                tracing::info!(email = %telemetry::email(email), outcome, "the Teams app was installed for an approver the bot could not reach");
                if let Err(err) = self.store.install_done(email).await {
                    // The claim lapses and a later attempt finds it installed (409).
                    tracing::warn!(error = %chain(&err), "could not record a proactive Teams installation");
                }
                InstallOutcome::Installed
            }
            Err(err) => {
                let transient = err.is_transient();
                let failed = FailedInstall {
                    email: email.to_owned(),
                    reason: err.to_string(),
                    transient,
                    at: jiff::Timestamp::now(),
                };
                tracing::warn!(email = %telemetry::email(email), error = %chain(&err), "installing the Teams app for an approver failed");
                let retry_after = if transient {
                    RETRY_TRANSIENT
                } else {
                    RETRY_PERMANENT
                };
                if let Err(err) = self.store.install_failed(&failed, retry_after).await {
                    tracing::warn!(error = %chain(&err), "could not record a failed proactive Teams installation");
                }
                InstallOutcome::Failed(failed)
            }
        }
    }
}
