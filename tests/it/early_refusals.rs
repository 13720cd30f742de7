//! Clicks turned away before the claim: a button expires counted from when the bot sent its card
//! (or showed it in a "what's pending" list), whatever time the button itself carries, and every attempt turned away (no reason, expired,
//! someone else's card, already decided, being decided) is in the audit log with why.

use crate::support;

use std::time::Duration;

use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::records::AuditEntry;
use coupa_approvals::domain::{ChatUserId, Decision};
use coupa_approvals::engine::Engine;
use coupa_approvals::engine::decide::DecisionRequest;
use coupa_approvals::engine::pending::PendingAnswer;
use coupa_approvals::store::{Claim, Store};
use jiff::{SignedDuration, Timestamp};
use support::engine_world::{TTL, World};

#[tokio::test]
async fn a_button_carrying_a_future_time_still_expires_with_its_card() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let mut click = world.click(&world.daniel.1, Decision::Approve, None);
    click.issued_at = Timestamp::now() + SignedDuration::from_hours(24 * 365 * 10);
    world.advance(TTL + Duration::from_secs(60));

    let result = engine.decide(click).await;

    assert_eq!(result, DecisionResult::Refused(Refusal::Expired));
    assert_eq!(world.puts(), 0, "nothing was sent to Coupa");
}

#[tokio::test]
async fn a_button_within_its_cards_lifetime_still_decides() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let click = world.click(&world.daniel.1, Decision::Approve, None);
    world.advance(TTL - Duration::from_secs(3_600));

    let result = engine.decide(click).await;

    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(world.puts(), 1);
}

/// The request a click on the first item of a "what's pending" list shown to Daniel now makes,
/// its buttons issued `issued_later` after the list was read.
async fn list_click(
    world: &World,
    engine: &Engine,
    issued_later: SignedDuration,
) -> DecisionRequest {
    let PendingAnswer::Live(list) = engine.pending_for(&world.daniel.1).await else {
        panic!("Coupa answers");
    };
    let item = list.items.first().expect("Daniel's approval is listed");
    DecisionRequest {
        approval: item.approval,
        requisition: item.requisition,
        fingerprint: item.fingerprint.clone(),
        issued_at: list.as_of + issued_later,
        user: world.daniel.1.clone(),
        conversation: None,
        decision: Decision::Approve,
        comment: None,
    }
}

#[tokio::test]
async fn a_button_from_a_fresh_pending_list_decides_after_the_card_expired() {
    let world = World::new().await;
    let engine = world.with_card().await;
    world.advance(TTL + Duration::from_secs(60));
    let click = list_click(&world, &engine, SignedDuration::from_millis(5)).await;

    let result = engine.decide(click).await;

    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(world.puts(), 1);
}

#[tokio::test]
async fn a_list_button_carrying_a_future_time_expires_with_the_list() {
    let world = World::new().await;
    let engine = world.with_card().await;
    world.advance(TTL + Duration::from_secs(60));
    let forged = SignedDuration::from_hours(24 * 365 * 10);
    let click = list_click(&world, &engine, forged).await;
    world.advance(TTL + Duration::from_secs(60));

    let result = engine.decide(click).await;

    assert_eq!(result, DecisionResult::Refused(Refusal::Expired));
    assert_eq!(world.puts(), 0);
}

/// The outcomes the audit log holds for `user`, oldest first.
fn outcomes(entries: &[AuditEntry], user: &ChatUserId) -> Vec<(Decision, String)> {
    entries
        .iter()
        .rev()
        .filter(|e| e.actor == *user)
        .map(|e| (e.decision, e.outcome.clone()))
        .collect()
}

#[tokio::test]
async fn attempts_turned_away_before_the_claim_are_in_the_audit_log() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let daniel = &world.daniel.1;

    // Someone else's card, and a Deny without a reason.
    let stranger = world.click(&world.mallory, Decision::Approve, None);
    let approval = stranger.approval;
    engine.decide(stranger).await;
    engine
        .decide(world.click(daniel, Decision::Reject, Some("  ")))
        .await;
    // Someone is deciding it right now.
    let Claim::Won(_) = world
        .store
        .claim(approval, Duration::from_secs(30))
        .await
        .unwrap()
    else {
        panic!("the approval was free");
    };
    engine
        .decide(world.click(daniel, Decision::Approve, None))
        .await;

    let mallory = outcomes(&world.audit().await, &world.mallory);
    assert_eq!(
        mallory,
        vec![(Decision::Approve, "refused: not_recipient".to_owned())]
    );
    let entries = world.audit().await;
    let attempt = entries
        .iter()
        .find(|e| e.actor == world.mallory)
        .expect("Mallory's attempt");
    assert_eq!(attempt.approval, approval);
    assert_eq!(attempt.reason, None, "nothing was sent to Coupa");
    assert_eq!(
        outcomes(&entries, daniel),
        vec![
            (Decision::Reject, "refused: reason_required".to_owned()),
            (Decision::Approve, "refused: in_progress".to_owned()),
        ]
    );
    assert_eq!(world.puts(), 0);
}

#[tokio::test]
async fn clicks_on_a_decided_or_expired_card_are_in_the_audit_log() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let daniel = &world.daniel.1;
    let click = world.click(daniel, Decision::Approve, None);
    assert_eq!(
        engine.decide(click.clone()).await,
        DecisionResult::Done(Decision::Approve)
    );
    // A late second click, and a Deny answered before the reason form opens.
    engine.decide(click.clone()).await;
    let deny = DecisionRequest {
        decision: Decision::Reject,
        ..click
    };
    assert!(engine.answer_if_decided(&deny).await);

    // A second requisition whose card has expired.
    let engine = world.with_card().await;
    world.advance(TTL + Duration::from_secs(60));
    engine
        .decide(world.click(daniel, Decision::Approve, None))
        .await;

    assert_eq!(
        outcomes(&world.audit().await, daniel),
        vec![
            (Decision::Approve, "started".to_owned()),
            (Decision::Approve, "approved".to_owned()),
            (Decision::Approve, "refused: already_decided".to_owned()),
            (Decision::Reject, "refused: already_decided".to_owned()),
            (Decision::Approve, "refused: expired".to_owned()),
        ]
    );
    assert_eq!(world.puts(), 1, "only the first click reached Coupa");
}
