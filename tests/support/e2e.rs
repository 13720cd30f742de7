//! `TestApp`: the real app on a random port in a simulated world (the Coupa sandbox and the fake
//! Slack Web API), with the people the end-to-end tests use, and requests signed the way Slack
//! signs them.

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::config::Settings;
use coupa_approvals::domain::{CoupaUserId, RequisitionId};
use coupa_approvals::engine::Engine;
use coupa_approvals::sandbox::coupa::{NewRequisition, Sandbox, StepApprover};
use coupa_approvals::sandbox::slack::requests::{self, Actor};
use coupa_approvals::sandbox::slack::{FakeMessage, FakeSlack, SlackSender, dm_channel};
use coupa_approvals::sandbox::{RunningApp, World};
use coupa_approvals::store::{MemoryStore, Store};
use serde_json::Value;

/// Where clicks' `response_url`s point: nothing listens there.
pub const NOWHERE: &str = "http://127.0.0.1:9/response/1";

/// A person known to both Coupa and Slack.
#[derive(Clone, Debug)]
pub struct Person {
    pub coupa: CoupaUserId,
    pub slack: String,
}

/// A running app and the world around it.
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub world: Arc<World>,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub http: reqwest::Client,
    pub requester: CoupaUserId,
    pub daniel: Person,
    pub sofia: Person,
    pub ana: Person,
    pub mallory: String,
    app: Option<RunningApp>,
}

/// The tests drive sync cycles themselves; the app's loop only reconciles at start.
fn tests_drive_sync(settings: &mut Settings) {
    settings.sync_interval = Duration::from_secs(86_400);
}

impl TestApp {
    /// The app on a memory store.
    pub async fn spawn() -> Self {
        Self::spawn_with(Arc::new(MemoryStore::new()), |_| {}).await
    }

    /// The app on `store`, its settings changed by `tune`.
    pub async fn spawn_with(store: Arc<dyn Store>, tune: impl FnOnce(&mut Settings)) -> Self {
        let world = World::builder()
            .store(store)
            .settings(tests_drive_sync)
            .build()
            .await
            .expect("the world starts");
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let person = |email: &str, first: &str, last: &str| {
            let person = coupa_approvals::sandbox::people::Person::in_coupa(
                &world.coupa,
                email,
                first,
                last,
            );
            person.join(&world.slack);
            Person {
                coupa: person.coupa_id,
                slack: person.slack_id,
            }
        };
        let daniel = person("daniel@example.com", "Daniel", "Okafor");
        let sofia = person("sofia@example.com", "Sofia", "Berg");
        let ana = person("ana@example.com", "Ana", "Ribeiro");
        world
            .slack
            .add_user("UMALLORY", "Mallory", "mallory@example.com");
        let mut app = Self::start(Arc::new(world), tune).await;
        app.requester = requester;
        app.daniel = daniel;
        app.sofia = sofia;
        app.ana = ana;
        app
    }

    /// Another instance (a restart, or a second replica) in the same world, on the same store.
    pub async fn another(&self, tune: impl FnOnce(&mut Settings)) -> Self {
        let mut app = Self::start(self.world.clone(), tune).await;
        app.requester = self.requester;
        app.daniel = self.daniel.clone();
        app.sofia = self.sofia.clone();
        app.ana = self.ana.clone();
        app
    }

    async fn start(world: Arc<World>, tune: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = world.settings.clone();
        tune(&mut settings);
        let app = world
            .start_app_with(settings)
            .await
            .expect("the app starts");
        let nobody = Person {
            coupa: CoupaUserId(0),
            slack: String::new(),
        };
        Self {
            addr: app.addr,
            store: world.store.clone(),
            engine: app.engine(),
            world,
            http: reqwest::Client::new(),
            requester: CoupaUserId(0),
            daniel: nobody.clone(),
            sofia: nobody.clone(),
            ana: nobody,
            mallory: "UMALLORY".into(),
            app: Some(app),
        }
    }

    /// Stops the app gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            let _ = app.stop().await;
        }
    }

    pub fn is_leader(&self) -> bool {
        self.app.as_ref().is_some_and(RunningApp::is_leader)
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.world.coupa
    }

    pub fn fake(&self) -> &FakeSlack {
        &self.world.slack
    }

    /// Signed requests to this app, as Slack sends them.
    pub fn sender(&self) -> &SlackSender {
        self.app.as_ref().expect("a running app").slack()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A requisition pending at its first step.
    pub fn requisition(&self, chain: Vec<Vec<StepApprover>>) -> RequisitionId {
        self.sandbox()
            .add_requisition(NewRequisition::standing_desks(self.requester, chain))
    }

    pub async fn sync(&self) {
        self.engine.sync_changes().await.unwrap();
    }

    /// The bot's cards in `user`'s DM, as they stand now.
    pub fn cards_of(&self, user: &str) -> Vec<FakeMessage> {
        self.fake()
            .conversation(user)
            .into_iter()
            .filter(|m| m.only_for.is_none() && m.from_user.is_none() && m.blocks.is_array())
            .collect()
    }

    /// The card for requisition `req` in `user`'s DM with the bot.
    pub fn card_for(&self, user: &str, req: RequisitionId) -> FakeMessage {
        self.cards_of(user)
            .into_iter()
            .find(|c| text_of(c).contains(&format!("#{req}")))
            .expect("a card for the requisition")
    }

    /// The signature Slack would send with `body` at `ts` (Unix seconds).
    pub fn signature(&self, ts: &str, body: &str) -> String {
        self.sender()
            .signature(ts.parse().expect("a Unix timestamp"), body)
            .expect("any key signs")
    }

    /// Sends a signed request the way Slack does.
    pub async fn signed(
        &self,
        path: &str,
        content_type: &str,
        body: String,
        extra: &[(&str, String)],
    ) -> reqwest::Response {
        let mut request = self
            .sender()
            .request(path, content_type, body)
            .expect("any key signs");
        for (k, v) in extra {
            request = request.header(*k, v);
        }
        request.send().await.unwrap()
    }

    pub async fn interaction(&self, payload: &Value) -> reqwest::Response {
        self.signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            requests::form_body(payload),
            &[],
        )
        .await
    }

    pub async fn event(&self, event: &Value) -> reqwest::Response {
        self.signed("/slack/events", "application/json", event.to_string(), &[])
            .await
    }

    /// Clicks `action` ("approve" or "deny") on `message` as `user`.
    pub async fn click(
        &self,
        user: &str,
        message: &FakeMessage,
        action: &str,
    ) -> reqwest::Response {
        self.interaction(&block_actions(user, message, action))
            .await
    }

    /// Submits the deny modal last opened, as `user`, with `reason`.
    pub async fn submit_deny(&self, user: &str, reason: &str) -> reqwest::Response {
        let modal = self.fake().modals().pop().expect("a modal was opened");
        self.interaction(&view_submission(user, &modal.view, reason))
            .await
    }

    /// A DM from `user` to the bot.
    pub async fn say(&self, user: &str, text: &str) -> reqwest::Response {
        self.event(&message_event(user, text, &unique_id())).await
    }
}

pub fn unique_id() -> String {
    format!("Ev{}", uuid::Uuid::new_v4().simple())
}

/// All the text a message shows.
pub fn text_of(message: &FakeMessage) -> String {
    message.blocks.to_string()
}

/// `user` clicking the `action` button of `message`, now.
pub fn block_actions(user: &str, message: &FakeMessage, action: &str) -> Value {
    requests::click_on(&Actor::from_id(user), message, action, NOWHERE)
        .unwrap_or_else(|| panic!("no {action} button on {:?}", message.blocks))
}

/// `user` submitting the deny modal `view` with `reason`.
pub fn view_submission(user: &str, view: &Value, reason: &str) -> Value {
    requests::view_submission(
        &Actor::from_id(user),
        view,
        "V0DEMO",
        "trigger-submit",
        &[("reason".into(), "reason_input".into(), reason.into())],
    )
}

/// A DM from `user` to the bot, as an Events API callback.
pub fn message_event(user: &str, text: &str, event_id: &str) -> Value {
    requests::direct_message(
        &Actor::from_id(user),
        &dm_channel(user),
        text,
        "1700000000.000100",
        event_id,
        1_700_000_000,
    )
}

/// Polls `check` every 25 ms for up to 5 s.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}
