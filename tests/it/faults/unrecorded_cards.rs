//! A card posted while the store fails, or by a process that dies before recording it: the card
//! that reached the approver is recorded once the store answers (or found by the next sync), the
//! next sync posts no second one and has nothing left to redo, and a click on it works even
//! before its record is back, from the approver's own conversation with the bot only.

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::records::PendingDelivery;
use coupa_approvals::domain::{ApprovalId, Decision};
use coupa_approvals::store::{RedisStore, Store};
use secrecy::SecretString;

use crate::support::fault_world::{FaultWorld, REQUEST_TIMEOUT, is_pending, says_approved};
use crate::support::redis_server::RedisServer;

/// Polls `check` every 20 ms for up to `limit`; true once it holds.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Whether `store` has a delivery to Daniel begun for `approval` and not recorded.
async fn delivery_pending(store: &Arc<dyn Store>, approval: ApprovalId) -> bool {
    store
        .deliveries(approval)
        .await
        .is_ok_and(|d| !d.pending.is_empty())
}

#[tokio::test]
async fn a_card_posted_as_redis_stopped_is_recorded_once_it_returns_and_the_next_sync_redoes_nothing()
 {
    let mut redis = RedisServer::start_persistent().await;
    let store: Arc<dyn Store> =
        Arc::new(RedisStore::new(&SecretString::from(redis.url()), "faults-unrecorded").unwrap());
    let w = FaultWorld::with(store.clone(), REQUEST_TIMEOUT).await;
    let approval = w.approval_of(w.requisition_for_daniel("Desks"));
    w.chat.slow_posts(Duration::from_millis(1_500));
    let sync = tokio::spawn({
        let engine = w.engine.clone();
        async move { engine.reconcile().await }
    });
    // Redis stops once the delivery has begun, while the card is on its way.
    assert!(
        eventually(Duration::from_secs(10), || delivery_pending(
            &store, approval
        ))
        .await
    );
    redis.stop();
    let _ = sync.await.unwrap();
    assert!(is_pending(&w.card_for(approval)), "the card reached Daniel");

    redis.restart().await;

    // Recorded as soon as the store answers, before any sync.
    let (message, _) = w.chat.cards_of(&w.daniel.1).remove(0);
    assert!(
        eventually(Duration::from_secs(20), || async {
            store
                .cards(approval)
                .await
                .is_ok_and(|cards| cards.len() == 1 && cards[0].message == message)
        })
        .await,
        "the posted card was recorded once Redis was back: {:?}",
        store.deliveries(approval).await
    );
    let report = w.engine.sync_changes().await.unwrap();
    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(report.delivered, 0, "{report:?}");
    assert_eq!(w.chat.posts(), 1, "no second card");
    assert!(store.deliveries(approval).await.unwrap().pending.is_empty());

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;
    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert!(
        says_approved(&w.card_for(approval)),
        "the decision reached the card"
    );
    assert_eq!(w.puts(), 1);
}

/// Puts the store back to where a process that died just after posting Daniel's card for
/// `approval` left it: the delivery begun, the card posted, nothing recorded.
async fn forget_the_record_of_a_posted_card(w: &FaultWorld, approval: ApprovalId) {
    let card = w.store.cards(approval).await.unwrap().remove(0);
    w.store.delete_cards(approval).await.unwrap();
    let begun = PendingDelivery {
        attempt: "died-after-posting".into(),
        recipient: card.recipient,
        fingerprint: card.fingerprint,
        started_at: card.sent_at,
        shown: card.shown,
        delegate_for: card.delegate_for,
        digest: None,
    };
    assert!(
        w.store
            .begin_delivery(approval, None, &begun, Duration::from_secs(3600))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_delivery_left_by_a_process_that_died_after_posting_is_found_and_recorded_not_sent_again()
{
    let w = FaultWorld::new().await;
    let approval = w.delivered().await;
    forget_the_record_of_a_posted_card(&w, approval).await;

    let report = w.engine_of_a_new_process().reconcile().await.unwrap();

    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(report.delivered, 0, "{report:?}");
    assert_eq!(w.chat.posts(), 1, "no second card");
    let (message, _) = w.chat.cards_of(&w.daniel.1).remove(0);
    let deliveries = w.store.deliveries(approval).await.unwrap();
    assert!(deliveries.pending.is_empty());
    assert_eq!(deliveries.cards.len(), 1);
    assert_eq!(deliveries.cards[0].message, message, "the card Daniel has");
    assert!(
        deliveries.cards[0].shown.is_some(),
        "what it shows is kept from the delivery"
    );
}

#[tokio::test]
async fn a_delivery_left_by_a_process_that_died_before_its_post_arrived_is_posted_once() {
    let w = FaultWorld::new().await;
    let approval = w.approval_of(w.requisition_for_daniel("Desks"));
    let begun = PendingDelivery {
        attempt: "died-before-posting".into(),
        recipient: w.daniel.1.clone(),
        fingerprint: coupa_approvals::domain::Fingerprint::from("f-old"),
        started_at: jiff::Timestamp::now() - jiff::SignedDuration::from_secs(3600),
        shown: None,
        delegate_for: None,
        digest: None,
    };
    w.store
        .begin_delivery(approval, None, &begun, Duration::from_secs(3600))
        .await
        .unwrap();

    let report = w.engine_of_a_new_process().reconcile().await.unwrap();

    assert_eq!(report.failures, 0, "{report:?}");
    assert_eq!(report.delivered, 1, "{report:?}");
    assert!(is_pending(&w.card_for(approval)));
    let deliveries = w.store.deliveries(approval).await.unwrap();
    assert!(deliveries.pending.is_empty());
    assert_eq!(deliveries.cards.len(), 1);
    let again = w.engine.reconcile().await.unwrap();
    assert_eq!((again.delivered, again.failures), (0, 0), "{again:?}");
    assert_eq!(w.chat.posts(), 1);
}

/// Starts a sync on `w.engine` whose post to Daniel takes `post` and waits until its delivery
/// has begun.
async fn a_slow_post_under_way(
    w: &FaultWorld,
    approval: ApprovalId,
    post: Duration,
) -> tokio::task::JoinHandle<()> {
    w.chat.slow_posts(post);
    let first = tokio::spawn({
        let engine = w.engine.clone();
        async move {
            engine.reconcile().await.unwrap();
        }
    });
    assert!(
        eventually(Duration::from_secs(5), || delivery_pending(
            &w.store, approval
        ))
        .await
    );
    first
}

#[tokio::test]
async fn a_second_leader_for_a_moment_leaves_a_post_under_way_to_the_first() {
    let w = FaultWorld::new().await;
    let approval = w.approval_of(w.requisition_for_daniel("Desks"));
    let first = a_slow_post_under_way(&w, approval, Duration::from_millis(600)).await;

    let second = w.engine_of_a_new_process().reconcile().await.unwrap();
    first.await.unwrap();

    assert_eq!(second.delivered, 0, "{second:?}");
    assert_eq!(second.failures, 1, "redone next cycle: {second:?}");
    assert_eq!(w.chat.posts(), 1);
    let recorded = w.store.cards(approval).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].message, w.chat.cards_of(&w.daniel.1)[0].0);
}

#[tokio::test]
async fn a_post_slower_than_a_post_can_take_is_made_again_and_the_late_one_withdrawn() {
    let w = FaultWorld::new().await;
    let approval = w.approval_of(w.requisition_for_daniel("Desks"));
    let first = a_slow_post_under_way(&w, approval, Duration::from_millis(800)).await;
    // Long enough later that the first replica's post is taken for lost.
    w.move_clock(60);

    let second = w.engine_of_a_new_process().reconcile().await.unwrap();
    first.await.unwrap();

    assert_eq!(second.delivered, 1, "{second:?}");
    let cards = w.chat.cards_of(&w.daniel.1);
    assert_eq!(cards.len(), 1, "the late post was withdrawn: {cards:#?}");
    let recorded = w.store.cards(approval).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        recorded[0].message, cards[0].0,
        "the card that stays is the one recorded"
    );
    assert!(
        w.store
            .deliveries(approval)
            .await
            .unwrap()
            .pending
            .is_empty()
    );
}

#[tokio::test]
async fn a_click_on_a_card_whose_record_was_lost_is_recognised_in_the_approvers_own_conversation() {
    let w = FaultWorld::new().await;
    let approval = w.delivered().await;
    w.store.delete_cards(approval).await.unwrap();

    let result = w.engine.decide(w.click(approval, Decision::Approve)).await;

    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(w.puts(), 1);
    assert_eq!(
        w.sandbox.approval_status(approval).as_deref(),
        Some("approved")
    );
    assert!(
        says_approved(&w.card_for(approval)),
        "the card was recorded again, so the decision reached it: {:?}",
        w.card_for(approval).state
    );
}

#[tokio::test]
async fn a_click_by_anyone_else_with_the_buttons_of_a_card_whose_record_was_lost_is_refused() {
    let w = FaultWorld::new().await;
    let approval = w.delivered().await;
    w.store.delete_cards(approval).await.unwrap();
    let sofia = w.chat.add_user("USOFIA", "Sofia Berg", "sofia@example.com");
    let daniels_card = w.click(approval, Decision::Approve);

    // From her own conversation, which holds no card, or naming Daniel's.
    for conversation in [
        Some(coupa_approvals::domain::conversation::ConversationRef::new(
            "DUSOFIA",
        )),
        daniels_card.conversation.clone(),
        None,
    ] {
        let click = coupa_approvals::engine::decide::DecisionRequest {
            user: sofia.clone(),
            conversation,
            ..daniels_card.clone()
        };
        assert_eq!(
            w.engine.decide(click).await,
            DecisionResult::Refused(Refusal::NotRecipient)
        );
    }
    // Nor Daniel from outside his conversation with the bot.
    let elsewhere = coupa_approvals::engine::decide::DecisionRequest {
        conversation: None,
        ..daniels_card
    };
    assert_eq!(
        w.engine.decide(elsewhere).await,
        DecisionResult::Refused(Refusal::NotRecipient)
    );
    assert_eq!(w.puts(), 0);
    assert!(
        w.store.cards(approval).await.unwrap().is_empty(),
        "nothing recorded for anyone"
    );
}
