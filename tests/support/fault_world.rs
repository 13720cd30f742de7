//! The engine in-process in a simulated world: the Coupa sandbox (behind a [`Hold`]), the
//! in-memory chat and a store of the test's choice, with a Coupa client whose timeout and backoff are short so that a
//! test can put Coupa through timeouts, 5xx and 429 storms in a few seconds. The retry rules themselves
//! (attempts, which calls are repeated, `Retry-After`) are the client's defaults.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::Method;
use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::domain::{ApprovalId, ChatUserId, CoupaUserId, Decision, RequisitionId};
use coupa_approvals::engine::decide::DecisionRequest;
use coupa_approvals::sandbox::coupa::{Fault, NewLine, NewRequisition, Sandbox, StepApprover};
use coupa_approvals::store::{MemoryStore, Store};
use rust_decimal::Decimal;

use super::fake_chat::FakeChat;
use super::hold::Hold;
use coupa_approvals::coupa::RetryPolicy;
use coupa_approvals::engine::Engine;
use coupa_approvals::sandbox::World;

/// How long the client waits for one Coupa answer in these tests.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(500);

/// The client's retry rules, with the waits shortened.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        ..RetryPolicy::default()
    }
}

pub struct FaultWorld {
    pub sandbox: Sandbox,
    pub hold: Hold,
    pub chat: Arc<FakeChat>,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub requester: CoupaUserId,
    pub daniel: (CoupaUserId, ChatUserId),
    /// How far the engines' clock is ahead of the system's, in seconds.
    ahead: Arc<AtomicI64>,
    world: World,
}

impl FaultWorld {
    /// On the memory store, with [`REQUEST_TIMEOUT`].
    pub async fn new() -> Self {
        Self::with(Arc::new(MemoryStore::new()), REQUEST_TIMEOUT).await
    }

    /// On `store`, waiting `request_timeout` for each Coupa answer.
    pub async fn with(store: Arc<dyn Store>, request_timeout: Duration) -> Self {
        let chat = Arc::new(FakeChat::new());
        let hold = Hold::default();
        let ahead = Arc::new(AtomicI64::new(0));
        let world = World::builder()
            .clock({
                let ahead = ahead.clone();
                Arc::new(move || {
                    let now = jiff::Timestamp::now();
                    now.checked_add(jiff::SignedDuration::from_secs(
                        ahead.load(Ordering::Relaxed),
                    ))
                    .unwrap_or(now)
                })
            })
            .store(store.clone())
            .chat(chat.clone())
            .wrap_coupa({
                let hold = hold.clone();
                move |router| hold.wrap(router)
            })
            .coupa_client(move |client| {
                client
                    .max_rps(25)
                    .retry_policy(fast_retries())
                    .request_timeout(request_timeout)
            })
            .build()
            .await
            .expect("the world starts");
        let sandbox = world.coupa.clone();
        let requester = sandbox.add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = (
            sandbox.add_user("daniel@example.com", "Daniel", "Okafor"),
            chat.add_user("UDANIEL", "Daniel Okafor", "daniel@example.com"),
        );
        let engine = world.engine().expect("the engine builds");
        Self {
            sandbox,
            hold,
            chat,
            store,
            engine,
            requester,
            daniel,
            ahead,
            world,
        }
    }

    /// Moves the engines' clock `secs` ahead.
    pub fn move_clock(&self, secs: i64) {
        self.ahead.fetch_add(secs, Ordering::Relaxed);
    }

    /// An engine as a new process on the same store, chat and Coupa would build: sharing nothing
    /// in memory with [`FaultWorld::engine`].
    pub fn engine_of_a_new_process(&self) -> Engine {
        self.world.engine().expect("the engine builds")
    }

    /// A requisition waiting for Daniel alone.
    pub fn requisition_for_daniel(&self, title: &str) -> RequisitionId {
        self.sandbox.add_requisition(NewRequisition {
            title: title.into(),
            requested_by: self.requester,
            currency: "USD".into(),
            lines: vec![NewLine::amount("Item", Decimal::new(120_000, 2), "Acme")],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![vec![StepApprover::User(self.daniel.0)]],
        })
    }

    pub fn approval_of(&self, requisition: RequisitionId) -> ApprovalId {
        self.sandbox
            .current_approval(requisition)
            .expect("a pending approval")
    }

    /// A requisition for Daniel, delivered by a full sync; returns its approval.
    pub async fn delivered(&self) -> ApprovalId {
        let approval = self.approval_of(self.requisition_for_daniel("Desks"));
        self.engine.reconcile().await.unwrap();
        assert!(is_pending(&self.card_for(approval)));
        approval
    }

    /// Daniel's cards as they stand now, oldest first.
    pub fn cards(&self) -> Vec<Card> {
        self.chat
            .cards_of(&self.daniel.1)
            .into_iter()
            .map(|(_, card)| card)
            .collect()
    }

    /// Daniel's card for `approval`; exactly one must exist.
    pub fn card_for(&self, approval: ApprovalId) -> Card {
        let cards: Vec<Card> = self
            .cards()
            .into_iter()
            .filter(|c| c.approval == approval)
            .collect();
        assert_eq!(cards.len(), 1, "one card for {approval}: {cards:#?}");
        cards.into_iter().next().unwrap()
    }

    /// Daniel clicking `decision` on his card for `approval`.
    pub fn click(&self, approval: ApprovalId, decision: Decision) -> DecisionRequest {
        let (message, card) = self
            .chat
            .cards_of(&self.daniel.1)
            .into_iter()
            .find(|(_, c)| c.approval == approval)
            .expect("Daniel has a card for the approval");
        DecisionRequest {
            approval: card.approval,
            requisition: card.requisition.id,
            fingerprint: card.fingerprint.clone(),
            issued_at: card.issued_at,
            user: self.daniel.1.clone(),
            conversation: Some(message.conversation().clone()),
            decision,
            comment: (decision == Decision::Reject).then(|| "Over budget".to_owned()),
        }
    }

    /// What Daniel was last told.
    pub fn last_told(&self) -> String {
        self.chat
            .ephemerals_for(&self.daniel.1)
            .pop()
            .unwrap_or_default()
    }

    /// Approve/reject PUTs that reached Coupa.
    pub fn puts(&self) -> usize {
        self.sandbox.count_calls("PUT", "/api/approvals/")
    }

    /// `times` answers of `status` (with `Retry-After`, if given) to `method` calls under `path`.
    pub fn fail(
        &self,
        method: Method,
        path: &str,
        status: u16,
        times: usize,
        retry_after: Option<u64>,
    ) {
        self.sandbox.inject(Fault {
            method: Some(method),
            retry_after,
            ..Fault::status(path, status, times)
        });
    }

    /// `times` `method` calls under `path` that take `delay` before Coupa even looks at them.
    pub fn stall(&self, method: Method, path: &str, delay: Duration, times: usize) {
        self.sandbox.inject(Fault {
            method: Some(method),
            ..Fault::stall(path, delay, times)
        });
    }
}

/// Whether `card` claims the approval is still waiting (buttons shown).
pub fn is_pending(card: &Card) -> bool {
    card.state == CardState::Pending
}

/// Whether `card` says the approval was approved (here, by another approver, or in Coupa).
pub fn says_approved(card: &Card) -> bool {
    matches!(
        card.state,
        CardState::DecidedHere {
            decision: Decision::Approve,
            ..
        } | CardState::DecidedByOther {
            decision: Decision::Approve,
            ..
        } | CardState::DecidedInCoupa {
            decision: Decision::Approve,
            ..
        }
    )
}
