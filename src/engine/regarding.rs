//! Naming the requisition an answer is about: every private reply says which requisition it
//! concerns, so that several replies in a row can be told apart. The title is the one the person
//! was shown, read from the store (their card, another recipient's card, or their last "what's
//! pending" list); no Coupa call is spent on it.

use crate::domain::outcome::Regarding;
use crate::domain::{ApprovalId, ChatUserId, RequisitionId};
use crate::telemetry::chain;

use super::service::Engine;

impl Engine {
    /// The requisition `requisition` of `approval` as `user` last saw it named.
    pub(crate) async fn regarding(
        &self,
        approval: ApprovalId,
        requisition: RequisitionId,
        user: &ChatUserId,
    ) -> Regarding {
        let title = match self.shown_title(approval, user).await {
            Ok(title) => title,
            Err(err) => {
                // The answer still names the requisition by number.
                tracing::debug!(error = %chain(&err), %approval, "could not read the requisition's title");
                None
            }
        };
        Regarding { requisition, title }
    }

    async fn shown_title(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
    ) -> Result<Option<String>, crate::store::StoreError> {
        let mut cards = self.store.cards(approval).await?;
        if let Some(settled) = self.store.settled_cards(approval).await? {
            cards.extend(settled.cards);
        }
        // Their own card first: that is what they saw.
        cards.sort_by_key(|card| card.recipient != *user);
        if let Some(title) = cards
            .into_iter()
            .find_map(|card| card.shown.map(|shown| shown.title))
        {
            return Ok(Some(title));
        }
        Ok(self.store.last_pending(user).await?.and_then(|snapshot| {
            snapshot
                .items
                .into_iter()
                .find(|item| item.approval == approval)
                .map(|item| item.title)
        }))
    }
}
