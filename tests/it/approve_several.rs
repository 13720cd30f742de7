//! Approving several at once, end to end with signed requests against the Coupa sandbox: on
//! Slack (checkboxes on "what's pending", Approve selected, the confirmation modal, one reply) and
//! on Teams (a multi-select on the list, the confirmation card, Approve N, one result card). Each
//! item goes through the full decide path: Coupa gets exactly one approve per item that passes,
//! and the reply says which were refused and why.

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::chat::selection::Selected;
use coupa_approvals::config::ChatPlatform;
use coupa_approvals::domain::{Money, RequisitionId};
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::sandbox::slack::FakeMessage;
use coupa_approvals::sandbox::slack::requests::{self, Actor};
use coupa_approvals::sandbox::teams::FakeActivity;
use coupa_approvals::slack::payload::ButtonValue;
use coupa_approvals::slack::several::{APPROVE_SELECTED, SELECT_BLOCK, SELECT_INPUT};
use coupa_approvals::store::MemoryStore;
use coupa_approvals::teams::card::several::{CONFIRMED, SELECTED, SELECTION_INPUT};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::e2e::{NOWHERE, TestApp, eventually, text_of};
use crate::support::teams_world::{TeamsApp, texts};

/// Coupa approve and reject calls so far.
fn puts(app: &TestApp) -> usize {
    app.sandbox().count_calls("PUT", "/api/approvals/")
}

/// The app with `CONFIRM_ABOVE_AMOUNT=10000` (each sandbox requisition is USD 7,420.50), its own
/// first sync cycle done, so that the test's cycles are the ones that deliver its requisitions.
async fn slack_app() -> TestApp {
    let app = TestApp::spawn_with(Arc::new(MemoryStore::new()), |settings| {
        settings.confirm_above_amount = Some(10_000.into())
    })
    .await;
    first_cycle_done(app.store.as_ref()).await;
    app
}

/// Asks for "what's pending" as `user` and returns the list the bot posted.
async fn slack_list(app: &TestApp, user: &str) -> FakeMessage {
    let before = app.fake().conversation(user).len();
    assert_eq!(app.say(user, "what's pending?").await.status(), 200);
    let list = || {
        app.fake()
            .conversation(user)
            .into_iter()
            .skip(before)
            .find(|m| m.text.contains("waiting for your approval"))
    };
    assert!(eventually(|| list().is_some()).await, "no list was posted");
    list().expect("a list, as just seen")
}

/// The checkbox options the list offers, by requisition.
fn offered(list: &FakeMessage) -> Vec<(RequisitionId, String)> {
    list.blocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["block_id"] == SELECT_BLOCK)
        .flat_map(|b| b["elements"][0]["options"].as_array().unwrap().clone())
        .map(|o| {
            let value = o["value"].as_str().unwrap().to_owned();
            (Selected::decode(&value).unwrap().requisition, value)
        })
        .collect()
}

/// The values offered for `reqs`, in that order.
fn values_for(list: &FakeMessage, reqs: &[RequisitionId]) -> Vec<String> {
    let offered = offered(list);
    reqs.iter()
        .map(|req| {
            offered
                .iter()
                .find(|(r, _)| r == req)
                .unwrap_or_else(|| panic!("#{req} is not offered"))
                .1
                .clone()
        })
        .collect()
}

/// `user` pressing Approve selected on `list` with the options whose values are `ticked`, as
/// Slack sends it: the click, and the message's state with the ticked options.
fn press_approve_selected(user: &str, list: &FakeMessage, ticked: &[String]) -> Value {
    let mut payload = requests::click_on(&Actor::from_id(user), list, APPROVE_SELECTED, NOWHERE)
        .expect("the list offers Approve selected");
    let options: Vec<Value> = ticked
        .iter()
        .map(|value| json!({ "text": { "type": "plain_text", "text": "an item" }, "value": value }))
        .collect();
    payload["state"] = json!({ "values": { SELECT_BLOCK: { SELECT_INPUT: {
        "type": "checkboxes", "selected_options": options,
    } } } });
    payload
}

/// `user` submitting the confirmation modal `view`.
fn confirm(user: &str, view: &Value) -> Value {
    requests::view_submission(
        &Actor::from_id(user),
        view,
        "V0SEVERAL",
        "trigger-confirm",
        &[],
    )
}

/// The reply to a selection, shown to `user` alone: what came of each item.
fn slack_outcome(app: &TestApp, user: &str) -> Option<String> {
    app.fake()
        .conversation(user)
        .into_iter()
        .rev()
        .find(|m| m.only_for.as_deref() == Some(user) && m.text.starts_with("Approved "))
        .map(|m| text_of(&m))
}

/// Presses Approve selected with `ticked` and returns the confirmation modal that opened.
async fn open_confirmation(
    app: &TestApp,
    user: &str,
    list: &FakeMessage,
    ticked: &[String],
) -> Value {
    let before = app.fake().modals().len();
    let pressed = app
        .interaction(&press_approve_selected(user, list, ticked))
        .await;
    assert_eq!(pressed.status(), 200);
    assert!(
        eventually(|| app.fake().modals().len() > before).await,
        "the confirmation opened"
    );
    app.fake()
        .modals()
        .pop()
        .expect("a modal, as just seen")
        .view
}

#[tokio::test]
async fn slack_approves_the_selected_items_once_each_with_the_attribution_after_one_confirmation() {
    let app = slack_app().await;
    let daniel = app.daniel.coupa;
    let reqs: Vec<RequisitionId> = (0..3)
        .map(|_| app.requisition(vec![vec![StepApprover::User(daniel)]]))
        .collect();
    app.sync().await;
    let approvals: Vec<_> = reqs
        .iter()
        .map(|r| app.sandbox().current_approval(*r).unwrap())
        .collect();
    let list = slack_list(&app, "UDANIEL").await;
    assert_eq!(offered(&list).len(), 3, "{}", text_of(&list));

    let view = open_confirmation(&app, "UDANIEL", &list, &values_for(&list, &reqs[..2])).await;
    assert!(
        view.to_string()
            .contains("Approve *2 requisitions*, *USD 14,841.00* in total?"),
        "{view}"
    );
    assert_eq!(puts(&app), 0, "nothing is approved before the confirmation");

    assert_eq!(
        app.interaction(&confirm("UDANIEL", &view)).await.status(),
        200
    );
    assert!(eventually(|| slack_outcome(&app, "UDANIEL").is_some()).await);
    assert_eq!(puts(&app), 2);
    for approval in &approvals[..2] {
        assert_eq!(
            app.sandbox().approval_note(*approval).as_deref(),
            Some("Approved in Slack by Daniel Okafor <daniel@example.com>")
        );
    }
    assert_eq!(
        app.sandbox().approval_status(approvals[2]).as_deref(),
        Some("pending_approval")
    );
    let outcome = slack_outcome(&app, "UDANIEL").unwrap();
    assert!(
        outcome.contains("Approved *2 requisitions* in Coupa"),
        "{outcome}"
    );
    for req in &reqs[..2] {
        assert!(outcome.contains(&format!("#{req} ")), "{outcome}");
    }
    // Each approval's own card says it was approved, as after a click on it.
    assert!(
        eventually(|| app
            .cards_of("UDANIEL")
            .iter()
            .filter(|c| text_of(c).contains("Approved* by Daniel Okafor in Slack"))
            .count()
            == 2)
        .await
    );
}

#[tokio::test]
async fn slack_an_item_changed_since_the_list_is_refused_and_the_others_are_approved() {
    let app = slack_app().await;
    let daniel = app.daniel.coupa;
    let kept = app.requisition(vec![vec![StepApprover::User(daniel)]]);
    let changed = app.requisition(vec![vec![StepApprover::User(daniel)]]);
    app.sync().await;
    let list = slack_list(&app, "UDANIEL").await;
    let view =
        open_confirmation(&app, "UDANIEL", &list, &values_for(&list, &[kept, changed])).await;
    app.sandbox()
        .set_line_amount(changed, 1, Decimal::new(50_000, 2));

    app.interaction(&confirm("UDANIEL", &view)).await;
    assert!(eventually(|| slack_outcome(&app, "UDANIEL").is_some()).await);
    assert_eq!(puts(&app), 1);
    let changed_approval = app.sandbox().current_approval(changed).unwrap();
    assert_eq!(
        app.sandbox().approval_status(changed_approval).as_deref(),
        Some("pending_approval")
    );
    let outcome = slack_outcome(&app, "UDANIEL").unwrap();
    assert!(
        outcome.contains("Approved *1* of 2 requisitions"),
        "{outcome}"
    );
    assert!(
        outcome.contains(&format!("#{changed} Standing desks"))
            && outcome.contains("changed after the card was sent"),
        "{outcome}"
    );
}

#[tokio::test]
async fn slack_an_item_above_the_threshold_is_not_offered_and_a_forged_selection_of_it_is_refused_without_a_coupa_call()
 {
    let app = slack_app().await;
    let daniel = app.daniel.coupa;
    let small = app.requisition(vec![vec![StepApprover::User(daniel)]]);
    let large = app.requisition(vec![vec![StepApprover::User(daniel)]]);
    app.sandbox()
        .set_line_amount(large, 1, Decimal::new(999_900, 2));
    app.sync().await;
    let list = slack_list(&app, "UDANIEL").await;
    let offered_reqs: Vec<RequisitionId> = offered(&list).into_iter().map(|(r, _)| r).collect();
    assert_eq!(offered_reqs, vec![small], "{}", text_of(&list));
    assert!(
        text_of(&list).contains("need its own confirmation")
            || text_of(&list).contains("needs its own confirmation")
    );

    // Forged: the large item's Approve button value, carried as a selection claiming USD 1.00.
    let button = list
        .blocks
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["action_id"] == "approve")
        .filter_map(|e| ButtonValue::decode(e["value"].as_str()?))
        .find(|v| v.requisition == large)
        .expect("the large item has its own Approve");
    let forged = Selected {
        approval: button.approval,
        requisition: button.requisition,
        fingerprint: button.fingerprint,
        issued_at: button.issued_at,
        total: Money::new(Decimal::ONE, "USD"),
    }
    .encode()
    .unwrap();
    let mut ticked = values_for(&list, &[small]);
    ticked.push(forged);
    let view = open_confirmation(&app, "UDANIEL", &list, &ticked).await;
    app.interaction(&confirm("UDANIEL", &view)).await;
    assert!(eventually(|| slack_outcome(&app, "UDANIEL").is_some()).await);

    assert_eq!(puts(&app), 1, "only the small one reached Coupa");
    let large_approval = app.sandbox().current_approval(large).unwrap();
    assert_eq!(
        app.sandbox().approval_status(large_approval).as_deref(),
        Some("pending_approval")
    );
    let outcome = slack_outcome(&app, "UDANIEL").unwrap();
    assert!(outcome.contains("needs its own confirmation"), "{outcome}");
    let audit = app.store.audit(100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.approval == large_approval && e.outcome == "refused: above_bulk_limit"),
        "the forged attempt leaves a trace: {audit:?}"
    );
}

#[tokio::test]
async fn slack_a_double_submitted_confirmation_approves_each_item_once() {
    let app = slack_app().await;
    let daniel = app.daniel.coupa;
    let reqs: Vec<RequisitionId> = (0..3)
        .map(|_| app.requisition(vec![vec![StepApprover::User(daniel)]]))
        .collect();
    app.sync().await;
    let list = slack_list(&app, "UDANIEL").await;
    let view = open_confirmation(&app, "UDANIEL", &list, &values_for(&list, &reqs)).await;
    let submit = confirm("UDANIEL", &view);
    let (a, b) = tokio::join!(app.interaction(&submit), app.interaction(&submit));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert!(
        eventually(|| app
            .fake()
            .conversation("UDANIEL")
            .iter()
            .filter(|m| m.only_for.is_some() && m.text.starts_with("Approved "))
            .count()
            == 2)
        .await,
        "each submission is answered"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(puts(&app), 3, "each item approved once");
    let first = app
        .fake()
        .conversation("UDANIEL")
        .into_iter()
        .filter(|m| m.only_for.is_some() && m.text.starts_with("Approved "))
        .map(|m| m.text)
        .collect::<Vec<_>>();
    assert!(
        first.contains(&"Approved 3 of 3 requisitions".to_owned())
            && first.contains(&"Approved 0 of 3 requisitions".to_owned()),
        "one submission approves all three, the other hears they were approved: {first:?}"
    );
}

#[tokio::test]
async fn slack_an_item_another_approver_decided_meanwhile_is_reported_as_such() {
    let app = slack_app().await;
    let group = app
        .sandbox()
        .add_group("IT Approvers", &[app.daniel.coupa, app.sofia.coupa]);
    let shared = app.requisition(vec![vec![StepApprover::Group(group)]]);
    let own = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let list = slack_list(&app, "UDANIEL").await;
    let view = open_confirmation(&app, "UDANIEL", &list, &values_for(&list, &[shared, own])).await;
    let sofias = app.cards_of("USOFIA").pop().unwrap();
    app.click("USOFIA", &sofias, "approve").await;
    assert!(eventually(|| puts(&app) == 1).await);

    app.interaction(&confirm("UDANIEL", &view)).await;
    assert!(eventually(|| slack_outcome(&app, "UDANIEL").is_some()).await);
    assert_eq!(puts(&app), 2, "Sofia's approval and Daniel's own item");
    let outcome = slack_outcome(&app, "UDANIEL").unwrap();
    assert!(
        outcome.contains(&format!("#{shared} "))
            && outcome.contains("Already approved by Sofia Berg"),
        "{outcome}"
    );
}

#[tokio::test]
async fn slack_approve_selected_with_nothing_ticked_says_so_and_opens_nothing() {
    let app = slack_app().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let list = slack_list(&app, "UDANIEL").await;
    app.interaction(&press_approve_selected("UDANIEL", &list, &[]))
        .await;
    assert!(
        eventually(|| app
            .fake()
            .ephemerals_for("UDANIEL")
            .iter()
            .any(|t| t.starts_with("Nothing is selected")))
        .await
    );
    assert!(app.fake().modals().is_empty());
    assert_eq!(puts(&app), 0);
}

/// A Teams app with `CONFIRM_ABOVE_AMOUNT=10000`, Daniel installed.
async fn teams_app() -> TeamsApp {
    let world = TeamsApp::world(&[ChatPlatform::Teams]).await;
    let mut settings = world.settings.clone();
    settings.confirm_above_amount = Some(10_000.into());
    let app = TeamsApp::start(world, settings).await;
    app.install(&app.daniel).await;
    first_cycle_done(app.world.store.as_ref()).await;
    app
}

/// The first card in Daniel's chat after `before` whose summary starts with `summary`.
fn teams_card(app: &TeamsApp, before: usize, summary: &str) -> Option<FakeActivity> {
    app.posted_to(&app.daniel.member)
        .into_iter()
        .skip(before)
        .find(|a| {
            a.activity["summary"]
                .as_str()
                .is_some_and(|s| s.starts_with(summary))
        })
}

/// The choices of the list's selection, by requisition.
fn choices(list: &FakeActivity) -> Vec<(RequisitionId, String)> {
    let text = list.activity.to_string();
    let card: Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    fn walk(value: &Value, found: &mut Vec<(RequisitionId, String)>) {
        match value {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("Input.ChoiceSet") {
                    for choice in map["choices"].as_array().unwrap() {
                        let value = choice["value"].as_str().unwrap().to_owned();
                        found.push((Selected::decode(&value).unwrap().requisition, value));
                    }
                }
                map.values().for_each(|v| walk(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    walk(&card, &mut found);
    found
}

/// The data of the card action titled `title` on `activity`.
fn action_titled(activity: &FakeActivity, title: &str) -> Value {
    let text = activity.activity.to_string();
    let card: Value = serde_json::from_str(&text).unwrap();
    fn walk(value: &Value, title: &str) -> Option<Value> {
        match value {
            Value::Object(map) => {
                if map.get("title").and_then(Value::as_str) == Some(title)
                    && map.get("type").and_then(Value::as_str) == Some("Action.Submit")
                {
                    return map.get("data").cloned();
                }
                map.values().find_map(|v| walk(v, title))
            }
            Value::Array(items) => items.iter().find_map(|v| walk(v, title)),
            _ => None,
        }
    }
    walk(&card, title).unwrap_or_else(|| panic!("no {title} on {text}"))
}

#[tokio::test]
async fn teams_approves_the_selected_items_once_each_after_the_confirmation_card() {
    let app = teams_app().await;
    let daniel = app.daniel.coupa;
    let reqs: Vec<RequisitionId> = (0..3)
        .map(|_| app.requisition(vec![vec![StepApprover::User(daniel)]]))
        .collect();
    let large = app.requisition(vec![vec![StepApprover::User(daniel)]]);
    app.sandbox()
        .set_line_amount(large, 1, Decimal::new(999_900, 2));
    app.sync().await;
    let approvals: Vec<_> = reqs
        .iter()
        .map(|r| app.sandbox().current_approval(*r).unwrap())
        .collect();

    let before = app.posted_to(&app.daniel.member).len();
    app.teams()
        .message(&app.daniel.member, "what's pending?")
        .await
        .unwrap();
    assert!(eventually(|| teams_card(&app, before, "4 requisitions").is_some()).await);
    let list = teams_card(&app, before, "4 requisitions").unwrap();
    let offered = choices(&list);
    assert_eq!(
        offered.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        reqs,
        "the item above the threshold is not offered"
    );

    // Teams sends the chosen values joined by commas beside the action's data.
    let mut pressed = action_titled(&list, "Approve selected");
    assert_eq!(pressed["v"], SELECTED);
    pressed[SELECTION_INPUT] = Value::String(
        offered[..2]
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(","),
    );
    let before = app.posted_to(&app.daniel.member).len();
    app.teams()
        .submit(&app.daniel.member, pressed)
        .await
        .unwrap();
    assert!(eventually(|| teams_card(&app, before, "Approve 2 requisitions").is_some()).await);
    let confirmation = teams_card(&app, before, "Approve 2 requisitions").unwrap();
    assert!(
        texts(&confirmation.activity)
            .iter()
            .any(|t| t == "Approve **2 requisitions**, **USD 14,841.00** in total?"),
        "{:?}",
        texts(&confirmation.activity)
    );
    assert_eq!(app.puts(), 0, "nothing is approved before the confirmation");

    let approve = action_titled(&confirmation, "Approve 2");
    assert_eq!(approve["v"], CONFIRMED);
    let before = app.posted_to(&app.daniel.member).len();
    // Clicked twice: each item is still approved once.
    app.teams()
        .submit(&app.daniel.member, approve.clone())
        .await
        .unwrap();
    app.teams()
        .submit(&app.daniel.member, approve)
        .await
        .unwrap();
    let summaries = || {
        app.posted_to(&app.daniel.member)
            .into_iter()
            .skip(before)
            .map(|a| {
                a.activity["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert!(
        eventually(|| teams_card(&app, before, "Approved 2 of 2").is_some()
            && teams_card(&app, before, "Approved 0 of 2").is_some())
        .await,
        "{:?}",
        summaries()
    );
    let again = texts(
        &teams_card(&app, before, "Approved 0 of 2")
            .unwrap()
            .activity,
    )
    .join("\n");
    assert!(
        again.contains("Already approved by Daniel Okafor"),
        "{again}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.puts(), 2);
    for approval in &approvals[..2] {
        assert_eq!(
            app.sandbox().approval_note(*approval).as_deref(),
            Some("Approved in Microsoft Teams by Daniel Okafor <daniel@example.com>")
        );
    }
    let outcome = texts(
        &teams_card(&app, before, "Approved 2 of 2")
            .unwrap()
            .activity,
    )
    .join("\n");
    assert!(
        outcome.contains("Approved **2 requisitions** in Coupa"),
        "{outcome}"
    );
}

#[tokio::test]
async fn teams_a_forged_selection_above_the_threshold_and_an_empty_one_are_refused_without_a_coupa_call()
 {
    let app = teams_app().await;
    let large = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sandbox()
        .set_line_amount(large, 1, Decimal::new(999_900, 2));
    app.sync().await;
    let card = app.card_for(&app.daniel.member, large).await;
    let data = coupa_approvals::sandbox::teams::sender::action_data(&card.activity, "approve")
        .expect("the card offers Approve");
    let value: coupa_approvals::teams::card::ActionData =
        coupa_approvals::teams::card::ActionData::decode(&data).unwrap();

    let before = app.posted_to(&app.daniel.member).len();
    app.teams()
        .submit(&app.daniel.member, json!({ "v": SELECTED }))
        .await
        .unwrap();
    assert!(eventually(|| teams_card(&app, before, "Nothing is selected").is_some()).await);

    let forged = Selected {
        approval: value.approval,
        requisition: value.requisition,
        fingerprint: value.fingerprint,
        issued_at: value.issued_at,
        total: Money::new(Decimal::ONE, "USD"),
    }
    .encode()
    .unwrap();
    let before = app.posted_to(&app.daniel.member).len();
    app.teams()
        .submit(&app.daniel.member, json!({ "v": CONFIRMED, "s": forged }))
        .await
        .unwrap();
    assert!(eventually(|| teams_card(&app, before, "Approved 0 of 1").is_some()).await);
    let outcome = texts(
        &teams_card(&app, before, "Approved 0 of 1")
            .unwrap()
            .activity,
    )
    .join("\n");
    assert!(outcome.contains("needs its own confirmation"), "{outcome}");
    assert_eq!(app.puts(), 0);
}

/// Waits for the app's own first sync cycle to end, so that the test's sync meets the backlog.
async fn first_cycle_done(store: &dyn coupa_approvals::store::Store) {
    for _ in 0..200 {
        if store.last_sync_success().await.unwrap().is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the app's first cycle did not end");
}

#[tokio::test]
async fn slack_a_digests_selection_approves_the_ticked_items_once_and_the_digest_shows_them_approved()
 {
    let app = slack_app().await;
    let reqs: Vec<RequisitionId> = (0..9)
        .map(|_| app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]))
        .collect();
    app.sync().await;
    let digest = app
        .cards_of("UDANIEL")
        .into_iter()
        .find(|m| m.blocks[0]["type"] == "section")
        .expect("a digest");
    assert_eq!(
        offered(&digest)
            .into_iter()
            .map(|(r, _)| r)
            .collect::<Vec<_>>(),
        reqs[..6],
        "each waiting item of the digest is offered"
    );
    let view = open_confirmation(&app, "UDANIEL", &digest, &values_for(&digest, &reqs[1..4])).await;
    assert!(
        view.to_string()
            .contains("Approve *3 requisitions*, *USD 22,261.50* in total?"),
        "{view}"
    );
    app.interaction(&confirm("UDANIEL", &view)).await;
    assert!(eventually(|| slack_outcome(&app, "UDANIEL").is_some()).await);
    assert_eq!(puts(&app), 3);
    let outcome = slack_outcome(&app, "UDANIEL").unwrap();
    assert!(
        outcome.contains("Approved *3 requisitions* in Coupa"),
        "{outcome}"
    );
    // The digest, edited in place, offers only what still waits.
    assert!(
        eventually(|| app
            .cards_of("UDANIEL")
            .into_iter()
            .find(|m| m.ts == digest.ts)
            .is_some_and(|d| offered(&d).len() == 3))
        .await
    );
    let now = app
        .cards_of("UDANIEL")
        .into_iter()
        .find(|m| m.ts == digest.ts)
        .unwrap();
    let left: Vec<RequisitionId> = offered(&now).into_iter().map(|(r, _)| r).collect();
    assert_eq!(left, vec![reqs[0], reqs[4], reqs[5]]);
    assert_eq!(
        text_of(&now)
            .matches("Approved* by Daniel Okafor in Slack")
            .count(),
        3,
        "{}",
        text_of(&now)
    );
}

#[tokio::test]
async fn teams_a_digests_selection_approves_the_ticked_items_once() {
    let app = teams_app().await;
    let reqs: Vec<RequisitionId> = (0..9)
        .map(|_| app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]))
        .collect();
    app.sync().await;
    let digest = app
        .posted_to(&app.daniel.member)
        .into_iter()
        .find(|a| {
            texts(&a.activity)
                .iter()
                .any(|t| t.contains("arrived for your approval at once"))
        })
        .expect("a digest");
    let offered = choices(&digest);
    assert_eq!(
        offered.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        reqs[..6]
    );

    let mut pressed = action_titled(&digest, "Approve selected");
    pressed[SELECTION_INPUT] = Value::String(format!("{},{}", offered[0].1, offered[5].1));
    let before = app.posted_to(&app.daniel.member).len();
    app.teams()
        .submit(&app.daniel.member, pressed)
        .await
        .unwrap();
    assert!(eventually(|| teams_card(&app, before, "Approve 2 requisitions").is_some()).await);
    let approve = action_titled(
        &teams_card(&app, before, "Approve 2 requisitions").unwrap(),
        "Approve 2",
    );
    let before = app.posted_to(&app.daniel.member).len();
    app.teams()
        .submit(&app.daniel.member, approve)
        .await
        .unwrap();
    assert!(eventually(|| teams_card(&app, before, "Approved 2 of 2").is_some()).await);
    assert_eq!(app.puts(), 2);
    for req in [reqs[0], reqs[5]] {
        assert_eq!(
            app.sandbox().requisition_status(req).as_deref(),
            Some("approved")
        );
    }
}
