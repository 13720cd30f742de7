//! One deployment on two chat platforms: each approver gets their card on the platform their
//! email maps to first, and Coupa is told on which platform each decision was made.

use crate::support;

use std::sync::Arc;

use async_trait::async_trait;
use coupa_approvals::chat::card::Card;
use coupa_approvals::chat::list::ListMessage;
use coupa_approvals::chat::platforms::ChatPlatforms;
use coupa_approvals::chat::port::{ChatError, ChatPort, ChatUser, FoundCard};
use coupa_approvals::domain::conversation::{ConversationRef, MessageRef, Platform};
use coupa_approvals::domain::outcome::{DecisionResult, Regarding};
use coupa_approvals::domain::{ApprovalId, ChatUserId, Decision};
use coupa_approvals::engine::decide::DecisionRequest;
use coupa_approvals::sandbox;
use coupa_approvals::sandbox::coupa::{NewRequisition, StepApprover};
use support::fake_chat::FakeChat;

/// The in-memory chat playing Microsoft Teams: its ids contain `:`, as Teams spells them.
struct TeamsChat(Arc<FakeChat>);

#[async_trait]
impl ChatPort for TeamsChat {
    fn platform(&self) -> Platform {
        Platform::named("Microsoft Teams")
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        user.as_str().contains(':')
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        conversation.as_str().contains(':')
    }

    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError> {
        self.0.post_card(user, card).await
    }

    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError> {
        self.0.update_card(message, card).await
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        self.0.post_digest(user, items).await
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        self.0.update_digest(message, items).await
    }

    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        self.0.find_card(user, approval).await
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        self.0.withdraw_card(message).await
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError> {
        self.0.tell(user, conversation, regarding, result).await
    }

    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        self.0.lookup_user_by_email(email).await
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        self.0.user_info(user).await
    }

    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError> {
        self.0.post_list(user, list).await
    }
}

/// The request a click on `user`'s newest card in `chat` makes.
fn approve(chat: &FakeChat, user: &ChatUserId) -> DecisionRequest {
    let (message, card) = chat.cards_of(user).pop().expect("the user has a card");
    DecisionRequest {
        approval: card.approval,
        requisition: card.requisition.id,
        fingerprint: card.fingerprint.clone(),
        issued_at: card.issued_at,
        user: user.clone(),
        conversation: Some(message.conversation().clone()),
        decision: Decision::Approve,
        comment: None,
    }
}

#[tokio::test]
async fn each_decision_is_attributed_to_the_platform_it_was_made_on() {
    let slack = Arc::new(FakeChat::new());
    let teams = Arc::new(FakeChat::new());
    let chat = ChatPlatforms::new(vec![slack.clone(), Arc::new(TeamsChat(teams.clone()))])
        .expect("two platforms");
    let world = sandbox::World::builder()
        .chat(Arc::new(chat))
        .build()
        .await
        .unwrap();
    let coupa = &world.coupa;
    let requester = coupa.add_user("marta@example.com", "Marta", "Kowalski");
    let daniel = coupa.add_user("daniel@example.com", "Daniel", "Okafor");
    let jane = coupa.add_user("jane@example.com", "Jane", "Doe");
    let daniel_on_slack = slack.add_user("UDANIEL", "Daniel Okafor", "daniel@example.com");
    // Daniel is on both: Slack comes first, so his cards go there.
    teams.add_user("29:daniel", "Daniel Okafor", "daniel@example.com");
    let jane_on_teams = teams.add_user("29:jane", "Jane Doe", "jane@example.com");
    let for_daniel = coupa.add_requisition(NewRequisition::standing_desks(
        requester,
        vec![vec![StepApprover::User(daniel)]],
    ));
    let for_jane = coupa.add_requisition(NewRequisition::standing_desks(
        requester,
        vec![vec![StepApprover::User(jane)]],
    ));
    let engine = world.engine().unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(slack.cards_of(&daniel_on_slack).len(), 1);
    assert!(teams.cards_of(&ChatUserId::from("29:daniel")).is_empty());
    assert_eq!(teams.cards_of(&jane_on_teams).len(), 1);

    let daniels = coupa.current_approval(for_daniel).unwrap();
    let janes = coupa.current_approval(for_jane).unwrap();
    let done = DecisionResult::Done(Decision::Approve);
    assert_eq!(engine.decide(approve(&teams, &jane_on_teams)).await, done);
    assert_eq!(engine.decide(approve(&slack, &daniel_on_slack)).await, done);
    assert_eq!(
        coupa.approval_note(janes).as_deref(),
        Some("Approved in Microsoft Teams by Jane Doe <jane@example.com>")
    );
    assert_eq!(
        coupa.approval_note(daniels).as_deref(),
        Some("Approved in Slack by Daniel Okafor <daniel@example.com>")
    );
}
