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

use crate::chat::platforms::ChatPlatforms;
use crate::chat::port::{ChatError, ChatPort};
use crate::config::{ChatPlatform, HttpLimits, Settings};
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
use crate::teams::chat::TeamsChat;
use crate::telemetry::chain;
use crate::web::{self, WebState};

pub(crate) mod teams;

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
    /// The Microsoft Teams side could not be set up.
    #[error("cannot set up Microsoft Teams")]
    Teams(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// No chat platform is configured (the configuration refuses that; settings built in code
    /// may not).
    #[error(
        "no chat platform is configured: set SLACK_BOT_TOKEN for Slack, or MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID for Microsoft Teams"
    )]
    NoChatPlatform,
}

/// The chat clients the settings configure, and the one port over them the engine talks to.
pub(crate) struct ChatClients {
    /// Slack's, when configured.
    pub slack: Option<SlackChat>,
    /// Microsoft Teams', when configured.
    pub teams: Option<TeamsChat>,
    /// One chat port over the configured platforms, in the order people are looked for on them
    /// (`CHAT_PLATFORMS`); the platform itself when there is one.
    pub port: Arc<dyn ChatPort>,
}

/// Builds the chat clients `settings` configure; Teams reaches people through the contacts in
/// `store`.
pub(crate) fn chat_clients(
    settings: &Settings,
    store: Arc<dyn Store>,
) -> Result<ChatClients, AppError> {
    let slack = settings.slack.as_ref().map(SlackChat::new).transpose()?;
    let teams = settings
        .teams
        .as_ref()
        .map(|teams_settings| teams::chat(teams_settings, store, settings.button_ttl))
        .transpose()?;
    let mut ports: Vec<Arc<dyn ChatPort>> = Vec::new();
    for platform in &settings.chat_platforms {
        match (platform, &slack, &teams) {
            (ChatPlatform::Slack, Some(chat), _) => ports.push(Arc::new(chat.clone())),
            (ChatPlatform::Teams, _, Some(chat)) => ports.push(Arc::new(chat.clone())),
            _ => {}
        }
    }
    let port: Arc<dyn ChatPort> = match ports.len() {
        0 => return Err(AppError::NoChatPlatform),
        1 => ports.remove(0),
        _ => Arc::new(ChatPlatforms::new(ports).ok_or(AppError::NoChatPlatform)?),
    };
    Ok(ChatClients { slack, teams, port })
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
        Self::build_with_clock(settings, store, engine::system_clock()).await
    }

    /// Builds the service on a given store with the engine's "now" read from `clock` (the demo
    /// and tests move it to show and test what happens a day later: reminders, expiry).
    pub async fn build_with_clock(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: engine::Clock,
    ) -> Result<Self, AppError> {
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
        let clients = chat_clients(&settings, store.clone())?;
        let chat = clients.port;
        let slack = clients.slack.zip(settings.slack.as_ref());
        let teams = clients.teams.zip(settings.teams.as_ref());
        let coupa = CoupaClient::builder(&settings.coupa).build()?;
        let engine = Engine::new(
            store.clone(),
            chat,
            coupa,
            settings.engine_settings(),
            clock,
        );
        let tasks = TaskTracker::new();
        let sync_health = SyncHealth::new(settings.sync_interval, engine::system_clock());
        let mut router = web::router(WebState {
            store: store.clone(),
            sync: sync_health.clone(),
        });
        if metrics.is_none() {
            router = router.merge(web::metrics_router());
        }
        let mut socket_mode = None;
        if let Some((slack, slack_settings)) = slack {
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
            // Learn the workspace now rather than on the first request; if Slack does not
            // answer, the first request asks again.
            let installation = context.installation.clone();
            tokio::spawn(async move {
                if let Err(err) = installation.learn().await {
                    tracing::warn!(error = %chain(&err), "could not ask Slack (auth.test) which workspace the bot token belongs to; will ask again when a request arrives");
                }
            });
            match (&slack_settings.app_token, &slack_settings.signing_secret) {
                // Socket Mode replaces the HTTP routes; health, readiness and metrics stay on HTTP.
                (Some(app_token), _) => {
                    socket_mode = Some(socket::SocketMode::new(
                        context,
                        slack.client(),
                        app_token.clone(),
                    ));
                }
                (None, Some(secret)) => {
                    router = router.merge(web::capped(
                        slack_routes::router(context, slack.client(), secret),
                        settings.http.max_in_flight,
                    ));
                }
                (None, None) => {}
            }
        }
        if let Some((chat, teams_settings)) = teams {
            let served = teams::router(teams::Served {
                settings: teams_settings,
                chat,
                engine: engine.clone(),
                store: store.clone(),
                coupa: settings.coupa.instance_url.clone(),
                confirm_above: settings.confirm_above_amount,
                tasks: tasks.clone(),
            })?;
            router = router.merge(web::capped(served, settings.http.max_in_flight));
        }
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
    let stop = shutdown_signal();
    let app = App::build(settings).await?;
    app.run_until_stopped(stop).await
}

/// Completes on SIGTERM (what Kubernetes sends) or SIGINT (Ctrl-C). SIGTERM is listened for from
/// the call on, not from the first poll: a signal that arrives while the service is still
/// starting stops it gracefully rather than killing it. Call it within the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let ctrl_c = async {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!(error = %chain(&err), "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match sigterm {
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
}
