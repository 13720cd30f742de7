//! Wiring: build every component from [`Settings`], serve HTTP, stop gracefully.
//!
//! A graceful stop (SIGTERM, as Kubernetes sends on a rolling deploy) first stops taking new
//! work: no new connection is accepted and Socket Mode stops receiving. Then, for up to
//! [`SHUTDOWN_GRACE`], requests in progress finish and so do the tasks they spawned (decisions,
//! replies, lookups: tracked by a [`TaskTracker`]) and the sync cycle under way; what is still
//! running then is logged by count and cut off (a decision cut off mid-call is settled by the
//! next sync from its record of intent). The sync lease is handed over and Socket Mode closed,
//! each within a few seconds: the process exits within [`SHUTDOWN_LIMIT`] of the signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::chat::port::ChatError;
use crate::config::{HttpLimits, Settings, SlackSettings};
use crate::coupa::{CoupaClient, CoupaError};
use crate::engine::clicks::ClickGate;
use crate::engine::sync::SyncHealth;
use crate::engine::{self, Engine};
use crate::serve;
use crate::slack::client::SlackChat;
use crate::slack::handlers::SlackContext;
use crate::slack::installation::InstallationCheck;
use crate::slack::routes as slack_routes;
use crate::slack::socket;
use crate::store::{self, Store, StoreError};
use crate::telemetry::chain;
use crate::web::{self, WebState};

/// How long in-flight work (requests, the decisions and replies they started, a sync cycle) may
/// run after a stop signal before it is cut off.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long handing the sync lease over may take at a stop, after in-flight work.
const LEASE_HANDOVER: Duration = Duration::from_secs(3);

/// How long closing Socket Mode's connections may take at a stop, last.
const SOCKET_CLOSE: Duration = Duration::from_secs(3);

/// The longest a graceful stop takes, from the signal to the exit. A supervisor's own grace
/// period (Kubernetes' `terminationGracePeriodSeconds`) must be longer, or it kills decisions
/// the service would have finished.
pub const SHUTDOWN_LIMIT: Duration = SHUTDOWN_GRACE
    .saturating_add(LEASE_HANDOVER)
    .saturating_add(SOCKET_CLOSE);

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr} (BIND_ADDR): {source}")]
    Bind {
        /// The address from `BIND_ADDR`.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The metrics address could not be bound.
    #[error("cannot listen on {addr} (METRICS_ADDR): {source}")]
    BindMetrics {
        /// The address from `METRICS_ADDR`.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store could not be set up.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The Coupa client could not be set up.
    #[error(transparent)]
    Coupa(#[from] CoupaError),
    /// The Slack client could not be set up.
    #[error("cannot set up the Slack client: {0}")]
    Slack(#[from] ChatError),
    /// Only Microsoft Teams is configured, and this build serves Slack only for now.
    #[error(
        "Microsoft Teams is configured but this build serves Slack only for now; set SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode) to run it with Slack"
    )]
    TeamsNotServedYet,
}

/// The Slack settings this build runs with. Teams is read and validated by the configuration but
/// not served by this build yet: a configuration with Teams alone cannot run, and Teams beside
/// Slack is left unused, with a warning.
fn slack_settings(settings: &Settings) -> Result<&SlackSettings, AppError> {
    let slack = settings.slack.as_ref().ok_or(AppError::TeamsNotServedYet)?;
    if settings.teams.is_some() {
        tracing::warn!(
            "Microsoft Teams is configured but this build serves Slack only for now; Teams users get no cards"
        );
    }
    Ok(slack)
}

/// A built service, listening but not yet serving.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    /// `/metrics` on its own listener (`METRICS_ADDR`), and the address it bound.
    metrics: Option<(TcpListener, SocketAddr)>,
    store: Arc<dyn Store>,
    router: axum::Router,
    engine: Engine,
    sync_interval: Duration,
    sync_health: SyncHealth,
    socket_mode: Option<socket::SocketMode>,
    leading: Arc<AtomicBool>,
    http: HttpLimits,
    tasks: TaskTracker,
}

impl App {
    /// Builds the service from settings: the store they select and the HTTP listener.
    pub async fn build(settings: Settings) -> Result<Self, AppError> {
        let store = store::open(&settings.store)?;
        Self::build_with_store(settings, store).await
    }

    /// Builds the service on a given store (tests share one between instances).
    pub async fn build_with_store(
        settings: Settings,
        store: Arc<dyn Store>,
    ) -> Result<Self, AppError> {
        let slack_settings = slack_settings(&settings)?;
        if let Err(err) = store.ping().await {
            // Not fatal: readiness reports it and the store reconnects by itself.
            tracing::warn!(error = %chain(&err), "state store not reachable at start; /readyz will say 503 until it is");
        }
        let listener = TcpListener::bind(settings.bind_addr)
            .await
            .map_err(|source| AppError::Bind {
                addr: settings.bind_addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| AppError::Bind {
            addr: settings.bind_addr,
            source,
        })?;
        let metrics = match settings.metrics_addr {
            None => None,
            Some(addr) => {
                let bind_error = |source| AppError::BindMetrics { addr, source };
                let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
                let bound = listener.local_addr().map_err(bind_error)?;
                Some((listener, bound))
            }
        };
        let slack = SlackChat::new(slack_settings)?;
        let coupa = CoupaClient::builder(&settings.coupa).build()?;
        let engine = Engine::new(
            store.clone(),
            Arc::new(slack.clone()),
            coupa,
            settings.engine_settings(),
            engine::system_clock(),
        );
        let tasks = TaskTracker::new();
        let context = SlackContext {
            engine: engine.clone(),
            slack: slack.clone(),
            store: store.clone(),
            coupa: settings.coupa.instance_url.clone(),
            confirm_above: settings.confirm_above_amount,
            clicks: ClickGate::default(),
            tasks: tasks.clone(),
            installation: InstallationCheck::new(slack.clone(), slack_settings.app_id.clone()),
        };
        // Learn the workspace now rather than on the first request; if Slack does not answer,
        // the first request asks again.
        let installation = context.installation.clone();
        tokio::spawn(async move {
            if let Err(err) = installation.learn().await {
                tracing::warn!(error = %chain(&err), "could not ask Slack (auth.test) which workspace the bot token belongs to; will ask again when a request arrives");
            }
        });
        let sync_health = SyncHealth::new(settings.sync_interval, engine::system_clock());
        let mut router = web::router(WebState {
            store: store.clone(),
            sync: sync_health.clone(),
        });
        if metrics.is_none() {
            router = router.merge(web::metrics_router());
        }
        let socket_mode = match (&slack_settings.app_token, &slack_settings.signing_secret) {
            // Socket Mode replaces the HTTP routes; health, readiness and metrics stay on HTTP.
            (Some(app_token), _) => Some(socket::SocketMode::new(
                context,
                slack.client(),
                app_token.clone(),
            )),
            (None, Some(secret)) => {
                router = router.merge(web::capped(
                    slack_routes::router(context, slack.client(), secret),
                    settings.http.max_in_flight,
                ));
                None
            }
            (None, None) => None,
        };
        Ok(Self {
            listener,
            addr,
            metrics,
            store,
            router: web::finish(router, settings.http.request_timeout),
            engine,
            sync_interval: settings.sync_interval,
            sync_health,
            socket_mode,
            leading: Arc::new(AtomicBool::new(false)),
            http: settings.http,
            tasks,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served when `METRICS_ADDR` moved it off [`Self::local_addr`].
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr)| *addr)
    }

    /// The engine this instance runs (tests drive sync cycles through it).
    pub fn engine(&self) -> Engine {
        self.engine.clone()
    }

    /// Whether this instance currently holds the sync lease (updated while it runs).
    pub fn leading(&self) -> Arc<AtomicBool> {
        self.leading.clone()
    }

    /// The store this instance uses.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Serves until `stop` completes, then stops taking new work and lets the work in progress
    /// finish for up to [`SHUTDOWN_GRACE`] (see the module docs), and returns.
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            stop.await;
            trigger.cancel();
        });
        let (leadership, leader_task) = engine::leader::spawn(
            self.store.clone(),
            engine::leader::LEASE_TTL,
            cancel.clone(),
        );
        let mut watch = leadership.clone();
        let leading = self.leading.clone();
        let health = self.sync_health.clone();
        tokio::spawn(async move {
            loop {
                leading.store(watch.is_leader(), Ordering::Relaxed);
                health.leading(watch.is_leader());
                if watch.changed().await.is_none() {
                    leading.store(false, Ordering::Relaxed);
                    health.leading(false);
                    break;
                }
            }
        });
        let sync_task = tokio::spawn(engine::sync::run(
            self.engine.clone(),
            leadership,
            self.sync_interval,
            self.sync_health.clone(),
            cancel.clone(),
        ));
        let socket_task = self
            .socket_mode
            .map(|socket| tokio::spawn(socket.run(cancel.clone())));
        let metrics_task = self.metrics.map(|(listener, addr)| {
            tracing::info!(%addr, "serving /metrics");
            tokio::spawn(serve::serve(
                listener,
                web::finish(web::metrics_router(), self.http.request_timeout),
                self.http.header_read_timeout,
                cancel.clone(),
            ))
        });
        tracing::info!(addr = %self.addr, "listening");
        let server = serve::serve(
            self.listener,
            self.router,
            self.http.header_read_timeout,
            cancel.clone(),
        );
        let tasks = self.tasks;
        // Requests in progress and the tasks they spawn finish together: a request still being
        // answered may yet spawn one (the tracker takes it after `close`, and waits for it too).
        let drained = async {
            tokio::join!(server, async {
                cancel.cancelled().await;
                tasks.close();
                tasks.wait().await;
            });
        };
        let stopping = async {
            cancel.cancelled().await;
            tokio::time::Instant::now() + SHUTDOWN_GRACE
        };
        tokio::pin!(drained);
        // Work drains only once the stop is seen, so the stop is seen first.
        let (deadline, done) = tokio::select! {
            biased;
            deadline = stopping => (deadline, false),
            () = &mut drained => (tokio::time::Instant::now(), true),
        };
        if !done
            && tokio::time::timeout_at(deadline, &mut drained)
                .await
                .is_err()
        {
            tracing::warn!(
                grace_secs = SHUTDOWN_GRACE.as_secs(),
                tasks = tasks.len(),
                "in-flight work did not finish in time; stopping anyway (the next sync settles any decision cut off)"
            );
        }
        // Hand the sync lease over at once rather than make another replica wait out its TTL.
        cancel.cancel();
        if tokio::time::timeout(LEASE_HANDOVER, leader_task)
            .await
            .is_err()
        {
            tracing::warn!("the sync lease was not released in time; it expires by itself");
        }
        // A sync cycle in progress finishes, within the same grace as everything else.
        if tokio::time::timeout_at(deadline, sync_task).await.is_err() {
            tracing::warn!("a sync cycle was still running at shutdown; the next leader redoes it");
        }
        if let Some(task) = metrics_task {
            let _ = tokio::time::timeout(Duration::from_secs(3), task).await;
        }
        if let Some(task) = socket_task {
            let _ = tokio::time::timeout(SOCKET_CLOSE, task).await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Builds the service from settings and serves until SIGTERM or SIGINT.
pub async fn run(settings: Settings) -> Result<(), AppError> {
    let app = App::build(settings).await?;
    app.run_until_stopped(shutdown_signal()).await
}

/// Completes on SIGTERM (what Kubernetes sends) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %chain(&err), "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %chain(&err), "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received; shutting down"),
        () = terminate => tracing::info!("SIGTERM received; shutting down"),
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::config::{CoupaSettings, TeamsSettings};
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn teams_alone_is_refused_with_what_to_set_until_teams_is_served() {
        let mut settings = Settings::for_teams(
            TeamsSettings::new(
                "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b",
                "secret",
                "72f988bf-86f1-41af-91ab-2d7cd011db47",
            ),
            CoupaSettings::new(Url::parse("http://127.0.0.1:9").unwrap(), "id", "secret"),
        );
        settings.bind_addr = ([127, 0, 0, 1], 0).into();
        let built = App::build_with_store(settings, Arc::new(MemoryStore::new())).await;
        let err = built.err().expect("a Teams-only configuration is refused");
        assert!(matches!(err, AppError::TeamsNotServedYet), "{err}");
        assert!(err.to_string().contains("set SLACK_BOT_TOKEN"), "{err}");
    }
}
