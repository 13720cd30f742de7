//! Coupa answering 500s, timing out, or rate limiting while a user decides: the user gets a
//! clear "try again" or "unconfirmed" answer, the claim is released only when Coupa cannot have
//! acted, no decision is executed twice, and the card ends true after the next sync.

use std::time::Duration;

use axum::http::Method;
use coupa_approvals::coupa::RetryPolicy;
use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::{ApprovalId, Decision};

use crate::support::fault_world::{FaultWorld, is_pending, says_approved};

const DECISIONS: &str = "/api/approvals/";

fn attempts() -> usize {
    RetryPolicy::default().max_attempts as usize
}

/// A world where Daniel has one pending card.
async fn delivered() -> (FaultWorld, ApprovalId) {
    let w = FaultWorld::new().await;
    let requisition = w.requisition_for_daniel("Desks");
    w.engine.reconcile().await.unwrap();
    let approval = w.approval_of(requisition);
    assert!(is_pending(&w.card_for(approval)));
    (w, approval)
}

/// What Daniel is told when his approval of the "Desks" requisition is done.
fn told_done(w: &FaultWorld, approval: ApprovalId) -> String {
    let requisition = w.card_for(approval).requisition.id;
    format!("#{requisition} Desks: Approved in Coupa.")
}

fn status(w: &FaultWorld, approval: ApprovalId) -> String {
    w.sandbox.approval_status(approval).unwrap_or_default()
}

/// The next sync leaves exactly one card, saying it was approved.
async fn ends_approved(w: &FaultWorld, approval: ApprovalId) {
    w.engine.sync_changes().await.unwrap();
    assert_eq!(w.cards().len(), 1, "{:#?}", w.cards());
    assert!(
        says_approved(&w.card_for(approval)),
        "{:?}",
        w.card_for(approval).state
    );
}

#[tokio::test]
async fn an_approve_that_coupa_executed_but_answered_too_late_is_confirmed_by_rereading_it() {
    let (w, approval) = delivered().await;
    w.hold
        .answer_late(Method::PUT, DECISIONS, Duration::from_secs(2));

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(w.last_told(), told_done(&w, approval));
    assert_eq!(w.puts(), 1);
    assert!(says_approved(&w.card_for(approval)));
    w.hold.clear();
    ends_approved(&w, approval).await;
}

#[tokio::test]
async fn an_approve_whose_outcome_cannot_be_read_back_is_unconfirmed_stays_claimed_and_the_sync_makes_the_card_true()
 {
    let (w, approval) = delivered().await;
    // Coupa executes the approve but answers too late, and then cannot be read.
    w.hold
        .answer_late(Method::PUT, DECISIONS, Duration::from_secs(2));
    w.fail(
        Method::GET,
        &format!("/api/approvals/{approval}"),
        500,
        attempts(),
        None,
    );

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Unconfirmed);
    assert!(
        w.last_told().contains("Could not confirm"),
        "{}",
        w.last_told()
    );
    assert!(
        is_pending(&w.card_for(approval)),
        "nothing claimed before Coupa confirms"
    );
    w.hold.clear();

    // The claim is kept: a second click cannot send a second decision.
    let again = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert!(
        matches!(&again, DecisionResult::Refused(Refusal::AlreadyDecided(o)) if !o.confirmed),
        "{again:?}"
    );
    assert!(w.last_told().contains("not confirmed"), "{}", w.last_told());
    assert_eq!(w.puts(), 1);
    assert_eq!(status(&w, approval), "approved");

    ends_approved(&w, approval).await;
}

#[tokio::test]
async fn an_unconfirmed_approve_that_never_reached_coupa_is_freed_by_the_next_sync_and_decided_once()
 {
    let (w, approval) = delivered().await;
    // The approve never gets an answer (nor is executed), and the approval cannot be read.
    w.hold.hold(Method::PUT, DECISIONS);
    w.fail(
        Method::GET,
        &format!("/api/approvals/{approval}"),
        500,
        attempts(),
        None,
    );

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Unconfirmed);
    w.hold.clear();
    assert_eq!(w.hold.held(), 1);
    let before_sync = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert!(
        matches!(
            before_sync,
            DecisionResult::Refused(Refusal::AlreadyDecided(_))
        ),
        "{before_sync:?}"
    );
    assert!(
        w.last_told().contains("Check the requisition in Coupa"),
        "{}",
        w.last_told()
    );
    assert_eq!(status(&w, approval), "pending_approval");

    w.engine.sync_changes().await.unwrap();
    assert_eq!(w.cards().len(), 1);
    assert!(
        is_pending(&w.card_for(approval)),
        "Coupa still waits, and so does the card"
    );
    assert_eq!(w.puts(), 0, "no decision reached Coupa");
    // The sync found it not applied and freed the approval.
    let again = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert_eq!(again, DecisionResult::Done(Decision::Approve));
    assert_eq!(w.puts(), 1, "decided once");
    ends_approved(&w, approval).await;
}

#[tokio::test]
async fn a_short_429_storm_on_approve_is_waited_out_as_coupa_asks_and_decides_once() {
    let (w, approval) = delivered().await;
    w.fail(Method::PUT, DECISIONS, 429, attempts() - 1, Some(1));

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(
        w.puts(),
        attempts(),
        "refused attempts were repeated; one took effect"
    );
    assert_eq!(status(&w, approval), "approved");
    ends_approved(&w, approval).await;
}

#[tokio::test]
async fn a_long_429_storm_on_approve_says_try_again_with_nothing_executed_and_the_retry_decides_once()
 {
    let (w, approval) = delivered().await;
    w.fail(Method::PUT, DECISIONS, 429, 1_000, None);

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert!(matches!(result, DecisionResult::Failed(_)), "{result:?}");
    assert!(w.last_told().contains("try again"), "{}", w.last_told());
    assert_eq!(w.puts(), attempts());
    assert_eq!(status(&w, approval), "pending_approval");
    assert!(is_pending(&w.card_for(approval)));

    w.sandbox.clear_faults();
    let retried = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert_eq!(retried, DecisionResult::Done(Decision::Approve));
    assert_eq!(w.puts(), attempts() + 1);
    ends_approved(&w, approval).await;
}

#[tokio::test]
async fn a_decision_whose_fresh_read_times_out_says_try_again_and_never_calls_approve() {
    let (w, approval) = delivered().await;
    w.stall(
        Method::GET,
        "/api/requisitions/",
        Duration::from_secs(2),
        attempts(),
    );

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert!(matches!(result, DecisionResult::Failed(_)), "{result:?}");
    assert!(w.last_told().contains("try again"), "{}", w.last_told());
    assert_eq!(w.puts(), 0);

    let retried = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert_eq!(retried, DecisionResult::Done(Decision::Approve));
    assert_eq!(w.puts(), 1);
    ends_approved(&w, approval).await;
}
