//! The process SIGKILLed mid-decision, or between posting a card and recording it, and started
//! again on the same Redis: the real binary runs as a child against a Coupa and a Slack this test
//! hosts, which hold the request at which the child is killed. Within one sync cycle of the
//! restart there is one card, recorded, it tells the truth, no decision is made twice, the audit
//! log says how the cut-off decision ended, and the approver can decide (or is told it was
//! decided).

use std::time::Duration;

use axum::http::Method;
use coupa_approvals::domain::ApprovalId;
use coupa_approvals::sandbox::slack::FakeMessage;
use coupa_approvals::store::Store;

use crate::support::RedisNamespace;
use crate::support::child_app::{ChildApp, StandIns};
use crate::support::hold::Hold;
use crate::support::wait::until;

/// Waits until `child` (just started) has led one sync cycle: the killed process's lease must run
/// out first, then the new leader reconciles and polls Coupa for changes.
async fn one_sync_cycle(stand_ins: &StandIns, child: &ChildApp) {
    let listed = || {
        stand_ins
            .sandbox
            .calls()
            .iter()
            .filter(|c| c.method == "GET" && c.path == "/api/requisitions")
            .count()
    };
    let before = listed();
    assert!(
        until(Duration::from_secs(30), || listed() >= before + 2).await,
        "the restarted process never synced:\n{}",
        child.logs()
    );
}

/// The audit log's outcomes for `approval`, oldest first.
async fn outcomes(store: &impl Store, approval: ApprovalId) -> Vec<String> {
    let mut outcomes: Vec<String> = store
        .audit(20)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.approval == approval)
        .map(|e| e.outcome)
        .collect();
    outcomes.reverse();
    outcomes
}

/// A card delivered by a first process for a requisition waiting for Daniel; then Daniel clicks
/// Approve, the request at `held` is held where `hold` stands, and the process is killed there.
/// Returns the approval, the clicked card and the stand-ins with nothing held any more.
async fn approve_and_kill_while_held(
    s: &StandIns,
    namespace: &RedisNamespace,
    hold: impl Fn(&StandIns) -> &Hold,
    method: Method,
    held: &str,
) -> (ApprovalId, FakeMessage) {
    let requisition = s.requisition_for_daniel();
    let approval = s.sandbox.current_approval(requisition).unwrap();
    let first = ChildApp::start(s, &namespace.prefix).await;
    assert!(
        until(Duration::from_secs(15), || s.cards().len() == 1).await,
        "{}",
        first.logs()
    );
    hold(s).hold(method, held);
    let card = s.cards().remove(0);
    assert_eq!(first.click(&card, "approve").await.status().as_u16(), 200);
    assert!(until(Duration::from_secs(10), || hold(s).held() == 1).await);
    first.kill().await;
    hold(s).clear();
    (approval, card)
}

#[tokio::test]
async fn killed_between_claim_and_coupa_the_restart_records_it_not_applied_keeps_one_true_card_and_the_approver_decides_once()
 {
    let namespace = RedisNamespace::new("faults-killed-claimed");
    let s = StandIns::new().await;
    // The approve PUT is held on its way to Coupa; the process dies with its claim taken.
    let (approval, _) = approve_and_kill_while_held(
        &s,
        &namespace,
        |s| &s.coupa_hold,
        Method::PUT,
        "/api/approvals/",
    )
    .await;
    assert_eq!(
        s.sandbox.approval_status(approval).as_deref(),
        Some("pending_approval")
    );
    // The intent was on record before Coupa was called.
    let store = namespace.store();
    assert_eq!(outcomes(&store, approval).await, ["started"]);
    assert_eq!(store.doubts().await.unwrap().len(), 1);

    let second = ChildApp::start(&s, &namespace.prefix).await;
    one_sync_cycle(&s, &second).await;
    // Once the dead decider's claim runs out, the sync reads Coupa and records how it ended.
    let settled = async {
        loop {
            if outcomes(&store, approval).await.len() == 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(30), settled)
            .await
            .is_ok(),
        "{:?}\n{}",
        outcomes(&store, approval).await,
        second.logs()
    );
    assert_eq!(
        outcomes(&store, approval).await,
        ["started", "not applied: still pending in Coupa"]
    );
    assert!(store.doubts().await.unwrap().is_empty());
    assert_eq!(store.claim_outcome(approval).await.unwrap(), None);

    let cards = s.cards();
    assert_eq!(cards.len(), 1, "no duplicate card: {cards:#?}");
    assert!(
        cards[0].text.starts_with("Approval needed"),
        "Coupa still waits, and the card says so: {}",
        cards[0].text
    );
    assert_eq!(s.puts(), 0, "the held decision never reached Coupa");

    // The dead process's claim no longer blocks the approver.
    assert_eq!(
        second.click(&cards[0], "approve").await.status().as_u16(),
        200
    );
    assert!(
        until(Duration::from_secs(10), || s
            .told()
            .iter()
            .any(|t| t.ends_with(" Standing desks: Approved in Coupa.")))
        .await,
        "told: {:?}\n{}",
        s.told(),
        second.logs()
    );
    assert_eq!(s.puts(), 1, "decided once");
    assert_eq!(
        s.sandbox.approval_status(approval).as_deref(),
        Some("approved")
    );
    assert!(
        until(Duration::from_secs(5), || s.cards()[0]
            .text
            .starts_with("Approved"))
        .await,
        "{:#?}",
        s.cards()
    );
    assert_eq!(s.cards().len(), 1);
}

#[tokio::test]
async fn killed_between_coupa_and_the_card_update_the_restart_tells_the_truth_and_fixes_the_card() {
    let namespace = RedisNamespace::new("faults-killed-decided");
    let s = StandIns::new().await;
    // Coupa executes the approve; the card update is held; the process dies.
    let (approval, card) = approve_and_kill_while_held(
        &s,
        &namespace,
        |s| &s.slack_hold,
        Method::POST,
        "/api/chat.update",
    )
    .await;
    assert_eq!(
        s.sandbox.approval_status(approval).as_deref(),
        Some("approved")
    );
    assert!(
        s.cards()[0].text.starts_with("Approval needed"),
        "the card is stale now"
    );

    let second = ChildApp::start(&s, &namespace.prefix).await;
    // Before the new process syncs, a click on the stale card learns what happened, and Coupa
    // is not asked again.
    assert_eq!(second.click(&card, "approve").await.status().as_u16(), 200);
    assert!(
        until(Duration::from_secs(10), || s
            .told()
            .iter()
            .any(|t| t.contains(
                " Standing desks: Already approved by Daniel Okafor at "
            )))
        .await,
        "told: {:?}\n{}",
        s.told(),
        second.logs()
    );
    one_sync_cycle(&s, &second).await;

    let cards = s.cards();
    assert_eq!(cards.len(), 1, "no duplicate card: {cards:#?}");
    assert!(
        cards[0].text.starts_with("Approved"),
        "the card says approved: {}",
        cards[0].text
    );
    assert_eq!(s.puts(), 1, "decided once");
}

#[tokio::test]
async fn killed_after_coupa_applied_the_approve_but_before_it_answered_the_restart_confirms_it_and_fixes_the_card()
 {
    let namespace = RedisNamespace::new("faults-killed-applied");
    let s = StandIns::new().await;
    let requisition = s.requisition_for_daniel();
    let approval = s.sandbox.current_approval(requisition).unwrap();
    let first = ChildApp::start(&s, &namespace.prefix).await;
    assert!(
        until(Duration::from_secs(15), || s.cards().len() == 1).await,
        "{}",
        first.logs()
    );
    // Coupa applies the approve at once but answers only after the process is gone.
    s.coupa_hold
        .answer_late(Method::PUT, "/api/approvals/", Duration::from_secs(60));
    let card = s.cards().remove(0);
    assert_eq!(first.click(&card, "approve").await.status().as_u16(), 200);
    assert!(
        until(Duration::from_secs(10), || s.puts() == 1
            && s.sandbox.approval_status(approval).as_deref()
                == Some("approved"))
        .await
    );
    first.kill().await;
    s.coupa_hold.clear();
    let store = namespace.store();
    assert_eq!(outcomes(&store, approval).await, ["started"]);

    let second = ChildApp::start(&s, &namespace.prefix).await;
    let settled = async {
        while outcomes(&store, approval).await.len() < 2 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(30), settled)
            .await
            .is_ok(),
        "{:?}\n{}",
        outcomes(&store, approval).await,
        second.logs()
    );
    assert_eq!(
        outcomes(&store, approval).await,
        ["started", "confirmed: approved"]
    );
    assert!(store.doubts().await.unwrap().is_empty());
    let outcome = store.claim_outcome(approval).await.unwrap().unwrap();
    assert!(outcome.confirmed, "{outcome:?}");
    assert!(
        until(Duration::from_secs(5), || s.cards()[0]
            .text
            .starts_with("Approved"))
        .await,
        "{:#?}",
        s.cards()
    );
    assert_eq!(s.cards().len(), 1, "no duplicate card");
    assert_eq!(s.puts(), 1, "decided once");
}

/// A first process posts Daniel's card with `chat.postMessage` held as `hold` holds it, and is
/// killed there; a second one syncs. Returns the approval and the second process.
async fn post_and_kill_then_restart(
    s: &StandIns,
    namespace: &RedisNamespace,
    hold: impl Fn(&Hold),
    on_its_way: impl Fn(&StandIns) -> bool,
) -> (ApprovalId, ChildApp) {
    let approval = s
        .sandbox
        .current_approval(s.requisition_for_daniel())
        .unwrap();
    hold(&s.slack_hold);
    let first = ChildApp::start(s, &namespace.prefix).await;
    assert!(
        until(Duration::from_secs(15), || on_its_way(s)).await,
        "{}",
        first.logs()
    );
    // The post is on its way (or done) and its answer has not come back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.kill().await;
    s.slack_hold.clear();
    let second = ChildApp::start(s, &namespace.prefix).await;
    one_sync_cycle(s, &second).await;
    (approval, second)
}

/// Exactly one card in Daniel's conversation, recorded as his card for `approval`, nothing left
/// pending; and it is kept true: approved in Coupa, the card says so.
async fn one_recorded_card_kept_true(
    s: &StandIns,
    namespace: &RedisNamespace,
    approval: ApprovalId,
    child: &ChildApp,
) {
    let cards = s.cards();
    assert_eq!(cards.len(), 1, "one card: {cards:#?}\n{}", child.logs());
    assert!(
        cards[0].text.starts_with("Approval needed"),
        "{}",
        cards[0].text
    );
    let store = namespace.store();
    let known = store.deliveries(approval).await.unwrap();
    assert!(known.pending.is_empty(), "{known:?}\n{}", child.logs());
    assert_eq!(known.cards.len(), 1, "{known:?}");
    assert_eq!(
        known.cards[0].message.id(),
        cards[0].ts,
        "the card Daniel has"
    );

    s.sandbox.approve_in_coupa(approval, s.daniel).unwrap();
    assert!(
        until(Duration::from_secs(15), || s.cards()[0]
            .text
            .starts_with("Approved"))
        .await,
        "{:#?}\n{}",
        s.cards(),
        child.logs()
    );
    assert_eq!(s.cards().len(), 1);
}

#[tokio::test]
async fn killed_between_posting_a_card_and_recording_it_the_restart_records_that_card_and_sends_no_second()
 {
    let namespace = RedisNamespace::new("faults-killed-posted");
    let s = StandIns::new().await;
    // Slack posts the card; its answer never reaches the process, which dies waiting.
    let (approval, second) = post_and_kill_then_restart(
        &s,
        &namespace,
        |hold| {
            hold.answer_late(
                Method::POST,
                "/api/chat.postMessage",
                Duration::from_secs(600),
            )
        },
        |s| s.cards().len() == 1,
    )
    .await;
    one_recorded_card_kept_true(&s, &namespace, approval, &second).await;
}

#[tokio::test]
async fn killed_while_a_card_was_being_posted_the_restart_posts_it_once() {
    let namespace = RedisNamespace::new("faults-killed-posting");
    let s = StandIns::new().await;
    // The post never reaches Slack; the process dies waiting for it.
    let (approval, second) = post_and_kill_then_restart(
        &s,
        &namespace,
        |hold| hold.hold(Method::POST, "/api/chat.postMessage"),
        |s| s.slack_hold.held() == 1,
    )
    .await;
    // Once the dead process's post is surely not under way any more (30 s after it began).
    assert!(
        until(Duration::from_secs(40), || s.cards().len() == 1).await,
        "{}",
        second.logs()
    );
    one_recorded_card_kept_true(&s, &namespace, approval, &second).await;
}
