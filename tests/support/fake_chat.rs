//! An in-memory chat platform for engine tests: a directory of users, and a record of every
//! card posted or edited and of what each person was told privately, with each message's current
//! content. It plays Slack: decisions are attributed to Slack, and what people are told is worded
//! as Slack words it, so tests read what a person reads.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::chat::list::ListMessage;
use coupa_approvals::chat::port::{ChatError, ChatPort, ChatUser, FoundCard};
use coupa_approvals::domain::conversation::{ConversationRef, MessageRef, Platform};
use coupa_approvals::domain::outcome::{DecisionResult, Regarding};
use coupa_approvals::domain::{ApprovalId, ChatUserId, normalize_email};
use coupa_approvals::slack::{self, wording};

#[derive(Default)]
struct State {
    users: HashMap<ChatUserId, ChatUser>,
    next_ts: u64,
    /// Posted messages in order, with their current content.
    messages: Vec<(ChatUserId, MessageRef, Card)>,
    /// Posted digests in order, with their current items.
    digests: Vec<(ChatUserId, MessageRef, Vec<Card>)>,
    posts: usize,
    updates: usize,
    ephemerals: Vec<(ChatUserId, String)>,
    lookups: usize,
    /// Lists posted (reminders), in order.
    lists: Vec<(ChatUserId, ListMessage)>,
}

impl State {
    /// Where the next post to `user` lands, counted as a post.
    fn next_message(&mut self, user: &ChatUserId) -> MessageRef {
        self.next_ts += 1;
        self.posts += 1;
        MessageRef::new(
            ConversationRef::new(format!("D{user}")),
            format!("1700000000.{:06}", self.next_ts),
        )
    }
}

#[derive(Default)]
pub struct FakeChat {
    state: Mutex<State>,
    /// How long posting a card takes (lets concurrent callers interleave).
    post_delay: Mutex<std::time::Duration>,
}

impl FakeChat {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every `post_card` take `delay`.
    pub fn slow_posts(&self, delay: std::time::Duration) {
        *self.post_delay.lock().unwrap() = delay;
    }

    /// Registers a chat user `id` with `email`.
    pub fn add_user(&self, id: &str, name: &str, email: &str) -> ChatUserId {
        let user = ChatUserId::from(id);
        self.state.lock().unwrap().users.insert(
            user.clone(),
            ChatUser {
                name: name.to_owned(),
                email: Some(email.to_owned()),
                ..ChatUser::default()
            },
        );
        user
    }

    /// Current content of every card sent to `user`, oldest first.
    pub fn cards_of(&self, user: &ChatUserId) -> Vec<(MessageRef, Card)> {
        self.state
            .lock()
            .unwrap()
            .messages
            .iter()
            .filter(|(u, _, _)| u == user)
            .map(|(_, m, c)| (m.clone(), c.clone()))
            .collect()
    }

    /// Lists (reminders) posted to `user`, oldest first.
    pub fn lists_of(&self, user: &ChatUserId) -> Vec<ListMessage> {
        self.state
            .lock()
            .unwrap()
            .lists
            .iter()
            .filter(|(u, _)| u == user)
            .map(|(_, l)| l.clone())
            .collect()
    }

    /// Current items of every digest sent to `user`, oldest first.
    pub fn digests_of(&self, user: &ChatUserId) -> Vec<(MessageRef, Vec<Card>)> {
        self.state
            .lock()
            .unwrap()
            .digests
            .iter()
            .filter(|(u, _, _)| u == user)
            .map(|(_, m, items)| (m.clone(), items.clone()))
            .collect()
    }

    pub fn posts(&self) -> usize {
        self.state.lock().unwrap().posts
    }

    pub fn updates(&self) -> usize {
        self.state.lock().unwrap().updates
    }

    pub fn lookups(&self) -> usize {
        self.state.lock().unwrap().lookups
    }

    /// Ephemeral messages shown to `user`.
    pub fn ephemerals_for(&self, user: &ChatUserId) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .ephemerals
            .iter()
            .filter(|(u, _)| u == user)
            .map(|(_, t)| t.clone())
            .collect()
    }
}

#[async_trait]
impl ChatPort for FakeChat {
    fn platform(&self) -> Platform {
        slack::PLATFORM
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        slack::is_slack_id(user.as_str())
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        slack::is_slack_id(conversation.as_str())
    }

    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError> {
        let delay = *self.post_delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        let mut state = self.state.lock().unwrap();
        let message = state.next_message(user);
        state
            .messages
            .push((user.clone(), message.clone(), card.clone()));
        Ok(message)
    }

    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError> {
        let mut state = self.state.lock().unwrap();
        state.updates += 1;
        match state.messages.iter_mut().find(|(_, m, _)| m == message) {
            Some(entry) => {
                entry.2 = card.clone();
                Ok(())
            }
            None => Err(ChatError::Api("message_not_found".into())),
        }
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        let delay = *self.post_delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        let mut state = self.state.lock().unwrap();
        let message = state.next_message(user);
        state
            .digests
            .push((user.clone(), message.clone(), items.to_vec()));
        Ok(message)
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        let mut state = self.state.lock().unwrap();
        state.updates += 1;
        match state.digests.iter_mut().find(|(_, m, _)| m == message) {
            Some(entry) => {
                entry.2 = items.to_vec();
                Ok(())
            }
            None => Err(ChatError::Api("message_not_found".into())),
        }
    }

    /// Like Slack's history search: the newest message with the approval's buttons, its own
    /// card or a digest listing it.
    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        let state = self.state.lock().unwrap();
        let waiting = |card: &Card| card.approval == approval && card.state == CardState::Pending;
        let own = state
            .messages
            .iter()
            .filter(|(u, _, c)| u == user && waiting(c))
            .map(|(_, message, card)| (message, card, false));
        let listed = state
            .digests
            .iter()
            .filter(|(u, _, _)| u == user)
            .filter_map(|(_, message, items)| {
                items
                    .iter()
                    .find(|c| waiting(c))
                    .map(|card| (message, card, true))
            });
        Ok(own.chain(listed).max_by(|a, b| a.0.id().cmp(b.0.id())).map(
            |(message, card, digest)| FoundCard {
                message: message.clone(),
                fingerprint: card.fingerprint.clone(),
                posted_at: None,
                digest,
            },
        ))
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        let mut state = self.state.lock().unwrap();
        let before = state.messages.len() + state.digests.len();
        state.messages.retain(|(_, m, _)| m != message);
        state.digests.retain(|(_, m, _)| m != message);
        if state.messages.len() + state.digests.len() == before {
            return Err(ChatError::Api("message_not_found".into()));
        }
        Ok(())
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        _conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError> {
        self.state
            .lock()
            .unwrap()
            .ephemerals
            .push((user.clone(), wording::decision(regarding, result)));
        Ok(())
    }

    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        let mut state = self.state.lock().unwrap();
        state.lookups += 1;
        Ok(state
            .users
            .iter()
            .find(|(_, u)| {
                u.email
                    .as_deref()
                    .is_some_and(|e| normalize_email(e) == normalize_email(email))
            })
            .map(|(id, _)| id.clone()))
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        self.state
            .lock()
            .unwrap()
            .users
            .get(user)
            .cloned()
            .ok_or_else(|| ChatError::Api("user_not_found".into()))
    }

    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError> {
        self.state
            .lock()
            .unwrap()
            .lists
            .push((user.clone(), list.clone()));
        Ok(())
    }
}
