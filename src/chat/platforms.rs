//! [`ChatPlatforms`]: one [`ChatPort`] over several chat platforms, so that the engine, which
//! talks to a single port, reaches each person on the platform they are on.
//!
//! Each call goes to the platform that owns what it names: a user's calls to the port that
//! [serves](ChatPort::serves) the user's id, a posted card's to the port that
//! [serves its conversation](ChatPort::serves_conversation). Ids say which platform they belong
//! to by their shape, so routing needs no lookup. Finding a person by email asks the platforms in
//! order of preference and stops at the first that knows them, or at the first that fails: an
//! outage of the preferred platform must not send someone's cards elsewhere, since the directory
//! keeps the answer for a day.

use std::sync::Arc;

use async_trait::async_trait;

use super::card::Card;
use super::list::ListMessage;
use super::port::{ChatError, ChatPort, ChatUser, FoundCard};
use crate::domain::conversation::{ConversationRef, MessageRef, Platform};
use crate::domain::outcome::{DecisionResult, Regarding};
use crate::domain::{ApprovalId, ChatUserId};

/// Several chat platforms as one [`ChatPort`], in order of preference.
#[derive(Clone)]
pub struct ChatPlatforms {
    /// The preferred platform.
    preferred: Arc<dyn ChatPort>,
    /// The others, in order of preference.
    others: Vec<Arc<dyn ChatPort>>,
}

impl std::fmt::Debug for ChatPlatforms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.ports().map(|p| p.platform().name()).collect();
        f.debug_struct("ChatPlatforms")
            .field("platforms", &names)
            .finish()
    }
}

impl ChatPlatforms {
    /// The platforms `ports`, the preferred first (the order of `CHAT_PLATFORMS`): a person whose
    /// email more than one of them knows gets their cards on the first. `None` when `ports` is
    /// empty: there is then no platform to prefer.
    pub fn new(ports: Vec<Arc<dyn ChatPort>>) -> Option<Self> {
        let mut ports = ports.into_iter();
        let preferred = ports.next()?;
        Some(Self {
            preferred,
            others: ports.collect(),
        })
    }

    /// Every platform's port, in order of preference.
    fn ports(&self) -> impl Iterator<Item = &Arc<dyn ChatPort>> {
        std::iter::once(&self.preferred).chain(&self.others)
    }

    /// The port that serves `user`.
    fn port_of(&self, user: &ChatUserId) -> Result<&Arc<dyn ChatPort>, ChatError> {
        self.ports()
            .find(|port| port.serves(user))
            .ok_or_else(|| ChatError::Api(format!("no chat platform serves user {user}")))
    }

    /// The port that serves the conversation `message` is in.
    fn port_with(&self, message: &MessageRef) -> Result<&Arc<dyn ChatPort>, ChatError> {
        let conversation = message.conversation();
        self.ports()
            .find(|port| port.serves_conversation(conversation))
            .ok_or_else(|| {
                ChatError::Api(format!(
                    "no chat platform serves conversation {conversation}"
                ))
            })
    }
}

#[async_trait]
impl ChatPort for ChatPlatforms {
    /// The preferred platform: the first.
    fn platform(&self) -> Platform {
        self.preferred.platform()
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        self.ports().any(|port| port.serves(user))
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        self.ports()
            .any(|port| port.serves_conversation(conversation))
    }

    /// The platform of the port that serves `user`; the preferred platform for an id none
    /// serves (no decision gets this far for such a user: finding their card already failed).
    fn platform_of(&self, user: &ChatUserId) -> Platform {
        match self.port_of(user) {
            Ok(port) => port.platform_of(user),
            Err(_) => self.platform(),
        }
    }

    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError> {
        self.port_of(user)?.post_card(user, card).await
    }

    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError> {
        self.port_with(message)?.update_card(message, card).await
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        self.port_of(user)?.post_digest(user, items).await
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        self.port_with(message)?.update_digest(message, items).await
    }

    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        self.port_of(user)?.find_card(user, approval).await
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        self.port_with(message)?.withdraw_card(message).await
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError> {
        self.port_of(user)?
            .tell(user, conversation, regarding, result)
            .await
    }

    /// The person found by the first platform, in order of preference, that knows `email`. A
    /// platform that fails before one finds them fails the lookup: answering from the next one
    /// would move the person's cards there for as long as the directory keeps the answer.
    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        for port in self.ports() {
            if let Some(user) = port.lookup_user_by_email(email).await? {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        self.port_of(user)?.user_info(user).await
    }

    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError> {
        self.port_of(user)?.post_list(user, list).await
    }
}

#[cfg(test)]
mod tests;
