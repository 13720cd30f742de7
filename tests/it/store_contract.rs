//! One contract, two stores: every test here runs against `MemoryStore` and `RedisStore` (a real
//! Redis: `REDIS_URL`, else the redis-server the tests start, in a namespace of its own that is
//! removed afterwards), and against `RedisStore` on a Redis as a managed one is set up: TLS only
//! (`rediss://`, with a certificate from a throwaway CA the tests make) and an ACL user with a
//! password.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::domain::conversation::{ConversationRef, MessageRef};
use coupa_approvals::domain::hold::Hold;
use coupa_approvals::domain::records::{
    AuditEntry, ChatContact, ClaimOutcome, DecisionInDoubt, DeliveredCard, DigestId,
    DirectoryEntry, FailedInstall, PendingDelivery, PendingItem, PendingSnapshot, SettledCards,
    Settlement,
};
use coupa_approvals::domain::{ApprovalId, ChatUserId, Decision, Fingerprint, RequisitionId};
use coupa_approvals::store::{Claim, ClaimToken, Lease, LeaseOwner, MemoryStore, Store};
use jiff::Timestamp;

/// Generates `memory::name` and `redis::name` for every contract test `name(store)`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    let store = std::sync::Arc::new(
                        coupa_approvals::store::MemoryStore::new().with_audit_limit(5),
                    );
                    super::$name(store).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $name() {
                    let namespace = crate::support::RedisNamespace::new(stringify!($name));
                    let store = std::sync::Arc::new(namespace.store().with_audit_limit(5));
                    super::$name(store).await;
                }
            )*
        }
        mod redis_tls {
            $(
                #[tokio::test]
                async fn $name() {
                    let namespace = crate::support::RedisNamespace::over_tls(stringify!($name));
                    let store = std::sync::Arc::new(namespace.store().with_audit_limit(5));
                    super::$name(store).await;
                }
            )*
        }
    };
}

contract!(
    two_concurrent_claimers_have_exactly_one_winner_in_each_of_100_races,
    a_later_claimer_receives_the_outcome_the_winner_recorded,
    the_recorded_outcome_can_be_read_without_claiming,
    only_the_claim_holder_can_record_an_outcome_or_release,
    a_released_claim_can_be_won_again,
    a_claim_expires_after_its_ttl,
    a_renewed_claim_outlives_its_first_ttl_until_an_outcome_is_recorded,
    a_recorded_outcome_is_kept_as_long_as_asked,
    an_event_is_seen_once,
    a_seen_event_is_forgotten_after_its_ttl,
    a_lease_held_by_a_cannot_be_renewed_or_released_by_b,
    a_lease_expires_after_its_ttl,
    a_released_lease_can_be_taken_by_another_owner,
    renewing_a_lease_keeps_it_past_its_first_ttl,
    cards_are_kept_per_recipient_and_deleted_together,
    a_pending_delivery_is_known_until_its_card_is_recorded_with_every_index,
    only_the_attempt_still_pending_records_its_card,
    a_delivery_begins_only_over_the_attempt_it_replaces,
    a_dropped_delivery_is_forgotten_only_by_its_own_attempt,
    settled_cards_leave_every_index_and_are_kept_as_long_as_asked,
    only_unexpired_cards_sent_by_the_cutoff_are_due_for_expiry,
    each_recipient_has_an_index_of_the_approvals_carded_to_them,
    directory_entries_match_emails_case_insensitively_and_expire,
    not_found_directory_entries_are_cached_too,
    the_watermark_starts_empty_and_keeps_the_last_value,
    the_last_sync_success_starts_empty_and_keeps_the_last_value,
    audit_entries_come_back_newest_first_and_the_log_is_bounded,
    each_persons_own_audit_entries_come_back_newest_first_and_nobody_elses,
    decisions_in_doubt_are_listed_by_approval_until_forgotten_by_their_own_claim,
    unmapped_approvers_are_listed_by_email_until_forgotten,
    the_last_pending_list_is_kept_per_user,
    a_card_view_is_kept_per_approval_and_recipient_until_replaced_or_expired,
    a_hold_is_kept_per_approval_until_replaced_forgotten_once_or_expired,
    a_contact_is_remembered_and_read_back_replaced_as_a_whole,
    a_contact_is_found_by_email_whatever_its_case_or_spacing,
    a_contact_is_found_by_its_conversation_with_the_bot,
    a_changed_email_or_conversation_no_longer_finds_the_contact,
    contacts_are_counted_once_per_user,
    two_replicas_racing_to_install_the_app_for_one_person_have_one_winner,
    an_installed_app_is_never_claimed_again_and_its_failure_is_forgotten,
    a_failed_install_is_listed_and_claimable_again_only_after_its_back_off,
    a_reachable_mark_is_read_whatever_the_emails_case_until_it_expires,
    two_replicas_racing_for_a_persons_reminder_of_one_day_have_one_winner,
    a_released_reminder_can_be_claimed_again_and_a_claim_expires_after_its_keep,
    reminders_are_on_until_turned_off_and_the_choice_is_kept_per_person,
    a_delegates_card_keeps_whom_they_stand_in_for_and_whether_that_ended,
    a_digests_items_are_kept_per_approval_replaced_one_at_a_time_and_expire,
    two_items_of_one_digest_written_at_once_are_both_kept,
    an_item_taken_out_of_a_digest_leaves_the_others,
    a_card_recorded_as_a_digest_item_reads_back_naming_its_digest,
);

const SHORT: Duration = Duration::from_millis(150);
const LONG: Duration = Duration::from_secs(60);

/// Sleeps past a [`SHORT`] TTL.
async fn outlive_short_ttl() {
    tokio::time::sleep(SHORT * 2).await;
}

fn outcome(by: &str) -> ClaimOutcome {
    ClaimOutcome {
        decision: Decision::Approve,
        decided_by: ChatUserId::from(by),
        decided_by_name: format!("{by} name"),
        at: Timestamp::from_second(1_700_000_000).unwrap(),
        confirmed: true,
        delegate_for: None,
    }
}

fn won(claim: Claim) -> coupa_approvals::store::ClaimToken {
    match claim {
        Claim::Won(token) => token,
        Claim::Taken { .. } => panic!("expected to win the claim"),
    }
}

async fn two_concurrent_claimers_have_exactly_one_winner_in_each_of_100_races(
    store: Arc<impl Store>,
) {
    for race in 0..100u64 {
        let approval = ApprovalId(10_000 + race);
        let (a, b) = tokio::join!(
            tokio::spawn({
                let store = store.clone();
                async move { store.claim(approval, LONG).await }
            }),
            tokio::spawn({
                let store = store.clone();
                async move { store.claim(approval, LONG).await }
            }),
        );
        let winners = [a.unwrap().unwrap(), b.unwrap().unwrap()]
            .iter()
            .filter(|c| matches!(c, Claim::Won(_)))
            .count();
        assert_eq!(winners, 1, "race {race} had {winners} winners");
    }
}

async fn a_later_claimer_receives_the_outcome_the_winner_recorded(store: Arc<impl Store>) {
    let approval = ApprovalId(1);
    let token = won(store.claim(approval, LONG).await.unwrap());
    assert_eq!(
        store.claim(approval, LONG).await.unwrap(),
        Claim::Taken { outcome: None },
        "while the winner works, later claimers learn it is in progress"
    );
    assert!(
        store
            .finish_claim(approval, &token, &outcome("U1"), LONG)
            .await
            .unwrap()
    );
    assert_eq!(
        store.claim(approval, LONG).await.unwrap(),
        Claim::Taken {
            outcome: Some(outcome("U1"))
        }
    );
}

async fn the_recorded_outcome_can_be_read_without_claiming(store: Arc<impl Store>) {
    let approval = ApprovalId(11);
    assert_eq!(store.claim_outcome(approval).await.unwrap(), None);
    let token = won(store.claim(approval, LONG).await.unwrap());
    assert_eq!(
        store.claim_outcome(approval).await.unwrap(),
        None,
        "nothing recorded while the decision runs"
    );
    assert!(
        store
            .finish_claim(approval, &token, &outcome("U11"), LONG)
            .await
            .unwrap()
    );
    assert_eq!(
        store.claim_outcome(approval).await.unwrap(),
        Some(outcome("U11"))
    );
    let other = ApprovalId(12);
    assert_eq!(store.claim_outcome(other).await.unwrap(), None);
    assert!(
        matches!(store.claim(other, LONG).await.unwrap(), Claim::Won(_)),
        "reading claimed nothing"
    );
}

async fn only_the_claim_holder_can_record_an_outcome_or_release(store: Arc<impl Store>) {
    let approval = ApprovalId(2);
    let _holder = won(store.claim(approval, LONG).await.unwrap());
    let stranger = coupa_approvals::store::ClaimToken::new();
    assert!(
        !store
            .finish_claim(approval, &stranger, &outcome("U2"), LONG)
            .await
            .unwrap()
    );
    assert!(!store.release_claim(approval, &stranger).await.unwrap());
    assert_eq!(
        store.claim(approval, LONG).await.unwrap(),
        Claim::Taken { outcome: None },
        "a stranger changed nothing"
    );
}

async fn a_released_claim_can_be_won_again(store: Arc<impl Store>) {
    let approval = ApprovalId(3);
    let token = won(store.claim(approval, LONG).await.unwrap());
    assert!(store.release_claim(approval, &token).await.unwrap());
    let again = won(store.claim(approval, LONG).await.unwrap());
    assert_ne!(again, token);
    assert!(
        !store.release_claim(approval, &token).await.unwrap(),
        "the old token no longer holds it"
    );
}

async fn a_claim_expires_after_its_ttl(store: Arc<impl Store>) {
    let approval = ApprovalId(4);
    let token = won(store.claim(approval, SHORT).await.unwrap());
    outlive_short_ttl().await;
    assert!(
        !store
            .finish_claim(approval, &token, &outcome("U4"), LONG)
            .await
            .unwrap()
    );
    won(store.claim(approval, LONG).await.unwrap());
}

async fn a_renewed_claim_outlives_its_first_ttl_until_an_outcome_is_recorded(
    store: Arc<impl Store>,
) {
    let approval = ApprovalId(5);
    let token = won(store.claim(approval, SHORT).await.unwrap());
    for _ in 0..3 {
        tokio::time::sleep(SHORT / 2).await;
        assert!(store.renew_claim(approval, &token, SHORT).await.unwrap());
    }
    assert_eq!(
        store.claim(approval, LONG).await.unwrap(),
        Claim::Taken { outcome: None },
        "renewed past its first TTL"
    );
    let stranger = coupa_approvals::store::ClaimToken::new();
    assert!(!store.renew_claim(approval, &stranger, LONG).await.unwrap());
    assert!(
        store
            .finish_claim(approval, &token, &outcome("U5"), LONG)
            .await
            .unwrap()
    );
    assert!(
        !store.renew_claim(approval, &token, SHORT).await.unwrap(),
        "a finished claim is no longer renewed (nor shortened)"
    );
    outlive_short_ttl().await;
    assert!(matches!(
        store.claim(approval, LONG).await.unwrap(),
        Claim::Taken { outcome: Some(_) }
    ));
}

async fn a_recorded_outcome_is_kept_as_long_as_asked(store: Arc<impl Store>) {
    let approval = ApprovalId(6);
    let token = won(store.claim(approval, LONG).await.unwrap());
    assert!(
        store
            .finish_claim(approval, &token, &outcome("U6"), SHORT)
            .await
            .unwrap()
    );
    outlive_short_ttl().await;
    won(store.claim(approval, LONG).await.unwrap());
}

async fn an_event_is_seen_once(store: Arc<impl Store>) {
    assert!(store.first_sighting("Ev1", LONG).await.unwrap());
    assert!(!store.first_sighting("Ev1", LONG).await.unwrap());
    assert!(store.first_sighting("Ev2", LONG).await.unwrap());
}

async fn a_seen_event_is_forgotten_after_its_ttl(store: Arc<impl Store>) {
    assert!(store.first_sighting("Ev3", SHORT).await.unwrap());
    outlive_short_ttl().await;
    assert!(store.first_sighting("Ev3", LONG).await.unwrap());
}

async fn a_lease_held_by_a_cannot_be_renewed_or_released_by_b(store: Arc<impl Store>) {
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert!(store.acquire_lease(Lease::Sync, &a, LONG).await.unwrap());
    assert!(!store.acquire_lease(Lease::Sync, &b, LONG).await.unwrap());
    assert!(!store.renew_lease(Lease::Sync, &b, LONG).await.unwrap());
    assert!(!store.release_lease(Lease::Sync, &b).await.unwrap());
    assert!(
        store.renew_lease(Lease::Sync, &a, LONG).await.unwrap(),
        "A still holds it"
    );
}

async fn a_lease_expires_after_its_ttl(store: Arc<impl Store>) {
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert!(store.acquire_lease(Lease::Sync, &a, SHORT).await.unwrap());
    outlive_short_ttl().await;
    assert!(!store.renew_lease(Lease::Sync, &a, LONG).await.unwrap());
    assert!(store.acquire_lease(Lease::Sync, &b, LONG).await.unwrap());
}

async fn a_released_lease_can_be_taken_by_another_owner(store: Arc<impl Store>) {
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert!(store.acquire_lease(Lease::Sync, &a, LONG).await.unwrap());
    assert!(store.release_lease(Lease::Sync, &a).await.unwrap());
    assert!(store.acquire_lease(Lease::Sync, &b, LONG).await.unwrap());
}

async fn renewing_a_lease_keeps_it_past_its_first_ttl(store: Arc<impl Store>) {
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert!(store.acquire_lease(Lease::Sync, &a, SHORT).await.unwrap());
    assert!(store.renew_lease(Lease::Sync, &a, LONG).await.unwrap());
    outlive_short_ttl().await;
    assert!(!store.acquire_lease(Lease::Sync, &b, LONG).await.unwrap());
}

fn card(user: &str, ts: &str, sent: i64) -> DeliveredCard {
    DeliveredCard {
        recipient: ChatUserId::from(user),
        message: MessageRef::new(ConversationRef::new(format!("D{user}")), ts),
        fingerprint: Fingerprint::from("f1"),
        sent_at: Timestamp::from_second(sent).unwrap(),
        expired: false,
        shown: None,
        delegate_for: None,
        delegation_ended: false,
        digest: None,
    }
}

async fn settled_cards_leave_every_index_and_are_kept_as_long_as_asked(store: Arc<impl Store>) {
    let (kept, brief) = (ApprovalId(90_211), ApprovalId(90_212));
    for approval in [kept, brief] {
        store
            .put_card(approval, &card("U1", "1.1", 10))
            .await
            .unwrap();
    }
    assert!(store.settled_cards(kept).await.unwrap().is_none());
    let settled = SettledCards {
        cards: store.cards(kept).await.unwrap(),
        settlement: Settlement::Decided(outcome("U1")),
    };
    store.settle_cards(kept, &settled, LONG).await.unwrap();
    store.settle_cards(brief, &settled, SHORT).await.unwrap();
    for approval in [kept, brief] {
        assert!(store.cards(approval).await.unwrap().is_empty());
    }
    assert!(store.approvals_with_cards().await.unwrap().is_empty());
    let due = Timestamp::from_second(1_000).unwrap();
    assert!(
        store
            .approvals_with_cards_sent_by(due)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .approvals_carded_to(&ChatUserId::from("U1"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.settled_cards(kept).await.unwrap(), Some(settled));
    outlive_short_ttl().await;
    assert!(store.settled_cards(brief).await.unwrap().is_none());
    assert!(store.settled_cards(kept).await.unwrap().is_some());
}

fn pending(user: &str, attempt: &str) -> PendingDelivery {
    PendingDelivery {
        attempt: attempt.to_owned(),
        recipient: ChatUserId::from(user),
        fingerprint: Fingerprint::from("f1"),
        started_at: Timestamp::from_second(10).unwrap(),
        shown: None,
        delegate_for: None,
        digest: None,
    }
}

async fn a_delegates_card_keeps_whom_they_stand_in_for_and_whether_that_ended(
    store: Arc<impl Store>,
) {
    let approval = ApprovalId(90_212);
    let delivery = PendingDelivery {
        delegate_for: Some("Daniel Okafor".into()),
        ..pending("U7", "d1")
    };
    assert!(
        store
            .begin_delivery(approval, None, &delivery, LONG)
            .await
            .unwrap()
    );
    assert_eq!(
        store.deliveries(approval).await.unwrap().pending,
        vec![delivery.clone()]
    );
    let posted = delivery.delivered(MessageRef::new(ConversationRef::new("DU7"), "7.1"));
    assert_eq!(posted.delegate_for.as_deref(), Some("Daniel Okafor"));
    assert!(
        store
            .record_delivery(approval, "d1", &posted)
            .await
            .unwrap()
    );
    assert_eq!(store.cards(approval).await.unwrap(), vec![posted.clone()]);

    let ended = DeliveredCard {
        delegation_ended: true,
        ..posted
    };
    store.put_card(approval, &ended).await.unwrap();
    assert_eq!(store.cards(approval).await.unwrap(), vec![ended]);
}

async fn a_pending_delivery_is_known_until_its_card_is_recorded_with_every_index(
    store: Arc<impl Store>,
) {
    let approval = ApprovalId(90_211);
    let delivery = pending("U1", "a1");
    assert!(
        store
            .begin_delivery(approval, None, &delivery, LONG)
            .await
            .unwrap()
    );
    let known = store.deliveries(approval).await.unwrap();
    assert_eq!(known.pending, vec![delivery.clone()]);
    assert!(known.cards.is_empty());

    let posted = delivery.delivered(MessageRef::new(ConversationRef::new("DU1"), "1.1"));
    assert!(
        store
            .record_delivery(approval, "a1", &posted)
            .await
            .unwrap()
    );
    let known = store.deliveries(approval).await.unwrap();
    assert!(known.pending.is_empty(), "recording ends the delivery");
    assert_eq!(known.cards, vec![posted.clone()]);
    assert_eq!(store.cards(approval).await.unwrap(), vec![posted.clone()]);
    assert_eq!(store.approvals_with_cards().await.unwrap(), vec![approval]);
    let due = Timestamp::from_second(1_000).unwrap();
    assert_eq!(
        store.approvals_with_cards_sent_by(due).await.unwrap(),
        vec![approval]
    );
    assert_eq!(
        store
            .approvals_carded_to(&ChatUserId::from("U1"))
            .await
            .unwrap(),
        vec![approval]
    );
    // Recording the same post again (a retry after an answer that was lost) still says it is
    // recorded.
    assert!(
        store
            .record_delivery(approval, "a1", &posted)
            .await
            .unwrap()
    );
}

async fn only_the_attempt_still_pending_records_its_card(store: Arc<impl Store>) {
    let approval = ApprovalId(90_211);
    let first = pending("U1", "a1");
    store
        .begin_delivery(approval, None, &first, LONG)
        .await
        .unwrap();
    // Another replica found no card and replaced the attempt.
    let second = pending("U1", "a2");
    assert!(
        store
            .begin_delivery(approval, Some("a1"), &second, LONG)
            .await
            .unwrap()
    );
    let late = first.delivered(MessageRef::new(ConversationRef::new("DU1"), "1.1"));
    assert!(
        !store.record_delivery(approval, "a1", &late).await.unwrap(),
        "a replaced attempt does not record its card"
    );
    assert!(store.cards(approval).await.unwrap().is_empty());
    let kept = second.delivered(MessageRef::new(ConversationRef::new("DU1"), "1.2"));
    assert!(store.record_delivery(approval, "a2", &kept).await.unwrap());
    assert!(
        !store.record_delivery(approval, "a1", &late).await.unwrap(),
        "nor once the other card is recorded"
    );
    assert_eq!(store.cards(approval).await.unwrap(), vec![kept]);
}

async fn a_delivery_begins_only_over_the_attempt_it_replaces(store: Arc<impl Store>) {
    let approval = ApprovalId(90_211);
    assert!(
        store
            .begin_delivery(approval, None, &pending("U1", "a1"), LONG)
            .await
            .unwrap()
    );
    assert!(
        !store
            .begin_delivery(approval, None, &pending("U1", "a2"), LONG)
            .await
            .unwrap(),
        "a delivery under way is not begun again"
    );
    assert!(
        !store
            .begin_delivery(approval, Some("a0"), &pending("U1", "a2"), LONG)
            .await
            .unwrap(),
        "nor over an attempt that is not the pending one"
    );
    assert!(
        store
            .begin_delivery(approval, None, &pending("U2", "b1"), LONG)
            .await
            .unwrap(),
        "each recipient has their own"
    );
    let attempts: Vec<String> = store
        .deliveries(approval)
        .await
        .unwrap()
        .pending
        .into_iter()
        .map(|p| p.attempt)
        .collect();
    assert_eq!(attempts, vec!["a1", "b1"]);
}

async fn a_dropped_delivery_is_forgotten_only_by_its_own_attempt(store: Arc<impl Store>) {
    let approval = ApprovalId(90_211);
    store
        .begin_delivery(approval, None, &pending("U1", "a1"), LONG)
        .await
        .unwrap();
    let user = ChatUserId::from("U1");
    store.drop_delivery(approval, &user, "a0").await.unwrap();
    assert_eq!(store.deliveries(approval).await.unwrap().pending.len(), 1);
    store.drop_delivery(approval, &user, "a1").await.unwrap();
    assert!(store.deliveries(approval).await.unwrap().pending.is_empty());
    assert!(
        store
            .begin_delivery(approval, None, &pending("U1", "a2"), LONG)
            .await
            .unwrap()
    );
}

async fn cards_are_kept_per_recipient_and_deleted_together(store: Arc<impl Store>) {
    let approval = ApprovalId(90_211);
    assert!(store.cards(approval).await.unwrap().is_empty());
    store
        .put_card(approval, &card("U1", "1.1", 10))
        .await
        .unwrap();
    store
        .put_card(approval, &card("U2", "1.2", 20))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(7), &card("U1", "9.9", 30))
        .await
        .unwrap();
    // A newer card for the same recipient replaces the old one.
    store
        .put_card(approval, &card("U1", "1.3", 15))
        .await
        .unwrap();
    assert_eq!(
        store.cards(approval).await.unwrap(),
        vec![card("U1", "1.3", 15), card("U2", "1.2", 20)]
    );
    assert_eq!(
        store.approvals_with_cards().await.unwrap(),
        vec![ApprovalId(7), approval]
    );
    store.delete_cards(approval).await.unwrap();
    assert!(store.cards(approval).await.unwrap().is_empty());
    assert_eq!(
        store.approvals_with_cards().await.unwrap(),
        vec![ApprovalId(7)]
    );
}

async fn only_unexpired_cards_sent_by_the_cutoff_are_due_for_expiry(store: Arc<impl Store>) {
    let at = |second: i64| Timestamp::from_second(second).unwrap();
    store
        .put_card(ApprovalId(1), &card("U1", "1.1", 10))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(1), &card("U2", "1.2", 40))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(2), &card("U1", "2.1", 20))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(3), &card("U3", "3.1", 30))
        .await
        .unwrap();
    assert!(
        store
            .approvals_with_cards_sent_by(at(9))
            .await
            .unwrap()
            .is_empty()
    );
    // The cutoff itself counts as due.
    assert_eq!(
        store.approvals_with_cards_sent_by(at(20)).await.unwrap(),
        vec![ApprovalId(1), ApprovalId(2)]
    );
    // A card marked expired is no longer due; its approval's other cards still can be.
    let mut expired = card("U1", "1.1", 10);
    expired.expired = true;
    store.put_card(ApprovalId(1), &expired).await.unwrap();
    assert_eq!(
        store.approvals_with_cards_sent_by(at(30)).await.unwrap(),
        vec![ApprovalId(2), ApprovalId(3)]
    );
    assert_eq!(
        store.approvals_with_cards_sent_by(at(40)).await.unwrap(),
        vec![ApprovalId(1), ApprovalId(2), ApprovalId(3)]
    );
    // A newer card for the same recipient replaces the old one in the index too.
    store
        .put_card(ApprovalId(2), &card("U1", "2.2", 50))
        .await
        .unwrap();
    store.delete_cards(ApprovalId(3)).await.unwrap();
    assert_eq!(
        store.approvals_with_cards_sent_by(at(49)).await.unwrap(),
        vec![ApprovalId(1)]
    );
    store.delete_cards(ApprovalId(1)).await.unwrap();
    assert_eq!(
        store.approvals_with_cards_sent_by(at(100)).await.unwrap(),
        vec![ApprovalId(2)]
    );
}

async fn each_recipient_has_an_index_of_the_approvals_carded_to_them(store: Arc<impl Store>) {
    let u1 = ChatUserId::from("U1");
    let u2 = ChatUserId::from("U2");
    assert!(store.approvals_carded_to(&u1).await.unwrap().is_empty());
    store
        .put_card(ApprovalId(5), &card("U1", "5.1", 10))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(5), &card("U2", "5.2", 10))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(3), &card("U1", "3.1", 20))
        .await
        .unwrap();
    store
        .put_card(ApprovalId(3), &card("U1", "3.2", 30))
        .await
        .unwrap();
    assert_eq!(
        store.approvals_carded_to(&u1).await.unwrap(),
        vec![ApprovalId(3), ApprovalId(5)]
    );
    assert_eq!(
        store.approvals_carded_to(&u2).await.unwrap(),
        vec![ApprovalId(5)]
    );
    store.delete_cards(ApprovalId(5)).await.unwrap();
    assert_eq!(
        store.approvals_carded_to(&u1).await.unwrap(),
        vec![ApprovalId(3)]
    );
    assert!(store.approvals_carded_to(&u2).await.unwrap().is_empty());
}

async fn directory_entries_match_emails_case_insensitively_and_expire(store: Arc<impl Store>) {
    let user = ChatUserId::from("U42");
    store
        .remember_directory_entry(
            " Daniel.Okafor@Example.com ",
            &DirectoryEntry::Found(user.clone()),
            SHORT,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .directory_entry("daniel.okafor@example.com")
            .await
            .unwrap(),
        Some(DirectoryEntry::Found(user.clone()))
    );
    assert_eq!(
        store.email_of(&user).await.unwrap().as_deref(),
        Some("daniel.okafor@example.com")
    );
    outlive_short_ttl().await;
    assert_eq!(
        store
            .directory_entry("daniel.okafor@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.email_of(&user).await.unwrap(), None);
}

async fn not_found_directory_entries_are_cached_too(store: Arc<impl Store>) {
    store
        .remember_directory_entry("ghost@example.com", &DirectoryEntry::NotFound, LONG)
        .await
        .unwrap();
    assert_eq!(
        store.directory_entry("GHOST@example.com").await.unwrap(),
        Some(DirectoryEntry::NotFound)
    );
    assert_eq!(
        store.directory_entry("someone@example.com").await.unwrap(),
        None
    );
}

async fn the_watermark_starts_empty_and_keeps_the_last_value(store: Arc<impl Store>) {
    assert_eq!(store.watermark().await.unwrap(), None);
    let first: Timestamp = "2026-11-20T17:20:41Z".parse().unwrap();
    let second: Timestamp = "2026-11-21T08:00:00.5Z".parse().unwrap();
    store.set_watermark(first).await.unwrap();
    store.set_watermark(second).await.unwrap();
    assert_eq!(store.watermark().await.unwrap(), Some(second));
}

async fn the_last_sync_success_starts_empty_and_keeps_the_last_value(store: Arc<impl Store>) {
    assert_eq!(store.last_sync_success().await.unwrap(), None);
    let first: Timestamp = "2026-11-20T17:20:41Z".parse().unwrap();
    let second: Timestamp = "2026-11-21T08:00:00.5Z".parse().unwrap();
    store.set_last_sync_success(first).await.unwrap();
    store.set_last_sync_success(second).await.unwrap();
    assert_eq!(store.last_sync_success().await.unwrap(), Some(second));
    assert_eq!(
        store.watermark().await.unwrap(),
        None,
        "the watermark is another record"
    );
}

fn doubt(approval: u64, claim: &str) -> DecisionInDoubt {
    DecisionInDoubt {
        approval: ApprovalId(approval),
        requisition: RequisitionId(approval + 1000),
        decision: Decision::Approve,
        decided_by: ChatUserId::from("UDANIEL"),
        decided_by_name: "Daniel Okafor".into(),
        email: "daniel@example.com".into(),
        comment: None,
        reason: "Approved in Slack by Daniel Okafor <daniel@example.com>".into(),
        at: Timestamp::from_second(1_700_000_000).unwrap(),
        claim: claim.into(),
        delegate_for: None,
    }
}

async fn decisions_in_doubt_are_listed_by_approval_until_forgotten_by_their_own_claim(
    store: Arc<impl Store>,
) {
    assert!(store.doubts().await.unwrap().is_empty());
    store.record_doubt(&doubt(20, "first")).await.unwrap();
    store.record_doubt(&doubt(10, "other")).await.unwrap();
    // A later decision of the same approval replaces the earlier record.
    store.record_doubt(&doubt(20, "second")).await.unwrap();
    assert_eq!(
        store.doubts().await.unwrap(),
        vec![doubt(10, "other"), doubt(20, "second")]
    );

    assert!(
        !store
            .forget_doubt(ApprovalId(20), &ClaimToken("first".into()))
            .await
            .unwrap(),
        "an earlier decider cannot forget a later decision's record"
    );
    assert!(
        store
            .forget_doubt(ApprovalId(20), &ClaimToken("second".into()))
            .await
            .unwrap()
    );
    assert!(
        !store
            .forget_doubt(ApprovalId(30), &ClaimToken("none".into()))
            .await
            .unwrap()
    );
    assert_eq!(store.doubts().await.unwrap(), vec![doubt(10, "other")]);
}

fn audit(n: u64) -> AuditEntry {
    AuditEntry {
        at: Timestamp::from_second(1_700_000_000 + n as i64).unwrap(),
        actor: ChatUserId::from("U1"),
        actor_email: Some("a@example.com".into()),
        approval: ApprovalId(n),
        requisition: Some(RequisitionId(4812)),
        decision: Decision::Reject,
        outcome: "rejected".into(),
        reason: Some(format!("reason {n}")),
        comment: None,
        title: None,
        total: None,
        delegate_for: None,
    }
}

async fn audit_entries_come_back_newest_first_and_the_log_is_bounded(store: Arc<impl Store>) {
    // Both stores are built with a limit of 5 entries for this suite.
    for n in 1..=7 {
        store.append_audit(&audit(n)).await.unwrap();
    }
    let newest: Vec<u64> = store
        .audit(3)
        .await
        .unwrap()
        .iter()
        .map(|e| e.approval.0)
        .collect();
    assert_eq!(newest, vec![7, 6, 5]);
    let all = store.audit(100).await.unwrap();
    assert_eq!(all.len(), 5, "older entries beyond the bound are dropped");
    assert_eq!(all[0], audit(7));
    assert!(store.audit(0).await.unwrap().is_empty());
}

async fn each_persons_own_audit_entries_come_back_newest_first_and_nobody_elses(
    store: Arc<impl Store>,
) {
    let by = |actor: &str, n| AuditEntry {
        actor: ChatUserId::from(actor),
        ..audit(n)
    };
    for n in 1..=4 {
        store.append_audit(&by("UDANIEL", n)).await.unwrap();
        store.append_audit(&by("USOFIA", 100 + n)).await.unwrap();
    }
    let approvals =
        |entries: Vec<AuditEntry>| -> Vec<u64> { entries.iter().map(|e| e.approval.0).collect() };
    let daniel = store
        .audit_of(&ChatUserId::from("UDANIEL"), 3)
        .await
        .unwrap();
    assert_eq!(approvals(daniel), vec![4, 3, 2]);
    // Their own list outlives the shared log's bound of 5 for this suite.
    let sofia = store
        .audit_of(&ChatUserId::from("USOFIA"), 100)
        .await
        .unwrap();
    assert_eq!(approvals(sofia), vec![104, 103, 102, 101]);
    assert!(
        store
            .audit_of(&ChatUserId::from("UNOBODY"), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .audit_of(&ChatUserId::from("UDANIEL"), 0)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn redis_keys_all_live_under_the_namespace_and_the_memory_store_is_embedded() {
    let namespace = support::RedisNamespace::new("namespace");
    let store = namespace.store();
    assert!(!store.is_embedded());
    assert!(MemoryStore::new().is_embedded());
    store.first_sighting("Ev", LONG).await.unwrap();
    store
        .put_card(ApprovalId(1), &card("U1", "1.1", 1))
        .await
        .unwrap();
    let keys = namespace.keys();
    assert!(keys.len() >= 3, "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with(&namespace.prefix)));
}

#[tokio::test]
async fn redis_cards_recorded_before_the_indexes_existed_are_indexed_on_first_use() {
    let namespace = support::RedisNamespace::new("upgrade");
    // Cards as an earlier version left them: the hash per approval and the set of approvals,
    // with no send-time or per-recipient index (and no `expired` field).
    let client = ::redis::Client::open(support::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let old = |user: &str, sent: i64| {
        let mut value = serde_json::to_value(card(user, "1.1", sent)).unwrap();
        value.as_object_mut().unwrap().remove("expired");
        value.to_string()
    };
    let prefix = &namespace.prefix;
    let _: () = ::redis::pipe()
        .hset(format!("{prefix}:cards:11"), "U1", old("U1", 10))
        .hset(format!("{prefix}:cards:12"), "U2", old("U2", 50))
        .sadd(format!("{prefix}:cards-index"), &[11, 12])
        .query_async(&mut conn)
        .await
        .unwrap();

    let store = namespace.store();
    let cutoff = Timestamp::from_second(20).unwrap();
    assert_eq!(
        store.approvals_with_cards_sent_by(cutoff).await.unwrap(),
        vec![ApprovalId(11)]
    );
    assert_eq!(
        store
            .approvals_carded_to(&ChatUserId::from("U2"))
            .await
            .unwrap(),
        vec![ApprovalId(12)]
    );
    // Indexed once: a card deleted afterwards stays out of the indexes for a new process too.
    store.delete_cards(ApprovalId(11)).await.unwrap();
    let restarted = namespace.store();
    assert!(
        restarted
            .approvals_with_cards_sent_by(cutoff)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn unmapped_approvers_are_listed_by_email_until_forgotten(store: Arc<impl Store>) {
    store
        .note_unmapped(" Zed@Example.com", "Zed Zee")
        .await
        .unwrap();
    store
        .note_unmapped("amy@example.com", "Amy Old")
        .await
        .unwrap();
    store
        .note_unmapped("AMY@example.com", "Amy Ay")
        .await
        .unwrap();
    let listed: Vec<(String, String)> = store
        .unmapped()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.email, u.name))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("amy@example.com".to_owned(), "Amy Ay".to_owned()),
            ("zed@example.com".to_owned(), "Zed Zee".to_owned())
        ]
    );
    store.forget_unmapped("zed@EXAMPLE.com").await.unwrap();
    assert_eq!(store.unmapped().await.unwrap().len(), 1);
}

async fn the_last_pending_list_is_kept_per_user(store: Arc<impl Store>) {
    let user = ChatUserId::from("U9");
    assert_eq!(store.last_pending(&user).await.unwrap(), None);
    let snapshot = PendingSnapshot {
        as_of: Timestamp::from_second(1_700_000_000).unwrap(),
        items: vec![PendingItem {
            approval: ApprovalId(90_211),
            requisition: RequisitionId(4812),
            fingerprint: Fingerprint::from("f1"),
            title: "Standing desks".into(),
            total: coupa_approvals::domain::Money::new(
                rust_decimal::Decimal::new(742_050, 2),
                "USD",
            ),
            requester: Some("Marta Kowalski".into()),
            submitted_at: None,
            delegate_for: None,
        }],
    };
    store.save_pending(&user, &snapshot).await.unwrap();
    assert_eq!(store.last_pending(&user).await.unwrap(), Some(snapshot));
    assert_eq!(
        store.last_pending(&ChatUserId::from("U10")).await.unwrap(),
        None
    );
}

async fn a_card_view_is_kept_per_approval_and_recipient_until_replaced_or_expired(
    store: Arc<impl Store>,
) {
    let jane = ChatUserId::from("29:jane");
    let sam = ChatUserId::from("29:sam");
    store
        .remember_card_view(ApprovalId(1), &jane, "first", LONG)
        .await
        .unwrap();
    store
        .remember_card_view(ApprovalId(1), &jane, "second", LONG)
        .await
        .unwrap();
    store
        .remember_card_view(ApprovalId(2), &sam, "brief", SHORT)
        .await
        .unwrap();
    assert_eq!(
        store
            .card_view(ApprovalId(1), &jane)
            .await
            .unwrap()
            .as_deref(),
        Some("second")
    );
    assert_eq!(store.card_view(ApprovalId(1), &sam).await.unwrap(), None);
    assert_eq!(store.card_view(ApprovalId(2), &jane).await.unwrap(), None);
    assert_eq!(
        store
            .card_view(ApprovalId(2), &sam)
            .await
            .unwrap()
            .as_deref(),
        Some("brief")
    );
    outlive_short_ttl().await;
    assert_eq!(store.card_view(ApprovalId(2), &sam).await.unwrap(), None);
}

async fn a_hold_is_kept_per_approval_until_replaced_forgotten_once_or_expired(
    store: Arc<impl Store>,
) {
    let hold = |by: &str| Hold {
        by: Some(by.to_owned()),
        reason: Some("waiting for the second quote".to_owned()),
        at: Some(Timestamp::from_second(1_763_659_240).unwrap()),
    };
    assert_eq!(store.hold(ApprovalId(1)).await.unwrap(), None);
    store
        .put_hold(ApprovalId(1), &hold("Jane Doe"), LONG)
        .await
        .unwrap();
    store
        .put_hold(ApprovalId(1), &hold("Sam Lee"), LONG)
        .await
        .unwrap();
    store
        .put_hold(ApprovalId(2), &hold("Brief"), SHORT)
        .await
        .unwrap();
    assert_eq!(
        store.hold(ApprovalId(1)).await.unwrap(),
        Some(hold("Sam Lee"))
    );
    assert_eq!(
        store.hold(ApprovalId(2)).await.unwrap(),
        Some(hold("Brief"))
    );
    assert_eq!(store.hold(ApprovalId(3)).await.unwrap(), None);
    // The cards' records come with the hold they show, in the same read.
    assert_eq!(
        store.deliveries(ApprovalId(1)).await.unwrap().hold,
        Some(hold("Sam Lee"))
    );
    assert_eq!(store.deliveries(ApprovalId(3)).await.unwrap().hold, None);

    assert!(store.forget_hold(ApprovalId(1)).await.unwrap());
    assert!(
        !store.forget_hold(ApprovalId(1)).await.unwrap(),
        "only one caller forgets a hold"
    );
    assert_eq!(store.hold(ApprovalId(1)).await.unwrap(), None);
    assert_eq!(store.deliveries(ApprovalId(1)).await.unwrap().hold, None);
    outlive_short_ttl().await;
    assert_eq!(store.hold(ApprovalId(2)).await.unwrap(), None);
    assert!(!store.forget_hold(ApprovalId(2)).await.unwrap());
}

/// The error chain of a failed store call, as the logs and `check` show it.
fn error_text(error: &coupa_approvals::store::StoreError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn a_wrong_password_over_tls_fails_naming_authentication_without_showing_the_password() {
    let server = support::redis_server::shared_tls();
    let url = secrecy::SecretString::from(
        server.url_as(support::redis_server::TLS_USER, "not-the-password"),
    );
    let store = coupa_approvals::store::RedisStore::with_root_ca(
        &url,
        "test-wrong-password",
        server.ca_pem.clone(),
    )
    .expect("a valid rediss:// URL");

    let error = store.ping().await.expect_err("a wrong password is refused");

    assert!(
        matches!(
            error,
            coupa_approvals::store::StoreError::AuthenticationFailed(_)
        ),
        "{error:?}"
    );
    let text = error_text(&error);
    assert!(text.contains("authentication failed"), "{text}");
    assert!(text.contains("REDIS_URL"), "{text}");
    assert!(
        !text.contains("not-the-password"),
        "the password leaked: {text}"
    );
}

#[tokio::test]
async fn a_password_only_redis_url_is_accepted_and_a_wrong_one_refused() {
    let server = support::redis_server::RedisServer::start_with_password("plain-password").await;
    let store = coupa_approvals::store::RedisStore::new(
        &secrecy::SecretString::from(server.url()),
        "test-password-only",
    )
    .expect("a valid redis:// URL");
    store.ping().await.expect("the right password is accepted");

    let wrong = coupa_approvals::store::RedisStore::new(
        &secrecy::SecretString::from(format!("redis://:wrong-password@127.0.0.1:{}", server.port)),
        "test-password-only",
    )
    .expect("a valid redis:// URL");
    let error = wrong.ping().await.expect_err("a wrong password is refused");
    assert!(
        matches!(
            error,
            coupa_approvals::store::StoreError::AuthenticationFailed(_)
        ),
        "{error:?}"
    );
    assert!(!error_text(&error).contains("wrong-password"));
}

#[tokio::test]
async fn a_tls_server_whose_ca_is_not_trusted_is_refused() {
    let server = support::redis_server::shared_tls();
    // The system's CAs do not include the tests' throwaway one.
    let store = coupa_approvals::store::RedisStore::new(
        &secrecy::SecretString::from(server.url()),
        "test-untrusted",
    )
    .expect("a valid rediss:// URL");
    let error = store
        .ping()
        .await
        .expect_err("an untrusted certificate is refused");
    assert!(
        !matches!(
            error,
            coupa_approvals::store::StoreError::AuthenticationFailed(_)
        ),
        "{error:?}"
    );
    assert!(!error_text(&error).contains(support::redis_server::TLS_PASSWORD));
}

#[tokio::test]
async fn the_store_opened_from_settings_trusts_the_ca_in_redis_ca_file() {
    let server = support::redis_server::shared_tls();
    let ca = std::env::temp_dir().join(format!("redis-ca-{}.pem", uuid::Uuid::new_v4().simple()));
    std::fs::write(&ca, &server.ca_pem).expect("a writable temporary directory");
    let mut settings =
        coupa_approvals::config::StoreSettings::redis(server.url(), "test-ca-file-settings");
    settings.redis_ca_file = Some(ca.clone());

    let store = coupa_approvals::store::open(&settings).expect("the store opens");
    let answer = store.ping().await;
    let _ = std::fs::remove_file(&ca);

    answer.expect("the server's certificate chains to the CA in the file");
}

#[test]
fn an_unreadable_redis_ca_file_is_named_when_the_store_opens() {
    let mut settings =
        coupa_approvals::config::StoreSettings::redis("rediss://:pw@127.0.0.1:6380", "test");
    settings.redis_ca_file = Some("/nonexistent/redis-ca.pem".into());

    let error = coupa_approvals::store::open(&settings)
        .err()
        .expect("a missing CA file is refused");

    let text = error_text(&error);
    assert!(
        text.contains("REDIS_CA_FILE /nonexistent/redis-ca.pem"),
        "{text}"
    );
    assert!(!text.contains("pw@"), "{text}");
}

fn contact(user: &str, email: Option<&str>, conversation: Option<&str>) -> ChatContact {
    ChatContact {
        user: ChatUserId::from(user),
        name: Some(format!("{user} name")),
        email: email.map(str::to_owned),
        directory_id: Some("6b8f2c1e-0d4a-4c3b-9e7f-2a1d5c8b9e0f".into()),
        endpoint: "https://smba.trafficmanager.net/emea/".into(),
        tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        conversation: conversation.map(ConversationRef::new),
        seen_at: Timestamp::from_second(1_700_000_000).unwrap(),
        time_zone: None,
    }
}

async fn a_contact_is_remembered_and_read_back_replaced_as_a_whole(store: Arc<impl Store>) {
    let user = ChatUserId::from("29:daniel");
    assert_eq!(store.contact(&user).await.unwrap(), None);
    let first = contact("29:daniel", Some("daniel@example.com"), None);
    store.remember_contact(&first).await.unwrap();
    assert_eq!(store.contact(&user).await.unwrap(), Some(first));

    let mut later = contact("29:daniel", Some("daniel@example.com"), Some("a:1dm"));
    later.name = None;
    later.endpoint = "https://smba.trafficmanager.net/amer/".into();
    later.seen_at = Timestamp::from_second(1_700_000_600).unwrap();
    later.time_zone = Some("Asia/Tokyo".into());
    store.remember_contact(&later).await.unwrap();
    assert_eq!(store.contact(&user).await.unwrap(), Some(later));
    assert_eq!(
        store
            .contact(&ChatUserId::from("29:someone"))
            .await
            .unwrap(),
        None
    );
}

async fn a_contact_is_found_by_email_whatever_its_case_or_spacing(store: Arc<impl Store>) {
    store
        .remember_contact(&contact(
            "29:daniel",
            Some(" Daniel.Okafor@Example.COM "),
            None,
        ))
        .await
        .unwrap();
    let found = store
        .contact_by_email("daniel.okafor@example.com")
        .await
        .unwrap()
        .expect("found by the normalised email");
    assert_eq!(found.user, ChatUserId::from("29:daniel"));
    assert_eq!(
        found.email.as_deref(),
        Some("daniel.okafor@example.com"),
        "kept normalised"
    );
    let again = store
        .contact_by_email("  DANIEL.okafor@example.com")
        .await
        .unwrap();
    assert_eq!(again, Some(found));
    assert_eq!(
        store.contact_by_email("daniel@example.com").await.unwrap(),
        None
    );
    assert_eq!(store.contact_by_email("").await.unwrap(), None);
}

async fn a_contact_is_found_by_its_conversation_with_the_bot(store: Arc<impl Store>) {
    store
        .remember_contact(&contact("29:daniel", None, Some("a:1dm-daniel")))
        .await
        .unwrap();
    store
        .remember_contact(&contact("29:sofia", None, None))
        .await
        .unwrap();
    let found = store
        .contact_in(&ConversationRef::new("a:1dm-daniel"))
        .await
        .unwrap()
        .expect("found by the conversation");
    assert_eq!(found.user, ChatUserId::from("29:daniel"));
    assert_eq!(
        store
            .contact_in(&ConversationRef::new("a:1dm-sofia"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.contact_in(&ConversationRef::new("")).await.unwrap(),
        None
    );
}

async fn a_changed_email_or_conversation_no_longer_finds_the_contact(store: Arc<impl Store>) {
    store
        .remember_contact(&contact(
            "29:daniel",
            Some("daniel@old.example.com"),
            Some("a:old"),
        ))
        .await
        .unwrap();
    store
        .remember_contact(&contact(
            "29:daniel",
            Some("daniel@new.example.com"),
            Some("a:new"),
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .contact_by_email("daniel@old.example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .contact_in(&ConversationRef::new("a:old"))
            .await
            .unwrap(),
        None
    );
    let by_email = store
        .contact_by_email("daniel@new.example.com")
        .await
        .unwrap();
    assert_eq!(
        by_email.map(|c| c.user),
        Some(ChatUserId::from("29:daniel"))
    );
    let by_conversation = store
        .contact_in(&ConversationRef::new("a:new"))
        .await
        .unwrap();
    assert_eq!(
        by_conversation.map(|c| c.user),
        Some(ChatUserId::from("29:daniel"))
    );

    // An email dropped altogether stops finding them too; someone else may take an old one.
    store
        .remember_contact(&contact("29:daniel", None, Some("a:new")))
        .await
        .unwrap();
    assert_eq!(
        store
            .contact_by_email("daniel@new.example.com")
            .await
            .unwrap(),
        None
    );
    store
        .remember_contact(&contact("29:sofia", Some("daniel@old.example.com"), None))
        .await
        .unwrap();
    let taken = store
        .contact_by_email("daniel@old.example.com")
        .await
        .unwrap();
    assert_eq!(taken.map(|c| c.user), Some(ChatUserId::from("29:sofia")));
}

async fn contacts_are_counted_once_per_user(store: Arc<impl Store>) {
    assert_eq!(store.contacts_count().await.unwrap(), 0);
    for user in ["29:a", "29:b", "29:c"] {
        store
            .remember_contact(&contact(user, None, None))
            .await
            .unwrap();
    }
    store
        .remember_contact(&contact("29:a", Some("a@example.com"), Some("a:1")))
        .await
        .unwrap();
    assert_eq!(store.contacts_count().await.unwrap(), 3);
}

#[tokio::test]
async fn redis_contacts_never_expire_and_a_lookup_left_stale_is_not_answered() {
    let namespace = support::RedisNamespace::new("contacts");
    let store = namespace.store();
    store
        .remember_contact(&contact(
            "29:daniel",
            Some("daniel@example.com"),
            Some("a:dm"),
        ))
        .await
        .unwrap();
    let client = ::redis::Client::open(support::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for key in namespace.keys() {
        let ttl: i64 = ::redis::cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(ttl, -1, "{key} has no expiry");
    }
    // Lookups that name Daniel for an email and a conversation he does not have (as an earlier
    // version or a hand edit could leave them) find nobody.
    let prefix = &namespace.prefix;
    let _: () = ::redis::pipe()
        .hset(
            format!("{prefix}:contacts:by-email"),
            "someone@example.com",
            "29:daniel",
        )
        .hset(
            format!("{prefix}:contacts:by-conversation"),
            "a:elsewhere",
            "29:daniel",
        )
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        store.contact_by_email("someone@example.com").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .contact_in(&ConversationRef::new("a:elsewhere"))
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .contact_by_email("daniel@example.com")
            .await
            .unwrap()
            .is_some()
    );
}

async fn two_replicas_racing_to_install_the_app_for_one_person_have_one_winner(
    store: Arc<impl Store>,
) {
    for race in 0..20u64 {
        let email = format!("approver-{race}@example.com");
        let shouted = email.to_uppercase();
        let (a, b) = tokio::join!(
            store.claim_install(&email, LONG),
            store.claim_install(&shouted, LONG)
        );
        let winners = [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count();
        assert_eq!(winners, 1, "race {race}");
    }
}

async fn an_installed_app_is_never_claimed_again_and_its_failure_is_forgotten(
    store: Arc<impl Store>,
) {
    assert!(store.claim_install("ana@example.com", SHORT).await.unwrap());
    store
        .install_failed(&failed_install("ana@example.com", false), SHORT)
        .await
        .unwrap();
    outlive_short_ttl().await;
    assert!(store.claim_install("ana@example.com", SHORT).await.unwrap());
    store.install_done(" Ana@Example.com ").await.unwrap();
    outlive_short_ttl().await;
    assert!(!store.claim_install("ana@example.com", SHORT).await.unwrap());
    assert_eq!(store.failed_installs().await.unwrap(), vec![]);
}

async fn a_failed_install_is_listed_and_claimable_again_only_after_its_back_off(
    store: Arc<impl Store>,
) {
    assert!(store.claim_install("zoe@example.com", LONG).await.unwrap());
    assert!(store.claim_install("bob@example.com", LONG).await.unwrap());
    store
        .install_failed(&failed_install("Zoe@Example.com", false), SHORT)
        .await
        .unwrap();
    store
        .install_failed(&failed_install("bob@example.com", true), LONG)
        .await
        .unwrap();
    assert!(!store.claim_install("zoe@example.com", LONG).await.unwrap());
    let listed = store.failed_installs().await.unwrap();
    assert_eq!(
        listed,
        vec![
            failed_install("bob@example.com", true),
            failed_install("zoe@example.com", false)
        ]
    );
    outlive_short_ttl().await;
    assert!(store.claim_install("zoe@example.com", LONG).await.unwrap());
    assert!(!store.claim_install("bob@example.com", LONG).await.unwrap());
    assert_eq!(
        store.failed_installs().await.unwrap().len(),
        2,
        "a failure stays listed while it is tried again"
    );
}

fn failed_install(email: &str, transient: bool) -> FailedInstall {
    FailedInstall {
        email: email.to_owned(),
        reason: "the app registration lacks the application permission User.Read.All".into(),
        transient,
        at: Timestamp::from_second(1_700_000_000).unwrap(),
    }
}

async fn a_reachable_mark_is_read_whatever_the_emails_case_until_it_expires(
    store: Arc<impl Store>,
) {
    assert!(!store.marked_reachable("gus@example.com").await.unwrap());
    store
        .mark_reachable(" Gus@Example.com ", SHORT)
        .await
        .unwrap();
    assert!(store.marked_reachable("gus@example.com").await.unwrap());
    assert!(!store.marked_reachable("ana@example.com").await.unwrap());
    outlive_short_ttl().await;
    assert!(!store.marked_reachable("gus@example.com").await.unwrap());
}

async fn two_replicas_racing_for_a_persons_reminder_of_one_day_have_one_winner(
    store: Arc<impl Store>,
) {
    let lena = ChatUserId::from("ULENA");
    for race in 0..50 {
        let day = format!("2026-12-{:02}", race % 28 + 1);
        let user = ChatUserId(format!("U{race}"));
        let (a, b) = tokio::join!(
            store.claim_reminder(&user, &day, LONG),
            store.claim_reminder(&user, &day, LONG)
        );
        let winners = [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count();
        assert_eq!(winners, 1, "race {race}");
    }
    // Another day, or another person, is a claim of its own.
    assert!(
        store
            .claim_reminder(&lena, "2026-12-11", LONG)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_reminder(&lena, "2026-12-11", LONG)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_reminder(&lena, "2026-12-14", LONG)
            .await
            .unwrap()
    );
    let kenji = ChatUserId::from("29:1kenji");
    assert!(
        store
            .claim_reminder(&kenji, "2026-12-11", LONG)
            .await
            .unwrap()
    );
}

async fn a_released_reminder_can_be_claimed_again_and_a_claim_expires_after_its_keep(
    store: Arc<impl Store>,
) {
    let lena = ChatUserId::from("ULENA");
    assert!(
        store
            .claim_reminder(&lena, "2026-12-11", LONG)
            .await
            .unwrap()
    );
    store.release_reminder(&lena, "2026-12-11").await.unwrap();
    assert!(
        store
            .claim_reminder(&lena, "2026-12-11", LONG)
            .await
            .unwrap()
    );
    // Releasing what was never claimed is harmless.
    store.release_reminder(&lena, "2026-12-12").await.unwrap();

    assert!(
        store
            .claim_reminder(&lena, "2026-12-14", SHORT)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_reminder(&lena, "2026-12-14", SHORT)
            .await
            .unwrap()
    );
    outlive_short_ttl().await;
    assert!(
        store
            .claim_reminder(&lena, "2026-12-14", SHORT)
            .await
            .unwrap()
    );
}

async fn reminders_are_on_until_turned_off_and_the_choice_is_kept_per_person(
    store: Arc<impl Store>,
) {
    let lena = ChatUserId::from("ULENA");
    let kenji = ChatUserId::from("29:1kenji");
    assert!(store.reminders_on(&lena).await.unwrap());
    store.set_reminders_on(&lena, false).await.unwrap();
    assert!(!store.reminders_on(&lena).await.unwrap());
    assert!(store.reminders_on(&kenji).await.unwrap(), "per person");
    // Turning off twice, then on: on.
    store.set_reminders_on(&lena, false).await.unwrap();
    store.set_reminders_on(&lena, true).await.unwrap();
    assert!(store.reminders_on(&lena).await.unwrap());
    store.set_reminders_on(&kenji, true).await.unwrap();
    assert!(store.reminders_on(&kenji).await.unwrap());
}

fn items(pairs: &[(u64, &str)]) -> Vec<(ApprovalId, String)> {
    pairs
        .iter()
        .map(|(approval, view)| (ApprovalId(*approval), (*view).to_owned()))
        .collect()
}

async fn a_digests_items_are_kept_per_approval_replaced_one_at_a_time_and_expire(
    store: Arc<impl Store>,
) {
    let (digest, brief, other) = (DigestId::new(), DigestId::new(), DigestId::new());
    assert!(store.digest_items(&digest).await.unwrap().is_empty());
    store
        .put_digest_items(&digest, &items(&[(12, "b"), (3, "a"), (40, "c")]), LONG)
        .await
        .unwrap();
    store
        .put_digest_items(&other, &items(&[(3, "elsewhere")]), LONG)
        .await
        .unwrap();
    store
        .put_digest_items(&digest, &items(&[(12, "b decided")]), LONG)
        .await
        .unwrap();
    assert_eq!(
        store.digest_items(&digest).await.unwrap(),
        items(&[(3, "a"), (12, "b decided"), (40, "c")]),
        "by approval, the one item replaced"
    );
    store
        .put_digest_items(&brief, &items(&[(5, "gone soon")]), SHORT)
        .await
        .unwrap();
    outlive_short_ttl().await;
    assert!(store.digest_items(&brief).await.unwrap().is_empty());
    assert_eq!(store.digest_items(&digest).await.unwrap().len(), 3);
    assert_eq!(
        store.digest_items(&other).await.unwrap(),
        items(&[(3, "elsewhere")])
    );
}

async fn two_items_of_one_digest_written_at_once_are_both_kept(store: Arc<impl Store>) {
    let digest = DigestId::new();
    store
        .put_digest_items(&digest, &items(&[(1, "a"), (2, "b"), (3, "c")]), LONG)
        .await
        .unwrap();
    for _ in 0..20 {
        let (one, two) = (store.clone(), store.clone());
        let (d1, d2) = (digest.clone(), digest.clone());
        let first = tokio::spawn(async move {
            one.put_digest_items(&d1, &items(&[(1, "a approved")]), LONG)
                .await
        });
        let second = tokio::spawn(async move {
            two.put_digest_items(&d2, &items(&[(3, "c denied")]), LONG)
                .await
        });
        first.await.unwrap().unwrap();
        second.await.unwrap().unwrap();
        assert_eq!(
            store.digest_items(&digest).await.unwrap(),
            items(&[(1, "a approved"), (2, "b"), (3, "c denied")])
        );
    }
}

async fn an_item_taken_out_of_a_digest_leaves_the_others(store: Arc<impl Store>) {
    let digest = DigestId::new();
    store
        .put_digest_items(&digest, &items(&[(1, "a"), (2, "b")]), LONG)
        .await
        .unwrap();
    store
        .remove_digest_item(&digest, ApprovalId(1))
        .await
        .unwrap();
    store
        .remove_digest_item(&DigestId::new(), ApprovalId(2))
        .await
        .unwrap();
    assert_eq!(
        store.digest_items(&digest).await.unwrap(),
        items(&[(2, "b")])
    );
}

async fn a_card_recorded_as_a_digest_item_reads_back_naming_its_digest(store: Arc<impl Store>) {
    let digest = DigestId::new();
    let approval = ApprovalId(90_211);
    let mut delivery = pending("U1", "a1");
    delivery.digest = Some(digest.clone());
    assert!(
        store
            .begin_delivery(approval, None, &delivery, LONG)
            .await
            .unwrap()
    );
    let posted = delivery.delivered(MessageRef::new(ConversationRef::new("DU1"), "1.1"));
    assert_eq!(posted.digest, Some(digest.clone()));
    assert!(
        store
            .record_delivery(approval, "a1", &posted)
            .await
            .unwrap()
    );
    let cards = store.cards(approval).await.unwrap();
    assert_eq!(cards, [posted]);
    assert_eq!(cards[0].digest, Some(digest));
}
