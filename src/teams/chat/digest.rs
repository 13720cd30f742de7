//! Digests on Teams: posted and replaced as one card in the person's 1:1 chat, and kept, for
//! each item, as what that person was last shown for its approval ([`View::Digest`]), so that
//! answering a click or a refresh on it shows the whole digest as it stands, never one item's
//! card in its place.

use serde::{Deserialize, Serialize};

use crate::chat::card::Card;
use crate::chat::port::ChatError;
use crate::domain::conversation::MessageRef;
use crate::domain::{ApprovalId, ChatUserId};
use crate::telemetry::chain;

use super::super::card;
use super::super::invoke::card_activity;
use super::TeamsChat;

/// What a person was last shown for an approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The approval's own card.
    Card(Box<Card>),
    /// A digest with the approval among its items, as it stands.
    Digest(Vec<Card>),
}

impl View {
    /// The card of `approval` this view shows.
    pub fn card_of(&self, approval: ApprovalId) -> Option<&Card> {
        match self {
            View::Card(card) => Some(card),
            View::Digest(items) => items.iter().find(|c| c.approval == approval),
        }
    }
}

/// A digest's view as kept: its items' cards under `digest`, which a card's view never has.
#[derive(Serialize, Deserialize)]
struct DigestView {
    digest: Vec<Card>,
}

impl TeamsChat {
    /// Posts the digest of `items` in `user`'s 1:1 chat and keeps it as their view of each item.
    pub(super) async fn send_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        let contact = self.contact(user).await?;
        let conversation = self.conversation(&contact).await?;
        let id = self
            .connector
            .send(
                &contact.endpoint,
                &conversation,
                &card_activity(&card::digest(items)),
            )
            .await?;
        self.keep_digest_view(user, items).await;
        Ok(MessageRef::new(conversation, id))
    }

    /// Replaces the digest at `message` with one of `items`.
    pub(super) async fn replace_digest(
        &self,
        message: &MessageRef,
        items: &[Card],
    ) -> Result<(), ChatError> {
        let contact = self.contact_in(message.conversation()).await?;
        self.keep_digest_view(&contact.user, items).await;
        self.connector
            .update(
                &contact.endpoint,
                message,
                &card_activity(&card::digest(items)),
            )
            .await?;
        Ok(())
    }

    /// Keeps the digest of `items` as what `user` was last shown for each of its approvals.
    async fn keep_digest_view(&self, user: &ChatUserId, items: &[Card]) {
        let Ok(view) = serde_json::to_string(&DigestView {
            digest: items.to_vec(),
        }) else {
            return;
        };
        for item in items {
            if let Err(err) = self
                .store
                .remember_card_view(item.approval, user, &view, self.view_ttl)
                .await
            {
                tracing::warn!(error = %chain(&err), "could not keep a Teams digest's view; a refresh shows it as posted");
                return;
            }
        }
    }

    /// What `user` was last shown for `approval`, while it is kept.
    pub async fn view(&self, approval: ApprovalId, user: &ChatUserId) -> Option<View> {
        let kept = match self.store.card_view(approval, user).await {
            Ok(kept) => kept?,
            Err(err) => {
                tracing::warn!(error = %chain(&err), "could not read a Teams card's view");
                return None;
            }
        };
        if let Ok(digest) = serde_json::from_str::<DigestView>(&kept) {
            return Some(View::Digest(digest.digest));
        }
        match serde_json::from_str(&kept) {
            Ok(card) => Some(View::Card(Box::new(card))),
            Err(err) => {
                tracing::warn!(error = %chain(&err), "a kept Teams card's view is unreadable");
                None
            }
        }
    }
}
