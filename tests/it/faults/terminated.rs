//! The process stopped with SIGTERM (a rolling deploy) while a decision waits for Coupa: the real
//! binary runs as a child against a Coupa this test hosts, which holds the approve until the stop
//! is under way. The decision still completes, the approver hears how it went, the audit log has
//! its intent and its outcome, and only then does the process exit 0.

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
