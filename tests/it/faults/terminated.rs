//! The process stopped with SIGTERM (a rolling deploy) while a decision waits for Coupa: the real
//! binary runs as a child against a Coupa this test hosts, which holds the approve until the stop
//! is under way. The decision still completes, the approver hears how it went, the audit log has
//! its intent and its outcome, and only then does the process exit 0. A decision Coupa keeps
//! waiting past the shutdown grace is cut off, counted in the log, and left on record.

use std::time::Duration;

use axum::http::Method;

use crate::support::RedisNamespace;
use crate::support::child_app::{ChildApp, StandIns};
use crate::support::wait::until;
use coupa_approvals::store::Store;

#[tokio::test]
async fn sigterm_while_coupa_holds_an_approve_lets_the_decision_finish_reply_and_audit_then_exits_0()
 {
    let namespace = RedisNamespace::new("faults-sigterm-deciding");
    let s = StandIns::new().await;
    let requisition = s.requisition_for_daniel();
    let approval = s.sandbox.current_approval(requisition).unwrap();
    let mut app = ChildApp::start(&s, &namespace.prefix).await;
    assert!(
        until(Duration::from_secs(15), || s.cards().len() == 1).await,
        "{}",
        app.logs()
    );
    s.coupa_hold.hold(Method::PUT, "/api/approvals/");
    let card = s.cards().remove(0);
    assert_eq!(app.click(&card, "approve").await.status().as_u16(), 200);
    assert!(until(Duration::from_secs(10), || s.coupa_hold.held() == 1).await);

    app.terminate();
    assert!(
        until(Duration::from_secs(5), || app
            .logs()
            .contains("SIGTERM received"))
        .await,
        "{}",
        app.logs()
    );
    // Coupa answers only once the stop is under way.
    s.coupa_hold.release();
    let status = app.exited(Duration::from_secs(30)).await;

    assert_eq!(status.code(), Some(0), "{}", app.logs());
    assert_eq!(
        s.sandbox.approval_status(approval).as_deref(),
        Some("approved")
    );
    assert!(
        s.told()
            .iter()
            .any(|t| t.ends_with(" Standing desks: Approved in Coupa.")),
        "told: {:?}\n{}",
        s.told(),
        app.logs()
    );
    assert!(
        s.cards()[0].text.starts_with("Approved"),
        "{:#?}",
        s.cards()
    );
    let store = namespace.store();
    let outcomes: Vec<String> = store
        .audit(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.approval == approval)
        .map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, ["approved", "started"], "newest first");
    assert!(store.doubts().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_decision_still_waiting_for_coupa_when_the_grace_runs_out_is_counted_in_the_log_and_left_on_record()
 {
    let namespace = RedisNamespace::new("faults-sigterm-grace-out");
    let s = StandIns::new().await;
    let requisition = s.requisition_for_daniel();
    let approval = s.sandbox.current_approval(requisition).unwrap();
    let mut app = ChildApp::start(&s, &namespace.prefix).await;
    assert!(
        until(Duration::from_secs(15), || s.cards().len() == 1).await,
        "{}",
        app.logs()
    );
    // Coupa never answers the approve.
    s.coupa_hold.hold(Method::PUT, "/api/approvals/");
    let card = s.cards().remove(0);
    assert_eq!(app.click(&card, "approve").await.status().as_u16(), 200);
    assert!(until(Duration::from_secs(10), || s.coupa_hold.held() == 1).await);

    app.terminate();
    // Bounded by the service's own shutdown limit, with room for a slow machine.
    let status = app.exited(Duration::from_secs(40)).await;

    assert_eq!(status.code(), Some(0), "{}", app.logs());
    let counted = app.logs().lines().any(|line| {
        serde_json::from_str::<serde_json::Value>(line).is_ok_and(|event| {
            event["message"]
                .as_str()
                .is_some_and(|m| m.contains("did not finish in time"))
                && event["tasks"] == 1
        })
    });
    assert!(counted, "{}", app.logs());
    // The decision's intent stays on record for the next sync to finish.
    let store = namespace.store();
    let outcomes: Vec<String> = store
        .audit(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.approval == approval)
        .map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, ["started"]);
    assert_eq!(store.doubts().await.unwrap().len(), 1);
}
