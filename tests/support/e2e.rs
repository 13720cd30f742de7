//! `spawn_app()`: the real app on a random port against the Coupa sandbox and the fake Slack Web
//! API, plus requests signed the way Slack signs them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::app::App;
use coupa_approvals::config::Settings;
use coupa_approvals::domain::{CoupaUserId, RequisitionId};
use coupa_approvals::engine::Engine;
use coupa_approvals::sandbox::coupa::{
    NewLine, NewRequisition, RunningSandbox, Sandbox, StepApprover,
};
use coupa_approvals::sandbox::slack::{FakeMessage, FakeSlack, RunningFakeSlack, dm_channel};
use coupa_approvals::store::{MemoryStore, Store};
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub const SIGNING_SECRET: &str = "e2e-signing-secret";
pub const BOT_TOKEN: &str = "xoxb-e2e";

/// A person known to both Coupa and Slack.
#[derive(Clone, Debug)]
pub struct Person {
    pub coupa: CoupaUserId,
    pub slack: String,
}

/// A running app and the fakes around it.
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub coupa: Arc<RunningSandbox>,
    pub slack: Arc<RunningFakeSlack>,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub http: reqwest::Client,
    pub requester: CoupaUserId,
    pub daniel: Person,
    pub sofia: Person,
    pub ana: Person,
    pub mallory: String,
    /// Whether this instance holds the sync lease.
    pub leading: Arc<std::sync::atomic::AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The settings of an app pointed at these fakes.
pub fn settings(
    coupa: &RunningSandbox,
    slack: &RunningFakeSlack,
    extra: &[(&str, &str)],
) -> Settings {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("SLACK_BOT_TOKEN".into(), BOT_TOKEN.into()),
        ("SLACK_SIGNING_SECRET".into(), SIGNING_SECRET.into()),
        ("SLACK_API_URL".into(), slack.api_url()),
        ("COUPA_INSTANCE_URL".into(), coupa.url()),
        ("COUPA_CLIENT_ID".into(), "client".into()),
        ("COUPA_CLIENT_SECRET".into(), "secret".into()),
        ("BIND_ADDR".into(), "127.0.0.1:0".into()),
        // Tests drive sync cycles themselves; the loop only reconciles at start.
        ("SYNC_INTERVAL_SECS".into(), "86400".into()),
    ]);
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    Settings::from_lookup(&|name| vars.get(name).cloned()).expect("valid test settings")
}

impl TestApp {
    /// The app on a memory store.
    pub async fn spawn() -> Self {
        Self::spawn_with(Arc::new(MemoryStore::new()), &[]).await
    }

    pub async fn spawn_with(store: Arc<dyn Store>, extra: &[(&str, &str)]) -> Self {
        let sandbox = Sandbox::new("client", "secret");
        let fake = FakeSlack::new(BOT_TOKEN);
        let requester = sandbox.add_user("marta@example.com", "Marta", "Kowalski");
        let person = |email: &str, first: &str, last: &str, slack: &str| {
            fake.add_user(slack, &format!("{first} {last}"), email);
            Person {
                coupa: sandbox.add_user(email, first, last),
                slack: slack.to_owned(),
            }
        };
        let daniel = person("daniel@example.com", "Daniel", "Okafor", "UDANIEL");
        let sofia = person("sofia@example.com", "Sofia", "Berg", "USOFIA");
        let ana = person("ana@example.com", "Ana", "Ribeiro", "UANA");
        fake.add_user("UMALLORY", "Mallory", "mallory@example.com");
        let coupa = Arc::new(sandbox.serve().await.unwrap());
        let slack = Arc::new(fake.serve().await.unwrap());
        let mut app = Self::start(coupa, slack, store, extra).await;
        app.requester = requester;
        app.daniel = daniel;
        app.sofia = sofia;
        app.ana = ana;
        app
    }

    /// Another instance (a restart, or a second replica) on the same fakes and store.
    pub async fn another(&self, extra: &[(&str, &str)]) -> Self {
        let mut app = Self::start(
            self.coupa.clone(),
            self.slack.clone(),
            self.store.clone(),
            extra,
        )
        .await;
        app.requester = self.requester;
        app.daniel = self.daniel.clone();
        app.sofia = self.sofia.clone();
        app.ana = self.ana.clone();
        app
    }

    async fn start(
        coupa: Arc<RunningSandbox>,
        slack: Arc<RunningFakeSlack>,
        store: Arc<dyn Store>,
        extra: &[(&str, &str)],
    ) -> Self {
        let app = App::build_with_store(settings(&coupa, &slack, extra), store.clone())
            .await
            .unwrap();
        let addr = app.local_addr();
        let engine = app.engine();
        let leading = app.leading();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until_stopped(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        let nobody = Person {
            coupa: CoupaUserId(0),
            slack: String::new(),
        };
        Self {
            addr,
            coupa,
            slack,
            store,
            engine,
            http: reqwest::Client::new(),
            requester: CoupaUserId(0),
            daniel: nobody.clone(),
            sofia: nobody.clone(),
            ana: nobody,
            mallory: "UMALLORY".into(),
            leading,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the app gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub fn is_leader(&self) -> bool {
        self.leading.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.coupa.sandbox
    }

    pub fn fake(&self) -> &FakeSlack {
        &self.slack.slack
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A requisition pending at its first step.
    pub fn requisition(&self, chain: Vec<Vec<StepApprover>>) -> RequisitionId {
        self.sandbox().add_requisition(NewRequisition {
            title: "Standing desks".into(),
            requested_by: self.requester,
            currency: "USD".into(),
            lines: vec![
                NewLine::quantity("Desk", 12, Decimal::new(58_500, 2), "Ergonomica"),
                NewLine::amount("Delivery", Decimal::new(40_050, 2), "Ergonomica"),
            ],
            justification: Some("New floor".into()),
            department: Some("Engineering".into()),
            need_by: Some("2026-12-20".into()),
            chain,
        })
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

    /// Sends a signed request the way Slack does.
    pub async fn signed(
        &self,
        path: &str,
        content_type: &str,
        body: String,
        extra: &[(&str, String)],
    ) -> reqwest::Response {
        let ts = jiff::Timestamp::now().as_second().to_string();
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", sign(SIGNING_SECRET, &ts, &body));
        for (k, v) in extra {
            request = request.header(*k, v);
        }
        request.body(body).send().await.unwrap()
    }

    pub async fn interaction(&self, payload: &Value) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish();
        self.signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            body,
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

/// `v0=` + hex(HMAC-SHA256(secret, "v0:{ts}:{body}")), as Slack signs.
pub fn sign(secret: &str, ts: &str, body: &str) -> String {
    coupa_approvals::sandbox::slack::signing::signature(
        secret,
        ts.parse().expect("a Unix timestamp"),
        body,
    )
    .expect("any key signs")
}

/// The value of the `action` button on a card message.
pub fn button_value(message: &FakeMessage, action: &str) -> String {
    message
        .blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == action)
        .and_then(|e| e["value"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {action} button on {:?}", message.blocks))
}

/// All the text a message shows.
pub fn text_of(message: &FakeMessage) -> String {
    message.blocks.to_string()
}

pub fn block_actions(user: &str, message: &FakeMessage, action: &str) -> Value {
    json!({
        "type": "block_actions",
        "team": { "id": "T0DEMO", "domain": "demo" },
        "user": { "id": user, "team_id": "T0DEMO", "username": user.to_lowercase(), "name": user.to_lowercase() },
        "api_app_id": "A0APP",
        "container": { "type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": false },
        "trigger_id": format!("trigger-{}", uuid::Uuid::new_v4().simple()),
        "channel": { "id": message.channel, "name": "directmessage" },
        "message": { "type": "message", "ts": message.ts, "text": message.text, "user": "U0BOT", "blocks": message.blocks },
        "response_url": "http://127.0.0.1:9/response/1",
        "actions": [{
            "type": "button",
            "action_id": action,
            "block_id": "actions",
            "value": button_value(message, action),
            "action_ts": "1700000000.000001",
            "text": { "type": "plain_text", "text": action },
        }],
    })
}

pub fn view_submission(user: &str, view: &Value, reason: &str) -> Value {
    json!({
        "type": "view_submission",
        "team": { "id": "T0DEMO", "domain": "demo" },
        "user": { "id": user, "team_id": "T0DEMO", "username": user.to_lowercase(), "name": user.to_lowercase() },
        "api_app_id": "A0APP",
        "trigger_id": "trigger-submit",
        "view": {
            "id": "V0DEMO",
            "team_id": "T0DEMO",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": { "values": { "reason": { "reason_input": { "type": "plain_text_input", "value": reason } } } },
            "hash": "1",
            "title": view["title"],
            "blocks": [],
        },
    })
}

pub fn message_event(user: &str, text: &str, event_id: &str) -> Value {
    json!({
        "type": "event_callback",
        "team_id": "T0DEMO",
        "api_app_id": "A0APP",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": dm_channel(user),
            "user": user,
            "text": text,
            "ts": "1700000000.000100",
        },
    })
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
