//! The binary as an admin meets it: exit codes, configuration errors, start-up and SIGTERM.

use crate::support;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_coupa-approvals");

/// The binary with an empty environment, run in an empty directory (so no `.env` is read).
fn bare_command(args: &[&str]) -> (Command, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "coupa-approvals-cli-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new(BIN);
    command.args(args).env_clear().current_dir(&dir);
    (command, dir)
}

fn valid_env(command: &mut Command) {
    command
        .env("SLACK_BOT_TOKEN", "xoxb-cli-test-token")
        .env("SLACK_SIGNING_SECRET", "cli-signing-secret")
        .env("COUPA_INSTANCE_URL", "https://acme.coupahost.com")
        .env("COUPA_CLIENT_ID", "cli-client")
        .env("COUPA_CLIENT_SECRET", "cli-coupa-secret")
        .env("BIND_ADDR", "127.0.0.1:0");
}

#[tokio::test]
async fn run_with_an_empty_environment_lists_every_missing_variable_and_exits_2() {
    let (mut command, _dir) = bare_command(&["run"]);
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for variable in [
        "COUPA_INSTANCE_URL",
        "COUPA_CLIENT_ID",
        "COUPA_CLIENT_SECRET",
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("{variable}: missing"))),
            "{variable} not reported:\n{stderr}"
        );
    }
    assert!(
        stderr.lines().any(|l| l.contains(
            "chat platform: none is configured; set SLACK_BOT_TOKEN for Slack, or MICROSOFT_APP_ID"
        )),
        "the missing chat platform is not reported:\n{stderr}"
    );
}

#[tokio::test]
async fn plain_http_to_coupa_or_slack_is_a_configuration_error_listed_with_the_others() {
    let (mut command, _dir) = bare_command(&["run"]);
    valid_env(&mut command);
    command
        .env("COUPA_INSTANCE_URL", "http://acme.coupahost.com")
        .env("SLACK_API_URL", "http://slack.example.com/api")
        .env("SYNC_INTERVAL_SECS", "often");
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for variable in ["SLACK_API_URL", "COUPA_INSTANCE_URL", "SYNC_INTERVAL_SECS"] {
        assert!(
            stderr.lines().any(|l| l.contains(&format!("{variable}: "))),
            "{variable} not reported:\n{stderr}"
        );
    }
    assert!(stderr.contains("must use https"), "{stderr}");
}

#[tokio::test]
async fn a_dot_env_file_is_read_and_the_environment_wins_over_it() {
    let (mut command, dir) = bare_command(&[]);
    std::fs::write(
        dir.join(".env"),
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=s\nCOUPA_INSTANCE_URL=https://a.coupahost.com\n\
         COUPA_CLIENT_ID=id\nCOUPA_CLIENT_SECRET=secret\nSYNC_INTERVAL_SECS=often\n",
    )
    .unwrap();
    // The environment's good value beats the file's bad one; the file supplies everything else.
    command
        .env("SYNC_INTERVAL_SECS", "30")
        .env("COUPA_MAX_RPS", "99");
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("COUPA_MAX_RPS"), "{stderr}");
    assert!(!stderr.contains("SYNC_INTERVAL_SECS"), "{stderr}");
    assert!(!stderr.contains("SLACK_BOT_TOKEN"), "{stderr}");
}

/// Reads log lines until one contains `needle`; returns all lines read so far.
async fn read_until(child: &mut Child, lines_so_far: &mut Vec<String>, needle: &str) {
    let stderr = child.stderr.as_mut().unwrap();
    let mut reader = BufReader::new(stderr).lines();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = reader.next_line().await {
            let hit = line.contains(needle);
            lines_so_far.push(line);
            if hit {
                return true;
            }
        }
        false
    })
    .await;
    assert!(
        matches!(found, Ok(true)),
        "no line with {needle:?} in:\n{}",
        lines_so_far.join("\n")
    );
}

fn sigterm(child: &Child) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn run_without_redis_url_starts_on_the_memory_store_warns_and_stops_cleanly_on_sigterm() {
    let (mut command, _dir) = bare_command(&[]);
    valid_env(&mut command);
    command
        .env("LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = command.spawn().unwrap();
    let mut lines = Vec::new();
    read_until(&mut child, &mut lines, "\"listening\"").await;

    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        events.iter().any(|e| e["level"] == "WARN"
            && e["message"]
                .as_str()
                .unwrap_or("")
                .contains("in-memory store")),
        "no memory-store warning in {lines:?}"
    );
    let addr: SocketAddr = events
        .iter()
        .find(|e| e["message"] == "listening")
        .and_then(|e| e["addr"].as_str())
        .and_then(|a| a.parse().ok())
        .expect("the listening line names the address");
    assert_eq!(
        support::http::get(addr, "/healthz").await.unwrap().status,
        200
    );

    let all = lines.join("\n");
    for secret in [
        "xoxb-cli-test-token",
        "cli-signing-secret",
        "cli-coupa-secret",
    ] {
        assert!(!all.contains(secret), "{secret} appeared in the logs");
    }

    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn text_logs_carry_no_colour_codes_when_collected() {
    let (mut command, _dir) = bare_command(&["run"]);
    valid_env(&mut command);
    command.stderr(Stdio::piped()).stdout(Stdio::null());
    let mut child = command.spawn().unwrap();
    let mut lines = Vec::new();
    read_until(&mut child, &mut lines, "listening").await;
    assert!(lines.iter().all(|l| !l.contains('\u{1b}')), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("REDIS_URL is not set")),
        "{lines:?}"
    );
    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn help_explains_every_subcommand() {
    let (mut command, _dir) = bare_command(&["--help"]);
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for subcommand in ["run", "check", "demo", "teams-package"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(subcommand)),
            "{subcommand} missing from:\n{stdout}"
        );
    }
}

#[tokio::test]
async fn a_bad_bind_address_is_a_clear_error_with_exit_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (mut command, _dir) = bare_command(&[]);
    valid_env(&mut command);
    command.env("BIND_ADDR", &addr);
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr} (BIND_ADDR)")),
        "{stderr}"
    );
}

#[tokio::test]
async fn check_with_an_empty_environment_lists_the_configuration_problems_and_exits_1() {
    let (mut command, _dir) = bare_command(&["check"]);
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("✗ configuration: chat platform: none is configured"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✗ configuration: COUPA_CLIENT_SECRET: missing"),
        "{stdout}"
    );
}

#[tokio::test]
async fn demo_help_names_the_pages_address_and_bind_addr() {
    let (mut command, _dir) = bare_command(&["demo", "--help"]);
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    let page = format!("http://{}/demo", coupa_approvals::demo::DEFAULT_BIND_ADDR);
    assert!(help.contains(&page), "{page} missing:\n{help}");
    assert!(help.contains("BIND_ADDR"), "{help}");
}
