//! Reminders end to end: the real app in a world with Coupa, Slack and Teams, its engine's clock
//! moved by the test. Lena is on Slack in Los Angeles, Kenji on Teams in Tokyo (the zone his
//! Teams client reports); both got a card on Thursday 10 December 2026 at 08:00 in Los Angeles.
//! Their reminders come at their own 09:00 on weekdays, once a day, from one replica of two,
//! never after "stop reminders", never for what was decided, and their buttons decide.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use coupa_approvals::config::{ChatPlatform, Settings};
use coupa_approvals::domain::{ApprovalId, RequisitionId};
use coupa_approvals::engine::Clock;
use coupa_approvals::engine::reminders::ReminderReport;
use coupa_approvals::sandbox::coupa::{Fault, NewRequisition, StepApprover};
use coupa_approvals::sandbox::people::Person;
use coupa_approvals::sandbox::slack::{FakeMessage, requests::Actor};
use coupa_approvals::sandbox::teams::FakeMember;
use coupa_approvals::sandbox::{RunningApp, World};
use coupa_approvals::store::{MemoryStore, Store};
use jiff::Timestamp;
use serde_json::{Value, json};
use support::RedisNamespace;
use support::e2e::{NOWHERE, eventually, unique_id};

const LOS_ANGELES: &str = "America/Los_Angeles";
const TOKYO: &str = "Asia/Tokyo";

/// `y-m-d h:m` on the wall clocks of `zone`.
fn at(zone: &str, (y, m, d): (i16, i8, i8), (h, min): (i8, i8)) -> Timestamp {
    jiff::civil::date(y, m, d)
        .at(h, min, 0, 0)
        .in_tz(zone)
        .expect("a known zone")
        .timestamp()
}

/// When the cards are sent: Thursday 10 December 2026, 08:00 in Los Angeles.
fn cards_sent() -> Timestamp {
    at(LOS_ANGELES, (2026, 12, 10), (8, 0))
}

/// A clock the test sets.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new(start: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(start.as_millisecond())))
    }

    fn set(&self, to: Timestamp) {
        self.0.store(to.as_millisecond(), Ordering::SeqCst);
    }

    fn clock(&self) -> Clock {
        let now = self.0.clone();
        Arc::new(move || {
            Timestamp::from_millisecond(now.load(Ordering::SeqCst)).unwrap_or(Timestamp::MIN)
        })
    }
}

/// The world, its people and one running app.
struct Scene {
    world: World,
    clock: TestClock,
    app: RunningApp,
    lena: Person,
    kenji: Person,
    kenji_on_teams: FakeMember,
    requester: coupa_approvals::domain::CoupaUserId,
}

/// The tests drive sync and reminders themselves unless they ask for the loop.
fn tests_drive(settings: &mut Settings) {
    settings.sync_interval = Duration::from_secs(86_400);
}

impl Scene {
    /// The world on `store`, the app started with `tune`d settings, both people known to it,
    /// and one pending requisition for each, its card sent at [`cards_sent`].
    async fn new(store: Arc<dyn Store>, tune: fn(&mut Settings)) -> Self {
        let clock = TestClock::new(cards_sent());
        let world = World::builder()
            .platforms([ChatPlatform::Teams, ChatPlatform::Slack])
            .store(store.clone())
            .clock(clock.clock())
            .settings(tune)
            .build()
            .await
            .expect("the world starts");
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let lena = Person::in_coupa(&world.coupa, "lena@example.com", "Lena", "Park");
        lena.join(&world.slack);
        world.slack.set_time_zone(&lena.slack_id, LOS_ANGELES);
        let kenji = Person::in_coupa(&world.coupa, "kenji@example.com", "Kenji", "Sato");
        let teams = world.teams().expect("Teams is served");
        let mut kenji_on_teams = teams.join(&kenji);
        kenji_on_teams.time_zone = Some(TOKYO.to_owned());
        let app = world.start_app().await.expect("the app starts");
        // The app's sync loop runs a first cycle as it starts; the requisitions come after it,
        // so that the cycles below, which the test drives, are the ones that deliver them.
        for _ in 0..200 {
            if store.last_sync_success().await.ok().flatten().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let installed = app
            .teams()
            .expect("Teams")
            .install(&kenji_on_teams)
            .await
            .unwrap();
        assert_eq!(installed.status, 200, "{}", installed.body);
        let scene = Self {
            world,
            clock,
            app,
            lena,
            kenji,
            kenji_on_teams,
            requester,
        };
        scene.requisition_for(&scene.lena);
        scene.requisition_for(&scene.kenji);
        scene.app.engine().reconcile().await.unwrap();
        assert_eq!(scene.cards_of_lena().len(), 1, "Lena's card");
        assert_eq!(
            scene.teams_messages_with("Standing desks").len(),
            1,
            "Kenji's card"
        );
        scene
    }

    fn requisition_for(&self, person: &Person) -> RequisitionId {
        self.world
            .coupa
            .add_requisition(NewRequisition::standing_desks(
                self.requester,
                vec![vec![StepApprover::User(person.coupa_id)]],
            ))
    }

    /// The bot's messages in Lena's DM.
    fn cards_of_lena(&self) -> Vec<FakeMessage> {
        self.world
            .slack
            .conversation(&self.lena.slack_id)
            .into_iter()
            .filter(|m| {
                m.only_for.is_none() && m.from_user.is_none() && !m.text.starts_with("Reminder:")
            })
            .collect()
    }

    /// Lena's reminders, oldest first.
    fn lenas_reminders(&self) -> Vec<FakeMessage> {
        self.world
            .slack
            .conversation(&self.lena.slack_id)
            .into_iter()
            .filter(|m| m.from_user.is_none() && m.text.starts_with("Reminder:"))
            .collect()
    }

    /// Everything the bot sent Kenji in Teams that mentions `text`.
    fn teams_messages_with(&self, text: &str) -> Vec<Value> {
        let connector = self.world.teams().expect("Teams").connector();
        let conversation = connector.conversation_for(&self.kenji_on_teams.id);
        connector
            .activities(&conversation)
            .into_iter()
            .map(|a| a.activity)
            .filter(|a| a.to_string().contains(text))
            .collect()
    }

    /// Kenji's reminders.
    fn kenjis_reminders(&self) -> Vec<Value> {
        self.teams_messages_with("Reminder:")
    }

    /// (Lena's, Kenji's) reminders so far.
    fn counts(&self) -> (usize, usize) {
        (self.lenas_reminders().len(), self.kenjis_reminders().len())
    }

    /// Moves the clock to `when` and runs a reminder pass.
    async fn remind_at(&self, when: Timestamp) -> ReminderReport {
        self.clock.set(when);
        self.app.engine().remind().await.expect("a reminder pass")
    }

    /// Lena sends the bot `text` in a DM, signed as Slack signs it.
    async fn lena_says(&self, text: &str) {
        let event = coupa_approvals::sandbox::slack::requests::direct_message(
            &Actor::from_id(&self.lena.slack_id),
            &coupa_approvals::sandbox::slack::dm_channel(&self.lena.slack_id),
            text,
            "1700000000.000100",
            &unique_id(),
            1_700_000_000,
        );
        let answer = self.app.slack().event(&event).await.unwrap();
        assert_eq!(answer.status, 200);
    }

    /// What the bot last said to Lena that is neither a card nor a reminder.
    fn last_reply_to_lena(&self) -> Option<String> {
        self.world
            .slack
            .conversation(&self.lena.slack_id)
            .into_iter()
            .rfind(|m| m.from_user.is_none() && !m.blocks.to_string().contains("Approve"))
            .map(|m| m.blocks.to_string())
    }

    async fn stop(self) {
        self.app.stop().await.unwrap();
    }
}

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

#[tokio::test]
async fn los_angeles_and_tokyo_get_their_reminder_at_their_own_nine_oclock_on_weekdays_once_a_day()
{
    let scene = Scene::new(memory(), tests_drive).await;
    let la = |day, time| at(LOS_ANGELES, (2026, 12, day), time);
    let tokyo = |day, time| at(TOKYO, (2026, 12, day), time);

    // Friday 08:59 in Los Angeles (Saturday in Tokyo): not yet.
    let report = scene.remind_at(la(11, (8, 59))).await;
    assert_eq!(scene.counts(), (0, 0), "{report:?}");
    assert_eq!(report.due, 2);
    // Friday 09:00 in Los Angeles: Lena's; Kenji's Saturday has none.
    scene.remind_at(la(11, (9, 0))).await;
    assert_eq!(scene.counts(), (1, 0));
    // Later that Friday, and Friday 16:00 (Saturday 09:00 in Tokyo): nothing more.
    scene.remind_at(la(11, (12, 0))).await;
    scene.remind_at(tokyo(12, (9, 0))).await;
    assert_eq!(scene.counts(), (1, 0));
    // Saturday 10:00 in Los Angeles: a weekend.
    scene.remind_at(la(12, (10, 0))).await;
    assert_eq!(scene.counts(), (1, 0));
    // Monday 08:59 in Tokyo (Sunday in Los Angeles): not yet; 09:00: Kenji's.
    scene.remind_at(tokyo(14, (8, 59))).await;
    assert_eq!(scene.counts(), (1, 0));
    let report = scene.remind_at(tokyo(14, (9, 0))).await;
    assert_eq!(scene.counts(), (1, 1), "{report:?}");
    // Monday 09:00 in Los Angeles: Lena's second; Kenji's Tuesday 02:00 has none.
    scene.remind_at(la(14, (9, 0))).await;
    assert_eq!(scene.counts(), (2, 1));

    // What each says: a reminder heading, then the list with its buttons and a link.
    let lenas = scene.lenas_reminders().pop().unwrap();
    let blocks = lenas.blocks.to_string();
    assert!(
        lenas.text.contains("1 requisition is waiting"),
        "{}",
        lenas.text
    );
    assert!(blocks.contains("*Reminder:*"), "{blocks}");
    assert!(blocks.contains("Standing desks"), "{blocks}");
    assert!(
        blocks.contains("\"approve\"") && blocks.contains("\"deny\""),
        "{blocks}"
    );
    let kenjis = scene.kenjis_reminders().pop().unwrap().to_string();
    assert!(kenjis.contains("**Reminder:**"), "{kenjis}");
    assert!(kenjis.contains("Standing desks"), "{kenjis}");
    assert!(
        kenjis.contains("Approve") && kenjis.contains("Deny"),
        "{kenjis}"
    );
    scene.stop().await;
}

#[tokio::test]
async fn two_replicas_on_one_redis_send_each_reminder_once_and_a_restart_sends_none_again() {
    let namespace = RedisNamespace::new("reminders-replicas");
    // Both replicas run their sync loops every second: the leader's loop sends reminders.
    let scene = Scene::new(namespace.arc_store(), |settings| {
        settings.sync_interval = Duration::from_secs(1);
    })
    .await;
    let second = scene
        .world
        .start_app_with(scene.world.settings.clone())
        .await
        .expect("a second replica starts");
    assert!(eventually(|| scene.app.is_leader() ^ second.is_leader()).await);

    // Friday 09:00 in Los Angeles: the leader's next cycle sends Lena's reminder.
    scene.clock.set(at(LOS_ANGELES, (2026, 12, 11), (9, 0)));
    assert!(
        eventually(|| scene.counts().0 == 1).await,
        "the loop sends it"
    );
    // Both replicas asked at once, and a restarted engine: nothing more.
    let (first_engine, second_engine) = (scene.app.engine(), second.engine());
    let (a, b) = tokio::join!(first_engine.remind(), second_engine.remind());
    let restarted = scene.world.engine().unwrap().remind().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(scene.counts(), (1, 0));
    assert_eq!(a.unwrap().sent + b.unwrap().sent + restarted.sent, 0);
    assert_eq!(restarted.already, 1, "{restarted:?}");

    // Monday 09:00 in Tokyo: Kenji's, once, whichever replica leads.
    scene.clock.set(at(TOKYO, (2026, 12, 14), (9, 0)));
    assert!(eventually(|| scene.counts() == (1, 1)).await);
    let (first_engine, second_engine) = (scene.app.engine(), second.engine());
    let (a, b) = tokio::join!(first_engine.remind(), second_engine.remind());
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 0);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(scene.counts(), (1, 1));
    second.stop().await.unwrap();
    scene.stop().await;
}

#[tokio::test]
async fn after_stop_reminders_none_come_until_start_reminders_and_the_choice_is_kept() {
    let scene = Scene::new(memory(), tests_drive).await;
    scene.lena_says("stop reminders").await;
    assert!(
        eventually(|| scene
            .last_reply_to_lena()
            .is_some_and(|r| r.contains("no more reminders")))
        .await,
        "{:?}",
        scene.last_reply_to_lena()
    );
    let teams = scene.app.teams().expect("Teams");
    let answer = teams
        .message(&scene.kenji_on_teams, "stop reminders")
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(eventually(|| !scene.teams_messages_with("no more reminders").is_empty()).await);

    // Monday 09:00 in Tokyo, Monday 09:00 in Los Angeles: none, even from a restarted engine.
    let report = scene.remind_at(at(TOKYO, (2026, 12, 14), (9, 0))).await;
    assert_eq!(report.turned_off, 1, "{report:?}");
    scene.clock.set(at(LOS_ANGELES, (2026, 12, 14), (9, 0)));
    let report = scene.world.engine().unwrap().remind().await.unwrap();
    // Lena turned them off; it is 02:00 on Tuesday for Kenji.
    assert_eq!(
        (report.turned_off, report.outside_hours),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(scene.counts(), (0, 0));

    scene.lena_says("start reminders").await;
    assert!(
        eventually(|| scene
            .last_reply_to_lena()
            .is_some_and(|r| r.contains("Reminders are on")))
        .await
    );
    scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 14), (9, 5)))
        .await;
    assert_eq!(scene.counts(), (1, 0), "Lena's again; Kenji's still off");
    scene.stop().await;
}

#[tokio::test]
async fn a_reminders_approve_button_approves_in_coupa_exactly_once() {
    let scene = Scene::new(memory(), tests_drive).await;
    scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 0)))
        .await;
    let reminder = scene.lenas_reminders().pop().expect("Lena's reminder");
    let click = coupa_approvals::sandbox::slack::requests::click_on(
        &Actor::from_id(&scene.lena.slack_id),
        &reminder,
        "approve",
        NOWHERE,
    )
    .expect("an Approve button on the reminder");
    let (first, second) = tokio::join!(
        scene.app.slack().interaction(&click),
        scene.app.slack().interaction(&click)
    );
    assert_eq!((first.unwrap().status, second.unwrap().status), (200, 200));
    let puts = || scene.world.coupa.count_calls("PUT", "/api/approvals/");
    assert!(eventually(|| puts() == 1).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(puts(), 1, "one approve in Coupa");
    let requisitions = scene.world.coupa.requisition_ids();
    let lenas = requisitions[0];
    assert_eq!(
        scene.world.coupa.requisition_status(lenas).as_deref(),
        Some("approved")
    );
    // Her card says so, and Monday brings no reminder: nothing waits on her.
    assert!(
        eventually(|| scene.cards_of_lena()[0]
            .blocks
            .to_string()
            .contains("Approved"))
        .await
    );
    let report = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 14), (9, 0)))
        .await;
    assert_eq!(scene.counts().0, 1, "{report:?}");
    scene.stop().await;
}

#[tokio::test]
async fn a_reminder_leaves_out_what_was_decided_in_coupa_before_it_and_nothing_waiting_sends_nothing()
 {
    let scene = Scene::new(memory(), tests_drive).await;
    // A second requisition for Lena, then her first one approved in Coupa itself before the
    // reminder, with no sync since: the reminder reads Coupa live.
    let second = scene.requisition_for(&scene.lena);
    scene.app.engine().sync_changes().await.unwrap();
    let first = scene.world.coupa.requisition_ids()[0];
    let first_approval: ApprovalId = scene.world.coupa.current_approval(first).unwrap();
    scene
        .world
        .coupa
        .approve_in_coupa(first_approval, scene.lena.coupa_id)
        .unwrap();

    scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 0)))
        .await;
    let reminder = scene.lenas_reminders().pop().expect("Lena's reminder");
    let blocks = reminder.blocks.to_string();
    assert!(reminder.text.contains("1 requisition"), "{}", reminder.text);
    assert!(blocks.contains(&format!("#{second}")), "{blocks}");
    assert!(!blocks.contains(&format!("#{first}")), "{blocks}");

    // Kenji's approved in Coupa too: on his Monday, nothing is sent.
    let kenjis = scene.world.coupa.requisition_ids()[1];
    let approval = scene.world.coupa.current_approval(kenjis).unwrap();
    scene
        .world
        .coupa
        .approve_in_coupa(approval, scene.kenji.coupa_id)
        .unwrap();
    let report = scene.remind_at(at(TOKYO, (2026, 12, 14), (9, 0))).await;
    assert_eq!(report.nothing_waiting, 1, "{report:?}");
    assert_eq!(scene.counts().1, 0);
    scene.stop().await;
}

#[tokio::test]
async fn when_coupa_cannot_be_read_no_reminder_is_sent_and_a_later_cycle_sends_it() {
    let scene = Scene::new(memory(), tests_drive).await;
    scene.world.coupa.inject(Fault::status("/api/", 400, 1_000));
    let report = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 0)))
        .await;
    assert_eq!(report.failed, 1, "{report:?}");
    assert_eq!(scene.counts(), (0, 0), "no stale or empty reminder");
    scene.world.coupa.clear_faults();
    let report = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 1)))
        .await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(scene.counts(), (1, 0));
    scene.stop().await;
}

#[tokio::test]
async fn remind_after_hours_zero_turns_reminders_off() {
    let scene = Scene::new(memory(), |settings| {
        tests_drive(settings);
        settings.reminders.after = Duration::ZERO;
    })
    .await;
    let report = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 14), (9, 0)))
        .await;
    assert_eq!(report, ReminderReport::default());
    assert_eq!(scene.counts(), (0, 0));
    scene.stop().await;
}

#[tokio::test]
async fn app_home_offers_stop_reminders_and_its_button_turns_them_off() {
    let scene = Scene::new(memory(), tests_drive).await;
    let lena = &scene.lena.slack_id;
    let opened = json!({
        "type": "event_callback", "team_id": "T0DEMO", "api_app_id": "A0DEMO",
        "event_id": unique_id(), "event_time": 1,
        "event": { "type": "app_home_opened", "user": lena, "channel": "D1", "tab": "home" },
    });
    assert_eq!(scene.app.slack().event(&opened).await.unwrap().status, 200);
    let home = || {
        scene
            .world
            .slack
            .home_of(lena)
            .map(|h| h.to_string())
            .unwrap_or_default()
    };
    assert!(
        eventually(|| home().contains("reminders_stop")).await,
        "{}",
        home()
    );
    assert!(home().contains("Reminders are on"), "{}", home());

    let click = json!({
        "type": "block_actions", "team": { "id": "T0DEMO" }, "api_app_id": "A0DEMO",
        "user": { "id": lena, "team_id": "T0DEMO" }, "trigger_id": "t-1",
        "container": { "type": "view", "view_id": "V1" },
        "actions": [{ "action_id": "reminders_stop", "block_id": "b", "type": "button",
                      "value": "reminders_stop", "action_ts": "1" }],
    });
    assert_eq!(
        scene.app.slack().interaction(&click).await.unwrap().status,
        200
    );
    assert!(
        eventually(|| home().contains("reminders_start")).await,
        "{}",
        home()
    );
    assert!(home().contains("Reminders are off"), "{}", home());
    let report = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 0)))
        .await;
    assert_eq!(report.turned_off, 1, "{report:?}");
    assert_eq!(scene.counts().0, 0);
    scene.stop().await;
}

/// The `Action.Submit` titled `title` for `approval` anywhere in `card`: its data.
fn list_submit(card: &Value, approval: u64, title: &str) -> Option<Value> {
    match card {
        Value::Object(map) => {
            if map.get("type") == Some(&json!("Action.Submit"))
                && map.get("title") == Some(&json!(title))
                && map["data"]["a"].as_u64() == Some(approval)
            {
                return Some(map["data"].clone());
            }
            map.values().find_map(|v| list_submit(v, approval, title))
        }
        Value::Array(items) => items.iter().find_map(|v| list_submit(v, approval, title)),
        _ => None,
    }
}

#[tokio::test]
async fn approve_on_a_teams_reminder_approves_in_coupa_once_and_says_so_in_the_chat() {
    let scene = Scene::new(memory(), tests_drive).await;
    scene.remind_at(at(TOKYO, (2026, 12, 14), (9, 0))).await;
    let kenjis = scene.world.coupa.requisition_ids()[1];
    let approval = scene.world.coupa.current_approval(kenjis).unwrap();
    let reminder = scene.kenjis_reminders().pop().expect("Kenji's reminder");
    let data = list_submit(&reminder, approval.0, "Approve").expect("Approve on the reminder");
    let teams = scene.app.teams().expect("Teams");
    for _ in 0..2 {
        let answer = teams
            .submit(&scene.kenji_on_teams, data.clone())
            .await
            .unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let puts = || scene.world.coupa.count_calls("PUT", "/api/approvals/");
    assert!(eventually(|| puts() == 1).await);
    assert!(eventually(|| !scene.teams_messages_with("Approved in Coupa.").is_empty()).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(puts(), 1, "one approve in Coupa");
    assert_eq!(
        scene.world.coupa.requisition_status(kenjis).as_deref(),
        Some("approved")
    );
    scene.stop().await;
}

/// A list of `count` items, oldest first.
fn snapshot(count: u64) -> coupa_approvals::domain::records::PendingSnapshot {
    use coupa_approvals::domain::records::{PendingItem, PendingSnapshot};
    use coupa_approvals::domain::{Fingerprint, Money};
    PendingSnapshot {
        as_of: cards_sent(),
        items: (1..=count)
            .map(|n| PendingItem {
                approval: ApprovalId(1000 + n),
                requisition: RequisitionId(n),
                fingerprint: Fingerprint(format!("f{n}")),
                title: format!("Requisition number {n}"),
                total: Money {
                    amount: rust_decimal::Decimal::from(100 * n),
                    currency: "USD".into(),
                },
                requester: Some("Marta Kowalski".into()),
                submitted_at: Some(cards_sent()),
                delegate_for: None,
            })
            .collect(),
    }
}

#[test]
fn a_reminder_shows_ten_items_with_buttons_under_its_heading_then_a_link_to_the_rest_in_slack_and_teams()
 {
    use coupa_approvals::chat::list::ListPurpose;
    use coupa_approvals::slack::blocks;
    use coupa_approvals::teams::card;
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let list = snapshot(12);
    let issued_at = at(LOS_ANGELES, (2026, 12, 11), (9, 0));

    let slack = blocks::purpose_list(
        ListPurpose::Reminder,
        &list,
        &blocks::ListOptions {
            stale: false,
            issued_at,
            confirm_above: None,
            coupa: &coupa,
            shown: 10,
            max_blocks: blocks::limits::MESSAGE_BLOCKS,
        },
    );
    let text = serde_json::to_value(&slack.blocks).unwrap().to_string();
    assert_eq!(
        slack.text,
        "Reminder: 12 requisitions are waiting for your approval"
    );
    assert!(slack.blocks.len() <= blocks::limits::MESSAGE_BLOCKS);
    let first = serde_json::to_value(&slack.blocks[0]).unwrap().to_string();
    assert!(
        first.contains("*Reminder:*"),
        "the heading comes first: {first}"
    );
    assert_eq!(
        text.matches("\"action_id\":\"approve\"").count(),
        10,
        "{text}"
    );
    assert!(text.contains("#10"), "{text}");
    assert!(!text.contains("#11"), "{text}");
    assert!(text.contains("…and 2 more"), "{text}");
    assert!(text.contains("https://acme.coupahost.com"), "{text}");

    let teams = card::purpose_list(
        ListPurpose::Reminder,
        &list,
        &card::ListOptions {
            issued_at,
            confirm_above: None,
            coupa: &coupa,
            shown: 10,
        },
    );
    let json = teams.card.to_string();
    assert_eq!(
        teams.summary,
        "Reminder: 12 requisitions are waiting for your approval"
    );
    assert_eq!(teams.card["fallbackText"], teams.summary);
    assert!(
        teams.card["body"][0]["text"]
            .as_str()
            .unwrap()
            .contains("**Reminder:**"),
        "{json}"
    );
    assert_eq!(json.matches("\"title\":\"Approve\"").count(), 10, "{json}");
    assert!(json.contains("Requisition number 10") && !json.contains("Requisition number 11"));
    assert!(json.contains("https://acme.coupahost.com"), "{json}");
}

#[tokio::test]
async fn many_people_due_at_the_same_nine_oclock_each_get_exactly_one_reminder() {
    let scene = Scene::new(memory(), tests_drive).await;
    let people: Vec<Person> = (1..=9)
        .map(|n| {
            let person = Person::in_coupa(
                &scene.world.coupa,
                &format!("approver{n}@example.com"),
                &format!("Approver{n}"),
                "Okafor",
            );
            person.join(&scene.world.slack);
            scene
                .world
                .slack
                .set_time_zone(&person.slack_id, LOS_ANGELES);
            scene.requisition_for(&person);
            scene.requisition_for(&person);
            person
        })
        .collect();
    scene.app.engine().sync_changes().await.unwrap();

    let report = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 0)))
        .await;
    assert_eq!(report.sent, 10, "Lena and the nine: {report:?}");
    let again = scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 1)))
        .await;
    assert_eq!(again.sent, 0, "{again:?}");
    for person in &people {
        let reminders: Vec<FakeMessage> = scene
            .world
            .slack
            .conversation(&person.slack_id)
            .into_iter()
            .filter(|m| m.text.starts_with("Reminder:"))
            .collect();
        assert_eq!(reminders.len(), 1, "{}", person.slack_id);
        assert!(
            reminders[0].text.contains("2 requisitions"),
            "{}",
            reminders[0].text
        );
    }
    scene.stop().await;
}

#[tokio::test]
async fn a_reminders_selection_approves_what_was_ticked_in_coupa_once_after_the_confirmation() {
    use coupa_approvals::slack::several::{APPROVE_SELECTED, SELECT_BLOCK, SELECT_INPUT};
    let scene = Scene::new(memory(), tests_drive).await;
    scene
        .remind_at(at(LOS_ANGELES, (2026, 12, 11), (9, 0)))
        .await;
    let reminder = scene.lenas_reminders().pop().expect("Lena's reminder");
    let ticked: Vec<Value> = reminder
        .blocks
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["block_id"] == SELECT_BLOCK)
        .flat_map(|b| {
            b["elements"][0]["options"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        ticked.len(),
        1,
        "the reminder offers its item: {}",
        reminder.blocks
    );
    let mut press = coupa_approvals::sandbox::slack::requests::click_on(
        &Actor::from_id(&scene.lena.slack_id),
        &reminder,
        APPROVE_SELECTED,
        NOWHERE,
    )
    .expect("Approve selected on the reminder");
    press["state"] = json!({ "values": { SELECT_BLOCK: { SELECT_INPUT: {
        "type": "checkboxes", "selected_options": ticked,
    } } } });
    let answer = scene.app.slack().interaction(&press).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(eventually(|| scene.world.slack.modals().len() == 1).await);
    let view = scene
        .world
        .slack
        .modals()
        .pop()
        .expect("the confirmation")
        .view;
    assert!(
        view.to_string()
            .contains("Approve *1 requisition*, *USD 7,420.50* in total?"),
        "{view}"
    );
    let puts = || scene.world.coupa.count_calls("PUT", "/api/approvals/");
    assert_eq!(puts(), 0, "nothing before the confirmation");
    let confirm = coupa_approvals::sandbox::slack::requests::view_submission(
        &Actor::from_id(&scene.lena.slack_id),
        &view,
        "V0SEVERAL",
        "trigger-confirm",
        &[],
    );
    let answer = scene.app.slack().interaction(&confirm).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(eventually(|| puts() == 1).await);
    let lenas = scene.world.coupa.requisition_ids()[0];
    assert_eq!(
        scene.world.coupa.requisition_status(lenas).as_deref(),
        Some("approved")
    );
    assert!(
        eventually(|| scene
            .world
            .slack
            .ephemerals_for(&scene.lena.slack_id)
            .iter()
            .any(|t| t == "Approved 1 of 1 requisition"))
        .await,
        "{:?}",
        scene.world.slack.ephemerals_for(&scene.lena.slack_id)
    );
    scene.stop().await;
}
