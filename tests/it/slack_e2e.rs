//! The whole flow through the running app: real signed HTTP requests from "Slack", the stateful
//! Coupa sandbox behind, and a fake Slack Web API recording every message.

use crate::support;

use std::time::Duration;

use coupa_approvals::sandbox::coupa::{Fault, StepApprover};
use coupa_approvals::slack::payload::ButtonValue;
use serde_json::{Value, json};
use support::e2e::{TestApp, block_actions, eventually, message_event, text_of, unique_id};

fn puts(app: &TestApp) -> usize {
    app.sandbox().count_calls("PUT", "/api/approvals/")
}

#[tokio::test]
async fn a_signed_request_is_accepted_and_a_changed_byte_or_a_stale_timestamp_is_refused() {
    let app = TestApp::spawn().await;
    let body =
        json!({ "type": "url_verification", "token": "t", "challenge": "c-123" }).to_string();

    let ok = app
        .signed("/slack/events", "application/json", body.clone(), &[])
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["challenge"], "c-123");

    // Sign the original, send one byte changed.
    let ts = jiff::Timestamp::now().as_second().to_string();
    let signature = app.signature(&ts, &body);
    let tampered = body.replace("c-123", "c-124");
    let refused = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let old = (jiff::Timestamp::now().as_second() - 6 * 60).to_string();
    let stale = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &old)
        .header("x-slack-signature", app.signature(&old, &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 401);

    let unsigned = app
        .http
        .post(app.url("/slack/events"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
}

#[tokio::test]
async fn oversized_malformed_and_unknown_payloads_get_413_400_and_200() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(1024 * 1024 + 1);
    let too_big = app
        .signed("/slack/events", "application/json", huge, &[])
        .await;
    assert_eq!(too_big.status(), 413);

    let malformed = app
        .signed("/slack/events", "application/json", "{not json".into(), &[])
        .await;
    assert_eq!(malformed.status(), 400);
    let no_payload = app
        .signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            "nothing=here".into(),
            &[],
        )
        .await;
    assert_eq!(no_payload.status(), 400);

    let unknown_interaction = app
        .interaction(&json!({ "type": "shortcut_of_the_future", "x": 1 }))
        .await;
    assert_eq!(unknown_interaction.status(), 200);
    let unknown_event = app
        .event(&json!({
            "type": "event_callback", "team_id": "T", "api_app_id": "A", "event_id": unique_id(),
            "event_time": 1, "event": { "type": "reaction_of_the_future", "user": "U1" },
        }))
        .await;
    assert_eq!(unknown_event.status(), 200);
    let ssl_check = app
        .signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            "ssl_check=1&token=x".into(),
            &[],
        )
        .await;
    assert_eq!(ssl_check.status(), 200);
}

#[tokio::test]
async fn a_click_is_acknowledged_within_a_second_while_coupa_stalls() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    app.sandbox()
        .inject(Fault::stall("/api/", Duration::from_secs(10), 100));
    let ack = tokio::time::timeout(
        Duration::from_secs(1),
        app.click("UDANIEL", &card, "approve"),
    )
    .await;
    assert!(
        matches!(&ack, Ok(r) if r.status() == 200),
        "no acknowledgement within 1 s"
    );
}

#[tokio::test]
async fn a_new_requisition_gets_one_card_and_approve_moves_it_to_the_next_approver() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![
        vec![StepApprover::User(app.daniel.coupa)],
        vec![StepApprover::User(app.ana.coupa)],
    ]);
    app.sync().await;
    app.sync().await;
    let cards = app.cards_of("UDANIEL");
    assert_eq!(cards.len(), 1, "exactly one card");
    assert!(
        text_of(&cards[0]).contains("USD 7,420.50"),
        "{}",
        text_of(&cards[0])
    );
    let first = app.sandbox().current_approval(req).unwrap();

    assert_eq!(
        app.click("UDANIEL", &cards[0], "approve").await.status(),
        200
    );
    assert!(eventually(|| puts(&app) == 1).await);
    assert!(
        eventually(
            || text_of(&app.cards_of("UDANIEL")[0]).contains("Approved* by Daniel Okafor in Slack")
        )
        .await,
        "{}",
        text_of(&app.cards_of("UDANIEL")[0])
    );
    assert_eq!(
        app.sandbox().approval_note(first).as_deref(),
        Some("Approved in Slack by Daniel Okafor <daniel@example.com>")
    );
    app.sync().await;
    assert_eq!(app.cards_of("UANA").len(), 1);
}

#[tokio::test]
async fn deny_opens_a_modal_refuses_an_empty_reason_and_rejects_once_with_the_reason() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    let card = app.cards_of("UDANIEL").pop().unwrap();
    app.click("UDANIEL", &card, "deny").await;
    assert!(
        eventually(|| app.fake().modals().len() == 1).await,
        "the deny modal opened"
    );

    let empty = app.submit_deny("UDANIEL", "   ").await;
    assert_eq!(empty.status(), 200);
    let body: Value = empty.json().await.unwrap();
    assert_eq!(body["response_action"], "errors");
    assert!(
        body["errors"]["reason"]
            .as_str()
            .unwrap()
            .contains("reason")
    );
    assert_eq!(puts(&app), 0);

    let given = app
        .submit_deny("UDANIEL", "Over budget; ask again in Q1 & split it")
        .await;
    assert_eq!(given.status(), 200);
    assert!(eventually(|| puts(&app) == 1).await);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some(
            "Rejected in Slack by Daniel Okafor <daniel@example.com>: Over budget; ask again in Q1 & split it"
        )
    );
    assert!(
        eventually(|| text_of(&app.cards_of("UDANIEL")[0])
            .contains("Over budget; ask again in Q1 &amp; split it"))
        .await
    );
}

#[tokio::test]
async fn a_double_click_and_a_slack_retry_make_one_coupa_call() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let payload = block_actions("UDANIEL", &card, "approve");
    let (a, b) = tokio::join!(app.interaction(&payload), app.interaction(&payload));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish();
    app.signed(
        "/slack/interactions",
        "application/x-www-form-urlencoded",
        body,
        &[("x-slack-retry-num", "1".into())],
    )
    .await;
    assert!(eventually(|| puts(&app) == 1).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(puts(&app), 1);
}

#[tokio::test]
async fn a_burst_of_identical_clicks_gets_one_answer_and_one_coupa_call() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let payload = block_actions("UDANIEL", &card, "approve");
    let clicks: Vec<_> = (0..20).map(|_| app.interaction(&payload)).collect();
    for click in clicks {
        assert_eq!(click.await.status().as_u16(), 200);
    }
    assert!(eventually(|| puts(&app) == 1).await);
    assert!(eventually(|| !app.fake().ephemerals_for("UDANIEL").is_empty()).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.fake().ephemerals_for("UDANIEL"),
        vec![format!("#{req} Standing desks: Approved in Coupa.")],
        "one answer for the person, not one per click"
    );
    assert_eq!(puts(&app), 1);
}

#[tokio::test]
async fn a_forwarded_card_clicked_by_someone_else_is_refused_without_a_coupa_call() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    app.click("UMALLORY", &card, "approve").await;
    assert!(eventually(|| !app.fake().ephemerals_for("UMALLORY").is_empty()).await);
    assert!(app.fake().ephemerals_for("UMALLORY")[0].contains("sent to someone else"));
    assert_eq!(puts(&app), 0);
}

#[tokio::test]
async fn a_decision_made_in_coupa_updates_the_card_within_one_sync() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox()
        .approve_in_coupa(approval, app.daniel.coupa)
        .unwrap();
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    assert!(
        text_of(&card).contains("Approved in Coupa"),
        "{}",
        text_of(&card)
    );
    assert!(!text_of(&card).contains("\"approve\""), "no buttons left");
}

#[tokio::test]
async fn group_members_both_get_cards_and_the_other_sees_who_approved() {
    let app = TestApp::spawn().await;
    let group = app
        .sandbox()
        .add_group("IT Approvers", &[app.daniel.coupa, app.sofia.coupa]);
    app.requisition(vec![vec![StepApprover::Group(group)]]);
    app.sync().await;
    assert_eq!(app.cards_of("UDANIEL").len(), 1);
    assert_eq!(app.cards_of("USOFIA").len(), 1);
    let card = app.cards_of("USOFIA").pop().unwrap();
    app.click("USOFIA", &card, "approve").await;
    assert!(
        eventually(
            || text_of(&app.cards_of("UDANIEL")[0]).contains("by Sofia Berg (another approver")
        )
        .await
    );
    assert_eq!(puts(&app), 1);
}

#[tokio::test]
async fn an_edited_requisition_marks_the_old_card_changed_and_sends_a_new_one() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let stale_click = block_actions("UDANIEL", &app.cards_of("UDANIEL")[0], "approve");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    app.sandbox()
        .set_line_amount(req, 1, rust_decimal::Decimal::new(99_900, 2));
    app.sync().await;
    let cards = app.cards_of("UDANIEL");
    assert_eq!(cards.len(), 2);
    assert!(text_of(&cards[0]).contains("Changed in Coupa"));
    assert!(
        text_of(&cards[0]).contains("Total: ~USD 7,420.50~"),
        "the old card keeps the figures it showed, struck: {}",
        text_of(&cards[0])
    );
    assert!(
        !text_of(&cards[0]).contains("\"approve\""),
        "the old card has no buttons"
    );
    assert!(
        text_of(&cards[1]).contains("USD 12,388.50"),
        "{}",
        text_of(&cards[1])
    );
    // A click still in flight from the old card decides nothing.
    app.interaction(&stale_click).await;
    assert!(eventually(|| !app.fake().ephemerals_for("UDANIEL").is_empty()).await);
    assert_eq!(puts(&app), 0);
}

#[tokio::test]
async fn an_expired_button_is_refused() {
    let app = TestApp::spawn_with(
        std::sync::Arc::new(coupa_approvals::store::MemoryStore::new()),
        |settings| settings.button_ttl = Duration::from_secs(3600),
    )
    .await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let mut payload = block_actions("UDANIEL", &card, "approve");
    let mut value = ButtonValue::decode(payload["actions"][0]["value"].as_str().unwrap()).unwrap();
    value.issued_at -= 2 * 3600;
    payload["actions"][0]["value"] = Value::String(value.encode());
    app.interaction(&payload).await;
    assert!(eventually(|| !app.fake().ephemerals_for("UDANIEL").is_empty()).await);
    assert!(app.fake().ephemerals_for("UDANIEL")[0].contains("expired"));
    assert_eq!(puts(&app), 0);
}

#[tokio::test]
async fn whats_pending_in_a_dm_lists_exactly_the_askers_items() {
    let app = TestApp::spawn().await;
    let mine = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let other = app.requisition(vec![vec![StepApprover::User(app.ana.coupa)]]);
    app.sync().await;
    assert_eq!(app.say("UDANIEL", "what's pending?").await.status(), 200);
    let reply = || {
        app.fake()
            .conversation("UDANIEL")
            .into_iter()
            .find(|m| m.text.contains("waiting for your approval"))
    };
    assert!(eventually(|| reply().is_some()).await);
    let text = text_of(&reply().unwrap());
    assert!(text.contains(&format!("#{mine}")), "{text}");
    assert!(!text.contains(&format!("#{other}")), "{text}");
}

#[tokio::test]
async fn a_retried_or_repeated_event_is_answered_once_and_bot_messages_are_ignored() {
    let app = TestApp::spawn().await;
    let event = message_event("UDANIEL", "help", "Ev-once");
    app.event(&event).await;
    app.signed(
        "/slack/events",
        "application/json",
        event.to_string(),
        &[
            ("x-slack-retry-num", "1".into()),
            ("x-slack-retry-reason", "http_timeout".into()),
        ],
    )
    .await;
    let mut from_bot = message_event("UDANIEL", "help", &unique_id());
    from_bot["event"]["bot_id"] = json!("B0BOT");
    app.event(&from_bot).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let replies = app
        .fake()
        .conversation("UDANIEL")
        .into_iter()
        .filter(|m| m.text.contains("I bring your Coupa approvals"))
        .count();
    assert_eq!(replies, 1);
}

#[tokio::test]
async fn the_slash_command_answers_help_at_once_and_the_list_through_the_response_url() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let form = |text: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("command", "/approvals")
            .append_pair("text", text)
            .append_pair("team_id", "T0DEMO")
            .append_pair("channel_id", "C1")
            .append_pair("user_id", "UDANIEL")
            .append_pair(
                "response_url",
                &format!("{}/response/cmd", app.world.slack_url()),
            )
            .append_pair("trigger_id", "t1")
            .finish()
    };
    let help = app
        .signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            form("help"),
            &[],
        )
        .await;
    assert_eq!(help.status(), 200);
    let help: Value = help.json().await.unwrap();
    assert_eq!(help["response_type"], "ephemeral");
    assert!(help["text"].as_str().unwrap().contains("Coupa approvals"));

    let list = app
        .signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            form(""),
            &[],
        )
        .await;
    assert_eq!(list.status(), 200);
    assert!(eventually(|| !app.fake().responses().is_empty()).await);
    let (_, response) = app.fake().responses().pop().unwrap();
    assert!(
        response["text"].as_str().unwrap().contains("1 requisition"),
        "{response}"
    );

    // The history is read from the bot's own log, so it comes at once.
    let history = app
        .signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            form("history"),
            &[],
        )
        .await;
    assert_eq!(history.status(), 200);
    let history: Value = history.json().await.unwrap();
    assert_eq!(history["response_type"], "ephemeral");
    assert!(
        history["text"]
            .as_str()
            .unwrap()
            .contains("haven't decided anything"),
        "{history}"
    );
}

#[tokio::test]
async fn a_restart_in_the_middle_of_the_flow_sends_no_duplicate_cards_and_loses_nothing() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![
        vec![StepApprover::User(app.daniel.coupa)],
        vec![StepApprover::User(app.ana.coupa)],
    ]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let restarted = app.another(|_| {}).await;
    restarted.sync().await;
    restarted.engine.reconcile().await.unwrap();
    assert_eq!(restarted.cards_of("UDANIEL").len(), 1, "no duplicate card");
    restarted.click("UDANIEL", &card, "approve").await;
    assert!(eventually(|| puts(&restarted) == 1).await);
    restarted.sync().await;
    assert_eq!(restarted.cards_of("UANA").len(), 1);
    assert!(app.sandbox().current_approval(req).is_some());
    restarted.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn opening_app_home_publishes_the_askers_pending_list() {
    let app = TestApp::spawn().await;
    let mine = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    app.event(&json!({
        "type": "event_callback", "team_id": "T0DEMO", "api_app_id": "A0APP", "event_id": unique_id(),
        "event_time": 1_700_000_000,
        "event": { "type": "app_home_opened", "user": "UDANIEL", "channel": "DDANIEL", "tab": "home" },
    }))
    .await;
    assert!(eventually(|| app.fake().home_of("UDANIEL").is_some()).await);
    let home = app.fake().home_of("UDANIEL").unwrap().to_string();
    assert!(home.contains("Your Coupa approvals"), "{home}");
    assert!(home.contains(&format!("#{mine}")), "{home}");
}

#[tokio::test]
async fn approve_asks_for_confirmation_only_above_the_threshold() {
    let app = TestApp::spawn_with(
        std::sync::Arc::new(coupa_approvals::store::MemoryStore::new()),
        |settings| settings.confirm_above_amount = Some(5000.into()),
    )
    .await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let approve = card
        .blocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .find(|e| e["action_id"] == "approve")
        .unwrap();
    assert_eq!(
        approve["confirm"]["title"]["text"],
        "Approve this requisition?"
    );

    let below = TestApp::spawn_with(
        std::sync::Arc::new(coupa_approvals::store::MemoryStore::new()),
        |settings| settings.confirm_above_amount = Some(10_000.into()),
    )
    .await;
    below.requisition(vec![vec![StepApprover::User(below.daniel.coupa)]]);
    below.sync().await;
    let card = below.cards_of("UDANIEL").pop().unwrap();
    assert!(
        !text_of(&card).contains("\"confirm\""),
        "{}",
        text_of(&card)
    );
}

#[tokio::test]
async fn what_did_i_approve_this_week_lists_exactly_the_askers_own_decisions() {
    let app = TestApp::spawn().await;
    let approved = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let denied = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let others = app.requisition(vec![vec![StepApprover::User(app.sofia.coupa)]]);
    app.sync().await;
    app.click("UDANIEL", &app.card_for("UDANIEL", approved), "approve")
        .await;
    assert!(eventually(|| puts(&app) == 1).await);
    app.click("UDANIEL", &app.card_for("UDANIEL", denied), "deny")
        .await;
    assert!(eventually(|| app.fake().modals().len() == 1).await);
    app.submit_deny("UDANIEL", "Over budget & late").await;
    assert!(eventually(|| puts(&app) == 2).await);
    app.click("USOFIA", &app.card_for("USOFIA", others), "approve")
        .await;
    assert!(eventually(|| puts(&app) == 3).await);

    assert_eq!(
        app.say("UDANIEL", "what did I approve this week?")
            .await
            .status(),
        200
    );
    let reply = || {
        app.fake()
            .conversation("UDANIEL")
            .into_iter()
            .find(|m| m.text.contains("decisions in the last 7 days"))
    };
    assert!(eventually(|| reply().is_some()).await);
    let text = text_of(&reply().unwrap());
    assert!(text.contains("*2 decisions*"), "{text}");
    assert!(text.contains(&format!("#{approved}")), "{text}");
    assert!(text.contains(&format!("#{denied}")), "{text}");
    assert!(!text.contains(&format!("#{others}")), "{text}");
    assert!(text.contains("Approved in Coupa"), "{text}");
    assert!(text.contains("Rejected in Coupa"), "{text}");
    assert!(text.contains("Reason: Over budget &amp; late"), "{text}");
    assert!(text.contains("USD 7,420.50"), "{text}");
    // Newest first: the denial was made after the approval.
    assert!(
        text.find(&format!("#{denied}")) < text.find(&format!("#{approved}")),
        "{text}"
    );
}

#[tokio::test]
async fn app_home_shows_the_askers_own_decisions_below_what_is_still_pending() {
    let app = TestApp::spawn().await;
    let waiting = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let approved = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let others = app.requisition(vec![vec![StepApprover::User(app.sofia.coupa)]]);
    app.sync().await;
    app.click("UDANIEL", &app.card_for("UDANIEL", approved), "approve")
        .await;
    app.click("USOFIA", &app.card_for("USOFIA", others), "approve")
        .await;
    assert!(eventually(|| puts(&app) == 2).await);

    app.event(&json!({
        "type": "event_callback", "team_id": "T0DEMO", "api_app_id": "A0APP", "event_id": unique_id(),
        "event_time": 1_700_000_000,
        "event": { "type": "app_home_opened", "user": "UDANIEL", "channel": "DDANIEL", "tab": "home" },
    }))
    .await;
    assert!(eventually(|| app.fake().home_of("UDANIEL").is_some()).await);
    let home = app.fake().home_of("UDANIEL").unwrap().to_string();
    let pending_at = home.find("waiting for your approval").expect(&home);
    let history_at = home
        .find("you made through me in the last 7 days")
        .expect(&home);
    assert!(
        pending_at < history_at,
        "the history follows the pending list: {home}"
    );
    assert!(
        home[pending_at..history_at].contains(&format!("#{waiting}")),
        "{home}"
    );
    assert!(
        home[history_at..].contains(&format!("#{approved}")),
        "{home}"
    );
    assert!(home[history_at..].contains("Approved in Coupa"), "{home}");
    assert!(
        !home.contains(&format!("#{others}")),
        "only the asker's own: {home}"
    );
}

#[tokio::test]
async fn a_persons_history_is_kept_apart_from_a_shared_log_that_others_have_filled() {
    // The shared log keeps two entries: Sofia's decision, made last, pushes Daniel's out of it.
    let app = TestApp::spawn_with(
        std::sync::Arc::new(coupa_approvals::store::MemoryStore::new().with_audit_limit(2)),
        |_| {},
    )
    .await;
    let first = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let second = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let others = app.requisition(vec![vec![StepApprover::User(app.sofia.coupa)]]);
    app.sync().await;
    app.click("UDANIEL", &app.card_for("UDANIEL", first), "approve")
        .await;
    assert!(eventually(|| puts(&app) == 1).await);
    app.click("UDANIEL", &app.card_for("UDANIEL", second), "approve")
        .await;
    assert!(eventually(|| puts(&app) == 2).await);
    app.click("USOFIA", &app.card_for("USOFIA", others), "approve")
        .await;
    assert!(eventually(|| puts(&app) == 3).await);

    app.say("UDANIEL", "my decisions").await;
    let reply = || {
        app.fake()
            .conversation("UDANIEL")
            .into_iter()
            .find(|m| m.text.contains("decisions in the last 7 days"))
    };
    assert!(eventually(|| reply().is_some()).await);
    let text = text_of(&reply().unwrap());
    assert!(text.contains("*2 decisions*"), "{text}");
    assert!(text.contains(&format!("#{first}")), "{text}");
    assert!(text.contains(&format!("#{second}")), "{text}");
    assert!(!text.contains(&format!("#{others}")), "{text}");
}

#[tokio::test]
async fn a_history_with_no_decisions_says_so() {
    let app = TestApp::spawn().await;
    assert_eq!(app.say("UDANIEL", "my decisions").await.status(), 200);
    let reply = || {
        app.fake()
            .conversation("UDANIEL")
            .into_iter()
            .find(|m| m.text.contains("haven't decided anything"))
    };
    assert!(eventually(|| reply().is_some()).await);
}
