//! A decision Coupa may or may not have applied (its approve answered 5xx or timed out, and the
//! approval still reads as pending) is unconfirmed: the claim is kept so that nobody decides it
//! again, the clicker is told to check Coupa, the audit says `unconfirmed`; and the next sync
//! settles claim, card and audit from what Coupa then shows, whichever way it went.

use axum::http::Method;
use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::records::DecisionInDoubt;
use coupa_approvals::domain::{ApprovalId, ChatUserId, CoupaUserId, Decision};
use coupa_approvals::engine::decide::DecisionRequest;
use coupa_approvals::sandbox::coupa::{NewLine, NewRequisition, StepApprover};
use rust_decimal::Decimal;

use crate::support::fault_world::{FaultWorld, is_pending};

const DECISIONS: &str = "/api/approvals/";

/// A world where Daniel and Sofia, both of the approving group, each have a pending card.
async fn group_delivered() -> (FaultWorld, ApprovalId, (CoupaUserId, ChatUserId)) {
    let w = FaultWorld::new().await;
    let sofia = (
        w.sandbox.add_user("sofia@example.com", "Sofia", "Berg"),
        w.chat.add_user("USOFIA", "Sofia Berg", "sofia@example.com"),
    );
    let group = w.sandbox.add_group("Facilities", &[w.daniel.0, sofia.0]);
    let requisition = w.sandbox.add_requisition(NewRequisition {
        title: "Desks".into(),
        requested_by: w.requester,
        currency: "USD".into(),
        lines: vec![NewLine::amount("Item", Decimal::new(120_000, 2), "Acme")],
        justification: None,
        department: None,
        need_by: None,
        chain: vec![vec![StepApprover::Group(group)]],
    });
    w.engine.reconcile().await.unwrap();
    let approval = w.approval_of(requisition);
    assert!(is_pending(&w.card_for(approval)));
    assert!(is_pending(&card_of(&w, &sofia.1, approval)));
    (w, approval, sofia)
}

fn card_of(w: &FaultWorld, user: &ChatUserId, approval: ApprovalId) -> Card {
    w.chat
        .cards_of(user)
        .into_iter()
        .map(|(_, card)| card)
        .find(|c| c.approval == approval)
        .expect("a card for the approval")
}

/// `user` clicking Approve on their card for `approval`.
fn approve_as(w: &FaultWorld, user: &ChatUserId, approval: ApprovalId) -> DecisionRequest {
    let (message, card) = w
        .chat
        .cards_of(user)
        .into_iter()
        .find(|(_, c)| c.approval == approval)
        .expect("a card for the approval");
    DecisionRequest {
        approval,
        requisition: card.requisition.id,
        fingerprint: card.fingerprint.clone(),
        issued_at: card.issued_at,
        user: user.clone(),
        conversation: Some(message.conversation().clone()),
        decision: Decision::Approve,
        comment: None,
    }
}

/// The audit log's outcomes for `approval`, oldest first.
async fn audit_of(w: &FaultWorld, approval: ApprovalId) -> Vec<String> {
    let mut outcomes: Vec<String> = w
        .store
        .audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.approval == approval)
        .map(|e| e.outcome)
        .collect();
    outcomes.reverse();
    outcomes
}

/// Daniel approves while Coupa answers his approve with a 500 and the approval still reads as
/// pending afterwards: unconfirmed, and Sofia cannot decide it meanwhile.
async fn unconfirmed_after_a_500() -> (FaultWorld, ApprovalId, (CoupaUserId, ChatUserId)) {
    let (w, approval, sofia) = group_delivered().await;
    w.fail(Method::PUT, DECISIONS, 500, 1, None);

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Unconfirmed);
    let told = w.last_told();
    assert!(
        told.contains("Could not confirm") && told.contains("check the requisition in Coupa"),
        "{told}"
    );
    assert_eq!(audit_of(&w, approval).await, ["started", "unconfirmed"]);

    let sofias = w.engine.decide(approve_as(&w, &sofia.1, approval)).await;
    assert!(
        matches!(&sofias, DecisionResult::Refused(Refusal::AlreadyDecided(o)) if !o.confirmed),
        "{sofias:?}"
    );
    assert_eq!(
        w.puts(),
        1,
        "no second decision is sent while the first is in doubt"
    );
    assert_eq!(w.store.doubts().await.unwrap().len(), 1);
    (w, approval, sofia)
}

#[tokio::test]
async fn a_500_on_approve_with_the_approval_still_pending_is_unconfirmed_and_the_sync_frees_it_when_coupa_did_not_apply_it()
 {
    let (w, approval, sofia) = unconfirmed_after_a_500().await;
    assert_eq!(
        w.sandbox.approval_status(approval).as_deref(),
        Some("pending_approval")
    );

    let report = w.engine.sync_changes().await.unwrap();

    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(
        audit_of(&w, approval).await,
        [
            "started",
            "unconfirmed",
            "refused: already_decided",
            "not applied: still pending in Coupa"
        ],
        "Sofia's refused click is on record too"
    );
    assert!(w.store.doubts().await.unwrap().is_empty());
    assert_eq!(w.store.claim_outcome(approval).await.unwrap(), None);
    assert!(is_pending(&w.card_for(approval)), "the buttons work again");
    assert!(is_pending(&card_of(&w, &sofia.1, approval)));

    // The approval is free: Sofia decides it, once.
    let sofias = w.engine.decide(approve_as(&w, &sofia.1, approval)).await;
    assert_eq!(sofias, DecisionResult::Done(Decision::Approve));
    assert_eq!(w.puts(), 2);
    assert_eq!(
        w.sandbox.approval_status(approval).as_deref(),
        Some("approved")
    );
}

#[tokio::test]
async fn an_unconfirmed_approve_that_coupa_applied_after_all_is_confirmed_by_the_next_sync() {
    let (w, approval, sofia) = unconfirmed_after_a_500().await;
    // Coupa applies the request after answering 500 (as a late or retried job would).
    w.sandbox.approve_in_coupa(approval, w.daniel.0).unwrap();

    let report = w.engine.sync_changes().await.unwrap();

    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(
        audit_of(&w, approval).await,
        [
            "started",
            "unconfirmed",
            "refused: already_decided",
            "confirmed: approved"
        ]
    );
    assert!(w.store.doubts().await.unwrap().is_empty());
    let outcome = w.store.claim_outcome(approval).await.unwrap().unwrap();
    assert!(outcome.confirmed, "{outcome:?}");
    assert_eq!(outcome.decided_by, w.daniel.1);
    assert!(
        matches!(
            w.card_for(approval).state,
            CardState::DecidedHere {
                decision: Decision::Approve,
                ..
            }
        ),
        "{:?}",
        w.card_for(approval).state
    );
    assert!(
        matches!(
            &card_of(&w, &sofia.1, approval).state,
            CardState::DecidedByOther { decision: Decision::Approve, by, .. } if by == "Daniel Okafor"
        ),
        "{:?}",
        card_of(&w, &sofia.1, approval).state
    );
    assert_eq!(w.puts(), 1);
}

#[tokio::test]
async fn an_approve_that_timed_out_with_the_approval_still_pending_is_unconfirmed_not_try_again() {
    let w = FaultWorld::new().await;
    let approval = w.delivered().await;
    // The approve reaches Coupa's door and gets no answer within the client's timeout.
    w.hold.hold(Method::PUT, DECISIONS);

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Unconfirmed);
    assert!(
        w.last_told().contains("Could not confirm"),
        "{}",
        w.last_told()
    );
    assert!(!w.last_told().contains("try again"), "{}", w.last_told());
    assert_eq!(audit_of(&w, approval).await, ["started", "unconfirmed"]);
    let again = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert!(
        matches!(again, DecisionResult::Refused(Refusal::AlreadyDecided(_))),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_decision_coupa_refused_outright_leaves_no_decision_in_doubt() {
    let w = FaultWorld::new().await;
    let approval = w.delivered().await;
    // Rate limited on every attempt: refused before processing, so nothing is in doubt.
    w.fail(Method::PUT, DECISIONS, 429, 1_000, None);

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert!(matches!(result, DecisionResult::Failed(_)), "{result:?}");
    assert!(w.last_told().contains("try again"), "{}", w.last_told());
    assert!(w.store.doubts().await.unwrap().is_empty());
    assert_eq!(w.store.claim_outcome(approval).await.unwrap(), None);
    let outcomes = audit_of(&w, approval).await;
    assert_eq!(outcomes[0], "started");
    assert!(outcomes[1].starts_with("failed: "), "{outcomes:?}");
}

#[tokio::test]
async fn a_decision_cut_off_before_a_sync_settled_it_gets_its_outcome_when_another_member_decides()
{
    let (w, approval, sofia) = group_delivered().await;
    // Daniel's decision was recorded as started, then its process died before any sync ran; its
    // claim has run out.
    let cut_off = DecisionInDoubt {
        approval,
        requisition: card_of(&w, &w.daniel.1, approval).requisition.id,
        decision: Decision::Approve,
        decided_by: w.daniel.1.clone(),
        decided_by_name: "Daniel Okafor".into(),
        email: "daniel@example.com".into(),
        comment: None,
        reason: "Approved in Slack by Daniel Okafor <daniel@example.com>".into(),
        at: jiff::Timestamp::now(),
        claim: "a process that is gone".into(),
        delegate_for: None,
    };
    w.store.record_doubt(&cut_off).await.unwrap();
    w.store
        .append_audit(&cut_off.audit(cut_off.at, "started".into()))
        .await
        .unwrap();

    let sofias = w.engine.decide(approve_as(&w, &sofia.1, approval)).await;

    assert_eq!(sofias, DecisionResult::Done(Decision::Approve));
    assert_eq!(
        audit_of(&w, approval).await,
        [
            "started",
            "not applied: still pending in Coupa",
            "started",
            "approved"
        ],
        "Daniel's cut-off decision is closed before Sofia's replaces its record"
    );
    assert!(w.store.doubts().await.unwrap().is_empty());
    assert_eq!(w.puts(), 1);
}
