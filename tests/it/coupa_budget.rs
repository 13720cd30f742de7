//! Nobody can make the bot spend Coupa's budget: "what's pending" asked over and over costs a
//! handful of Coupa calls, and a decision clicked while lookups and sync wait for the rate limit
//! goes out before them. Through signed Slack requests, counting what the Coupa sandbox saw.

use crate::support;

use std::future::Future;
use std::time::Duration;

use coupa_approvals::sandbox::coupa::{RecordedCall, StepApprover};
use coupa_approvals::sandbox::people::numbered_approvers;
use coupa_approvals::store::MemoryStore;
use support::e2e::{TestApp, message_event, unique_id};

/// How long the tests wait for something that takes a few seconds at most.
const PATIENCE: Duration = Duration::from_secs(30);

/// Polls `check` every 25 ms until it holds, for up to [`PATIENCE`].
async fn within_patience(mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    check()
}

/// Runs `asks` all at once and waits for every acknowledgement.
async fn all_at_once<F>(asks: impl IntoIterator<Item = F>)
where
    F: Future<Output = u16> + Send + 'static,
{
    let mut sent = tokio::task::JoinSet::new();
    for ask in asks {
        sent.spawn(ask);
    }
    while let Some(status) = sent.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
}

/// The bot's answers to "what's pending" in `user`'s DM.
fn pending_replies(app: &TestApp, user: &str) -> Vec<String> {
    app.fake()
        .conversation(user)
        .into_iter()
        .filter(|m| m.text.contains("waiting for your approval"))
        .map(|m| m.text)
        .collect()
}

/// Calls made by anything but sync's requisition lists: the lookups', and decisions'.
fn not_sync_lists(calls: &[RecordedCall]) -> Vec<&RecordedCall> {
    calls
        .iter()
        .filter(|c| !(c.method == "GET" && c.path == "/api/requisitions"))
        .collect()
}

/// `GET /api/users`, and so on: what a failed assertion shows of each call.
fn named(calls: &[&RecordedCall]) -> Vec<String> {
    calls
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_whats_pending_messages_from_one_person_cost_one_lookup_and_all_are_answered() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    }
    app.sync().await;
    app.sandbox().clear_calls();

    let sender = app.sender().clone();
    all_at_once((0..200).map(|_| {
        let sender = sender.clone();
        async move {
            let event = message_event("UDANIEL", "what's pending?", &unique_id());
            sender.event(&event).await.unwrap().status
        }
    }))
    .await;

    assert!(
        within_patience(|| pending_replies(&app, "UDANIEL").len() >= 200).await,
        "{} of 200 messages answered",
        pending_replies(&app, "UDANIEL").len()
    );
    let replies = pending_replies(&app, "UDANIEL");
    assert_eq!(replies.len(), 200);
    assert!(
        replies.iter().all(|r| r.starts_with("3 requisition")),
        "{replies:?}"
    );
    // One lookup: the asker's Coupa user, their approvals, and each of the three requisitions.
    // Sending 200 requests may outlast the few seconds an answer is kept on a busy machine, so a
    // second lookup is allowed; 200 would be a thousand calls.
    let calls = app.sandbox().calls();
    let lookups = not_sync_lists(&calls);
    assert!(
        (5..=10).contains(&lookups.len()),
        "{} Coupa calls for 200 asks: {:?}",
        lookups.len(),
        named(&lookups)
    );
    assert!(app.sandbox().count_calls("GET", "/api/approvals") <= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_clicked_while_lookups_and_sync_wait_for_coupa_goes_out_before_them() {
    // Four calls a second: every lookup and sync call waits its turn.
    let app = TestApp::spawn_with(std::sync::Arc::new(MemoryStore::new()), |settings| {
        settings.coupa.max_rps = 4;
    })
    .await;
    let mine = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    assert!(within_patience(|| !app.cards_of("UDANIEL").is_empty()).await);
    let card = app.cards_of("UDANIEL").remove(0);
    let approval = app.sandbox().current_approval(mine).unwrap();

    // Six other approvers with three requisitions each, not yet synced.
    let others = numbered_approvers(app.sandbox(), 6);
    for person in &others {
        person.join(app.fake());
        for _ in 0..3 {
            app.requisition(vec![vec![StepApprover::User(person.coupa_id)]]);
        }
    }
    app.sandbox().clear_calls();

    // They all ask what is pending, and a sync cycle starts: calls queue for the rate limit.
    let sender = app.sender().clone();
    all_at_once(others.iter().map(|person| {
        let sender = sender.clone();
        let user = person.slack_id.clone();
        async move {
            let event = message_event(&user, "what's pending?", &unique_id());
            sender.event(&event).await.unwrap().status
        }
    }))
    .await;
    let engine = app.engine.clone();
    let sync = tokio::spawn(async move { engine.sync_changes().await.map(|_| ()) });
    assert!(within_patience(|| app.sandbox().calls().len() >= 2).await);

    // Daniel approves meanwhile.
    let before_click = app.sandbox().calls().len();
    assert_eq!(app.click("UDANIEL", &card, "approve").await.status(), 200);
    let put_path = format!("/api/approvals/{approval}/approve");
    let put_at = || {
        app.sandbox()
            .calls()
            .iter()
            .position(|c| c.method == "PUT" && c.path == put_path)
    };
    assert!(within_patience(|| put_at().is_some()).await, "no PUT");
    // Every lookup still gets its answer.
    assert!(
        within_patience(|| others
            .iter()
            .all(|p| !pending_replies(&app, &p.slack_id).is_empty()))
        .await
    );
    sync.await.unwrap().unwrap();

    let calls = app.sandbox().calls();
    let put = put_at().unwrap();
    let daniels_reads = |c: &RecordedCall| {
        c.path == format!("/api/requisitions/{mine}")
            || (c.path == "/api/users" && c.query.iter().any(|(_, v)| v == "daniel@example.com"))
    };
    let overtaken_by: Vec<_> = calls[before_click..put]
        .iter()
        .filter(|c| !daniels_reads(c))
        .collect();
    let waited_behind: Vec<_> = calls[put + 1..].iter().collect();
    // At most a call or two already granted before the decision's turn came (a slot falls
    // between its calls now and then); without priority, each of its three calls would wait
    // behind every call already queued.
    assert!(
        overtaken_by.len() <= 2,
        "{} calls reached Coupa between the click and the approval: {:?}",
        overtaken_by.len(),
        named(&overtaken_by)
    );
    assert!(
        waited_behind.len() >= 10,
        "only {} calls were still waiting when the approval went out",
        waited_behind.len()
    );
    assert_eq!(
        app.sandbox().approval_status(approval).as_deref(),
        Some("approved")
    );
}

#[tokio::test]
async fn the_list_asked_for_right_after_a_decision_or_a_card_change_is_read_again() {
    let app = TestApp::spawn().await;
    let chain = || vec![vec![StepApprover::User(app.daniel.coupa)]];
    let clicked = app.requisition(chain());
    let elsewhere = app.requisition(chain());
    app.requisition(chain());
    app.sync().await;
    assert!(within_patience(|| app.cards_of("UDANIEL").len() == 3).await);
    // Asks, and returns the `n`th answer.
    let ask = {
        let app = &app;
        move |n: usize| async move {
            assert_eq!(app.say("UDANIEL", "what's pending?").await.status(), 200);
            assert!(within_patience(|| pending_replies(app, "UDANIEL").len() == n).await);
            pending_replies(app, "UDANIEL").remove(n - 1)
        }
    };
    assert!(ask(1).await.starts_with("3 requisition"));

    // Daniel approves one from its card: his next list, a moment later, no longer has it.
    let card = app
        .cards_of("UDANIEL")
        .into_iter()
        .find(|c| c.blocks.to_string().contains(&format!("#{clicked}")))
        .unwrap();
    app.click("UDANIEL", &card, "approve").await;
    let approved = app.sandbox().current_approvals(clicked);
    assert!(
        within_patience(|| approved
            .iter()
            .all(|a| app.sandbox().approval_status(*a).as_deref() == Some("approved"))
            && !app.fake().ephemerals_for("UDANIEL").is_empty())
        .await
    );
    assert!(ask(2).await.starts_with("2 requisition"));

    // Another is approved in Coupa itself; the sync edits his card, and his list follows.
    let approval = app.sandbox().current_approval(elsewhere).unwrap();
    app.sandbox()
        .approve_in_coupa(approval, app.daniel.coupa)
        .unwrap();
    app.sync().await;
    assert!(ask(3).await.starts_with("1 requisition"));
}
