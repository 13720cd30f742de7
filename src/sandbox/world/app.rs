//! The real app running in a world: built from settings on a given store, serving until
//! stopped, with senders that sign requests to it as Slack and Teams would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::app::{App, AppError};
use crate::config::Settings;
use crate::engine::{Clock, Engine};
use crate::sandbox::slack::SlackSender;
use crate::sandbox::teams::TeamsSender;
use crate::store::Store;

use super::TeamsSide;

/// An app serving in the background; it keeps running until [`RunningApp::stop`] (dropping it
/// leaves it running until the runtime ends, as a process that was never told to stop).
pub struct RunningApp {
    /// Where its HTTP server listens.
    pub addr: SocketAddr,
    engine: Engine,
    leading: Arc<AtomicBool>,
    sender: SlackSender,
    teams: Option<TeamsSender>,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), AppError>>,
}

impl RunningApp {
    /// Builds the app from `settings` on `store`, its engine reading the time from `clock`, and
    /// runs it until stopped; activities to it come from the world's Teams side, when it has one
    /// and the settings serve Teams.
    pub(super) async fn start(
        settings: Settings,
        store: Arc<dyn Store>,
        teams: Option<&TeamsSide>,
        clock: Clock,
    ) -> Result<Self, AppError> {
        // Without a signing secret (Socket Mode) nothing verifies the signature; any key signs.
        let secret = settings
            .slack
            .as_ref()
            .and_then(|slack| slack.signing_secret.clone())
            .unwrap_or_else(|| SecretString::from(String::new()));
        let app_id = settings.teams.as_ref().map(|teams| teams.app_id.clone());
        let app = App::build_with_clock(settings, store, clock).await?;
        let addr = app.local_addr();
        let base = format!("http://{addr}");
        let teams = teams.zip(app_id).map(|(side, app_id)| {
            let sender = side.sender(&base, &app_id);
            // Teams sends an installation's event to the bot's one messaging endpoint.
            side.graph().deliver_installs_to(sender.clone());
            sender
        });
        let engine = app.engine();
        let leading = app.leading();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(app.run_until_stopped(async move {
            stopped.cancelled().await;
        }));
        Ok(Self {
            addr,
            engine,
            leading,
            sender: SlackSender::new(&base, secret),
            teams,
            stop,
            task,
        })
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The engine the app runs (tests drive sync cycles through it).
    pub fn engine(&self) -> Engine {
        self.engine.clone()
    }

    /// Whether the app holds the sync lease now.
    pub fn is_leader(&self) -> bool {
        self.leading.load(Ordering::Relaxed)
    }

    /// Signed Slack requests to the app's `/slack/*` routes.
    pub fn slack(&self) -> &SlackSender {
        &self.sender
    }

    /// Signed Teams activities to the app's `POST /api/messages`, from the world's fake
    /// connector's members; `None` unless the world has Teams and the app serves it.
    pub fn teams(&self) -> Option<&TeamsSender> {
        self.teams.as_ref()
    }

    /// Stops the app gracefully and waits for it; its error, if it stopped with one.
    pub async fn stop(self) -> Result<(), AppError> {
        self.stop.cancel();
        match self.task.await {
            Ok(result) => result,
            Err(err) => {
                tracing::warn!(error = %err, "an app task ended abnormally");
                Ok(())
            }
        }
    }
}
