//! `check` for Microsoft Teams against the fake Azure AD token endpoint: a healthy installation
//! gets the bot's token, and each misconfiguration fails the `teams token` line naming the
//! variable to fix.

use crate::support::check_report::{check_in, line};
use coupa_approvals::check::{CheckLine, Report};
use coupa_approvals::config::ChatPlatform;
use coupa_approvals::sandbox::teams::{SANDBOX_APP_ID, SANDBOX_TENANT};
use coupa_approvals::sandbox::{World, env};
use coupa_approvals::teams::connector_token::BOT_FRAMEWORK_SCOPE;
use url::Url;

/// A tenant and an app Azure AD does not know.
const OTHER_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_APP: &str = "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b";

async fn teams_world() -> World {
    World::builder()
        .platforms([ChatPlatform::Teams])
        .build()
        .await
        .unwrap()
}

fn token_line(report: &Report) -> &CheckLine {
    line(report, "teams token")
}

/// Asserts the token line failed with `detail` and a fix that says each of `fix_says`.
fn fails_with(report: &Report, detail: &str, fix_says: &[&str]) {
    let line = token_line(report);
    assert!(!line.ok, "{}", report.to_text());
    assert!(!report.ok, "{}", report.to_text());
    assert_eq!(line.detail, detail, "{}", report.to_text());
    let fix = line.fix.as_deref().unwrap_or_default();
    for said in fix_says {
        assert!(fix.contains(said), "{said:?} not in {fix:?}");
    }
}

#[tokio::test]
async fn a_healthy_teams_installation_gets_the_bots_token_right_after_the_store_line() {
    let world = teams_world().await;
    let report = check_in(&world, &world.settings).await;
    assert!(report.ok, "{}", report.to_text());
    let names: Vec<&str> = report.checks.iter().map(|l| l.check.as_str()).collect();
    assert_eq!(
        names[..4],
        ["configuration", "store", "teams token", "sync"],
        "{}",
        report.to_text()
    );
    assert!(names.ends_with(&["teams reach", "slack"]), "{names:?}");
    assert_eq!(
        report.checks[0].detail,
        "complete (HTTP mode; Microsoft Teams)"
    );
    assert_eq!(
        token_line(&report).detail,
        format!("Azure AD issued the bot's token for tenant {SANDBOX_TENANT}")
    );
    let connector = world.teams().unwrap().connector();
    let asked = connector.calls_to(&format!("/{SANDBOX_TENANT}/oauth2/v2.0/token"));
    assert_eq!(asked.len(), 1);
    let form = asked[0].body.as_ref().unwrap();
    assert_eq!(form["client_id"], SANDBOX_APP_ID);
    assert_eq!(form["scope"], BOT_FRAMEWORK_SCOPE);
    assert_eq!(connector.tokens_issued(), 1);
}

#[tokio::test]
async fn a_wrong_microsoft_app_password_fails_asking_for_the_secrets_value_not_its_id() {
    let world = teams_world().await;
    let mut settings = world.settings.clone();
    settings.teams.as_mut().unwrap().app_password = "the-secret-id-pasted-by-mistake".into();
    let report = check_in(&world, &settings).await;
    fails_with(
        &report,
        &format!("Azure AD rejected the client secret of app {SANDBOX_APP_ID} (AADSTS7000215)"),
        &[
            "MICROSOFT_APP_PASSWORD",
            "use the secret's Value, not its ID",
        ],
    );
    assert!(
        !report.to_text().contains("the-secret-id-pasted-by-mistake"),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn an_unknown_tenant_fails_naming_microsoft_app_tenant_id() {
    let world = teams_world().await;
    let mut settings = world.settings.clone();
    settings.teams.as_mut().unwrap().tenant_id = OTHER_TENANT.into();
    let report = check_in(&world, &settings).await;
    fails_with(
        &report,
        &format!("Azure AD does not know the tenant {OTHER_TENANT} (AADSTS90002)"),
        &["MICROSOFT_APP_TENANT_ID", "Directory (tenant) ID"],
    );
}

#[tokio::test]
async fn an_unknown_app_fails_naming_microsoft_app_id() {
    let world = teams_world().await;
    let mut settings = world.settings.clone();
    settings.teams.as_mut().unwrap().app_id = OTHER_APP.into();
    let report = check_in(&world, &settings).await;
    fails_with(
        &report,
        &format!(
            "Azure AD has no application {OTHER_APP} in tenant {SANDBOX_TENANT} (AADSTS700016)"
        ),
        &["MICROSOFT_APP_ID", "Application (client) ID"],
    );
}

#[tokio::test]
async fn an_unreachable_login_url_fails_naming_teams_login_url_and_the_cause() {
    let world = teams_world().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut settings = world.settings.clone();
    settings.teams.as_mut().unwrap().login_url = Url::parse(&format!("http://{closed}")).unwrap();
    let report = check_in(&world, &settings).await;
    fails_with(
        &report,
        &format!("Azure AD: connection refused by {closed}"),
        &["check TEAMS_LOGIN_URL and this host's network access to Azure AD"],
    );
}

#[tokio::test]
async fn the_check_command_with_teams_alone_exits_1_with_a_wrong_microsoft_password_and_the_fix() {
    let world = teams_world().await;
    let mut settings = world.settings.clone();
    settings.teams.as_mut().unwrap().app_password = "wrong".into();
    let dir = std::env::temp_dir().join(format!("check-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_coupa-approvals"))
        .arg("check")
        .env_clear()
        .env("RUST_LOG", "info")
        .envs(env::variables(&settings))
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("✓ configuration: complete (HTTP mode; Microsoft Teams)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "✗ teams token: Azure AD rejected the client secret of app {SANDBOX_APP_ID} (AADSTS7000215)\n    → set MICROSOFT_APP_PASSWORD"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("use the secret's Value, not its ID"),
        "{stdout}"
    );
    // The report says it; the log does not say it again.
    assert!(
        !stderr.contains("token request failed"),
        "check logged what its report says:\n{stderr}"
    );
}

#[tokio::test]
async fn the_check_command_names_a_microsoft_app_id_that_is_not_a_guid_and_where_to_find_it() {
    let world = teams_world().await;
    let dir = std::env::temp_dir().join(format!("check-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_coupa-approvals"))
        .arg("check")
        .env_clear()
        .envs(env::variables(&world.settings))
        // The bot's name pasted instead of its id.
        .env("MICROSOFT_APP_ID", "coupa-approvals-bot")
        .current_dir(&dir)
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let line = stdout
        .lines()
        .find(|line| line.starts_with("✗ configuration: MICROSOFT_APP_ID:"))
        .unwrap_or_else(|| panic!("no MICROSOFT_APP_ID line in\n{stdout}"));
    assert!(line.contains("GUID"), "{line}");
    assert!(
        line.contains("Azure Bot resource's Configuration page"),
        "{line}"
    );
    // Nothing is asked of Azure AD with an id that cannot be one.
    let connector = world.teams().unwrap().connector();
    assert!(
        connector
            .calls_to(&format!("/{SANDBOX_TENANT}/oauth2/v2.0/token"))
            .is_empty()
    );
}
