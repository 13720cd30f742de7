//! Socket Mode runs the same handler functions as the HTTP routes; only the envelope differs.
//! These tests call the shared handlers with typed events, as the Socket Mode callbacks do, and
//! check the envelope answers.

use crate::support;

use coupa_approvals::engine::clicks::ClickGate;
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::slack::client::{SlackChat, web_client};
use coupa_approvals::slack::handlers::{self, Ack, SlackContext};
use coupa_approvals::slack::installation::InstallationCheck;
use coupa_approvals::slack::socket::{command_reply, interaction_response};
use serde_json::json;
use slack_morphism::prelude::*;
use support::e2e::{TestApp, block_actions, eventually, message_event, view_submission};

fn context(app: &TestApp) -> SlackContext {
    let api_url = &app
        .world
        .settings
        .slack
        .as_ref()
        .expect("the world serves Slack")
        .api_url;
    let client = web_client(api_url).unwrap();
    SlackContext {
        engine: app.engine.clone(),
        slack: SlackChat::with_client(client, &app.world.slack.bot_token()),
        store: app.store.clone(),
        coupa: app.world.settings.coupa.instance_url.clone(),
        confirm_above: None,
        clicks: ClickGate::default(),
        tasks: tokio_util::task::TaskTracker::new(),
        installation: InstallationCheck::new(
            SlackChat::with_client(web_client(api_url).unwrap(), &app.world.slack.bot_token()),
            None,
        ),
    }
}

#[tokio::test]
async fn a_socket_mode_click_decides_through_the_same_handler() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let event: SlackInteractionEvent =
        serde_json::from_value(block_actions("UDANIEL", &card, "approve")).unwrap();
    let ack = handlers::on_interaction(&context(&app), event).await;
    assert_eq!(interaction_response(ack), SlackInteractionResponse::Empty);
    assert!(eventually(|| app.sandbox().count_calls("PUT", "/api/approvals/") == 1).await);
}

#[tokio::test]
async fn a_socket_mode_deny_with_an_empty_reason_answers_with_field_errors() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let ctx = context(&app);
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let click: SlackInteractionEvent =
        serde_json::from_value(block_actions("UDANIEL", &card, "deny")).unwrap();
    handlers::on_interaction(&ctx, click).await;
    assert!(eventually(|| app.fake().modals().len() == 1).await);
    let modal = app.fake().modals().pop().unwrap();
    let submit: SlackInteractionEvent =
        serde_json::from_value(view_submission("UDANIEL", &modal.view, "")).unwrap();
    let response = interaction_response(handlers::on_interaction(&ctx, submit).await);
    let json = serde_json::to_value(&response).unwrap();
    assert_eq!(json["response_action"], "errors", "{json}");
    assert!(json["errors"]["reason"].is_string(), "{json}");
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 0);
}

#[tokio::test]
async fn socket_mode_events_are_de_duplicated_like_http_ones() {
    let app = TestApp::spawn().await;
    let ctx = context(&app);
    let event: SlackPushEvent =
        serde_json::from_value(message_event("UDANIEL", "help", "Ev-socket")).unwrap();
    assert_eq!(
        handlers::on_push_event(&ctx, event.clone()).await,
        Ack::Empty
    );
    handlers::on_push_event(&ctx, event).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let helps = app
        .fake()
        .conversation("UDANIEL")
        .iter()
        .filter(|m| m.text.contains("I bring your Coupa approvals"))
        .count();
    assert_eq!(helps, 1);
}

#[tokio::test]
async fn a_socket_mode_slash_command_for_help_replies_in_the_envelope() {
    let app = TestApp::spawn().await;
    let command = SlackCommandEvent::new(
        "T0DEMO".into(),
        "C1".into(),
        "UDANIEL".into(),
        "/approvals".into(),
        url::Url::parse("http://127.0.0.1:9/response/1")
            .unwrap()
            .into(),
        "t1".into(),
    )
    .with_text("help".into());
    let reply = command_reply(handlers::on_command(&context(&app), command, None).await);
    let json = serde_json::to_value(&reply).unwrap();
    assert_eq!(json["response_type"], "ephemeral");
    assert!(
        json["text"].as_str().unwrap().contains("Coupa approvals"),
        "{}",
        json!(json)
    );
}

#[tokio::test]
async fn a_socket_mode_event_from_another_workspace_is_acknowledged_and_ignored() {
    let app = TestApp::spawn().await;
    let ctx = context(&app);
    let mut event = message_event("UDANIEL", "help", "Ev-elsewhere");
    event["team_id"] = "T0ELSEWHERE".into();
    let event: SlackPushEvent = serde_json::from_value(event).unwrap();

    assert_eq!(handlers::on_push_event(&ctx, event).await, Ack::Empty);

    // Our own workspace's event after it is answered; the foreign one never was.
    let ours: SlackPushEvent =
        serde_json::from_value(message_event("UDANIEL", "help", "Ev-ours")).unwrap();
    handlers::on_push_event(&ctx, ours).await;
    assert!(eventually(|| !app.fake().conversation("UDANIEL").is_empty()).await);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.fake().conversation("UDANIEL").len(), 1);
}

#[tokio::test]
async fn a_socket_mode_click_from_another_workspace_decides_nothing() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let mut click = block_actions("UDANIEL", &card, "approve");
    click["team"]["id"] = "T0ELSEWHERE".into();
    let event: SlackInteractionEvent = serde_json::from_value(click).unwrap();

    let ack = handlers::on_interaction(&context(&app), event).await;

    assert_eq!(ack, Ack::Forbidden);
    assert_eq!(interaction_response(ack), SlackInteractionResponse::Empty);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.sandbox().count_calls("PUT", "/api/approvals/"), 0);
    assert!(app.fake().ephemerals_for("UDANIEL").is_empty());
}

#[tokio::test]
async fn a_socket_mode_slash_command_from_another_workspace_is_told_so() {
    let app = TestApp::spawn().await;
    let command = SlackCommandEvent::new(
        "T0ELSEWHERE".into(),
        "C1".into(),
        "UDANIEL".into(),
        "/approvals".into(),
        url::Url::parse("http://127.0.0.1:9/response/1")
            .unwrap()
            .into(),
        "t1".into(),
    );
    let reply = command_reply(handlers::on_command(&context(&app), command, None).await);
    let json = serde_json::to_value(&reply).unwrap();
    assert!(
        json["text"]
            .as_str()
            .unwrap()
            .contains("serves another Slack workspace"),
        "{json}"
    );
    assert!(app.fake().responses().is_empty());
}
