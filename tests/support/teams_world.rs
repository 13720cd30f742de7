//! `TeamsApp`: the real app on a random port in a world with Microsoft Teams (the Coupa sandbox,
//! the token authority and the fake Bot Connector, and the fake Slack when Slack is served too),
//! with the people the Teams end-to-end tests use, and activities signed as the Bot Framework
//! signs them.

use std::time::Duration;

use coupa_approvals::config::{ChatPlatform, Settings};
use coupa_approvals::domain::{CoupaUserId, RequisitionId};
use coupa_approvals::engine::Engine;
use coupa_approvals::sandbox::coupa::{NewRequisition, Sandbox, StepApprover};
use coupa_approvals::sandbox::people::Person;
use coupa_approvals::sandbox::slack::SlackSender;
use coupa_approvals::sandbox::teams::{
    FakeActivity, FakeConnector, FakeGraph, FakeMember, TeamsSender,
};
use coupa_approvals::sandbox::{RunningApp, World};
use coupa_approvals::store::Store;
use serde_json::Value;

use super::e2e::eventually;

/// Someone in Coupa who is on Teams.
#[derive(Clone, Debug)]
pub struct OnTeams {
    pub coupa: CoupaUserId,
    pub member: FakeMember,
}

/// A running app and the world around it: Daniel and Sofia approve on Teams, Ana on Slack (when
/// the world serves Slack), Mallory is on Teams and approves nothing.
pub struct TeamsApp {
    pub world: World,
    pub engine: Engine,
    pub requester: CoupaUserId,
    pub daniel: OnTeams,
    pub sofia: OnTeams,
    pub ana: Person,
    pub mallory: OnTeams,
    app: Option<RunningApp>,
}

/// The tests drive sync cycles themselves; the app's loop only reconciles at start.
fn tests_drive_sync(settings: &mut Settings) {
    settings.sync_interval = Duration::from_secs(86_400);
}

impl TeamsApp {
    /// Teams alone.
    pub async fn spawn() -> Self {
        Self::spawn_on(&[ChatPlatform::Teams]).await
    }

    /// The app serving `platforms` in that order; nobody has installed it in Teams yet.
    pub async fn spawn_on(platforms: &[ChatPlatform]) -> Self {
        let world = Self::world(platforms).await;
        let settings = world.settings.clone();
        Self::start(world, settings).await
    }

    /// Teams alone, installing the app through the world's fake Microsoft Graph for approvers
    /// it cannot reach, on `store` (the world's own in memory when `None`).
    pub async fn spawn_proactive(store: Option<std::sync::Arc<dyn Store>>) -> Self {
        let mut builder = World::builder()
            .platforms([ChatPlatform::Teams])
            .proactive_install()
            .settings(tests_drive_sync);
        if let Some(store) = store {
            builder = builder.store(store);
        }
        let world = builder.build().await.expect("the world starts");
        let settings = world.settings.clone();
        Self::start(world, settings).await
    }

    /// A world serving `platforms`, with the tests' people, and no app yet.
    pub async fn world(platforms: &[ChatPlatform]) -> World {
        World::builder()
            .platforms(platforms.iter().copied())
            .settings(tests_drive_sync)
            .build()
            .await
            .expect("the world starts")
    }

    /// The app in `world` with `settings`.
    pub async fn start(world: World, settings: Settings) -> Self {
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let teams = world.teams().expect("a world with Teams");
        let on_teams = |email: &str, first: &str, last: &str| {
            let person = Person::in_coupa(&world.coupa, email, first, last);
            OnTeams {
                coupa: person.coupa_id,
                member: teams.join(&person),
            }
        };
        let daniel = on_teams("daniel@example.com", "Daniel", "Okafor");
        let sofia = on_teams("sofia@example.com", "Sofia", "Berg");
        let mallory = on_teams("mallory@example.com", "Mallory", "Quinn");
        let ana = Person::in_coupa(&world.coupa, "ana@example.com", "Ana", "Ribeiro");
        ana.join(&world.slack);
        let app = world
            .start_app_with(settings)
            .await
            .expect("the app starts");
        Self {
            engine: app.engine(),
            world,
            requester,
            daniel,
            sofia,
            ana,
            mallory,
            app: Some(app),
        }
    }

    /// Stops the app gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            let _ = app.stop().await;
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.world.coupa
    }

    pub fn connector(&self) -> &FakeConnector {
        self.world.teams().expect("a world with Teams").connector()
    }

    /// The world's fake Microsoft Graph.
    pub fn graph(&self) -> &FakeGraph {
        self.world.teams().expect("a world with Teams").graph()
    }

    /// Signed activities to the app, as Teams sends them.
    pub fn teams(&self) -> &TeamsSender {
        self.app
            .as_ref()
            .and_then(RunningApp::teams)
            .expect("an app serving Teams")
    }

    /// Signed requests to the app, as Slack sends them.
    pub fn slack(&self) -> &SlackSender {
        self.app.as_ref().expect("a running app").slack()
    }

    /// Coupa approve and reject calls so far.
    pub fn puts(&self) -> usize {
        self.sandbox().count_calls("PUT", "/api/approvals/")
    }

    /// A requisition pending at its first step.
    pub fn requisition(&self, chain: Vec<Vec<StepApprover>>) -> RequisitionId {
        self.sandbox()
            .add_requisition(NewRequisition::standing_desks(self.requester, chain))
    }

    pub async fn sync(&self) {
        self.engine.sync_changes().await.unwrap();
    }

    /// `person` installs the app; returns once the bot has greeted them (so that what the bot
    /// posts next is all the test's).
    pub async fn install(&self, person: &OnTeams) {
        let answer = self.teams().install(&person.member).await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(
            eventually(|| !self.posted_to(&person.member).is_empty()).await,
            "the bot greets whoever installs it"
        );
    }

    /// Everything the bot posted in `member`'s 1:1 chat, as it stands now (deleted ones left
    /// out).
    pub fn posted_to(&self, member: &FakeMember) -> Vec<FakeActivity> {
        let Some(conversation) = self.connector().conversation_with(&member.id) else {
            return Vec::new();
        };
        self.connector()
            .activities(&conversation)
            .into_iter()
            .filter(|a| !a.deleted)
            .collect()
    }

    /// The latest card of requisition `req` in `member`'s 1:1 chat, waiting a little for it: a
    /// delivery the app's own first sync began may still be under way when a test's sync ends.
    pub async fn card_for(&self, member: &FakeMember, req: RequisitionId) -> FakeActivity {
        assert!(
            eventually(|| !self.cards_for(member, req).is_empty()).await,
            "no card of requisition {req} reached {}",
            member.id
        );
        self.cards_for(member, req)
            .pop()
            .expect("a card, as just seen")
    }

    /// The cards of requisition `req` in `member`'s 1:1 chat, as they stand now.
    pub fn cards_for(&self, member: &FakeMember, req: RequisitionId) -> Vec<FakeActivity> {
        let mark = format!("Requisition #{req}");
        self.posted_to(member)
            .into_iter()
            .filter(|a| texts(&a.activity).iter().any(|t| t.starts_with(&mark)))
            .collect()
    }
}

/// Every TextBlock's text in a posted activity or a card, in order.
pub fn texts(value: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("TextBlock") {
                    out.extend(map.get("text").and_then(Value::as_str).map(str::to_owned));
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

/// All the text of a posted activity, one TextBlock a line.
pub fn text_of(activity: &FakeActivity) -> String {
    texts(&activity.activity).join("\n")
}

/// Whether a posted card still offers Approve.
pub fn offers_approve(activity: &FakeActivity) -> bool {
    coupa_approvals::sandbox::teams::sender::action_data(&activity.activity, "approve").is_some()
}
