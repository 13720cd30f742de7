//! The approval engine against the Coupa sandbox (over HTTP, through the real Coupa client), an
//! in-memory chat platform and the memory store: sync, decisions, mirroring, expiry, pending.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::coupa::RetryPolicy;
use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::{ChatUserId, CoupaUserId, Decision, RequisitionId};
use coupa_approvals::engine::Engine;
use coupa_approvals::engine::decide::DecisionRequest;
use coupa_approvals::engine::pending::{ANSWER_FRESH_FOR, PendingAnswer};
use coupa_approvals::engine::service::DECISIONS_AT_ONCE;
use coupa_approvals::sandbox;
use coupa_approvals::sandbox::coupa::{NewRequisition, Sandbox, StepApprover};
use coupa_approvals::store::{MemoryStore, Store};
use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use support::fake_chat::FakeChat;

const TTL: Duration = Duration::from_secs(168 * 3600);

/// The world of one test: Coupa, chat, store, a movable clock, and the people in it.
struct World {
    sim: sandbox::World,
    chat: Arc<FakeChat>,
    store: Arc<MemoryStore>,
    offset: Arc<Mutex<SignedDuration>>,
    requester: CoupaUserId,
    daniel: (CoupaUserId, ChatUserId),
    sofia: (CoupaUserId, ChatUserId),
    ana: (CoupaUserId, ChatUserId),
    mallory: ChatUserId,
}

impl World {
    async fn new() -> Self {
        Self::tuned(|_| {}).await
    }

    /// This world sending every new card as a card of its own, never a digest
    /// (`DIGEST_ABOVE=0`): for tests of cards that send one person many at once.
    async fn without_digests() -> Self {
        Self::tuned(|settings| settings.digest_above = 0).await
    }

    async fn tuned(
        tune: impl FnOnce(&mut coupa_approvals::config::Settings) + Send + 'static,
    ) -> Self {
        let chat = Arc::new(FakeChat::new());
        let store = Arc::new(MemoryStore::new());
        let offset = Arc::new(Mutex::new(SignedDuration::ZERO));
        let clock_offset = offset.clone();
        let sim = sandbox::World::builder()
            .store(store.clone())
            .chat(chat.clone())
            .clock(Arc::new(move || {
                Timestamp::now() + *clock_offset.lock().unwrap()
            }))
            .coupa_client(|client| {
                client.max_rps(25).retry_policy(RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                })
            })
            .settings(|settings| {
                settings.button_ttl = TTL;
                tune(settings);
            })
            .build()
            .await
            .unwrap();
        let sandbox = &sim.coupa;
        let requester = sandbox.add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = (
            sandbox.add_user("daniel@example.com", "Daniel", "Okafor"),
            chat.add_user("UDANIEL", "Daniel Okafor", "Daniel@Example.com"),
        );
        let sofia = (
            sandbox.add_user("sofia@example.com", "Sofia", "Berg"),
            chat.add_user("USOFIA", "Sofia Berg", "sofia@example.com"),
        );
        let ana = (
            sandbox.add_user("ana@example.com", "Ana", "Ribeiro"),
            chat.add_user("UANA", "Ana Ribeiro", "ana@example.com"),
        );
        let mallory = chat.add_user("UMALLORY", "Mallory", "mallory@example.com");
        Self {
            sim,
            chat,
            store,
            offset,
            requester,
            daniel,
            sofia,
            ana,
            mallory,
        }
    }

    fn sandbox(&self) -> &Sandbox {
        &self.sim.coupa
    }

    /// A fresh engine over the same Coupa, chat and store (a restart looks like this).
    fn engine(&self) -> Engine {
        self.sim.engine().unwrap()
    }

    fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += SignedDuration::try_from(by).unwrap();
    }

    fn requisition(&self, chain: Vec<Vec<StepApprover>>) -> RequisitionId {
        self.sandbox()
            .add_requisition(NewRequisition::standing_desks(self.requester, chain))
    }

    /// The request a click on `user`'s newest card for `requisition` makes.
    fn click(
        &self,
        user: &ChatUserId,
        decision: Decision,
        comment: Option<&str>,
    ) -> DecisionRequest {
        let (message, card) = self.chat.cards_of(user).pop().expect("the user has a card");
        DecisionRequest {
            approval: card.approval,
            requisition: card.requisition.id,
            fingerprint: card.fingerprint.clone(),
            issued_at: card.issued_at,
            user: user.clone(),
            conversation: Some(message.conversation().clone()),
            decision,
            comment: comment.map(str::to_owned),
        }
    }

    fn puts(&self) -> usize {
        self.sandbox().count_calls("PUT", "/api/approvals/")
    }
}

fn state_of(world: &World, user: &ChatUserId) -> Vec<CardState> {
    world
        .chat
        .cards_of(user)
        .into_iter()
        .map(|(_, c)| c.state)
        .collect()
}

#[tokio::test]
async fn a_new_pending_requisition_sends_exactly_one_card_to_its_approver() {
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    engine.sync_changes().await.unwrap();
    engine.reconcile().await.unwrap();
    assert_eq!(state_of(&world, &world.daniel.1), vec![CardState::Pending]);
    assert_eq!(world.chat.posts(), 1);
    assert!(world.chat.cards_of(&world.sofia.1).is_empty());
}

#[tokio::test]
async fn approve_calls_coupa_once_with_attribution_and_the_next_step_gets_a_card() {
    let world = World::new().await;
    let engine = world.engine();
    let req = world.requisition(vec![
        vec![StepApprover::User(world.daniel.0)],
        vec![StepApprover::User(world.ana.0)],
    ]);
    engine.sync_changes().await.unwrap();
    let first = world.sandbox().current_approval(req).unwrap();

    let result = engine
        .decide(world.click(&world.daniel.1, Decision::Approve, Some("ok for Q4")))
        .await;
    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(world.puts(), 1);
    assert_eq!(
        world.sandbox().approval_note(first).as_deref(),
        Some("Approved in Slack by Daniel Okafor <daniel@example.com>: ok for Q4")
    );
    assert!(matches!(
        state_of(&world, &world.daniel.1).as_slice(),
        [CardState::DecidedHere {
            decision: Decision::Approve,
            ..
        }]
    ));
    assert_eq!(
        world.chat.ephemerals_for(&world.daniel.1),
        vec![format!("#{req} Standing desks: Approved in Coupa.")]
    );
    let audit = world.store.audit(10).await.unwrap();
    let outcomes: Vec<&str> = audit.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["approved", "started"], "newest first");

    engine.sync_changes().await.unwrap();
    assert_eq!(state_of(&world, &world.ana.1), vec![CardState::Pending]);
}

#[tokio::test]
async fn deny_without_reason_is_refused_and_deny_with_reason_rejects_once() {
    let world = World::new().await;
    let engine = world.engine();
    let req = world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let approval = world.sandbox().current_approval(req).unwrap();

    let empty = engine
        .decide(world.click(&world.daniel.1, Decision::Reject, Some("   ")))
        .await;
    assert_eq!(empty, DecisionResult::Refused(Refusal::ReasonRequired));
    assert_eq!(world.puts(), 0);

    let result = engine
        .decide(world.click(
            &world.daniel.1,
            Decision::Reject,
            Some("Over budget & late #3"),
        ))
        .await;
    assert_eq!(result, DecisionResult::Done(Decision::Reject));
    assert_eq!(world.puts(), 1);
    assert_eq!(
        world.sandbox().approval_note(approval).as_deref(),
        Some("Rejected in Slack by Daniel Okafor <daniel@example.com>: Over budget & late #3")
    );
    assert!(matches!(
        state_of(&world, &world.daniel.1).as_slice(),
        [CardState::DecidedHere { decision: Decision::Reject, reason: Some(r), .. }] if r == "Over budget & late #3"
    ));
}

#[tokio::test]
async fn a_double_click_and_a_retry_still_make_one_coupa_call() {
    let world = World::new().await;
    let engine = world.engine();
    let other_replica = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let click = world.click(&world.daniel.1, Decision::Approve, None);
    let (a, b) = tokio::join!(
        engine.decide(click.clone()),
        other_replica.decide(click.clone())
    );
    let retry = engine.decide(click).await;
    let done = [&a, &b, &retry]
        .iter()
        .filter(|r| matches!(r, DecisionResult::Done(_)))
        .count();
    assert_eq!(done, 1, "{a:?} {b:?} {retry:?}");
    assert_eq!(world.puts(), 1);
    assert!(
        matches!(retry, DecisionResult::Refused(Refusal::AlreadyDecided(_))),
        "the person who clicked again hears who decided it: {retry:?}"
    );
}

#[tokio::test]
async fn under_a_burst_of_clicks_early_decisions_reach_coupa_before_late_ones_start() {
    let world = World::without_digests().await;
    let engine = world.engine();
    for _ in 0..DECISIONS_AT_ONCE + 4 {
        world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    }
    engine.sync_changes().await.unwrap();
    world.sandbox().clear_calls();
    let clicks: Vec<DecisionRequest> = world
        .chat
        .cards_of(&world.daniel.1)
        .into_iter()
        .map(|(message, card)| DecisionRequest {
            approval: card.approval,
            requisition: card.requisition.id,
            fingerprint: card.fingerprint.clone(),
            issued_at: card.issued_at,
            user: world.daniel.1.clone(),
            conversation: Some(message.conversation().clone()),
            decision: Decision::Approve,
            comment: None,
        })
        .collect();
    let tasks: Vec<_> = clicks
        .into_iter()
        .map(|click| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.decide(click).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert!(
        results
            .iter()
            .all(|r| *r == DecisionResult::Done(Decision::Approve)),
        "{results:?}"
    );
    // Coupa calls share one rate limit. Decisions taken in turn finish in turn: the first
    // approval is sent before the last decision has even read its requisition.
    let calls = world.sandbox().calls();
    let first_put = calls.iter().position(|c| c.method == "PUT");
    let last_read = calls
        .iter()
        .rposition(|c| c.method == "GET" && c.path.starts_with("/api/requisitions/"));
    assert!(
        first_put < last_read,
        "first approve at {first_put:?}, last requisition read at {last_read:?}"
    );
}

#[tokio::test]
async fn a_forwarded_card_clicked_by_someone_else_is_refused_without_calling_coupa() {
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let mut click = world.click(&world.daniel.1, Decision::Approve, None);
    click.user = world.mallory.clone();
    let result = engine.decide(click).await;
    assert_eq!(result, DecisionResult::Refused(Refusal::NotRecipient));
    assert_eq!(world.puts(), 0);
    assert_eq!(world.chat.ephemerals_for(&world.mallory).len(), 1);
}

#[tokio::test]
async fn approved_directly_in_coupa_updates_the_card_within_one_sync() {
    let world = World::new().await;
    let engine = world.engine();
    let req = world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let approval = world.sandbox().current_approval(req).unwrap();
    world
        .sandbox()
        .approve_in_coupa(approval, world.daniel.0)
        .unwrap();
    engine.sync_changes().await.unwrap();
    assert!(matches!(
        state_of(&world, &world.daniel.1).as_slice(),
        [CardState::DecidedInCoupa {
            decision: Decision::Approve,
            ..
        }]
    ));
    // A late click on the (now edited) card is refused without a Coupa call.
    assert!(world.store.cards(approval).await.unwrap().is_empty());
    assert_eq!(world.puts(), 0);
}

#[tokio::test]
async fn group_members_both_get_cards_and_the_other_sees_who_approved() {
    let world = World::new().await;
    let engine = world.engine();
    let group = world
        .sandbox()
        .add_group("IT Approvers", &[world.daniel.0, world.sofia.0]);
    world.requisition(vec![vec![StepApprover::Group(group)]]);
    engine.sync_changes().await.unwrap();
    assert_eq!(state_of(&world, &world.daniel.1), vec![CardState::Pending]);
    assert_eq!(state_of(&world, &world.sofia.1), vec![CardState::Pending]);

    let result = engine
        .decide(world.click(&world.sofia.1, Decision::Approve, None))
        .await;
    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    match state_of(&world, &world.daniel.1).as_slice() {
        [
            CardState::DecidedByOther {
                decision: Decision::Approve,
                by,
                ..
            },
        ] => assert_eq!(by, "Sofia Berg"),
        other => panic!("Daniel's card says {other:?}"),
    }
    assert_eq!(world.puts(), 1);
}

#[tokio::test]
async fn a_requisition_edited_while_pending_marks_the_old_card_changed_and_sends_a_new_one() {
    let world = World::new().await;
    let engine = world.engine();
    let req = world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let stale_click = world.click(&world.daniel.1, Decision::Approve, None);
    // Coupa's clock has one-second precision: make the edit land in a later second.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    world
        .sandbox()
        .set_line_amount(req, 1, Decimal::new(99_900, 2));
    engine.sync_changes().await.unwrap();
    assert!(
        matches!(
            state_of(&world, &world.daniel.1).as_slice(),
            [CardState::Changed(Some(_)), CardState::Pending]
        ),
        "{:?}",
        state_of(&world, &world.daniel.1)
    );
    // The old card's button no longer decides anything.
    let result = engine.decide(stale_click).await;
    assert_eq!(result, DecisionResult::Refused(Refusal::Changed));
    assert_eq!(world.puts(), 0);
}

#[tokio::test]
async fn an_expired_button_is_refused_and_the_card_says_expired() {
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let click = world.click(&world.daniel.1, Decision::Approve, None);
    world.advance(TTL + Duration::from_secs(60));
    let result = engine.decide(click).await;
    assert_eq!(result, DecisionResult::Refused(Refusal::Expired));
    assert_eq!(world.puts(), 0);
    assert_eq!(state_of(&world, &world.daniel.1), vec![CardState::Expired]);
}

#[tokio::test]
async fn cards_are_edited_to_expired_by_the_sync_after_the_ttl() {
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    world.advance(TTL + Duration::from_secs(60));
    engine.sync_changes().await.unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(state_of(&world, &world.daniel.1), vec![CardState::Expired]);
    assert_eq!(world.chat.posts(), 1, "no new card for an expired one");
}

#[tokio::test]
async fn whats_pending_lists_exactly_the_askers_items_oldest_first() {
    let world = World::new().await;
    let engine = world.engine();
    let group = world
        .sandbox()
        .add_group("IT Approvers", &[world.daniel.0, world.sofia.0]);
    let direct = world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    let through_group = world.requisition(vec![vec![StepApprover::Group(group)]]);
    world.requisition(vec![vec![StepApprover::User(world.ana.0)]]);
    engine.sync_changes().await.unwrap();
    match engine.pending_for(&world.daniel.1).await {
        PendingAnswer::Live(snapshot) => {
            let ids: Vec<RequisitionId> = snapshot.items.iter().map(|i| i.requisition).collect();
            assert_eq!(ids, vec![direct, through_group]);
        }
        other => panic!("{other:?}"),
    }
    match engine.pending_for(&world.mallory).await {
        PendingAnswer::NoCoupaUser { email } => assert_eq!(email, "mallory@example.com"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn when_coupa_fails_whats_pending_shows_the_last_known_list() {
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    assert!(
        matches!(engine.pending_for(&world.daniel.1).await, PendingAnswer::Live(s) if s.items.len() == 1)
    );
    world
        .sandbox()
        .inject(coupa_approvals::sandbox::coupa::Fault::status(
            "/api/", 500, 100,
        ));
    // Past the few seconds an answer is given again without asking Coupa.
    world.advance(ANSWER_FRESH_FOR);
    assert!(
        matches!(engine.pending_for(&world.daniel.1).await, PendingAnswer::Stale(s) if s.items.len() == 1)
    );
}

#[tokio::test]
async fn a_restart_in_the_middle_of_the_flow_sends_no_duplicate_cards_and_loses_nothing() {
    let world = World::new().await;
    let req = world.requisition(vec![
        vec![StepApprover::User(world.daniel.0)],
        vec![StepApprover::User(world.ana.0)],
    ]);
    world.engine().sync_changes().await.unwrap();
    let first = world.sandbox().current_approval(req).unwrap();
    // "Restart": a new engine on the same store.
    let engine = world.engine();
    engine.reconcile().await.unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(world.chat.posts(), 1);
    engine
        .decide(world.click(&world.daniel.1, Decision::Approve, None))
        .await;
    let restarted = world.engine();
    restarted.sync_changes().await.unwrap();
    restarted.reconcile().await.unwrap();
    assert_eq!(state_of(&world, &world.ana.1), vec![CardState::Pending]);
    assert_eq!(world.chat.posts(), 2);
    assert_eq!(
        world.sandbox().approval_status(first).as_deref(),
        Some("approved")
    );
    assert_eq!(world.puts(), 1);
}

#[tokio::test]
async fn an_approver_without_a_chat_account_is_noted_and_looked_up_once() {
    let world = World::new().await;
    let engine = world.engine();
    let ghost = world
        .sandbox()
        .add_user("ghost@example.com", "Gus", "Ghost");
    world.requisition(vec![vec![StepApprover::User(ghost)]]);
    engine.sync_changes().await.unwrap();
    engine.reconcile().await.unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(world.chat.lookups(), 1);
    let unmapped = world.store.unmapped().await.unwrap();
    assert_eq!(unmapped.len(), 1);
    assert_eq!(unmapped[0].email, "ghost@example.com");
    assert_eq!(world.chat.posts(), 0);
}

#[tokio::test]
async fn an_approver_who_becomes_reachable_gets_their_card_at_the_next_sync_not_an_hour_later() {
    let world = World::new().await;
    let engine = world.engine();
    let ghost = world
        .sandbox()
        .add_user("ghost@example.com", "Gus", "Ghost");
    world.requisition(vec![vec![StepApprover::User(ghost)]]);
    engine.reconcile().await.unwrap();
    assert_eq!(world.chat.posts(), 0);
    // Gus installs the app: the platform now knows him, and tells the engine.
    let gus = world
        .chat
        .add_user("29:gus", "Gus Ghost", "ghost@example.com");
    engine.became_reachable(" Ghost@Example.com ", &gus).await;
    assert!(world.store.unmapped().await.unwrap().is_empty());
    engine.reconcile().await.unwrap();
    assert_eq!(world.chat.posts(), 1);
    assert_eq!(state_of(&world, &gus), vec![CardState::Pending]);
    // Only "nobody has this email" is replaced: a mapping already known stays as it is.
    let other = ChatUserId::from("29:someone-else");
    engine.became_reachable("daniel@example.com", &other).await;
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    assert_eq!(state_of(&world, &other), vec![]);
}

#[tokio::test]
async fn a_cycle_with_nothing_changed_makes_at_most_two_coupa_calls_with_2000_pending() {
    let world = World::without_digests().await;
    let engine = world.engine();
    // Two thousand requisitions submitted over half an hour, as Coupa's clock would stamp them.
    for _ in 0..2_000 {
        world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
        world.sandbox().advance_clock(Duration::from_secs(1));
    }
    engine.reconcile().await.unwrap();
    assert_eq!(world.chat.posts(), 2_000);
    // A minute later nothing has changed.
    world.sandbox().advance_clock(Duration::from_secs(60));
    world.sandbox().clear_calls();
    engine.sync_changes().await.unwrap();
    let calls = world.sandbox().calls().len();
    assert!(calls <= 2, "an idle cycle made {calls} Coupa calls");
    assert_eq!(world.chat.posts(), 2_000);
}

#[tokio::test]
async fn a_coupa_failure_releases_the_claim_so_a_retry_can_decide() {
    use coupa_approvals::sandbox::coupa::Fault;
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    world.sandbox().inject(Fault {
        method: Some(axum::http::Method::PUT),
        ..Fault::status("/api/approvals/", 400, 1)
    });
    let click = world.click(&world.daniel.1, Decision::Approve, None);
    let failed = engine.decide(click.clone()).await;
    assert!(matches!(failed, DecisionResult::Failed(_)), "{failed:?}");
    assert!(
        world.chat.ephemerals_for(&world.daniel.1)[0].contains("try again"),
        "{:?}",
        world.chat.ephemerals_for(&world.daniel.1)
    );
    assert_eq!(
        engine.decide(click).await,
        DecisionResult::Done(Decision::Approve)
    );
}

#[tokio::test]
async fn an_unconfirmable_decision_says_check_coupa_blocks_a_second_try_and_the_next_sync_settles_it()
 {
    use coupa_approvals::sandbox::coupa::Fault;
    let world = World::new().await;
    let engine = world.engine();
    let req = world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    let approval = world.sandbox().current_approval(req).unwrap();
    // The approve takes effect but its answer is lost, and Coupa cannot be read back just then.
    world.sandbox().inject(Fault {
        method: Some(axum::http::Method::PUT),
        after_effect: true,
        ..Fault::status("/api/approvals/", 504, 1)
    });
    world.sandbox().inject(Fault {
        method: Some(axum::http::Method::GET),
        ..Fault::status("/api/approvals/", 503, 20)
    });
    let click = world.click(&world.daniel.1, Decision::Approve, None);
    let result = engine.decide(click.clone()).await;
    assert_eq!(result, DecisionResult::Unconfirmed);
    assert!(world.chat.ephemerals_for(&world.daniel.1)[0].contains("check"));
    assert_eq!(
        world.sandbox().approval_status(approval).as_deref(),
        Some("approved")
    );
    assert!(matches!(
        engine.decide(click).await,
        DecisionResult::Refused(Refusal::AlreadyDecided(_))
    ));
    assert_eq!(world.puts(), 1);

    world.sandbox().clear_faults();
    engine.sync_changes().await.unwrap();
    // Coupa shows the approve: it was Daniel's, and his card says so.
    assert!(matches!(
        state_of(&world, &world.daniel.1).as_slice(),
        [CardState::DecidedHere {
            decision: Decision::Approve,
            ..
        }]
    ));
    let audit = world.store.audit(10).await.unwrap();
    assert_eq!(audit[0].outcome, "confirmed: approved");
}

#[tokio::test]
async fn two_replicas_syncing_at_the_same_moment_deliver_each_card_once() {
    let world = World::without_digests().await;
    let (a, b) = (world.engine(), world.engine());
    world.chat.slow_posts(Duration::from_millis(20));
    for _ in 0..20 {
        world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    }
    let (ra, rb) = tokio::join!(a.reconcile(), b.reconcile());
    ra.unwrap();
    rb.unwrap();
    let (ra, rb) = tokio::join!(a.sync_changes(), b.sync_changes());
    ra.unwrap();
    rb.unwrap();
    assert_eq!(world.chat.posts(), 20);
}

#[tokio::test]
async fn an_approver_deactivated_in_coupa_cannot_decide_from_an_old_card() {
    let world = World::new().await;
    let engine = world.engine();
    world.requisition(vec![vec![StepApprover::User(world.daniel.0)]]);
    engine.sync_changes().await.unwrap();
    world.sandbox().set_user_active(world.daniel.0, false);
    let result = engine
        .decide(world.click(&world.daniel.1, Decision::Approve, None))
        .await;
    assert_eq!(result, DecisionResult::Refused(Refusal::NotApprover));
    assert_eq!(world.puts(), 0);
}
