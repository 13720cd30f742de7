//! Starts the whole demo in one process: a simulated world (the Coupa sandbox, the fake Slack, and
//! Microsoft Teams' token authority and fake Bot Connector on loopback ports, the real app
//! configured against them on the memory store, serving Teams and Slack in that order, with
//! secrets of its own) and the demo page with its JSON endpoints on `BIND_ADDR`. Every person is
//! in Slack and in the Teams tenant; those of [`demo_data::ON_TEAMS`] have the app installed in
//! Teams, so their cards go there.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::AppError;
use crate::config::ChatPlatform;
use crate::sandbox::coupa::Sandbox;
use crate::sandbox::coupa::demo_data::{self, demo_sandbox};
use crate::sandbox::people::{self, Person};
use crate::sandbox::slack::{FakeSlack, SlackSender};
use crate::sandbox::{RunningApp, World, WorldError};
use crate::store::StoreError;

use super::skip_day::DemoClock;
use super::teams::DemoTeams;
use crate::engine::Engine;
use crate::engine::reminders::ReminderSettings;

/// Where the page listens unless `BIND_ADDR` says otherwise: loopback, since the demo has no
/// authentication of its own.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:3000";
/// How often the app polls the demo's Coupa: often, so a decision or an edit in the Coupa panel
/// shows on the cards within seconds.
pub const DEMO_SYNC_SECS: u64 = 2;
/// Cards for requisitions above this total ask for confirmation before Approve; one of the
/// demo's requisitions is above it.
pub const CONFIRM_ABOVE_AMOUNT: u32 = demo_data::CONFIRM_ABOVE_AMOUNT;

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A variable the demo reads is malformed.
    #[error("{variable} must be {expected}; got `{value}`")]
    Config {
        /// The variable.
        variable: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it was.
        value: String,
    },
    /// The page's address could not be bound.
    #[error("cannot listen on {addr} (BIND_ADDR): {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The simulated Coupa, Slack and Teams, or the app among them, could not start.
    #[error("cannot start the demo: {0}")]
    World(#[from] WorldError),
    /// The app stopped with an error.
    #[error(transparent)]
    App(#[from] AppError),
    /// What the app knows of the people on Teams could not be written.
    #[error("cannot set up the demo's people on Teams: {0}")]
    Store(#[from] StoreError),
    /// The app started without Microsoft Teams.
    #[error("the demo's app does not serve Microsoft Teams")]
    NoTeams,
}

/// What the demo reads from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Where the page listens.
    pub bind_addr: SocketAddr,
    /// The app's Coupa poll period.
    pub sync_interval: Duration,
}

impl DemoOptions {
    /// Reads `BIND_ADDR` through `lookup` (blank means unset). Nothing else is read: a `.env`
    /// written for a real installation (a 60 s sync, say) must not slow the demo down.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, DemoError> {
        let bind = lookup("BIND_ADDR")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned());
        let bind_addr = bind.trim().parse().map_err(|_| DemoError::Config {
            variable: "BIND_ADDR",
            expected: "an address like 127.0.0.1:3000",
            value: bind.clone(),
        })?;
        Ok(Self {
            bind_addr,
            sync_interval: Duration::from_secs(DEMO_SYNC_SECS),
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, DemoError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }
}

/// Which person each open modal belongs to, and which the page has closed: Slack keeps this
/// per client; the demo is the client.
#[derive(Default)]
pub struct ModalBook {
    owners: HashMap<String, String>,
    closed: HashSet<String>,
}

impl ModalBook {
    /// Remembers that `trigger_id` was issued to `user`.
    pub fn issued(&mut self, trigger_id: &str, user: &str) {
        self.owners.insert(trigger_id.to_owned(), user.to_owned());
    }

    /// The person a trigger was issued to.
    pub fn owner(&self, trigger_id: &str) -> Option<&str> {
        self.owners.get(trigger_id).map(String::as_str)
    }

    /// Marks a modal closed (submitted or cancelled).
    pub fn close(&mut self, trigger_id: &str) {
        self.closed.insert(trigger_id.to_owned());
    }

    /// Whether a modal is still open.
    pub fn is_open(&self, trigger_id: &str) -> bool {
        !self.closed.contains(trigger_id)
    }
}

/// What the page's handlers share.
#[derive(Clone)]
pub struct DemoState {
    /// The fake Slack (what each person sees).
    pub slack: FakeSlack,
    /// The Coupa sandbox.
    pub coupa: Sandbox,
    /// The demo's people.
    pub people: Arc<Vec<Person>>,
    /// Signed requests to the app.
    pub sender: SlackSender,
    /// Base of the fake Slack, for `response_url`s.
    pub slack_base: String,
    /// Base of the Coupa sandbox: the cards' "View in Coupa" links start with it.
    pub coupa_base: String,
    /// Open modals.
    pub modals: Arc<Mutex<ModalBook>>,
    /// Microsoft Teams: where each person gets cards, and their chats there.
    pub teams: DemoTeams,
    /// The clock the app's engine reads, which "Skip ahead a day" moves.
    pub clock: DemoClock,
    /// The app's engine, for the reminder pass after a skip.
    pub engine: Engine,
    /// When reminders are sent.
    pub reminders: ReminderSettings,
}

impl DemoState {
    /// The person with Slack id `user`.
    pub fn person(&self, user: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.slack_id == user)
    }

    /// The modal book, even after a panic elsewhere poisoned it (it holds no invariants).
    pub fn modals(&self) -> MutexGuard<'_, ModalBook> {
        self.modals.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The demo, running.
pub struct RunningDemo {
    /// Where the page listens.
    pub addr: SocketAddr,
    /// Where the app listens (its `/slack/*`, `/healthz`, `/metrics`).
    pub app_addr: SocketAddr,
    /// Shared with the handlers; tests inspect the fakes through it.
    pub state: DemoState,
    stop: CancellationToken,
    app: RunningApp,
    page_task: tokio::task::JoinHandle<std::io::Result<()>>,
    _world: World,
}

impl RunningDemo {
    /// The page's address.
    pub fn url(&self) -> String {
        format!("http://{}/demo", self.addr)
    }

    /// Stops the page and the app, and waits for them.
    pub async fn stop(self) -> Result<(), AppError> {
        self.stop.cancel();
        if let Ok(Err(err)) = self.page_task.await {
            tracing::warn!(error = %err, "the demo page stopped with an error");
        }
        self.app.stop().await
    }
}

/// Starts everything; the page serves until [`RunningDemo::stop`].
pub async fn start(options: &DemoOptions) -> Result<RunningDemo, DemoError> {
    // Bind the page first: a taken port should fail before anything else starts.
    let listener = TcpListener::bind(options.bind_addr)
        .await
        .map_err(|source| DemoError::Bind {
            addr: options.bind_addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| DemoError::Bind {
        addr: options.bind_addr,
        source,
    })?;

    let sandbox = demo_sandbox();
    let slack = FakeSlack::default();
    let people = people::enrol(&sandbox, &slack);
    let sync_interval = options.sync_interval;
    let clock = DemoClock::default();
    // Teams first: someone who installed the app in Teams gets their cards there.
    let world = World::builder()
        .platforms([ChatPlatform::Teams, ChatPlatform::Slack])
        .clock(clock.clock())
        .coupa(sandbox)
        .slack(slack)
        .settings(move |settings| {
            settings.sync_interval = sync_interval;
            settings.confirm_above_amount = Some(Decimal::from(CONFIRM_ABOVE_AMOUNT));
        })
        .build()
        .await?;
    let teams = world.teams().ok_or(DemoError::NoTeams)?;
    let mut members = HashMap::new();
    for person in &people {
        // Those on Teams installed the app before the demo began: known before the app starts,
        // so that its first sync already sends their cards to Teams.
        let member = if demo_data::ON_TEAMS.contains(&person.email.as_str()) {
            teams.installed(person, world.store.as_ref()).await?
        } else {
            teams.join(person)
        };
        members.insert(person.slack_id.clone(), member);
    }
    let app = world.start_app().await?;
    let app_addr = app.addr;
    let sender = app.teams().ok_or(DemoError::NoTeams)?.clone();
    let teams = DemoTeams::new(
        teams.connector().clone(),
        sender,
        world.store.clone(),
        members,
    );

    let state = DemoState {
        slack: world.slack.clone(),
        coupa: world.coupa.clone(),
        people: Arc::new(people),
        sender: app.slack().clone(),
        slack_base: world.slack_url(),
        coupa_base: world.coupa_url(),
        modals: Arc::default(),
        teams,
        clock,
        engine: app.engine(),
        reminders: world.settings.reminders,
    };
    let stop = CancellationToken::new();
    let router = super::routes::router(state.clone());
    let page_stop = stop.clone();
    let page_task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(page_stop.cancelled_owned())
            .await
    });
    Ok(RunningDemo {
        addr,
        app_addr,
        state,
        stop,
        app,
        page_task,
        _world: world,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_default_to_loopback_port_3000_and_a_two_second_sync() {
        let options = DemoOptions::from_lookup(&|_| None).unwrap();
        assert_eq!(options.bind_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(options.sync_interval, Duration::from_secs(2));
    }

    #[test]
    fn bind_addr_moves_the_page_and_a_real_installations_sync_interval_is_ignored() {
        let options = DemoOptions::from_lookup(&|name| match name {
            "BIND_ADDR" => Some("127.0.0.1:4000".to_owned()),
            "SYNC_INTERVAL_SECS" => Some("60".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(options.bind_addr, "127.0.0.1:4000".parse().unwrap());
        assert_eq!(options.sync_interval, Duration::from_secs(2));
    }

    #[test]
    fn a_malformed_bind_addr_is_named() {
        let err =
            DemoOptions::from_lookup(&|name| (name == "BIND_ADDR").then(|| "localhost".to_owned()))
                .unwrap_err();
        assert!(err.to_string().contains("BIND_ADDR"), "{err}");
    }
}
