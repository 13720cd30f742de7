//! Backlog digests, end to end with signed requests against the Coupa sandbox, on Slack and on
//! Teams: a person one sync would send more than `DIGEST_ABOVE` new cards gets one digest and the
//! newest three as cards; each item of the digest is a recorded card, decided under every rule
//! and kept true like one.

use crate::support;

use std::time::Duration;

use coupa_approvals::domain::records::DeliveredCard;
use coupa_approvals::domain::{ApprovalId, ChatUserId, RequisitionId};
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::sandbox::slack::FakeMessage;
use coupa_approvals::sandbox::slack::requests::{self, Actor, Click};
use coupa_approvals::slack::payload::ButtonValue;
use coupa_approvals::store::Store;
use coupa_approvals::teams::card::ActionData;
use serde_json::Value;
use support::RedisNamespace;
use support::e2e::{NOWHERE, TestApp, eventually};
use support::teams_world::{TeamsApp, offers_approve, text_of};

/// Waits for the app's own first cycle (its reconcile at start) to end, so that the test's sync
/// is the one that meets the backlog (two cycles at once would share its cards between them).
async fn first_cycle_done(store: &dyn coupa_approvals::store::Store) {
    for _ in 0..200 {
        if store.last_sync_success().await.unwrap().is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the app's first cycle did not end");
}

/// `count` requisitions waiting for Daniel alone, oldest first, once the app's first cycle is
/// done.
async fn backlog(app: &TestApp, count: usize) -> Vec<RequisitionId> {
    first_cycle_done(app.store.as_ref()).await;
    (0..count)
        .map(|_| app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]))
        .collect()
}

/// The bot's messages in `user`'s DM that are digests: they open with a section, not a header.
fn digests(app: &TestApp, user: &str) -> Vec<FakeMessage> {
    app.cards_of(user)
        .into_iter()
        .filter(|m| m.blocks[0]["type"] == "section")
        .collect()
}

/// The bot's approval cards in `user`'s DM: they open with a header.
fn own_cards(app: &TestApp, user: &str) -> Vec<FakeMessage> {
    app.cards_of(user)
        .into_iter()
        .filter(|m| m.blocks[0]["type"] == "header")
        .collect()
}

/// The approvals whose `action` button `message` offers, in order.
fn offered(message: &FakeMessage, action: &str) -> Vec<ApprovalId> {
    buttons(message, action)
        .iter()
        .filter_map(|(b, _)| ButtonValue::decode(b["value"].as_str()?))
        .map(|v| v.approval)
        .collect()
}

fn buttons(message: &FakeMessage, action: &str) -> Vec<(Value, String)> {
    let mut found = Vec::new();
    for block in message.blocks.as_array().into_iter().flatten() {
        for element in block["elements"].as_array().into_iter().flatten() {
            if element["action_id"] == action {
                found.push((
                    element.clone(),
                    block["block_id"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    found
}

/// `user` clicking `action` on `approval`'s item of the digest `message`.
async fn click_item(
    app: &TestApp,
    user: &str,
    message: &FakeMessage,
    approval: ApprovalId,
    action: &str,
) -> reqwest::Response {
    let (button, block_id) = buttons(message, action)
        .into_iter()
        .find(|(b, _)| {
            b["value"]
                .as_str()
                .and_then(ButtonValue::decode)
                .is_some_and(|v| v.approval == approval)
        })
        .unwrap_or_else(|| panic!("no {action} for {approval} in {}", message.blocks));
    let click = Click {
        action_id: action.to_owned(),
        block_id,
        value: button["value"].as_str().unwrap_or_default().to_owned(),
        text: button["text"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    let payload = requests::block_actions(
        &Actor::from_id(user),
        &message.into(),
        &click,
        &requests::trigger_id(),
        NOWHERE,
        jiff::Timestamp::now().as_millisecond() as f64 / 1000.0,
    );
    app.interaction(&payload).await
}

/// The current approval of each of `requisitions`.
fn approvals(app: &TestApp, requisitions: &[RequisitionId]) -> Vec<ApprovalId> {
    requisitions
        .iter()
        .map(|r| app.sandbox().current_approval(*r).unwrap())
        .collect()
}

/// Every card recorded for each of `approvals`.
async fn recorded(app: &TestApp, approvals: &[ApprovalId]) -> Vec<DeliveredCard> {
    let mut all = Vec::new();
    for approval in approvals {
        all.extend(app.store.cards(*approval).await.unwrap());
    }
    all
}

/// The text of the item of `approval` in a digest: its section, before its buttons.
fn item_text(message: &FakeMessage, approval: ApprovalId) -> String {
    let blocks = message.blocks.as_array().unwrap();
    for (i, block) in blocks.iter().enumerate() {
        let mentions = block["elements"].as_array().into_iter().flatten().any(|e| {
            e["value"]
                .as_str()
                .and_then(ButtonValue::decode)
                .is_some_and(|v| v.approval == approval)
        });
        if mentions {
            return blocks[i - 1].to_string();
        }
    }
    String::new()
}

#[tokio::test]
async fn a_first_sync_with_a_backlog_of_nine_sends_one_digest_and_three_cards_with_nine_recorded_copies()
 {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 9).await;
    app.sync().await;

    let digest = digests(&app, "UDANIEL");
    assert_eq!(digest.len(), 1, "one digest");
    let cards = own_cards(&app, "UDANIEL");
    assert_eq!(cards.len(), 3, "the newest three as cards of their own");
    let approvals = approvals(&app, &requisitions);
    assert_eq!(
        offered(&digest[0], "approve"),
        approvals[..6],
        "the six oldest, oldest first"
    );
    assert_eq!(offered(&digest[0], "deny"), approvals[..6]);
    let carded: Vec<ApprovalId> = cards.iter().flat_map(|c| offered(c, "approve")).collect();
    assert_eq!(carded, approvals[6..]);
    assert!(
        digest[0]
            .blocks
            .to_string()
            .contains("*6 requisitions* arrived"),
        "{}",
        digest[0].blocks
    );

    let copies = recorded(&app, &approvals).await;
    assert_eq!(copies.len(), 9, "exactly one recorded copy per approval");
    let in_digest: Vec<&DeliveredCard> = copies.iter().filter(|c| c.digest.is_some()).collect();
    assert_eq!(in_digest.len(), 6);
    assert!(
        in_digest
            .iter()
            .all(|c| c.message.id() == digest[0].ts && c.recipient == ChatUserId::from("UDANIEL"))
    );
    // The next sync sends nothing more.
    app.sync().await;
    assert_eq!(app.cards_of("UDANIEL").len(), 4);
}

#[tokio::test]
async fn approving_an_item_of_a_digest_calls_coupa_once_and_shows_it_decided_beside_the_rest() {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 9).await;
    app.sync().await;
    let approvals = approvals(&app, &requisitions);
    let digest = digests(&app, "UDANIEL").pop().unwrap();
    let chosen = approvals[2];

    let ack = click_item(&app, "UDANIEL", &digest, chosen, "approve").await;
    assert_eq!(ack.status(), 200);
    let puts = || app.sandbox().count_calls("PUT", "/api/approvals/");
    assert!(eventually(|| puts() == 1).await, "Coupa was called");
    assert_eq!(
        app.sandbox().approval_status(chosen).as_deref(),
        Some("approved")
    );
    let decided = || {
        digests(&app, "UDANIEL")
            .pop()
            .is_some_and(|d| !offered(&d, "approve").contains(&chosen))
    };
    assert!(eventually(decided).await, "the digest was edited");
    let now = digests(&app, "UDANIEL").pop().unwrap();
    assert_eq!(now.ts, digest.ts, "edited in place");
    let rest: Vec<ApprovalId> = approvals[..6]
        .iter()
        .copied()
        .filter(|a| *a != chosen)
        .collect();
    assert_eq!(offered(&now, "approve"), rest, "the others still decidable");
    let status = now.blocks.to_string();
    assert!(
        status.contains("*Approved* by Daniel Okafor in Slack"),
        "{status}"
    );
    assert_eq!(own_cards(&app, "UDANIEL").len(), 3, "no card replaced it");

    // The same click again (a client that had not redrawn) does not call Coupa again.
    click_item(&app, "UDANIEL", &digest, chosen, "approve").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(puts(), 1);
}

#[tokio::test]
async fn a_click_on_a_digest_item_by_someone_else_is_refused_without_calling_coupa() {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 7).await;
    app.sync().await;
    let approvals = approvals(&app, &requisitions);
    let digest = digests(&app, "UDANIEL").pop().unwrap();

    click_item(&app, &app.sofia.slack, &digest, approvals[0], "approve").await;
    assert!(eventually(|| !app.fake().ephemerals_for(&app.sofia.slack).is_empty()).await);
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 0);
    assert_eq!(
        app.sandbox().approval_status(approvals[0]).as_deref(),
        Some("pending_approval")
    );
}

#[tokio::test]
async fn an_item_decided_in_coupa_itself_is_shown_decided_in_the_digest_at_the_next_sync() {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 8).await;
    app.sync().await;
    let approvals = approvals(&app, &requisitions);
    let digest = digests(&app, "UDANIEL").pop().unwrap();
    assert_eq!(offered(&digest, "approve").len(), 5);

    app.sandbox()
        .approve_in_coupa(approvals[1], app.daniel.coupa)
        .unwrap();
    app.sync().await;

    let now = digests(&app, "UDANIEL").pop().unwrap();
    assert_eq!(now.ts, digest.ts);
    assert_eq!(
        offered(&now, "approve"),
        [approvals[0], approvals[2], approvals[3], approvals[4]]
    );
    assert!(
        item_text(&now, approvals[0]).contains("Standing desks"),
        "{}",
        now.blocks
    );
    assert!(
        now.blocks.to_string().contains("*Approved in Coupa*"),
        "{}",
        now.blocks
    );
    assert!(
        now.blocks
            .to_string()
            .contains("*4* of these 5 requisitions still wait"),
        "{}",
        now.blocks
    );
    assert_eq!(
        app.sandbox().count_calls("PUT", "/api/approvals/"),
        0,
        "nothing decided by the bot"
    );
    // The settled approval's record is settled like any card's.
    assert!(app.store.cards(approvals[1]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_person_at_the_threshold_gets_cards_of_their_own() {
    let app = TestApp::spawn().await;
    backlog(&app, 5).await;
    app.sync().await;
    assert!(digests(&app, "UDANIEL").is_empty());
    assert_eq!(own_cards(&app, "UDANIEL").len(), 5);
}

#[tokio::test]
async fn digest_above_zero_sends_every_card_on_its_own() {
    let app = TestApp::spawn_with(
        std::sync::Arc::new(coupa_approvals::store::MemoryStore::new()),
        |s| s.digest_above = 0,
    )
    .await;
    backlog(&app, 8).await;
    app.sync().await;
    assert!(digests(&app, "UDANIEL").is_empty());
    assert_eq!(own_cards(&app, "UDANIEL").len(), 8);
}

#[tokio::test]
async fn a_backlog_longer_than_a_digest_holds_comes_as_several_each_item_listed_once() {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 16).await;
    app.sync().await;
    let approvals = approvals(&app, &requisitions);
    let digests = digests(&app, "UDANIEL");
    assert_eq!(digests.len(), 2, "thirteen items, evenly in two");
    assert_eq!(offered(&digests[0], "approve"), approvals[..7]);
    assert_eq!(offered(&digests[1], "approve"), approvals[7..13]);
    assert_eq!(own_cards(&app, "UDANIEL").len(), 3);
    assert_eq!(recorded(&app, &approvals).await.len(), 16);
}

#[tokio::test]
async fn two_replicas_post_one_digest() {
    let namespace = RedisNamespace::new("digest-replicas");
    let fast = |s: &mut coupa_approvals::config::Settings| {
        s.sync_interval = Duration::from_secs(1);
    };
    let a = TestApp::spawn_with(namespace.arc_store(), fast).await;
    let b = a.another(fast).await;
    assert!(eventually(|| a.is_leader() || b.is_leader()).await);
    let requisitions = backlog(&a, 9).await;
    let arrived = || digests(&a, "UDANIEL").len() == 1 && own_cards(&a, "UDANIEL").len() == 3;
    let mut waited = 0;
    while !arrived() && waited < 40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        waited += 1;
    }
    assert!(arrived(), "{:?}", a.cards_of("UDANIEL"));
    b.sync().await;
    a.sync().await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(digests(&a, "UDANIEL").len(), 1);
    assert_eq!(a.cards_of("UDANIEL").len(), 4);
    let approvals = approvals(&a, &requisitions);
    assert_eq!(recorded(&a, &approvals).await.len(), 9);
    a.stop().await;
    b.stop().await;
}

/// The Submit actions with `verb` in a Teams card, as the data each carries.
fn submits(card: &Value, verb: &str) -> Vec<Value> {
    fn walk(value: &Value, verb: &str, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                if map.get("type") == Some(&Value::from("Action.Submit"))
                    && map["data"]["v"] == verb
                {
                    out.push(map["data"].clone());
                }
                map.values().for_each(|v| walk(v, verb, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, verb, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(card, verb, &mut out);
    out
}

fn submitted_approvals(card: &Value, verb: &str) -> Vec<ApprovalId> {
    submits(card, verb)
        .iter()
        .filter_map(ActionData::decode)
        .map(|d| d.approval)
        .collect()
}

#[tokio::test]
async fn on_teams_a_backlog_comes_as_a_digest_whose_items_decide_once_and_update_in_place() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    first_cycle_done(app.world.store.as_ref()).await;
    let requisitions: Vec<RequisitionId> = (0..9)
        .map(|_| app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]))
        .collect();
    app.sync().await;
    let approvals: Vec<ApprovalId> = requisitions
        .iter()
        .map(|r| app.sandbox().current_approval(*r).unwrap())
        .collect();

    let posted = app.posted_to(&app.daniel.member);
    let digest: Vec<_> = posted
        .iter()
        .filter(|a| text_of(a).contains("arrived for your approval at once"))
        .cloned()
        .collect();
    assert_eq!(digest.len(), 1, "one digest");
    let digest = digest[0].clone();
    assert_eq!(
        submitted_approvals(&digest.activity, "approve"),
        approvals[..6]
    );
    for req in &requisitions[6..] {
        let card = app.card_for(&app.daniel.member, *req).await;
        assert!(offers_approve(&card), "the newest three as cards");
    }
    let mut copies = 0;
    for approval in &approvals {
        copies += app.world.store.cards(*approval).await.unwrap().len();
    }
    assert_eq!(copies, 9);

    let chosen = approvals[4];
    let data = submits(&digest.activity, "approve")
        .into_iter()
        .find(|d| ActionData::decode(d).is_some_and(|a| a.approval == chosen))
        .unwrap();
    let answer = app.teams().submit(&app.daniel.member, data).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(eventually(|| app.puts() == 1).await);
    assert_eq!(
        app.sandbox().approval_status(chosen).as_deref(),
        Some("approved")
    );
    let edited = || {
        app.posted_to(&app.daniel.member)
            .into_iter()
            .find(|a| a.id == digest.id)
            .is_some_and(|a| !submitted_approvals(&a.activity, "approve").contains(&chosen))
    };
    assert!(eventually(edited).await, "the digest was replaced in place");
    let now = app
        .posted_to(&app.daniel.member)
        .into_iter()
        .find(|a| a.id == digest.id)
        .unwrap();
    let rest: Vec<ApprovalId> = approvals[..6]
        .iter()
        .copied()
        .filter(|a| *a != chosen)
        .collect();
    assert_eq!(submitted_approvals(&now.activity, "approve"), rest);
    assert!(
        text_of(&now).contains("**Approved** by Daniel Okafor in Teams"),
        "{}",
        text_of(&now)
    );

    // A refresh or a late invoke for that item is answered with the whole digest, not its card.
    let refresh = ActionData {
        verb: "refresh".into(),
        ..ActionData::decode(&submits(&digest.activity, "approve")[0]).unwrap()
    };
    let answer = app
        .teams()
        .invoke_action(
            &app.daniel.member,
            "refresh",
            serde_json::to_value(&refresh).unwrap(),
        )
        .await
        .unwrap();
    let body = answer.json().unwrap();
    assert_eq!(
        body["value"]["body"][0]["text"],
        "**5** of these 6 requisitions still wait for your approval:",
        "{body}"
    );

    // Decided in Coupa: the next sync edits the digest again.
    app.sandbox()
        .approve_in_coupa(approvals[0], app.daniel.coupa)
        .unwrap();
    app.sync().await;
    let now = app
        .posted_to(&app.daniel.member)
        .into_iter()
        .find(|a| a.id == digest.id)
        .unwrap();
    assert_eq!(
        submitted_approvals(&now.activity, "approve"),
        approvals[1..6]
            .iter()
            .copied()
            .filter(|a| *a != chosen)
            .collect::<Vec<_>>()
    );
    assert!(
        text_of(&now).contains("**Approved in Coupa**"),
        "{}",
        text_of(&now)
    );
    assert_eq!(app.puts(), 1);
    app.stop().await;
}

#[tokio::test]
async fn two_cycles_at_once_on_a_backlog_post_each_item_once() {
    let world = support::engine_world::World::new().await;
    let (a, b) = (world.sim.engine().unwrap(), world.sim.engine().unwrap());
    world.chat.slow_posts(Duration::from_millis(20));
    for _ in 0..20 {
        world.requisition();
    }
    let (ra, rb) = tokio::join!(a.reconcile(), b.reconcile());
    ra.unwrap();
    rb.unwrap();
    let (ra, rb) = tokio::join!(a.sync_changes(), b.sync_changes());
    ra.unwrap();
    rb.unwrap();

    let daniel = &world.daniel.1;
    let mut shown: Vec<ApprovalId> = world
        .chat
        .cards_of(daniel)
        .into_iter()
        .map(|(_, card)| card.approval)
        .collect();
    let digests = world.chat.digests_of(daniel);
    assert!(!digests.is_empty());
    shown.extend(
        digests
            .iter()
            .flat_map(|(_, items)| items.iter().map(|card| card.approval)),
    );
    shown.sort();
    let count = shown.len();
    shown.dedup();
    assert_eq!(count, 20, "every approval shown once: {shown:?}");
    assert_eq!(shown.len(), 20);
    for approval in shown {
        assert_eq!(world.store.cards(approval).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn an_item_whose_requisition_changes_says_so_in_the_digest_and_its_new_version_comes_as_a_card()
 {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 8).await;
    app.sync().await;
    let approvals = approvals(&app, &requisitions);
    let digest = digests(&app, "UDANIEL").pop().unwrap();

    app.sandbox()
        .set_line_amount(requisitions[0], 1, rust_decimal::Decimal::new(60_000, 2));
    app.sync().await;

    let now = digests(&app, "UDANIEL").pop().unwrap();
    assert_eq!(now.ts, digest.ts);
    assert_eq!(offered(&now, "approve"), approvals[1..5], "{}", now.blocks);
    assert!(
        now.blocks.to_string().contains(":pencil2:"),
        "{}",
        now.blocks
    );
    let cards = own_cards(&app, "UDANIEL");
    assert_eq!(cards.len(), 4, "the new version as a card of its own");
    assert_eq!(offered(&cards[3], "approve"), [approvals[0]]);
    let copies = app.store.cards(approvals[0]).await.unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].digest, None, "the new card is its own");
}

#[tokio::test]
async fn deny_on_a_digest_item_asks_for_a_reason_and_the_digest_shows_it_denied() {
    let app = TestApp::spawn().await;
    let requisitions = backlog(&app, 7).await;
    app.sync().await;
    let approvals = approvals(&app, &requisitions);
    let digest = digests(&app, "UDANIEL").pop().unwrap();
    let chosen = approvals[1];

    click_item(&app, "UDANIEL", &digest, chosen, "deny").await;
    assert!(
        eventually(|| !app.fake().modals().is_empty()).await,
        "a reason is asked for"
    );
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 0);
    app.submit_deny("UDANIEL", "Over the quarter's budget")
        .await;
    assert!(
        eventually(|| app.sandbox().approval_status(chosen).as_deref() == Some("rejected")).await
    );
    let note = app.sandbox().approval_note(chosen).unwrap_or_default();
    assert!(note.contains("Over the quarter's budget"), "{note}");
    let denied = || {
        digests(&app, "UDANIEL")
            .pop()
            .is_some_and(|d| !offered(&d, "deny").contains(&chosen))
    };
    assert!(eventually(denied).await);
    let now = digests(&app, "UDANIEL").pop().unwrap();
    assert!(
        now.blocks
            .to_string()
            .contains(":x: *Rejected* by Daniel Okafor in Slack"),
        "{}",
        now.blocks
    );
    assert_eq!(offered(&now, "approve").len(), 3);
}

#[tokio::test]
async fn a_digest_posted_by_a_cycle_that_died_before_recording_it_is_found_and_recorded_not_sent_again()
 {
    use coupa_approvals::domain::records::PendingDelivery;

    let world = support::engine_world::World::new().await;
    let engine = world.sim.engine().unwrap();
    for _ in 0..8 {
        world.requisition();
    }
    engine.reconcile().await.unwrap();
    let daniel = world.daniel.1.clone();
    let (message, items) = world.chat.digests_of(&daniel).pop().unwrap();
    assert_eq!(items.len(), 5);
    let posts = world.chat.posts();

    // As a process that died between the post and the records would leave it: each item's
    // delivery begun an hour ago, and no card recorded.
    for item in &items {
        let card = world.store.cards(item.approval).await.unwrap().remove(0);
        world.store.delete_cards(item.approval).await.unwrap();
        let left = PendingDelivery {
            attempt: format!("died-{}", item.approval),
            recipient: daniel.clone(),
            fingerprint: card.fingerprint.clone(),
            started_at: jiff::Timestamp::now() - jiff::SignedDuration::from_secs(3600),
            shown: card.shown.clone(),
            delegate_for: None,
            digest: card.digest.clone(),
        };
        assert!(
            world
                .store
                .begin_delivery(item.approval, None, &left, Duration::from_secs(3600))
                .await
                .unwrap()
        );
    }
    engine.reconcile().await.unwrap();

    assert_eq!(world.chat.posts(), posts, "nothing sent again");
    for item in &items {
        let cards = world.store.cards(item.approval).await.unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(
            cards[0].message, message,
            "the digest is recorded as the card"
        );
        assert!(cards[0].digest.is_some());
    }
    // And it is kept true: an item decided in Coupa shows so in the digest.
    world
        .sim
        .coupa
        .approve_in_coupa(items[0].approval, world.daniel.0)
        .unwrap();
    engine.reconcile().await.unwrap();
    let (_, now) = world.chat.digests_of(&daniel).pop().unwrap();
    assert_ne!(
        now[0].state,
        coupa_approvals::chat::card::CardState::Pending
    );
    assert!(
        now[1..]
            .iter()
            .all(|c| c.state == coupa_approvals::chat::card::CardState::Pending)
    );
}
