//! Delivering a card so that neither a store failure nor a crash loses it.
//!
//! The store learns of a card before it is posted: a *pending delivery* (recipient, fingerprint,
//! what it shows) is begun first, and the post's answer completes it into the card's record, in
//! one store step. What can go wrong between the two is then always known:
//!
//! - the store fails just after the post: the answer is kept in memory ([`Unrecorded`]) and
//!   recorded as soon as the store answers, by a background retry or the next sync, whichever
//!   comes first;
//! - the process dies just after the post: the next sync finds the pending delivery, looks for
//!   the card in the person's direct conversation with the bot (for an item of a digest, the
//!   digest listing it), and records the one it finds; if
//!   there is none (the post never arrived), it posts again once the delivery is older than a
//!   post can take ([`POST_UNDER_WAY`]);
//! - two replicas both believe they lead for a moment: the second leaves a delivery under way to
//!   the first. Should a post take longer than that and be made again, each attempt has its own
//!   id, only the attempt still pending may record its card, and the other one withdraws its
//!   post, so one card stays.
//!
//! A click on a card whose record was lost is recognised from the clicker's own direct
//! conversation with the bot ([`Engine::adopt_clicked_card`]), and the card is recorded then.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::chat::port::FoundCard;
use crate::domain::records::{DeliveredCard, PendingDelivery};
use crate::domain::{ApprovalId, ChatUserId};
use crate::telemetry::chain;

use super::decide::DecisionRequest;
use super::error::EngineError;
use super::service::Engine;

/// How long a pending delivery whose card is not in the recipient's conversation is taken to be
/// still under way on another replica (two can briefly both lead, while a lease moves on), and is
/// left to it; after this it is posted again. Twice the sync lease's lifetime: a replica that
/// lost the lease has stopped starting posts by then. Should that replica's post still arrive,
/// it is withdrawn rather than recorded.
pub(crate) const POST_UNDER_WAY: Duration = Duration::from_secs(30);

/// How long a pending delivery whose card cannot be looked for (the chat platform failing the
/// lookup) waits before it is posted again, accepting at most one duplicate.
pub(crate) const LOOKUP_PATIENCE: Duration = Duration::from_secs(120);

/// The longest wait between two tries to record a posted card while the store fails.
const RECORD_RETRY_MAX: Duration = Duration::from_secs(5);

/// Posted cards whose record the store refused, by approval and recipient, with the attempt that
/// posted them, until they are recorded. Lost with the process; the next sync then finds them in
/// the chat platform instead.
#[derive(Default)]
pub(crate) struct Unrecorded {
    cards: Mutex<HashMap<(ApprovalId, ChatUserId), (String, DeliveredCard)>>,
}

impl Unrecorded {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(ApprovalId, ChatUserId), (String, DeliveredCard)>> {
        // Plain data, whole after any panic.
        self.cards.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn keep(&self, approval: ApprovalId, attempt: &str, card: &DeliveredCard) {
        self.lock().insert(
            (approval, card.recipient.clone()),
            (attempt.to_owned(), card.clone()),
        );
    }

    fn get(&self, approval: ApprovalId, recipient: &ChatUserId) -> Option<(String, DeliveredCard)> {
        self.lock().get(&(approval, recipient.clone())).cloned()
    }

    /// Forgets the card `attempt` posted (it is recorded, or withdrawn).
    fn forget(&self, approval: ApprovalId, recipient: &ChatUserId, attempt: &str) {
        let mut cards = self.lock();
        let key = (approval, recipient.clone());
        if cards.get(&key).is_some_and(|(a, _)| a == attempt) {
            cards.remove(&key);
        }
    }
}

/// What came of recording a posted card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recording {
    /// The card is recorded.
    Recorded,
    /// Another attempt replaced this one; this post was withdrawn.
    Superseded,
    /// The store failed; the card is kept in memory and recorded once the store answers.
    Unrecorded,
}

/// What a pending delivery left behind turned out to be.
#[derive(Debug)]
pub(crate) enum Settled {
    /// Its card was posted, and is now recorded.
    Recorded(Box<DeliveredCard>),
    /// Its card never arrived: post again, replacing it.
    NotPosted,
    /// Not known yet (the chat platform could not be asked, or another attempt moved it on): the
    /// next sync tries again.
    Unknown,
}

impl Engine {
    /// Records the card that `pending` posted as `message`; if the store fails, keeps it in memory
    /// and keeps trying in the background.
    pub(crate) async fn record_posted(
        &self,
        approval: ApprovalId,
        pending: &PendingDelivery,
        message: crate::domain::conversation::MessageRef,
    ) -> Recording {
        let card = pending.delivered(message);
        // Whatever becomes of the record, the card is in their conversation: a kept "what's
        // pending" answer lacks it.
        self.pending.forget(&card.recipient);
        match self
            .store
            .record_delivery(approval, &pending.attempt, &card)
            .await
        {
            Ok(true) => Recording::Recorded,
            Ok(false) => {
                self.withdraw(approval, &card).await;
                Recording::Superseded
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %approval, recipient = %card.recipient, "could not record a posted card; recording it once the store answers");
                self.unrecorded.keep(approval, &pending.attempt, &card);
                let engine = self.clone();
                let attempt = pending.attempt.clone();
                tokio::spawn(async move { engine.keep_recording(approval, card, attempt).await });
                Recording::Unrecorded
            }
        }
    }

    /// Tries to record `card` until the store answers (waits doubling up to [`RECORD_RETRY_MAX`]),
    /// for as long as its buttons work, unless a sync records it first.
    async fn keep_recording(&self, approval: ApprovalId, card: DeliveredCard, attempt: String) {
        let started = tokio::time::Instant::now();
        let mut wait = Duration::from_secs(1);
        while started.elapsed() < self.settings.button_ttl {
            tokio::time::sleep(wait).await;
            if self
                .unrecorded
                .get(approval, &card.recipient)
                .is_none_or(|(a, _)| a != attempt)
            {
                return;
            }
            match self.store.record_delivery(approval, &attempt, &card).await {
                Ok(recorded) => {
                    self.unrecorded.forget(approval, &card.recipient, &attempt);
                    if recorded {
                        tracing::info!(approval = %approval, recipient = %card.recipient, "recorded a posted card once the store answered");
                    } else {
                        self.withdraw(approval, &card).await;
                    }
                    return;
                }
                Err(err) => {
                    tracing::debug!(error = %chain(&err), approval = %approval, "the store still cannot record a posted card");
                    wait = (wait * 2).min(RECORD_RETRY_MAX);
                }
            }
        }
    }

    /// Settles `left`, a delivery begun and never recorded: records its card from memory, or as
    /// found in the recipient's direct conversation with the bot, or says it was never posted.
    pub(crate) async fn settle_delivery(
        &self,
        approval: ApprovalId,
        left: &PendingDelivery,
    ) -> Result<Settled, EngineError> {
        if let Some((attempt, card)) = self.unrecorded.get(approval, &left.recipient) {
            let recorded = self
                .store
                .record_delivery(approval, &attempt, &card)
                .await?;
            self.unrecorded.forget(approval, &left.recipient, &attempt);
            if recorded {
                return Ok(Settled::Recorded(Box::new(card)));
            }
            self.withdraw(approval, &card).await;
            if attempt == left.attempt {
                // Replaced since it was read: whoever replaced it settles it.
                return Ok(Settled::Unknown);
            }
        }
        let found = match self.chat.find_card(&left.recipient, approval).await {
            Ok(found) => found,
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %approval, recipient = %left.recipient, "could not look for a card whose record was lost");
                metrics::counter!("chat_errors_total", "call" => "find_card").increment(1);
                return Ok(self.post_again_after(left, LOOKUP_PATIENCE));
            }
        };
        let Some(found) = found.filter(|found| found.digest == left.digest.is_some()) else {
            // Never arrived, or still on its way from another replica. (A digest listing the
            // approval is not the card of a delivery of its own, nor the reverse.)
            return Ok(self.post_again_after(left, POST_UNDER_WAY));
        };
        let card = found_card(left, found);
        if self
            .store
            .record_delivery(approval, &left.attempt, &card)
            .await?
        {
            tracing::info!(approval = %approval, recipient = %card.recipient, "recorded a card found in the recipient's conversation");
            Ok(Settled::Recorded(Box::new(card)))
        } else {
            Ok(Settled::Unknown)
        }
    }

    /// The clicker's card for the clicked approval, when the store had no record of it for them
    /// but the click came from their own direct conversation with the bot and that conversation
    /// holds the bot's waiting card for this approval (a post whose record was lost). The card is
    /// recorded, so that later edits reach it.
    ///
    /// Recognising the clicker from the conversation is safe: only the two members of a direct
    /// conversation see its messages, the bot and its owner, so only the owner can click a card
    /// in it; and this grants nothing more than the record would have: the fresh Coupa check that
    /// the clicker is the current approver, the fingerprint and every other rule still decide.
    pub(crate) async fn adopt_clicked_card(
        &self,
        request: &DecisionRequest,
    ) -> Result<Option<DeliveredCard>, EngineError> {
        let Some(conversation) = &request.conversation else {
            return Ok(None);
        };
        let Some(found) = self.chat.find_card(&request.user, request.approval).await? else {
            return Ok(None);
        };
        if found.message.conversation() != conversation {
            return Ok(None);
        }
        let deliveries = self.store.deliveries(request.approval).await?;
        let left = deliveries
            .pending
            .iter()
            .find(|p| p.recipient == request.user);
        // A digest found is recognised only as the delivery that posted it, which names the
        // digest: without that, its other items could not be shown again when this one changes.
        if found.digest != left.is_some_and(|l| l.digest.is_some()) {
            return Ok(None);
        }
        let card = match left {
            Some(left) => {
                let card = found_card(left, found);
                if !self
                    .store
                    .record_delivery(request.approval, &left.attempt, &card)
                    .await?
                {
                    // Another attempt is under way for this person; the sync that made it
                    // records its own card.
                    tracing::info!(approval = %request.approval, "a clicked card's record is being replaced");
                }
                card
            }
            None => {
                let card = DeliveredCard {
                    recipient: request.user.clone(),
                    message: found.message,
                    fingerprint: found.fingerprint,
                    // When the platform says it was posted. The time the button carries comes
                    // back in the click, so it is believed only as far as it makes the card
                    // older, never younger than now.
                    sent_at: found
                        .posted_at
                        .unwrap_or_else(|| request.issued_at.min(self.now())),
                    expired: false,
                    shown: None,
                    // Whom they were a delegate for went with the lost record: the card is
                    // marked again by the next sync that delivers to them.
                    delegate_for: None,
                    delegation_ended: false,
                    digest: None,
                };
                self.store.put_card(request.approval, &card).await?;
                card
            }
        };
        tracing::info!(approval = %request.approval, recipient = %card.recipient, "recognised a clicked card whose record was lost");
        Ok(Some(card))
    }

    /// [`Settled::NotPosted`] once `left` began more than `wait` ago, else [`Settled::Unknown`].
    fn post_again_after(&self, left: &PendingDelivery, wait: Duration) -> Settled {
        let age = self.now().duration_since(left.started_at);
        let wait = jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::MAX);
        if age > wait {
            Settled::NotPosted
        } else {
            Settled::Unknown
        }
    }

    /// Removes a card posted twice for one person (the other copy is the one recorded); an item
    /// of a digest is taken out of the digest, whose other items stay.
    async fn withdraw(&self, approval: ApprovalId, card: &DeliveredCard) {
        if let Some(digest) = &card.digest {
            return self.withdraw_from_digest(approval, digest, card).await;
        }
        match self.chat.withdraw_card(&card.message).await {
            Ok(()) => {
                tracing::info!(approval = %approval, recipient = %card.recipient, "withdrew a second copy of a card");
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), approval = %approval, recipient = %card.recipient, "could not withdraw a second copy of a card");
                metrics::counter!("chat_errors_total", "call" => "withdraw_card").increment(1);
            }
        }
    }
}

/// The record of `found`, the card `left` posted: what `left` says it shows, unless the card
/// found shows another version (then what it showed is not known).
fn found_card(left: &PendingDelivery, found: FoundCard) -> DeliveredCard {
    let mut card = left.delivered(found.message);
    if card.fingerprint != found.fingerprint {
        card.fingerprint = found.fingerprint;
        card.shown = None;
    }
    card
}

/// Shared by an engine's clones.
pub(crate) type SharedUnrecorded = Arc<Unrecorded>;
