//! The Slack app manifests in `manifests/`: valid against Slack's published JSON Schema, and
//! asking for exactly what the code uses (scopes, events, the `/approvals` command, the routes
//! the app serves).

use crate::support;

use std::sync::Arc;

use coupa_approvals::app::App;
use coupa_approvals::config::Settings;
use coupa_approvals::slack::{BOT_EVENTS, BOT_SCOPES};
use coupa_approvals::store::MemoryStore;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/slack-manifest-schema/manifest.schema.1.0.0.json"
);
const HTTP_MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/slack-app.yaml");
const SOCKET_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/manifests/slack-app-socket-mode.yaml"
);
const PLACEHOLDER: &str = "https://YOUR-HOST";

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(SCHEMA).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles offline")
}

fn schema_errors(manifest: &Value) -> Vec<String> {
    validator()
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    let mut list: Vec<String> = value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect();
    list.sort();
    list
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut list: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    list.sort();
    list
}

/// What both manifests must say, whatever the transport.
fn assert_asks_for_what_the_code_uses(manifest: &Value) {
    let name = manifest["display_information"]["name"]
        .as_str()
        .expect("a name");
    assert!(!name.is_empty() && name.chars().count() <= 35, "{name}");
    assert_eq!(
        strings(&manifest["oauth_config"]["scopes"]["bot"]),
        sorted(BOT_SCOPES)
    );
    assert_eq!(
        strings(&manifest["settings"]["event_subscriptions"]["bot_events"]),
        sorted(BOT_EVENTS)
    );
    let commands = manifest["features"]["slash_commands"]
        .as_array()
        .expect("slash commands");
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(commands[0]["command"], "/approvals");
    assert!(
        commands[0]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(
        commands[0]["usage_hint"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    let home = &manifest["features"]["app_home"];
    assert_eq!(home["home_tab_enabled"], true);
    assert_eq!(home["messages_tab_enabled"], true);
    assert_eq!(home["messages_tab_read_only_enabled"], false);
    assert!(
        manifest["features"]["bot_user"]["display_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(manifest["settings"]["interactivity"]["is_enabled"], true);
}

/// The request URLs of the HTTP manifest, as paths under the placeholder host.
fn request_paths(manifest: &Value) -> Vec<String> {
    let urls = [
        &manifest["settings"]["event_subscriptions"]["request_url"],
        &manifest["settings"]["interactivity"]["request_url"],
        &manifest["features"]["slash_commands"][0]["url"],
    ];
    urls.iter()
        .map(|url| {
            let url = url.as_str().expect("a request URL");
            url.strip_prefix(PLACEHOLDER)
                .unwrap_or_else(|| panic!("{url} does not use the {PLACEHOLDER} placeholder"))
                .to_owned()
        })
        .collect()
}

#[test]
fn the_http_manifest_is_valid_against_slacks_schema() {
    let errors = schema_errors(&load(HTTP_MANIFEST));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_socket_mode_manifest_is_valid_against_slacks_schema() {
    let errors = schema_errors(&load(SOCKET_MANIFEST));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_manifest_without_a_name_fails_validation() {
    let mut manifest = load(HTTP_MANIFEST);
    manifest["display_information"]
        .as_object_mut()
        .expect("display_information")
        .remove("name");
    assert!(!schema_errors(&manifest).is_empty());
}

#[test]
fn a_manifest_with_a_name_over_35_characters_or_a_bad_url_fails_validation() {
    let mut long_name = load(HTTP_MANIFEST);
    long_name["display_information"]["name"] = json!("Coupa Approvals for the Whole Company Inc");
    assert!(!schema_errors(&long_name).is_empty());
    let mut bad_url = load(HTTP_MANIFEST);
    bad_url["settings"]["event_subscriptions"]["request_url"] = json!("YOUR-HOST/slack/events");
    assert!(!schema_errors(&bad_url).is_empty());
}

#[test]
fn the_http_manifest_asks_for_exactly_the_scopes_events_and_command_the_code_uses() {
    let manifest = load(HTTP_MANIFEST);
    assert_asks_for_what_the_code_uses(&manifest);
    assert_eq!(manifest["settings"]["socket_mode_enabled"], false);
    assert_eq!(
        request_paths(&manifest),
        ["/slack/events", "/slack/interactions", "/slack/commands"]
    );
}

#[test]
fn the_socket_mode_manifest_asks_for_the_same_and_has_no_request_urls() {
    let manifest = load(SOCKET_MANIFEST);
    assert_asks_for_what_the_code_uses(&manifest);
    assert_eq!(manifest["settings"]["socket_mode_enabled"], true);
    assert!(manifest["settings"]["event_subscriptions"]["request_url"].is_null());
    assert!(manifest["settings"]["interactivity"]["request_url"].is_null());
    assert!(manifest["features"]["slash_commands"][0]["url"].is_null());
}

#[test]
fn both_manifests_differ_only_in_transport() {
    fn without_transport(mut manifest: Value) -> Value {
        let settings = &mut manifest["settings"];
        settings["socket_mode_enabled"] = Value::Null;
        settings["event_subscriptions"]["request_url"] = Value::Null;
        settings["interactivity"]["request_url"] = Value::Null;
        manifest["features"]["slash_commands"][0]["url"] = Value::Null;
        manifest
    }
    assert_eq!(
        without_transport(load(HTTP_MANIFEST)),
        without_transport(load(SOCKET_MANIFEST))
    );
}

fn settings() -> Settings {
    support::minimal_settings()
}

/// The status line of an unsigned `POST path` to the app.
async fn unsigned_post_status(addr: std::net::SocketAddr, path: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\na=b"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

#[tokio::test]
async fn every_request_url_in_the_http_manifest_is_a_route_the_app_serves() {
    coupa_approvals::telemetry::init_metrics();
    let app = App::build_with_store(settings(), Arc::new(MemoryStore::new()))
        .await
        .expect("the app builds");
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    // A served Slack route refuses an unsigned request with 401; an unknown path is a 404.
    assert_eq!(unsigned_post_status(addr, "/slack/unknown").await, 404);
    for path in request_paths(&load(HTTP_MANIFEST)) {
        assert_eq!(unsigned_post_status(addr, &path).await, 401, "{path}");
    }

    let _ = stop.send(());
    let _ = task.await;
}

/// The Teams app manifest's command list.
const TEAMS_MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/teams/manifest.json");

#[test]
fn the_teams_command_list_offers_whats_pending_history_and_help_and_the_bot_understands_each() {
    use coupa_approvals::chat::intents::{self, Intent};
    let text = std::fs::read_to_string(TEAMS_MANIFEST).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let bot = &manifest["bots"][0];
    assert_eq!(bot["scopes"], json!(["personal"]));
    assert_eq!(bot["botId"], manifest["id"]);
    let commands: Vec<(&str, Intent)> = bot["commandLists"][0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|command| {
            let title = command["title"].as_str().unwrap();
            (title, intents::parse(title))
        })
        .collect();
    assert_eq!(
        commands,
        vec![
            ("what's pending", Intent::Pending),
            ("what did I approve this week?", Intent::History),
            ("stop reminders", Intent::StopReminders),
            ("start reminders", Intent::StartReminders),
            ("help", Intent::Help)
        ]
    );
}

#[test]
fn every_choice_in_the_slash_commands_usage_hint_is_understood_as_that_choice() {
    use coupa_approvals::chat::intents::{self, Intent};
    for path in [HTTP_MANIFEST, SOCKET_MANIFEST] {
        let manifest = load(path);
        let hint = manifest["features"]["slash_commands"][0]["usage_hint"]
            .as_str()
            .expect("a usage hint");
        let choices: Vec<(String, Intent)> = hint
            .trim_matches(|c| c == '[' || c == ']')
            .split('|')
            .map(|choice| (choice.trim().to_owned(), intents::parse(choice)))
            .collect();
        let expected = [
            ("pending", Intent::Pending),
            ("history", Intent::History),
            ("stop reminders", Intent::StopReminders),
            ("start reminders", Intent::StartReminders),
            ("help", Intent::Help),
        ]
        .map(|(choice, intent)| (choice.to_owned(), intent));
        assert_eq!(choices, expected, "{path}");
    }
}
