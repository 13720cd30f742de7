//! `coupa-approvals run` with only Microsoft Teams configured, as an admin runs it: the real
//! binary, configured by environment variables alone, against the Coupa sandbox, the Bot
//! Framework token authority and the fake Bot Connector this test hosts.

use crate::support;

use std::time::Duration;

use coupa_approvals::config::{ChatPlatform, LogFormat};
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::coupa::{NewRequisition, StepApprover};
use coupa_approvals::sandbox::people::Person;
use support::child_app::RunningBinary;

/// Waits up to `within` for `check` to hold.
async fn within(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

#[tokio::test]
async fn run_with_only_teams_configured_delivers_the_card_and_decides_it_once_in_coupa() {
    let world = World::builder()
        .platforms([ChatPlatform::Teams])
        .settings(|settings| {
            settings.sync_interval = Duration::from_secs(1);
            settings.log_format = LogFormat::Json;
            settings.bind_addr = ([127, 0, 0, 1], 0).into();
        })
        .build()
        .await
        .expect("the world starts");
    assert!(world.settings.slack.is_none());
    let teams = world.teams().expect("a world with Teams");
    let requester = world
        .coupa
        .add_user("marta@example.com", "Marta", "Kowalski");
    let daniel = Person::in_coupa(&world.coupa, "daniel@example.com", "Daniel", "Okafor");
    let daniel_on_teams = teams.join(&daniel);

    let child = RunningBinary::start(&world.settings).await;
    let addr = child.addr;
    let logs_now = || child.logs();
    let sender = teams.sender(
        &format!("http://{addr}"),
        &world.settings.teams.as_ref().unwrap().app_id,
    );
    let connector = teams.connector();

    // Daniel installs the app; a requisition waits for him; the binary's own sync delivers it.
    let installed = sender.install(&daniel_on_teams).await.unwrap();
    assert_eq!(installed.status, 200, "{}\n{}", installed.body, logs_now());
    let req = world.coupa.add_requisition(NewRequisition::standing_desks(
        requester,
        vec![vec![StepApprover::User(daniel.coupa_id)]],
    ));
    let approval = world
        .coupa
        .current_approval(req)
        .expect("the requisition waits for Daniel");
    let conversation = connector.conversation_for(&daniel_on_teams.id);
    let mark = format!("Requisition #{req}");
    let card_of_req = || {
        connector
            .activities(&conversation)
            .into_iter()
            .filter(|a| !a.deleted && a.activity.to_string().contains(&mark))
            .collect::<Vec<_>>()
    };
    assert!(
        within(Duration::from_secs(15), || card_of_req().len() == 1).await,
        "no card reached Daniel:\n{}",
        logs_now()
    );
    let card = card_of_req().pop().expect("one card");

    let answer = sender.approve(&daniel_on_teams, &card).await.unwrap();
    assert_eq!(answer.status, 200, "{}\n{}", answer.body, logs_now());
    assert_eq!(
        world.coupa.approval_note(approval).as_deref(),
        Some("Approved in Microsoft Teams by Daniel Okafor <daniel@example.com>"),
        "{}",
        logs_now()
    );
    assert_eq!(world.coupa.count_calls("PUT", "/api/approvals/"), 1);
    assert!(
        within(Duration::from_secs(5), || {
            card_of_req().first().is_some_and(|card| {
                card.activity
                    .to_string()
                    .contains("**Approved** by Daniel Okafor in Teams")
            })
        })
        .await,
        "the card was not updated:\n{}",
        logs_now()
    );
}
