//! A ready simulated world in one call, and the bot in it.
//!
//! [`World::builder`]`()…`[`build`](WorldBuilder::build)`().await` serves the Coupa sandbox and
//! the fake Slack on loopback ports, makes [`Settings`] for an app pointed at them (their
//! credentials, a signing secret of the world's own, `BIND_ADDR` on a free loopback port) and
//! opens a store: in memory, Redis under a prefix of its own, or one the caller brings. Then the
//! bot runs in it either as a whole app ([`World::start_app`]: the real HTTP server on a free
//! port, its sync loop, its Slack routes) or as an engine wired to the fakes ([`World::engine`],
//! for tests that drive the use cases themselves). Anything a test needs different (a chat
//! platform of its own, a movable clock, Coupa client timeouts, a stand-in in front of a fake)
//! is a builder method.
//!
//! Microsoft Teams joins with [`WorldBuilder::platforms`] (Teams alone, or beside Slack in
//! either order): the world then also serves a Bot Framework token authority and a fake Bot
//! Connector ([`World::teams`], a [`TeamsSide`]), the settings name them, people are put on
//! Teams with [`TeamsSide::join`], and a running app takes signed activities from
//! [`RunningApp::teams`].

mod app;
mod teams;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use secrecy::SecretString;
use url::Url;

pub use self::app::RunningApp;
pub use self::teams::TeamsSide;
use super::coupa::Sandbox;
use super::people::{Person, numbered_approvers};
use super::served::Served;
use super::slack::FakeSlack;
use super::teams::FakeConnector;
use crate::app::AppError;
use crate::chat::port::{ChatError, ChatPort};
use crate::config::{ChatPlatform, CoupaSettings, Settings, SlackSettings, StoreSettings};
use crate::coupa::{CoupaClient, CoupaClientBuilder, CoupaError};
use crate::domain::CoupaUserId;
use crate::engine::{Clock, Engine, system_clock};
use crate::store::{MemoryStore, RedisStore, Store, StoreError};

/// Why a world could not be built, or the bot could not start in it.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// A fake could not be served.
    #[error("cannot serve the {what}: {source}")]
    Serve {
        /// Which fake.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// A fake's address did not make a URL.
    #[error("the {what} at {addr} has no usable URL: {source}")]
    Address {
        /// Which fake.
        what: &'static str,
        /// Where it listens.
        addr: SocketAddr,
        /// Why.
        source: url::ParseError,
    },
    /// A fake's address did not make a URL.
    #[error("the {what} has no usable URL: {source}")]
    Url {
        /// Which fake.
        what: &'static str,
        /// Why.
        source: url::ParseError,
    },
    /// The world was asked for no chat platform at all.
    #[error("a world needs at least one chat platform")]
    NoChatPlatform,
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The Coupa client could not be built.
    #[error(transparent)]
    Coupa(#[from] CoupaError),
    /// The Slack client could not be built.
    #[error("cannot set up the Slack client: {0}")]
    Chat(#[from] ChatError),
    /// The app could not start.
    #[error(transparent)]
    App(#[from] AppError),
}

/// Where the world's state lives.
enum StoreChoice {
    Memory,
    Redis(SecretString),
    Given(Arc<dyn Store>),
}

type Wrap = Box<dyn FnOnce(Router) -> Router + Send>;
type Tune = Box<dyn FnOnce(&mut Settings) + Send>;
type TuneClient = Arc<dyn Fn(CoupaClientBuilder) -> CoupaClientBuilder + Send + Sync>;

/// How the world will be made; from [`World::builder`].
pub struct WorldBuilder {
    coupa: Sandbox,
    slack: FakeSlack,
    store: StoreChoice,
    wrap_coupa: Option<Wrap>,
    wrap_slack: Option<Wrap>,
    tune: Vec<Tune>,
    chat: Option<Arc<dyn ChatPort>>,
    clock: Clock,
    tune_client: TuneClient,
    platforms: Vec<ChatPlatform>,
    connector: FakeConnector,
    proactive_install: bool,
}

impl WorldBuilder {
    /// The chat platforms the app serves, in the order a person's platforms are tried
    /// (`CHAT_PLATFORMS`): `[Slack]` unless given. With Teams, the world also serves a token
    /// authority and a fake Bot Connector; without Slack, the fake Slack is still served but
    /// the settings leave Slack out. A platform named twice counts once, where first named.
    pub fn platforms(mut self, platforms: impl IntoIterator<Item = ChatPlatform>) -> Self {
        self.platforms.clear();
        for platform in platforms {
            if !self.platforms.contains(&platform) {
                self.platforms.push(platform);
            }
        }
        self
    }

    /// The Bot Connector to serve when Teams is on; an empty [`FakeConnector::default`] (the
    /// sandbox's bot and tenant) unless given.
    pub fn connector(mut self, connector: FakeConnector) -> Self {
        self.connector = connector;
        self
    }

    /// With Teams, proactive installation on: the app installs itself through the world's fake
    /// Microsoft Graph for approvers it cannot reach ([`TeamsSide::graph`]).
    pub fn proactive_install(mut self) -> Self {
        self.proactive_install = true;
        self
    }

    /// The Coupa to serve (seeded already, or to be seeded later through the world); an empty
    /// [`Sandbox::new`] unless given.
    pub fn coupa(mut self, sandbox: Sandbox) -> Self {
        self.coupa = sandbox;
        self
    }

    /// The Slack workspace to serve; an empty [`FakeSlack::default`] unless given.
    pub fn slack(mut self, slack: FakeSlack) -> Self {
        self.slack = slack;
        self
    }

    /// State in Redis at `url`, every key under a prefix unique to this world
    /// ([`World::key_prefix`]). The world leaves its keys behind when dropped.
    pub fn redis(mut self, url: impl Into<SecretString>) -> Self {
        self.store = StoreChoice::Redis(url.into());
        self
    }

    /// State in `store` (shared with another world, or instrumented by a test). Without this or
    /// [`redis`](Self::redis), the world keeps state in memory.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = StoreChoice::Given(store);
        self
    }

    /// Serves the Coupa sandbox through `wrap` (a test's stand-in in front of it, say).
    pub fn wrap_coupa(mut self, wrap: impl FnOnce(Router) -> Router + Send + 'static) -> Self {
        self.wrap_coupa = Some(Box::new(wrap));
        self
    }

    /// Serves the fake Slack through `wrap`.
    pub fn wrap_slack(mut self, wrap: impl FnOnce(Router) -> Router + Send + 'static) -> Self {
        self.wrap_slack = Some(Box::new(wrap));
        self
    }

    /// Changes the app's settings once the world has made them (addresses and credentials are
    /// set; anything else may change). Applied in order.
    pub fn settings(mut self, tune: impl FnOnce(&mut Settings) + Send + 'static) -> Self {
        self.tune.push(Box::new(tune));
        self
    }

    /// The chat platform of [`World::engine`]; unless given, the real clients of the settings'
    /// platforms against the fakes, in `CHAT_PLATFORMS` order.
    pub fn chat(mut self, chat: Arc<dyn ChatPort>) -> Self {
        self.chat = Some(chat);
        self
    }

    /// The clock of [`World::engine`] and of the apps the world starts; the system's unless
    /// given.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Adjusts the Coupa client of [`World::engine`] (timeouts, retries, rate), built from the
    /// settings' Coupa part.
    pub fn coupa_client(
        mut self,
        tune: impl Fn(CoupaClientBuilder) -> CoupaClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.tune_client = Arc::new(tune);
        self
    }

    /// Serves the fakes, makes the settings and opens the store.
    pub async fn build(self) -> Result<World, WorldError> {
        if self.platforms.is_empty() {
            return Err(WorldError::NoChatPlatform);
        }
        let coupa_router = self.coupa.router();
        let coupa_router = match self.wrap_coupa {
            Some(wrap) => wrap(coupa_router),
            None => coupa_router,
        };
        let slack_router = self.slack.router();
        let slack_router = match self.wrap_slack {
            Some(wrap) => wrap(slack_router),
            None => slack_router,
        };
        let coupa_served = serve("Coupa sandbox", coupa_router).await?;
        let slack_served = serve("fake Slack", slack_router).await?;
        let coupa_url = url("Coupa sandbox", coupa_served.addr(), "")?;
        let slack_api_url = url("fake Slack", slack_served.addr(), "/api")?;

        // A fresh secret per world: only those holding the world can sign requests to its app.
        let signing_secret = uuid::Uuid::new_v4().simple().to_string();
        let mut slack = SlackSettings::new(self.slack.bot_token(), signing_secret);
        slack.api_url = slack_api_url;
        let coupa = CoupaSettings::new(
            coupa_url,
            self.coupa.client_id(),
            self.coupa.client_secret(),
        );
        let mut settings = Settings::new(slack, coupa);
        let teams = if self.platforms.contains(&ChatPlatform::Teams) {
            let side = TeamsSide::serve(self.connector, self.proactive_install).await?;
            settings.teams = Some(side.settings()?);
            Some(side)
        } else {
            None
        };
        if !self.platforms.contains(&ChatPlatform::Slack) {
            settings.slack = None;
        }
        settings.chat_platforms = self.platforms;
        settings.bind_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let store: Arc<dyn Store> = match self.store {
            StoreChoice::Memory => Arc::new(MemoryStore::new()),
            StoreChoice::Redis(url) => {
                let prefix = format!("sandbox-{}", uuid::Uuid::new_v4().simple());
                let store = RedisStore::new(&url, &prefix)?;
                settings.store = StoreSettings::redis(url, prefix);
                Arc::new(store)
            }
            StoreChoice::Given(store) => store,
        };
        for tune in self.tune {
            tune(&mut settings);
        }
        Ok(World {
            settings,
            coupa: self.coupa,
            slack: self.slack,
            store,
            chat: self.chat,
            clock: self.clock,
            tune_client: self.tune_client,
            coupa_served,
            slack_served,
            teams,
        })
    }
}

async fn serve(what: &'static str, router: Router) -> Result<Served, WorldError> {
    Served::start(router)
        .await
        .map_err(|source| WorldError::Serve { what, source })
}

fn url(what: &'static str, addr: SocketAddr, path: &str) -> Result<Url, WorldError> {
    Url::parse(&format!("http://{addr}{path}")).map_err(|source| WorldError::Address {
        what,
        addr,
        source,
    })
}

/// The Coupa sandbox and the fake Slack, served; settings for an app pointed at them; a store.
pub struct World {
    /// Settings for an app in this world: what [`World::start_app`] runs with. Change them
    /// before starting an app; the fakes' addresses and credentials are already right.
    pub settings: Settings,
    /// The Coupa sandbox, for seeding, acting "in Coupa", counting calls and injecting faults.
    pub coupa: Sandbox,
    /// The fake Slack, for its people and for what each of them sees.
    pub slack: FakeSlack,
    /// Where the bot's state lives.
    pub store: Arc<dyn Store>,
    chat: Option<Arc<dyn ChatPort>>,
    clock: Clock,
    tune_client: TuneClient,
    coupa_served: Served,
    slack_served: Served,
    teams: Option<TeamsSide>,
}

impl World {
    /// A world of empty fakes on the memory store, unless told otherwise.
    pub fn builder() -> WorldBuilder {
        WorldBuilder {
            coupa: Sandbox::new(),
            slack: FakeSlack::default(),
            store: StoreChoice::Memory,
            wrap_coupa: None,
            wrap_slack: None,
            tune: Vec::new(),
            chat: None,
            clock: system_clock(),
            tune_client: Arc::new(|builder| builder),
            platforms: vec![ChatPlatform::Slack],
            connector: FakeConnector::default(),
            proactive_install: false,
        }
    }

    /// Microsoft Teams in this world (its token authority and fake Bot Connector), when the
    /// builder was given Teams among the [`platforms`](WorldBuilder::platforms).
    pub fn teams(&self) -> Option<&TeamsSide> {
        self.teams.as_ref()
    }

    /// The Coupa sandbox's base URL, `http://127.0.0.1:PORT`: the cards' "View in Coupa" links
    /// start with it.
    pub fn coupa_url(&self) -> String {
        self.coupa_served.url()
    }

    /// The fake Slack's base URL, `http://127.0.0.1:PORT` (its Web API is under `/api`; its
    /// `response_url`s under `/response/`).
    pub fn slack_url(&self) -> String {
        self.slack_served.url()
    }

    /// The prefix every store key of this world's settings lives under.
    pub fn key_prefix(&self) -> &str {
        &self.settings.store.key_prefix
    }

    /// The signing secret of this world's Slack app.
    pub fn signing_secret(&self) -> Option<&SecretString> {
        self.settings
            .slack
            .as_ref()
            .and_then(|slack| slack.signing_secret.as_ref())
    }

    /// A load for measurements: `approvers` numbered approvers
    /// ([`numbered_approvers`]) in Coupa and in the fake Slack, and `count` pending one-line
    /// requisitions from `requester` shared among them in turn, the `n`th titled `title(n)`
    /// and submitted `spacing` after the one before ([`Sandbox::add_pending_load`]). Returns the
    /// approvers.
    pub fn add_pending_load(
        &self,
        requester: CoupaUserId,
        approvers: usize,
        count: usize,
        title: impl Fn(usize) -> String,
        spacing: Duration,
    ) -> Vec<Person> {
        let people = numbered_approvers(&self.coupa, approvers);
        for person in &people {
            person.join(&self.slack);
        }
        let ids: Vec<CoupaUserId> = people.iter().map(|p| p.coupa_id).collect();
        self.coupa
            .add_pending_load(requester, &ids, count, title, spacing);
        people
    }

    /// Starts the real app with [`World::settings`] on the world's store, serving HTTP on a free
    /// loopback port (unless the settings say otherwise).
    pub async fn start_app(&self) -> Result<RunningApp, WorldError> {
        self.start_app_with(self.settings.clone()).await
    }

    /// Starts the real app with `settings` (the world's, changed) on the world's store and clock:
    /// a second replica, or a restart with another configuration.
    pub async fn start_app_with(&self, settings: Settings) -> Result<RunningApp, WorldError> {
        Ok(RunningApp::start(
            settings,
            self.store.clone(),
            self.teams.as_ref(),
            self.clock.clone(),
        )
        .await?)
    }

    /// A fresh engine over the world's Coupa, chat platform and store (a restart looks like a
    /// second call): the Coupa client from the settings as the builder adjusted it, the chat
    /// platform the builder was given (else the settings' platforms, over the fakes) and its
    /// clock.
    pub fn engine(&self) -> Result<Engine, WorldError> {
        self.engine_with(self.coupa_client()?)
    }

    /// A fresh engine as [`World::engine`] builds one, on the Coupa client `coupa` (one a test
    /// built from [`World::settings`] differently).
    pub fn engine_with(&self, coupa: CoupaClient) -> Result<Engine, WorldError> {
        let chat: Arc<dyn ChatPort> = match &self.chat {
            Some(chat) => chat.clone(),
            None => self.platforms_chat()?,
        };
        Ok(Engine::new(
            self.store.clone(),
            chat,
            coupa,
            self.settings.engine_settings(),
            self.clock.clone(),
        ))
    }

    /// The settings' chat platforms in their order, each a real client of its fake; one port
    /// over them when there are several, as the app builds it.
    fn platforms_chat(&self) -> Result<Arc<dyn ChatPort>, WorldError> {
        Ok(crate::app::chat_clients(&self.settings, self.store.clone())?.port)
    }

    /// A Coupa client for the sandbox, as [`World::engine`] builds one.
    pub fn coupa_client(&self) -> Result<CoupaClient, WorldError> {
        Ok((self.tune_client)(CoupaClient::builder(&self.settings.coupa)).build()?)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sandbox::coupa::{NewRequisition, StepApprover};
    use crate::sandbox::people::Person;

    #[tokio::test]
    async fn a_worlds_engine_delivers_a_card_to_its_fake_slack() {
        let world = World::builder().build().await.unwrap();
        assert_eq!(
            world.settings.slack.as_ref().unwrap().api_url.as_str(),
            format!("{}/api", world.slack_url())
        );
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = Person::in_coupa(&world.coupa, "daniel@example.com", "Daniel", "Okafor");
        daniel.join(&world.slack);
        world.coupa.add_requisition(NewRequisition::standing_desks(
            requester,
            vec![vec![StepApprover::User(daniel.coupa_id)]],
        ));

        world.engine().unwrap().reconcile().await.unwrap();

        let posted = world.slack.posted();
        assert_eq!(posted.len(), 1, "{posted:?}");
        assert_eq!(world.slack.conversation(&daniel.slack_id), posted);
        assert!(posted[0].blocks.to_string().contains(&world.coupa_url()));
    }

    #[tokio::test]
    async fn a_teams_only_world_serves_teams_and_its_app_learns_who_installed_it() {
        let world = World::builder()
            .platforms([ChatPlatform::Teams])
            .build()
            .await
            .unwrap();
        assert!(world.settings.slack.is_none());
        assert_eq!(world.settings.chat_platforms, [ChatPlatform::Teams]);
        let teams = world.teams().unwrap();
        let settings = world.settings.teams.as_ref().unwrap();
        assert_eq!(settings.service_url.as_str(), teams.service_url());
        assert_eq!(
            settings.openid_metadata_url,
            teams.served_authority().metadata_url()
        );
        let daniel = Person::in_coupa(&world.coupa, "daniel@example.com", "Daniel", "Okafor");
        let member = teams.join(&daniel);

        let app = world.start_app().await.unwrap();
        let answer = app.teams().unwrap().install(&member).await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        let contact = world
            .store
            .contact_by_email("daniel@example.com")
            .await
            .unwrap()
            .expect("the installation is remembered");
        assert_eq!(contact.user.0, member.id);
        assert_eq!(
            contact.conversation.map(|c| c.as_str().to_owned()),
            teams.connector().conversation_with(&member.id)
        );
        assert_eq!(teams.connector().calls_to("/members/").len(), 1);
        app.stop().await.unwrap();
    }

    #[tokio::test]
    async fn a_teams_worlds_engine_delivers_a_card_to_a_known_teams_contact() {
        let world = World::builder()
            .platforms([ChatPlatform::Teams, ChatPlatform::Slack])
            .build()
            .await
            .unwrap();
        let teams = world.teams().unwrap();
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = Person::in_coupa(&world.coupa, "daniel@example.com", "Daniel", "Okafor");
        daniel.join(&world.slack);
        let member = teams.installed(&daniel, &*world.store).await.unwrap();
        let conversation = teams.connector().conversation_for(&member.id);
        world.coupa.add_requisition(NewRequisition::standing_desks(
            requester,
            vec![vec![StepApprover::User(daniel.coupa_id)]],
        ));

        world.engine().unwrap().reconcile().await.unwrap();

        let posted = teams.connector().activities(&conversation);
        assert_eq!(posted.len(), 1, "{posted:?}");
        assert!(posted[0].activity.to_string().contains(&world.coupa_url()));
        assert!(
            world.slack.posted().is_empty(),
            "Teams comes first for someone on both"
        );
    }

    #[tokio::test]
    async fn a_world_with_no_platform_is_refused() {
        let refused = World::builder().platforms([]).build().await;
        assert!(matches!(refused, Err(WorldError::NoChatPlatform)));
    }

    #[tokio::test]
    async fn a_worlds_app_accepts_requests_signed_with_the_worlds_secret() {
        let world = World::builder().build().await.unwrap();
        let app = world.start_app().await.unwrap();
        let answer = app
            .slack()
            .event(&json!({ "type": "url_verification", "token": "t", "challenge": "c-1" }))
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        assert!(answer.body.contains("c-1"), "{}", answer.body);
        app.stop().await.unwrap();
    }
}
