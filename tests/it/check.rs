//! `check` against the Coupa sandbox and the fake Slack: every check green, and each kind of
//! broken installation giving the right ✗ line.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::check::{self, Report, Targets};
use coupa_approvals::config::{ChatPlatform, Settings, TeamsSettings};
use coupa_approvals::coupa::CoupaClient;
use coupa_approvals::domain::ChatUserId;
use coupa_approvals::domain::conversation::ConversationRef;
use coupa_approvals::domain::records::ChatContact;
use coupa_approvals::sandbox::coupa::{NewLine, NewRequisition, StepApprover};
use coupa_approvals::sandbox::slack::FakeSlack;
use coupa_approvals::sandbox::teams::FakeConnector;
use coupa_approvals::sandbox::{World, env};
use coupa_approvals::store::{MemoryStore, RedisStore, Store};
use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use secrecy::SecretString;
use support::fake_chat::FakeChat;

const SCOPES: &[&str] = coupa_approvals::slack::BOT_SCOPES;

struct Installation {
    world: World,
    chat: Arc<FakeChat>,
    /// What `check` runs with; a test breaks it to see the right line fail.
    settings: Settings,
}

impl Installation {
    async fn new() -> Self {
        let world = World::builder()
            .slack(FakeSlack::new("xoxb-check"))
            .build()
            .await
            .unwrap();
        let sandbox = &world.coupa;
        let requester = sandbox.add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = sandbox.add_user("daniel@example.com", "Daniel", "Okafor");
        sandbox.add_requisition(NewRequisition {
            title: "Desks".into(),
            requested_by: requester,
            currency: "USD".into(),
            lines: vec![NewLine::amount("Desks", Decimal::from(1_000), "Ergonomica")],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![vec![StepApprover::User(daniel)]],
        });
        let chat = Arc::new(FakeChat::new());
        chat.add_user("UDANIEL", "Daniel Okafor", "daniel@example.com");
        let settings = world.settings.clone();
        Self {
            world,
            chat,
            settings,
        }
    }

    async fn check_with(&self, store: Arc<dyn Store>) -> Report {
        let coupa = CoupaClient::builder(&self.settings.coupa).build().unwrap();
        let targets = Targets {
            store,
            coupa,
            chat: Some(self.chat.clone()),
            required_bot_scopes: SCOPES,
        };
        check::run(&self.settings, &targets).await
    }

    async fn check(&self) -> Report {
        self.check_with(Arc::new(MemoryStore::new())).await
    }
}

fn line<'a>(report: &'a Report, check: &str) -> &'a check::CheckLine {
    report
        .checks
        .iter()
        .find(|l| l.check == check)
        .unwrap_or_else(|| panic!("no {check} line in\n{}", report.to_text()))
}

#[tokio::test]
async fn without_slack_the_slack_checks_give_way_to_one_line_and_teams_reach_names_who_never_installed_the_app()
 {
    let mut installation = Installation::new().await;
    installation.settings.slack = None;
    installation.settings.chat_platforms = vec![ChatPlatform::Teams];
    // The bot's token comes from a fake Azure AD that knows this bot.
    let azure_ad = FakeConnector::new(
        "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "secret",
    )
    .serve()
    .await
    .unwrap();
    let mut teams = TeamsSettings::new(
        "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b",
        "secret",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
    );
    teams.login_url = url::Url::parse(&azure_ad.authority()).unwrap();
    installation.settings.teams = Some(teams);
    let coupa = CoupaClient::builder(&installation.settings.coupa)
        .build()
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let targets = Targets {
        store: store.clone(),
        coupa,
        chat: None,
        required_bot_scopes: SCOPES,
    };
    let report = check::run(&installation.settings, &targets).await;
    let text = report.to_text();
    assert!(!report.ok, "{text}");
    assert!(text.contains("✓ slack: not configured\n"), "{text}");
    assert!(text.contains("✓ teams token:"), "{text}");
    assert!(text.contains("✓ coupa requisitions:"), "{text}");
    for skipped in ["slack auth", "slack scopes", "identity"] {
        assert!(
            !text.contains(&format!("{skipped}:")),
            "{skipped} in\n{text}"
        );
    }
    let reach = line(&report, "teams reach");
    assert!(!reach.ok, "{text}");
    assert!(
        reach
            .detail
            .contains("0 of 1 approver(s) of pending approvals can be reached in Teams; not reachable in Teams: Daniel Okafor <daniel@example.com>"),
        "{text}"
    );

    // Daniel installs the app: the bot learns how to reach him.
    store
        .remember_contact(&ChatContact {
            user: ChatUserId::from("29:daniel"),
            name: Some("Daniel Okafor".into()),
            email: Some("daniel@example.com".into()),
            directory_id: None,
            endpoint: "https://smba.trafficmanager.net/teams/".into(),
            tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            conversation: Some(ConversationRef::new("a:daniel")),
            seen_at: Timestamp::now(),
            time_zone: None,
        })
        .await
        .unwrap();
    let report = check::run(&installation.settings, &targets).await;
    assert!(report.ok, "{}", report.to_text());
    assert!(
        line(&report, "teams reach")
            .detail
            .starts_with("1 of 1 approver(s) of pending approvals can be reached in Teams"),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn a_healthy_installation_passes_every_check() {
    let installation = Installation::new().await;
    let report = installation.check().await;
    assert!(report.ok, "{}", report.to_text());
    let text = report.to_text();
    for check in [
        "configuration",
        "store",
        "coupa token",
        "coupa scopes",
        "coupa requisitions",
        "slack auth",
        "slack scopes",
        "identity",
    ] {
        assert!(
            text.contains(&format!("✓ {check}:")),
            "{check} missing:\n{text}"
        );
    }
    assert!(
        line(&report, "coupa requisitions")
            .detail
            .starts_with("1 requisition")
    );
    assert!(
        line(&report, "slack auth")
            .detail
            .contains("Demo Workspace")
    );
    assert!(line(&report, "store").detail.contains("embedded"));
    assert_eq!(
        line(&report, "identity").detail,
        "1 of 1 approver(s) of pending approvals map to Slack users"
    );
}

#[tokio::test]
async fn a_wrong_coupa_secret_is_named() {
    let mut installation = Installation::new().await;
    installation.settings.coupa.client_secret = "wrong".into();
    let report = installation.check().await;
    assert!(!report.ok);
    let token = line(&report, "coupa token");
    assert!(!token.ok);
    assert_eq!(
        token.detail,
        "Coupa answered 401: client id or secret wrong"
    );
    assert!(
        token
            .fix
            .as_deref()
            .is_some_and(|fix| fix.contains("COUPA_CLIENT_SECRET")),
        "{:?}",
        token.fix
    );
}

#[tokio::test]
async fn a_missing_slack_scope_is_listed() {
    let installation = Installation::new().await;
    installation
        .world
        .slack
        .set_scopes("chat:write,im:write,im:history,users:read,app_mentions:read,commands");
    let report = installation.check().await;
    assert!(!report.ok);
    let scopes = line(&report, "slack scopes");
    assert!(!scopes.ok);
    assert_eq!(scopes.detail, "missing users:read.email");
    assert!(
        scopes
            .fix
            .as_deref()
            .unwrap()
            .contains("manifests/slack-app.yaml")
    );
}

#[tokio::test]
async fn unmapped_approvers_are_listed_by_name_and_email() {
    let installation = Installation::new().await;
    let ghost = installation
        .world
        .coupa
        .add_user("ghost@example.com", "Gus", "Ghost");
    let requester = installation.world.coupa.users()[0].id;
    installation.world.coupa.add_requisition(NewRequisition {
        title: "Chairs".into(),
        requested_by: requester,
        currency: "USD".into(),
        lines: vec![NewLine::amount("Chairs", Decimal::from(500), "Ergonomica")],
        justification: None,
        department: None,
        need_by: None,
        chain: vec![vec![StepApprover::User(ghost)]],
    });
    let report = installation.check().await;
    let identity = line(&report, "identity");
    assert!(!identity.ok);
    assert!(
        identity.detail.starts_with("1 of 2 approver(s)"),
        "{}",
        identity.detail
    );
    assert!(
        identity.detail.contains("Gus Ghost <ghost@example.com>"),
        "{}",
        identity.detail
    );
}

#[tokio::test]
async fn redis_down_fails_the_store_check() {
    let installation = Installation::new().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let store = RedisStore::new(&SecretString::from(format!("redis://{closed}")), "check").unwrap();
    let report = installation.check_with(Arc::new(store)).await;
    assert!(!report.ok);
    let store = line(&report, "store");
    assert!(!store.ok);
    assert!(store.fix.as_deref().unwrap().contains("REDIS_URL"));
}

#[tokio::test]
async fn json_output_has_every_line_and_the_verdict() {
    let installation = Installation::new().await;
    let report = installation.check().await;
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(
        json["checks"].as_array().unwrap().len(),
        report.checks.len()
    );
    assert_eq!(json["checks"][0]["check"], "configuration");
}

async fn run_binary(installation: &Installation, args: &[&str]) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("check-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_coupa-approvals"))
        .args(args)
        .env_clear()
        .envs(env::variables(&installation.settings))
        .current_dir(dir)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_check_command_exits_0_when_all_is_well_and_1_with_a_wrong_secret() {
    let mut installation = Installation::new().await;
    // The command maps approvers through Slack itself: give the fake workspace Daniel.
    installation
        .world
        .slack
        .add_user("UDANIEL", "Daniel Okafor", "daniel@example.com");
    let output = run_binary(&installation, &["check"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("✓ identity: 1 of 1"), "{stdout}");

    let json = run_binary(&installation, &["check", "--json"]).await;
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], true);

    installation.settings.coupa.client_secret = "wrong".into();
    let output = run_binary(&installation, &["check"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ coupa token:"), "{stdout}");
    assert!(stdout.contains("COUPA_CLIENT_SECRET"), "{stdout}");
}

#[tokio::test]
async fn a_wrong_redis_password_is_named_with_a_hint_about_the_password() {
    let installation = Installation::new().await;
    let server = support::redis_server::shared_tls();
    let url =
        SecretString::from(server.url_as(support::redis_server::TLS_USER, "not-the-password"));
    let store =
        RedisStore::with_root_ca(&url, "test-check-wrong-password", server.ca_pem.clone()).unwrap();

    let report = installation.check_with(Arc::new(store)).await;

    let store = line(&report, "store");
    assert!(!store.ok);
    assert!(store.detail.contains("authentication failed"), "{store:?}");
    assert_eq!(
        store.fix.as_deref(),
        Some("check the user name and password in REDIS_URL")
    );
}

#[tokio::test]
async fn a_redis_certificate_from_an_unknown_authority_gets_a_hint_about_redis_ca_file() {
    let installation = Installation::new().await;
    let server = support::redis_server::shared_tls();
    // Trust nothing but the system's roots: the test's throwaway CA is not among them.
    let store = RedisStore::new(
        &SecretString::from(server.url_as(
            support::redis_server::TLS_USER,
            support::redis_server::TLS_PASSWORD,
        )),
        "test-check-untrusted",
    )
    .unwrap();

    let report = installation.check_with(Arc::new(store)).await;

    let store = line(&report, "store");
    assert!(!store.ok);
    assert!(store.detail.contains("TLS"), "{store:?}");
    assert!(
        store
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("REDIS_CA_FILE"),
        "{store:?}"
    );
}

/// `check` on Redis, where the service's leader last recorded a successful sync `ago`.
async fn check_after_a_sync(installation: &Installation, ago: Option<Duration>) -> Report {
    let namespace = support::RedisNamespace::new("check-sync");
    let store = namespace.arc_store();
    if let Some(ago) = ago {
        let at = Timestamp::now()
            .checked_sub(SignedDuration::try_from(ago).unwrap())
            .unwrap();
        store.set_last_sync_success(at).await.unwrap();
    }
    installation.check_with(store).await
}

#[tokio::test]
async fn a_sync_that_has_not_succeeded_for_over_five_intervals_is_named_with_what_to_do() {
    let installation = Installation::new().await;
    let interval = installation.settings.sync_interval;
    let report = check_after_a_sync(&installation, Some(interval * 6)).await;
    assert!(!report.ok);
    let sync = line(&report, "sync");
    assert!(!sync.ok);
    let seconds: u64 = sync
        .detail
        .strip_prefix("sync has not succeeded for ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", sync.detail));
    assert!(seconds >= (interval * 6).as_secs(), "{}", sync.detail);
    assert!(
        sync.fix.as_deref().unwrap_or_default().contains("its log"),
        "{sync:?}"
    );
}

#[tokio::test]
async fn a_sync_that_succeeded_within_five_intervals_passes() {
    let installation = Installation::new().await;
    let interval = installation.settings.sync_interval;
    let report = check_after_a_sync(&installation, Some(interval * 4)).await;
    let sync = line(&report, "sync");
    assert!(sync.ok, "{sync:?}");
    assert!(sync.detail.starts_with("last succeeded "), "{sync:?}");
    assert!(report.ok, "{}", report.to_text());
}

#[tokio::test]
async fn check_says_when_no_sync_ever_succeeded() {
    let installation = Installation::new().await;
    let report = check_after_a_sync(&installation, None).await;
    let sync = line(&report, "sync");
    assert!(
        sync.detail.starts_with("no sync has succeeded yet"),
        "{sync:?}"
    );
}
