//! The engine alone in a small world: the Coupa sandbox over HTTP, an in-memory chat platform,
//! the memory store and a clock the test moves, with Daniel (an approver with a card to click)
//! and Mallory (a chat user who is no approver).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use coupa_approvals::domain::records::AuditEntry;
use coupa_approvals::domain::{ChatUserId, CoupaUserId, Decision, RequisitionId};
use coupa_approvals::engine::Engine;
use coupa_approvals::engine::decide::DecisionRequest;
use coupa_approvals::sandbox;
use coupa_approvals::sandbox::coupa::{NewRequisition, StepApprover};
use coupa_approvals::store::{MemoryStore, Store};
use jiff::{SignedDuration, Timestamp};

use super::fake_chat::FakeChat;

/// How long buttons live in this world.
pub const TTL: Duration = Duration::from_secs(168 * 3600);

/// Coupa, chat, store and a movable clock, with Daniel (an approver) and Mallory (not one).
pub struct World {
    pub sim: sandbox::World,
    pub chat: Arc<FakeChat>,
    pub store: Arc<MemoryStore>,
    pub offset: Arc<Mutex<SignedDuration>>,
    pub requester: CoupaUserId,
    pub daniel: (CoupaUserId, ChatUserId),
    pub mallory: ChatUserId,
}

impl World {
    pub async fn new() -> Self {
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
            .settings(|settings| settings.button_ttl = TTL)
            .build()
            .await
            .unwrap();
        let requester = sim.coupa.add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = (
            sim.coupa.add_user("daniel@example.com", "Daniel", "Okafor"),
            chat.add_user("UDANIEL", "Daniel Okafor", "daniel@example.com"),
        );
        let mallory = chat.add_user("UMALLORY", "Mallory", "mallory@example.com");
        Self {
            sim,
            chat,
            store,
            offset,
            requester,
            daniel,
            mallory,
        }
    }

    /// A new requisition for Daniel to approve, in Coupa only.
    pub fn requisition(&self) -> RequisitionId {
        self.sim
            .coupa
            .add_requisition(NewRequisition::standing_desks(
                self.requester,
                vec![vec![StepApprover::User(self.daniel.0)]],
            ))
    }

    /// An engine with Daniel's card for a new requisition already delivered.
    pub async fn with_card(&self) -> Engine {
        let engine = self.sim.engine().unwrap();
        self.requisition();
        engine.sync_changes().await.unwrap();
        engine
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += SignedDuration::try_from(by).unwrap();
    }

    /// The request a click by `user` on Daniel's card makes.
    pub fn click(
        &self,
        user: &ChatUserId,
        decision: Decision,
        comment: Option<&str>,
    ) -> DecisionRequest {
        let (message, card) = self.chat.cards_of(&self.daniel.1).pop().expect("a card");
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

    pub fn puts(&self) -> usize {
        self.sim.coupa.count_calls("PUT", "/api/approvals/")
    }

    pub async fn audit(&self) -> Vec<AuditEntry> {
        self.store.audit(100).await.unwrap()
    }
}
