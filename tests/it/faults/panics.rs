//! A bug met while handling one requisition (a panic in its task) is that requisition's failure
//! alone: the others get their cards in the same cycle, the watermark stops before it, and the
//! next cycle redoes it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use coupa_approvals::chat::card::Card;
use coupa_approvals::chat::list::ListMessage;
use coupa_approvals::chat::port::{ChatError, ChatPort, ChatUser, FoundCard};
use coupa_approvals::domain::conversation::{ConversationRef, MessageRef, Platform};
use coupa_approvals::domain::outcome::{DecisionResult, Regarding};
use coupa_approvals::domain::{ApprovalId, ChatUserId, CoupaUserId};
use coupa_approvals::engine::Engine;
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::coupa::{NewLine, NewRequisition, StepApprover};
use coupa_approvals::store::{MemoryStore, Store};
use rust_decimal::Decimal;

use crate::support::fake_chat::FakeChat;

/// The in-memory chat, except that looking up the `broken` email panics while `panicking` is
/// set (before anything is sent or marked as being sent).
struct PanickyChat {
    inner: Arc<FakeChat>,
    broken: &'static str,
    panicking: AtomicBool,
}

#[async_trait]
impl ChatPort for PanickyChat {
    fn platform(&self) -> Platform {
        self.inner.platform()
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        self.inner.serves(user)
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        self.inner.serves_conversation(conversation)
    }

    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError> {
        self.inner.post_card(user, card).await
    }

    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError> {
        self.inner.update_card(message, card).await
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        self.inner.post_digest(user, items).await
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        self.inner.update_digest(message, items).await
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError> {
        self.inner.tell(user, conversation, regarding, result).await
    }

    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        if email == self.broken && self.panicking.load(Ordering::SeqCst) {
            panic!("a bug met by this approver");
        }
        self.inner.lookup_user_by_email(email).await
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        self.inner.user_info(user).await
    }

    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError> {
        self.inner.post_list(user, list).await
    }

    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        self.inner.find_card(user, approval).await
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        self.inner.withdraw_card(message).await
    }
}

struct Setup {
    world: World,
    engine: Engine,
    store: Arc<dyn Store>,
    fake: Arc<FakeChat>,
    chat: Arc<PanickyChat>,
    requester: CoupaUserId,
    /// Daniel's cards post fine.
    daniel: (CoupaUserId, ChatUserId),
    /// Finding Petra in the chat panics.
    petra: (CoupaUserId, ChatUserId),
}

impl Setup {
    async fn new() -> Self {
        let fake = Arc::new(FakeChat::new());
        let daniel_chat = fake.add_user("UDANIEL", "Daniel Okafor", "daniel@example.com");
        let petra_chat = fake.add_user("UPETRA", "Petra Novak", "petra@example.com");
        let chat = Arc::new(PanickyChat {
            inner: fake.clone(),
            broken: "petra@example.com",
            panicking: AtomicBool::new(true),
        });
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let world = World::builder()
            .store(store.clone())
            .chat(chat.clone())
            .build()
            .await
            .expect("the world starts");
        let requester = world
            .coupa
            .add_user("marta@example.com", "Marta", "Kowalski");
        let daniel = world
            .coupa
            .add_user("daniel@example.com", "Daniel", "Okafor");
        let petra = world.coupa.add_user("petra@example.com", "Petra", "Novak");
        let engine = world.engine().expect("the engine builds");
        Self {
            world,
            engine,
            store,
            fake,
            chat,
            requester,
            daniel: (daniel, daniel_chat),
            petra: (petra, petra_chat),
        }
    }

    fn requisition_for(&self, approver: CoupaUserId, title: &str) {
        self.world.coupa.add_requisition(NewRequisition {
            title: title.into(),
            requested_by: self.requester,
            currency: "USD".into(),
            lines: vec![NewLine::amount("Item", Decimal::new(50_000, 2), "Acme")],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![vec![StepApprover::User(approver)]],
        });
    }

    fn cards_of(&self, user: &ChatUserId) -> usize {
        self.fake.cards_of(user).len()
    }
}

#[tokio::test]
async fn a_requisition_that_panics_in_a_full_sync_fails_alone_and_is_redone_next_cycle() {
    let s = Setup::new().await;
    s.requisition_for(s.petra.0, "Monitors");
    s.requisition_for(s.daniel.0, "Desks");

    let report = s.engine.reconcile().await.expect("the cycle ends normally");

    assert_eq!(report.requisitions, 2);
    assert!(report.failures >= 1, "{report:?}");
    assert_eq!(
        s.cards_of(&s.daniel.1),
        1,
        "the other requisition was handled"
    );
    assert_eq!(s.cards_of(&s.petra.1), 0);
    assert_eq!(
        s.store.watermark().await.unwrap(),
        None,
        "a full sync with a failure sets no watermark"
    );

    s.chat.panicking.store(false, Ordering::SeqCst);
    s.engine.sync_changes().await.unwrap();
    assert_eq!(s.cards_of(&s.petra.1), 1, "redone next cycle");
    assert_eq!(s.cards_of(&s.daniel.1), 1, "nothing sent twice");
}

#[tokio::test]
async fn a_requisition_that_panics_in_an_incremental_sync_holds_the_watermark_before_it() {
    let s = Setup::new().await;
    s.engine.reconcile().await.unwrap();
    let start = s.store.watermark().await.unwrap();
    s.requisition_for(s.petra.0, "Monitors");
    s.requisition_for(s.daniel.0, "Desks");

    let report = s
        .engine
        .sync_changes()
        .await
        .expect("the cycle ends normally");

    assert!(report.failures >= 1, "{report:?}");
    assert_eq!(
        s.cards_of(&s.daniel.1),
        1,
        "the other requisition was handled"
    );
    assert_eq!(s.cards_of(&s.petra.1), 0);
    // Still failing: the next cycle reads it again, and it fails again without harm.
    s.engine.sync_changes().await.unwrap();
    assert_eq!(s.cards_of(&s.petra.1), 0);

    s.chat.panicking.store(false, Ordering::SeqCst);
    s.engine.sync_changes().await.unwrap();
    assert_eq!(s.cards_of(&s.petra.1), 1, "redone once it no longer panics");
    assert_eq!(s.cards_of(&s.daniel.1), 1, "nothing sent twice");
    assert!(s.store.watermark().await.unwrap() >= start);
}
