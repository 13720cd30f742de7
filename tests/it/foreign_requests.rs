//! Requests signed for this app but sent from another workspace, or naming another app when
//! `SLACK_APP_ID` is set, do nothing: an event is acknowledged and ignored, a click gets 403 and
//! never reaches Coupa, a slash command is told the bot serves another workspace. While Slack
//! cannot say which workspace the bot serves, requests do nothing and an event gets 503 (Slack
//! sends it again). Over signed HTTP requests, as Slack sends them.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::sandbox::slack::SlackSender;
use coupa_approvals::store::MemoryStore;
use serde_json::Value;
use support::e2e::{TestApp, block_actions, eventually, message_event, unique_id};
use support::hold::Hold;

const ELSEWHERE: &str = "T0ELSEWHERE";

fn puts(app: &TestApp) -> usize {
    app.sandbox().count_calls("PUT", "/api/approvals/")
}

/// `/approvals` with `text` from workspace `team`, naming app `app`.
fn command(app: &TestApp, team: &str, api_app: &str, text: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("command", "/approvals")
        .append_pair("text", text)
        .append_pair("team_id", team)
        .append_pair("api_app_id", api_app)
        .append_pair("channel_id", "C1")
        .append_pair("user_id", "UDANIEL")
        .append_pair(
            "response_url",
            &format!("{}/response/cmd", app.world.slack_url()),
        )
        .append_pair("trigger_id", "t1")
        .finish()
}

async fn send_command(app: &TestApp, body: String) -> Value {
    let response = app
        .signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            body,
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_click_from_another_workspace_is_refused_and_decides_nothing() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let mut click = block_actions("UDANIEL", &card, "approve");
    click["team"]["id"] = ELSEWHERE.into();

    let response = app.interaction(&click).await;

    assert_eq!(response.status(), 403);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(puts(&app), 0, "nothing was sent to Coupa");
    assert!(app.fake().ephemerals_for("UDANIEL").is_empty());

    // The same click from the workspace the bot serves decides.
    let response = app.click("UDANIEL", &card, "approve").await;
    assert_eq!(response.status(), 200);
    assert!(eventually(|| puts(&app) == 1).await);
}

#[tokio::test]
async fn an_event_from_another_workspace_is_acknowledged_and_ignored() {
    let app = TestApp::spawn().await;
    let mut event = message_event("UDANIEL", "what's pending", &unique_id());
    event["team_id"] = ELSEWHERE.into();

    let response = app.event(&event).await;

    assert_eq!(response.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.fake().conversation("UDANIEL").is_empty());
}

#[tokio::test]
async fn a_slash_command_from_another_workspace_is_told_so_and_lists_nothing() {
    let app = TestApp::spawn().await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;

    let reply = send_command(&app, command(&app, ELSEWHERE, "A0DEMO", "")).await;

    assert!(
        reply["text"]
            .as_str()
            .unwrap_or_default()
            .contains("serves another Slack workspace"),
        "{reply}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.fake().responses().is_empty(), "no list was sent");
}

#[tokio::test]
async fn with_an_app_id_set_a_request_naming_another_app_is_refused() {
    let app = TestApp::spawn_with(Arc::new(MemoryStore::new()), |settings| {
        settings
            .slack
            .as_mut()
            .expect("the world serves Slack")
            .app_id = Some("A0DEMO".into());
    })
    .await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let mut click = block_actions("UDANIEL", &card, "approve");
    click["api_app_id"] = "A0IMPOSTOR".into();

    assert_eq!(app.interaction(&click).await.status(), 403);
    let reply = send_command(&app, command(&app, "T0DEMO", "A0IMPOSTOR", "help")).await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap_or_default()
            .contains("serves another Slack workspace"),
        "{reply}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(puts(&app), 0);

    // This app's own requests are served.
    let help = send_command(&app, command(&app, "T0DEMO", "A0DEMO", "help")).await;
    assert!(
        help["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Coupa approvals"),
        "{help}"
    );
    assert_eq!(app.click("UDANIEL", &card, "approve").await.status(), 200);
    assert!(eventually(|| puts(&app) == 1).await);
}

#[tokio::test]
async fn while_slack_cannot_say_which_workspace_the_bot_serves_requests_do_nothing_until_it_can() {
    let slack_hold = Hold::default();
    slack_hold.hold(Method::GET, "/api/auth.test");
    let world = World::builder()
        .wrap_slack({
            let hold = slack_hold.clone();
            move |router| hold.wrap(router)
        })
        .settings(|settings| settings.sync_interval = Duration::from_secs(86_400))
        .build()
        .await
        .expect("the world starts");
    world
        .slack
        .add_user("UDANIEL", "Daniel Okafor", "daniel@example.com");
    let app = world.start_app().await.expect("the app starts");
    let slack = SlackSender::new(
        &format!("http://{}", app.addr),
        world.signing_secret().expect("HTTP mode").clone(),
    );
    let help = || message_event("UDANIEL", "help", &unique_id());

    let unchecked = slack.event(&help()).await.expect("an answer");
    assert_eq!(unchecked.status, 503, "Slack sends the event again later");
    assert!(world.slack.conversation("UDANIEL").is_empty());

    // Once Slack answers auth.test, the next request is served.
    slack_hold.clear();
    let mut served = false;
    for _ in 0..20 {
        if slack.event(&help()).await.expect("an answer").status == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(served, "served once the workspace is known");
    assert!(eventually(|| !world.slack.conversation("UDANIEL").is_empty()).await);
}
