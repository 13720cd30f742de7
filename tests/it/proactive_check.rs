//! `check` with proactive installation on, against the fake Azure AD and the store: the
//! `teams graph` line names each Microsoft Graph permission the bot's token lacks, and the
//! `teams installs` line counts and lists the failed installations with their reasons; an
//! approver not reachable yet is said to get the app at a sync, and `check` installs nothing.

use std::time::Duration;

use crate::support::check_report::{check_in, line};
use coupa_approvals::config::ChatPlatform;
use coupa_approvals::domain::records::FailedInstall;
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::coupa::{NewRequisition, StepApprover};
use coupa_approvals::sandbox::people::Person;
use coupa_approvals::sandbox::teams::SANDBOX_TENANT;
use coupa_approvals::teams::connector_token::{BOT_FRAMEWORK_SCOPE, GRAPH_SCOPE};
use coupa_approvals::teams::graph::USER_READ_ALL;
use serde_json::Value;

async fn proactive_world() -> World {
    World::builder()
        .platforms([ChatPlatform::Teams])
        .proactive_install()
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn with_proactive_install_a_graph_token_granting_both_permissions_passes() {
    let world = proactive_world().await;
    let report = check_in(&world, &world.settings).await;
    assert!(report.ok, "{}", report.to_text());
    let names: Vec<&str> = report.checks.iter().map(|l| l.check.as_str()).collect();
    assert_eq!(
        names[..4],
        ["configuration", "store", "teams token", "teams graph"],
        "{}",
        report.to_text()
    );
    assert!(
        names.ends_with(&["teams reach", "teams installs", "slack"]),
        "{names:?}"
    );
    let graph = line(&report, "teams graph");
    assert!(
        graph
            .detail
            .contains("TeamsAppInstallation.ReadWriteForUser.All and User.Read.All"),
        "{}",
        graph.detail
    );
    assert_eq!(
        line(&report, "teams installs").detail,
        "no proactive installation has failed"
    );
    let asked = world
        .teams()
        .unwrap()
        .connector()
        .calls_to(&format!("/{SANDBOX_TENANT}/oauth2/v2.0/token"));
    let scopes: Vec<&Value> = asked
        .iter()
        .map(|c| &c.body.as_ref().unwrap()["scope"])
        .collect();
    assert_eq!(scopes, [BOT_FRAMEWORK_SCOPE, GRAPH_SCOPE]);
}

#[tokio::test]
async fn a_graph_token_missing_a_permission_names_it_and_asks_for_admin_consent() {
    let world = proactive_world().await;
    let connector = world.teams().unwrap().connector();
    connector.grant_graph_roles(&[USER_READ_ALL]);
    let report = check_in(&world, &world.settings).await;
    let graph = line(&report, "teams graph");
    assert!(!graph.ok && !report.ok, "{}", report.to_text());
    assert_eq!(
        graph.detail,
        "the bot's Microsoft Graph token lacks the application permission TeamsAppInstallation.ReadWriteForUser.All"
    );
    assert_eq!(
        graph.fix.as_deref(),
        Some(
            "grant admin consent for TeamsAppInstallation.ReadWriteForUser.All in the app registration's API permissions (Microsoft Graph, Application permissions)"
        )
    );

    connector.grant_graph_roles(&[]);
    let report = check_in(&world, &world.settings).await;
    assert!(
        line(&report, "teams graph").detail.ends_with(
            "lacks the application permission TeamsAppInstallation.ReadWriteForUser.All and User.Read.All"
        ),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn failed_proactive_installs_are_counted_and_listed_with_their_reasons() {
    let world = proactive_world().await;
    for n in 0..22 {
        let failed = FailedInstall {
            email: format!("approver-{n:02}@example.com"),
            reason: "Microsoft Graph knows no user with this email in the tenant".into(),
            transient: false,
            at: jiff::Timestamp::now(),
        };
        world
            .store
            .install_failed(&failed, Duration::from_secs(3600))
            .await
            .unwrap();
    }
    let report = check_in(&world, &world.settings).await;
    let installs = line(&report, "teams installs");
    assert!(!installs.ok && !report.ok, "{}", report.to_text());
    assert!(
        installs.detail.starts_with(
            "22 proactive installation(s) failed: approver-00@example.com (Microsoft Graph knows no user with this email in the tenant); approver-01@example.com"
        ),
        "{}",
        installs.detail
    );
    assert!(installs.detail.contains("approver-19@example.com"));
    assert!(!installs.detail.contains("approver-20@example.com"));
    assert!(
        installs.detail.ends_with(" and 2 more"),
        "{}",
        installs.detail
    );
}

#[tokio::test]
async fn an_unreachable_approver_is_said_to_get_the_app_through_graph_at_a_sync() {
    let world = proactive_world().await;
    let requester = world
        .coupa
        .add_user("marta@example.com", "Marta", "Kowalski");
    let daniel = Person::in_coupa(&world.coupa, "daniel@example.com", "Daniel", "Okafor");
    world.coupa.add_requisition(NewRequisition::standing_desks(
        requester,
        vec![vec![StepApprover::User(daniel.coupa_id)]],
    ));
    let report = check_in(&world, &world.settings).await;
    let reach = line(&report, "teams reach");
    assert!(!reach.ok, "{}", report.to_text());
    assert_eq!(
        reach.fix.as_deref(),
        Some(
            "the running bot installs the app for them through Microsoft Graph when a sync looks them up; the teams installs line below lists any installation that failed"
        )
    );
    assert!(
        world.teams().unwrap().graph().calls().is_empty(),
        "check itself installs nothing"
    );
}
