//! [`TeamsChat`]: the chat port on Microsoft Teams, over the Bot Connector.
//!
//! A Teams bot may only write to people who have the app installed, in a 1:1 conversation it
//! learned from one of their activities: each person's [`ChatContact`] (their service URL,
//! tenant, and that conversation, kept by the store) is how they are reached, and the email their
//! member record gave is how the directory finds them. Someone who never reached the bot has no
//! contact and is "not reachable in Teams"; with proactive installation on, looking them up has
//! the app installed for them through Microsoft Graph once ([`super::proactive`]), and the
//! installation event that follows teaches the bot their contact.
//!
//! Each copy of a card is rendered for its one recipient (its `refresh.userIds`), and the card
//! last posted or written to each recipient is kept beside it, so that a refresh and a refused
//! deny reason can be answered with the current card; a digest is kept likewise for each of its
//! items ([`View`], `chat/digest.rs`).
//!
//! The Bot Connector cannot list a Teams conversation's messages, so [`TeamsChat::find_card`]
//! never finds a card whose record was lost: the delivery posts again once its note is old
//! enough, as it does when Slack's history has no such card.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::chat::card::Card;
use crate::chat::list::ListMessage;
use crate::chat::port::{ChatError, ChatPort, ChatUser, FoundCard};
use crate::domain::conversation::{ConversationRef, MessageRef, Platform};
use crate::domain::outcome::{DecisionResult, Regarding};
use crate::domain::records::ChatContact;
use crate::domain::{ApprovalId, ChatUserId};
use crate::engine::pending::SHOWN_ITEMS;
use crate::store::Store;
use crate::telemetry::chain;

use super::card::{self, Rendered};
use super::connector::BotConnector;
use super::invoke::{card_activity, message_activity};
use super::proactive::ProactiveInstaller;
use super::wording;

mod digest;
pub use digest::View;

/// Microsoft Teams, as decisions name it: `Approved in Microsoft Teams by …`.
pub const TEAMS: Platform = Platform::named("Microsoft Teams");

/// The chat port on Teams. Cheap to clone.
#[derive(Clone)]
pub struct TeamsChat {
    connector: BotConnector,
    store: Arc<dyn Store>,
    /// How long a card's view is kept for refreshes: its buttons' lifetime.
    view_ttl: Duration,
    /// Installs the app for someone looked up without a contact; `None` when proactive
    /// installation is off.
    installer: Option<Arc<ProactiveInstaller>>,
}

impl TeamsChat {
    /// The port over `connector`, reaching people through the contacts in `store`.
    pub fn new(connector: BotConnector, store: Arc<dyn Store>, view_ttl: Duration) -> Self {
        Self {
            connector,
            store,
            view_ttl,
            installer: None,
        }
    }

    /// This port, installing the app through `installer` for anyone looked up by email who has
    /// no contact yet.
    pub fn with_installer(mut self, installer: Arc<ProactiveInstaller>) -> Self {
        self.installer = Some(installer);
        self
    }

    /// The Bot Connector client.
    pub fn connector(&self) -> &BotConnector {
        &self.connector
    }

    /// How to reach `user`, if they ever reached the bot.
    async fn contact(&self, user: &ChatUserId) -> Result<ChatContact, ChatError> {
        let contact = self
            .store
            .contact(user)
            .await
            .map_err(|err| ChatError::Transport(Box::new(err)))?
            .ok_or_else(|| ChatError::Api(format!("{user} has not installed the app in Teams")))?;
        self.connector.trust(&contact.endpoint);
        Ok(contact)
    }

    /// The person whose 1:1 conversation `conversation` is.
    async fn contact_in(&self, conversation: &ConversationRef) -> Result<ChatContact, ChatError> {
        let contact = self
            .store
            .contact_in(conversation)
            .await
            .map_err(|err| ChatError::Transport(Box::new(err)))?
            .ok_or_else(|| {
                ChatError::Api(format!(
                    "no Teams user is known in conversation {conversation}"
                ))
            })?;
        self.connector.trust(&contact.endpoint);
        Ok(contact)
    }

    /// `user`'s 1:1 conversation with the bot, opened (and remembered) if it is not known yet.
    async fn conversation(&self, contact: &ChatContact) -> Result<ConversationRef, ChatError> {
        if let Some(conversation) = &contact.conversation {
            return Ok(conversation.clone());
        }
        let conversation = self
            .connector
            .create_conversation(&contact.endpoint, &contact.tenant, &contact.user)
            .await?;
        let mut known = contact.clone();
        known.conversation = Some(conversation.clone());
        if let Err(err) = self.store.remember_contact(&known).await {
            // The next post opens it again: Teams answers with the same conversation.
            tracing::warn!(error = %chain(&err), "could not remember a Teams conversation");
        }
        Ok(conversation)
    }

    /// Posts a plain message in `conversation` of `contact`.
    pub async fn say(
        &self,
        contact: &ChatContact,
        conversation: &ConversationRef,
        text: &str,
    ) -> Result<(), ChatError> {
        self.connector
            .send(&contact.endpoint, conversation, &message_activity(text))
            .await?;
        Ok(())
    }

    /// Posts a card that is not an approval's (a list, help) in `conversation` of `contact`.
    pub async fn send_card(
        &self,
        contact: &ChatContact,
        conversation: &ConversationRef,
        rendered: &Rendered,
    ) -> Result<(), ChatError> {
        self.connector
            .send(&contact.endpoint, conversation, &card_activity(rendered))
            .await?;
        Ok(())
    }

    /// The card for `approval` as last written to `user`, while it is kept: its own card, or its
    /// item of the digest it was last shown in (see [`TeamsChat::view`]).
    pub async fn card_view(&self, approval: ApprovalId, user: &ChatUserId) -> Option<Card> {
        match self.view(approval, user).await? {
            View::Card(card) => Some(*card),
            View::Digest(items) => items.into_iter().find(|c| c.approval == approval),
        }
    }

    /// Keeps `card` as what `user` was last shown for its approval.
    async fn keep_view(&self, user: &ChatUserId, card: &Card) {
        let Ok(view) = serde_json::to_string(card) else {
            return;
        };
        if let Err(err) = self
            .store
            .remember_card_view(card.approval, user, &view, self.view_ttl)
            .await
        {
            tracing::warn!(error = %chain(&err), "could not keep a Teams card's view; a refresh shows the card as posted");
        }
    }
}

#[async_trait]
impl ChatPort for TeamsChat {
    fn platform(&self) -> Platform {
        TEAMS
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        user.as_str().contains(':')
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        conversation.as_str().contains(':')
    }

    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError> {
        let contact = self.contact(user).await?;
        let conversation = self.conversation(&contact).await?;
        let rendered = card::card(card, std::slice::from_ref(user));
        let id = self
            .connector
            .send(&contact.endpoint, &conversation, &card_activity(&rendered))
            .await?;
        self.keep_view(user, card).await;
        Ok(MessageRef::new(conversation, id))
    }

    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError> {
        let contact = self.contact_in(message.conversation()).await?;
        let rendered = card::card(card, std::slice::from_ref(&contact.user));
        self.keep_view(&contact.user, card).await;
        self.connector
            .update(&contact.endpoint, message, &card_activity(&rendered))
            .await?;
        Ok(())
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        self.send_digest(user, items).await
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        self.replace_digest(message, items).await
    }

    async fn find_card(
        &self,
        _user: &ChatUserId,
        _approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        // The Bot Connector does not list a Teams conversation's messages (see the module docs).
        Ok(None)
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        let contact = self.contact_in(message.conversation()).await?;
        self.connector.delete(&contact.endpoint, message).await?;
        Ok(())
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError> {
        // Said for every outcome: a click on a "what's pending" list has no card of its own that
        // changes, and a refusal names the requisition where the person reads their chat.
        let contact = self.contact(user).await?;
        let conversation = match conversation {
            Some(conversation) => conversation.clone(),
            None => self.conversation(&contact).await?,
        };
        self.say(
            &contact,
            &conversation,
            &wording::decision(regarding, result),
        )
        .await
    }

    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        let contact = self
            .store
            .contact_by_email(email)
            .await
            .map_err(|err| ChatError::Transport(Box::new(err)))?;
        if let Some(contact) = contact {
            return Ok(Some(contact.user));
        }
        if let Some(installer) = &self.installer {
            // Not reachable yet either way: the installation event Teams sends next teaches the
            // contact, and the directory then maps the person at once.
            installer.install_once(email).await;
        }
        Ok(None)
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        let contact = self.contact(user).await?;
        Ok(ChatUser {
            name: contact.name.unwrap_or_default(),
            email: contact.email,
            time_zone: contact.time_zone,
            deleted: false,
            bot: false,
        })
    }

    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError> {
        let contact = self.contact(user).await?;
        let conversation = self.conversation(&contact).await?;
        let options = card::ListOptions {
            issued_at: list.issued_at,
            confirm_above: list.confirm_above,
            coupa: &list.coupa,
            shown: SHOWN_ITEMS,
        };
        let rendered = card::purpose_list(list.purpose, &list.snapshot, &options);
        self.send_card(&contact, &conversation, &rendered).await
    }
}
