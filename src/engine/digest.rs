//! Digests: one message instead of a flood of new cards.
//!
//! When one sync cycle would send a person more than `DIGEST_ABOVE` new cards (a first install
//! with a backlog, a bulk upload), all but the newest [`DIGEST_CARDS`] come as a digest: one
//! message listing them, at most [`DIGEST_ITEMS`] to a message (every item listed is decidable,
//! so none hides behind "and N more"). The newest few still come as cards of their own.
//!
//! Each item of a digest is a card in every way that matters: its delivery is begun in the store
//! before the digest is posted and recorded after it, as a [`DeliveredCard`] whose message is the
//! digest and which names the digest ([`DeliveredCard::digest`]). So a click on an item is a
//! click by a recorded recipient, decided under every rule of `decide`, and every edit of the
//! approval's cards (decided, decided elsewhere, changed, expired, withdrawn) reaches the item.
//!
//! A digest posted by a process that died before recording its items is found by each item's
//! pending delivery as its delivery would find a card (the platform's conversation history, where
//! it can be read), and recorded rather than sent again.
//!
//! An edit of an item re-renders the whole digest: each item's card view is kept in the store
//! under the digest ([`Store::put_digest_items`](crate::store::Store::put_digest_items)), one
//! field per item, so an edit writes its item, reads all of them, and replaces the message. Two
//! items edited at once (two clicks, two replicas) each write their own field; whichever
//! replaces the message first may show the other's item as it was, so each edit reads the items
//! again after its replace and replaces once more if they changed meanwhile: the last replace
//! then shows both.
//!
//! New cards are held back while a cycle handles its requisitions (`NewCards`) and posted
//! after (`Engine::deliver_new`): each person's in order, one post after another, several
//! people at once.
//!
//! Two replicas that both believe they lead for a moment (a lease moving on) may share one
//! person's backlog between two digests: each item's delivery is begun by one of them only, so no
//! item is listed twice, but the backlog may come as two digests instead of one.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::chat::card::{Card, CardState};
use crate::chat::port::ChatError;
use crate::domain::change::Shown;
use crate::domain::conversation::MessageRef;
use crate::domain::records::{DeliveredCard, DigestId, PendingDelivery};
use crate::domain::{Approval, ApprovalId, ChatUserId, Requisition};
use crate::telemetry::chain;

use super::delivery::Recording;
use super::error::EngineError;
use super::service::Engine;
use super::sync::{CONCURRENT_REQUISITIONS, SyncReport};

/// How many of the newest new cards a person sent a digest still gets as cards of their own.
pub const DIGEST_CARDS: usize = 3;

/// At most this many items in one digest message: a longer backlog comes as several digests,
/// evenly filled.
/// Ten items with their buttons fit both a Slack message and a Teams card.
pub const DIGEST_ITEMS: usize = 10;

/// How long a digest's items are kept after the latest edit of one of them. An item's card can be
/// edited long after its buttons expired (the approval decided in Coupa weeks later); after this
/// the digest shows only the items edited since.
pub const DIGEST_KEPT: Duration = Duration::from_secs(90 * 24 * 3600);

/// How many times one edit replaces a digest whose items another edit changed meanwhile.
const REPLACES: usize = 3;

/// A new card a cycle would post: held back until the cycle's requisitions are all handled.
#[derive(Debug, Clone)]
pub(super) struct NewCard {
    /// The requisition as read this cycle.
    pub requisition: Requisition,
    /// The approval the card is for.
    pub approval: Approval,
    /// Who gets it.
    pub user: ChatUserId,
    /// The pending delivery it replaces (one never posted).
    pub replacing: Option<String>,
    /// Whom they decide for, when they get it as a delegate.
    pub delegate_for: Option<String>,
}

impl NewCard {
    /// When its requisition was submitted (or else last updated): newer ones come as cards.
    fn submitted(&self) -> (Timestamp, ApprovalId) {
        (
            self.requisition
                .submitted_at
                .unwrap_or(self.requisition.updated_at),
            self.approval.id,
        )
    }
}

/// The new cards a cycle's requisitions would post, shared by the tasks handling them.
#[derive(Debug, Clone, Default)]
pub(super) struct NewCards(Arc<Mutex<Vec<NewCard>>>);

impl NewCards {
    /// Holds `card` back for [`Engine::deliver_new`].
    pub fn hold(&self, card: NewCard) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(card);
    }

    /// Every card held back, leaving none.
    pub fn take(&self) -> Vec<NewCard> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One item of a digest as kept in the store: where it sits in the digest and its card.
#[derive(Serialize, Deserialize)]
struct Item {
    position: usize,
    card: Card,
}

/// Which of a person's new cards (oldest first) come in a digest: how many of the oldest.
fn digested(new: usize, digest_above: usize) -> usize {
    if digest_above == 0 || new <= digest_above {
        return 0;
    }
    let digested = new.saturating_sub(DIGEST_CARDS);
    // A digest of one is a card with a heading: send it as a card.
    if digested < 2 { 0 } else { digested }
}

/// What one post came to: the report, and the `updated_at` of the oldest requisition one of
/// whose cards failed.
type PostResult = Result<(SyncReport, Option<Timestamp>), EngineError>;

/// One post's task: to whom, and what it came to.
type Posted = (ChatUserId, PostResult);

/// One post to a person: a digest, or a card of its own.
#[derive(Debug)]
enum Post {
    Digest(Vec<NewCard>),
    Card(Box<NewCard>),
}

impl Post {
    fn cards(&self) -> &[NewCard] {
        match self {
            Post::Digest(items) => items,
            Post::Card(card) => std::slice::from_ref(&**card),
        }
    }

    fn oldest(&self) -> Timestamp {
        self.cards()
            .iter()
            .map(|c| c.requisition.updated_at)
            .min()
            .unwrap_or(Timestamp::MIN)
    }
}

/// A person's new `cards` as posts, in order: the oldest as digests when there are more than
/// `digest_above`, then the rest as cards, oldest first.
fn posts(mut cards: Vec<NewCard>, digest_above: usize) -> VecDeque<Post> {
    cards.sort_by_key(NewCard::submitted);
    let own = cards.split_off(digested(cards.len(), digest_above));
    let mut posts: VecDeque<Post> = VecDeque::new();
    // As few digests as hold them, evenly filled: eleven come as six and five, not ten and one.
    let digests = cards.len().div_ceil(DIGEST_ITEMS);
    let each = cards.len().div_ceil(digests.max(1)).max(1);
    let mut digest = cards.into_iter().peekable();
    while digest.peek().is_some() {
        posts.push_back(Post::Digest(digest.by_ref().take(each).collect()));
    }
    posts.extend(own.into_iter().map(|card| Post::Card(Box::new(card))));
    posts
}

/// What posting everyone's new cards came to so far.
#[derive(Default)]
struct Outcome {
    report: SyncReport,
    first_failure: Option<Timestamp>,
    first_error: Option<EngineError>,
    /// How many cards each task posts, and the oldest `updated_at` among them.
    started: HashMap<tokio::task::Id, (usize, Timestamp)>,
    /// Whom each task posts to, for a task that panicked.
    users: HashMap<tokio::task::Id, ChatUserId>,
}

impl Outcome {
    fn absorb(&mut self, joined: Result<(tokio::task::Id, Posted), tokio::task::JoinError>) {
        match joined {
            Ok((task, (_, Ok((posted, failure))))) => {
                self.started.remove(&task);
                self.users.remove(&task);
                add(&mut self.report, &posted);
                if let Some(at) = failure {
                    self.failed_at(at);
                }
            }
            Ok((task, (_, Err(err)))) => {
                self.started.remove(&task);
                self.users.remove(&task);
                self.first_error.get_or_insert(err);
            }
            Err(err) => {
                // A panic posting one person's cards fails those cards alone: redone next cycle.
                let (cards, oldest) = self
                    .started
                    .remove(&err.id())
                    .unwrap_or((1, Timestamp::MIN));
                tracing::error!(error = %err, "posting a person's new cards panicked; they are redone next cycle");
                metrics::counter!("sync_panics_total", "scope" => "new_cards").increment(1);
                self.report.failures += cards;
                self.failed_at(oldest);
            }
        }
    }

    fn failed_at(&mut self, at: Timestamp) {
        self.first_failure = Some(self.first_failure.map_or(at, |f| f.min(at)));
    }
}

impl Engine {
    /// Posts the new cards a cycle held back: to each person as cards of their own, or, for a
    /// person with more than `DIGEST_ABOVE`, all but the newest [`DIGEST_CARDS`] as digests
    /// first, then those as cards. Up to [`CONCURRENT_REQUISITIONS`] posts are in flight, taken
    /// from each person in turn (so that a chat platform's limit per conversation holds up one
    /// post, not all), and one person's posts go out one after another, in order. Returns the
    /// report and the `updated_at` of the oldest requisition one of whose cards failed (the
    /// watermark stops before it).
    pub(super) async fn deliver_new(
        &self,
        new: Vec<NewCard>,
    ) -> Result<(SyncReport, Option<Timestamp>), EngineError> {
        let mut by_person: Vec<(ChatUserId, Vec<NewCard>)> = Vec::new();
        let mut index: HashMap<ChatUserId, usize> = HashMap::new();
        for card in new {
            let at = *index.entry(card.user.clone()).or_insert_with(|| {
                by_person.push((card.user.clone(), Vec::new()));
                by_person.len() - 1
            });
            by_person[at].1.push(card);
        }
        let mut queues: VecDeque<(ChatUserId, VecDeque<Post>)> = by_person
            .into_iter()
            .map(|(user, cards)| (user, posts(cards, self.settings.digest_above)))
            .collect();
        let mut tasks: JoinSet<Posted> = JoinSet::new();
        let mut outcome = Outcome::default();
        let mut busy: HashSet<ChatUserId> = HashSet::new();
        loop {
            while tasks.len() < CONCURRENT_REQUISITIONS {
                // The next person with a post waiting and none in flight.
                let Some(turn) = queues.iter().position(|(user, _)| !busy.contains(user)) else {
                    break;
                };
                let Some((user, mut waiting)) = queues.remove(turn) else {
                    break;
                };
                let Some(post) = waiting.pop_front() else {
                    continue;
                };
                if !waiting.is_empty() {
                    queues.push_back((user.clone(), waiting));
                }
                busy.insert(user.clone());
                let user_of_task = user.clone();
                let (count, oldest) = (post.cards().len(), post.oldest());
                let engine = self.clone();
                let task = tasks.spawn(async move {
                    let posted = engine.make(&user, post).await;
                    (user, posted)
                });
                outcome.started.insert(task.id(), (count, oldest));
                outcome.users.insert(task.id(), user_of_task);
            }
            let Some(joined) = tasks.join_next_with_id().await else {
                break;
            };
            if let Ok((_, (user, _))) = &joined {
                busy.remove(user);
            }
            if let Err(err) = &joined
                && let Some(user) = outcome.users.remove(&err.id())
            {
                busy.remove(&user);
            }
            outcome.absorb(joined);
        }
        match outcome.first_error {
            Some(err) => Err(err),
            None => Ok((outcome.report, outcome.first_failure)),
        }
    }

    /// Whether `user` still has no card for `card`'s approval: another cycle (a replica that
    /// also believes it leads) may have posted and recorded one since this cycle looked.
    async fn still_new(&self, card: &NewCard, user: &ChatUserId) -> Result<bool, EngineError> {
        let cards = self.store.cards(card.approval.id).await?;
        Ok(!cards.iter().any(|c| &c.recipient == user))
    }

    /// Makes one post to `user`.
    async fn make(&self, user: &ChatUserId, post: Post) -> PostResult {
        let mut report = SyncReport::default();
        let mut first_failure: Option<Timestamp> = None;
        match post {
            Post::Digest(items) => {
                for at in self.post_digest_of(user, &items, &mut report).await? {
                    first_failure = Some(first_failure.map_or(at, |f| f.min(at)));
                }
            }
            Post::Card(card) => {
                if !self.still_new(&card, user).await? {
                    return Ok((report, None));
                }
                self.post_card_to(
                    &card.requisition,
                    &card.approval,
                    user,
                    card.replacing.as_deref(),
                    None,
                    card.delegate_for.clone(),
                    &mut report,
                )
                .await?;
                if report.failures > 0 {
                    first_failure = Some(card.requisition.updated_at);
                }
            }
        }
        Ok((report, first_failure))
    }

    /// Posts one digest of `items` to `user`: each item's delivery begun before the post and
    /// recorded after it, as a card does. Returns the `updated_at` of each item that failed.
    async fn post_digest_of(
        &self,
        user: &ChatUserId,
        items: &[NewCard],
        report: &mut SyncReport,
    ) -> Result<Vec<Timestamp>, EngineError> {
        let digest = DigestId::new();
        let mut failed = Vec::new();
        let mut begun: Vec<(&NewCard, PendingDelivery, Card)> = Vec::new();
        for item in items {
            if !self.still_new(item, user).await? {
                continue;
            }
            let delivery = PendingDelivery {
                attempt: uuid::Uuid::new_v4().simple().to_string(),
                recipient: user.clone(),
                fingerprint: item.requisition.fingerprint(),
                started_at: self.now(),
                shown: Some(Shown::of(&item.requisition)),
                delegate_for: item.delegate_for.clone(),
                digest: Some(digest.clone()),
            };
            // As for a card: of two replicas both leading for a moment, the first to begin an
            // item's delivery posts it.
            if !self
                .store
                .begin_delivery(
                    item.approval.id,
                    item.replacing.as_deref(),
                    &delivery,
                    self.settings.button_ttl,
                )
                .await?
            {
                report.failures += 1;
                failed.push(item.requisition.updated_at);
                continue;
            }
            let mut card = self.card(&item.requisition, &item.approval, CardState::Pending);
            card.delegate_for = item.delegate_for.clone();
            begun.push((item, delivery, card));
        }
        if begun.is_empty() {
            return Ok(failed);
        }
        // The items are kept before the post, so that an edit of one racing its record renders
        // the whole digest.
        let kept: Vec<(ApprovalId, String)> = begun
            .iter()
            .enumerate()
            .filter_map(|(position, (_, _, card))| {
                let item = Item {
                    position,
                    card: card.clone(),
                };
                serde_json::to_string(&item)
                    .ok()
                    .map(|json| (card.approval, json))
            })
            .collect();
        self.store
            .put_digest_items(&digest, &kept, DIGEST_KEPT)
            .await?;
        let cards: Vec<Card> = begun.iter().map(|(_, _, card)| card.clone()).collect();
        match self.chat.post_digest(user, &cards).await {
            Ok(message) => {
                metrics::counter!("digests_delivered_total").increment(1);
                for (item, delivery, _) in &begun {
                    let recorded = self
                        .record_posted(item.approval.id, delivery, message.clone())
                        .await;
                    match recorded {
                        Recording::Recorded => report.delivered += 1,
                        Recording::Unrecorded => {
                            report.delivered += 1;
                            report.failures += 1;
                            failed.push(item.requisition.updated_at);
                        }
                        Recording::Superseded => {
                            report.failures += 1;
                            failed.push(item.requisition.updated_at);
                        }
                    }
                    if recorded != Recording::Superseded {
                        metrics::counter!("cards_delivered_total").increment(1);
                    }
                }
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), recipient = %user, items = begun.len(), "could not deliver a digest; will retry");
                metrics::counter!("chat_errors_total", "call" => "post_digest").increment(1);
                // As for a card: refused means nothing was posted; without an answer it may have
                // been, and the next cycle settles each item's delivery.
                let refused = matches!(err, ChatError::Api(_) | ChatError::RateLimited(_));
                for (item, delivery, _) in &begun {
                    report.failures += 1;
                    failed.push(item.requisition.updated_at);
                    if refused {
                        self.store
                            .drop_delivery(item.approval.id, user, &delivery.attempt)
                            .await?;
                    }
                }
            }
        }
        Ok(failed)
    }

    /// Edits `delivered`, an item of `digest`, to show `card`: keeps the item, then replaces the
    /// digest with every item as it now stands (again, should another edit change an item
    /// meanwhile). Returns whether the digest shows it; a failure is logged, not fatal.
    pub(super) async fn edit_digest_item(
        &self,
        delivered: &DeliveredCard,
        digest: &DigestId,
        card: &Card,
    ) -> bool {
        match self.keep_item(digest, card).await {
            Ok(true) => {}
            Ok(false) => return false,
            Err(err) => {
                tracing::warn!(error = %chain(&err), recipient = %delivered.recipient, "could not keep a digest item's new state; the next edit tries again");
                return false;
            }
        }
        self.replace_digest(&delivered.message, digest, &delivered.recipient)
            .await
    }

    /// Writes `card` as its approval's item of `digest`, where the item was; `false` when the card
    /// could not be encoded (then nothing is written).
    async fn keep_item(&self, digest: &DigestId, card: &Card) -> Result<bool, EngineError> {
        let items = self.store.digest_items(digest).await?;
        let position = items
            .iter()
            .find(|(approval, _)| *approval == card.approval)
            .and_then(|(_, json)| serde_json::from_str::<Item>(json).ok())
            .map_or(items.len(), |item| item.position);
        let json = match serde_json::to_string(&Item {
            position,
            card: card.clone(),
        }) {
            Ok(json) => json,
            Err(err) => {
                tracing::warn!(error = %err, approval = %card.approval, "could not encode a digest item");
                return Ok(false);
            }
        };
        self.store
            .put_digest_items(digest, &[(card.approval, json)], DIGEST_KEPT)
            .await?;
        Ok(true)
    }

    /// Replaces the digest at `message` with its items as the store keeps them; `false` when it
    /// could not be (it stays as it was; the next edit tries again).
    async fn replace_digest(
        &self,
        message: &MessageRef,
        digest: &DigestId,
        recipient: &ChatUserId,
    ) -> bool {
        let mut shown = None;
        for _ in 0..REPLACES {
            let items = match self.store.digest_items(digest).await {
                Ok(items) => items,
                Err(err) => {
                    tracing::warn!(error = %chain(&err), %recipient, "could not read a digest's items");
                    return shown.is_some();
                }
            };
            if shown.as_ref() == Some(&items) {
                return true;
            }
            let cards = cards_of(&items);
            if cards.is_empty() {
                return shown.is_some();
            }
            if let Err(err) = self.chat.update_digest(message, &cards).await {
                tracing::warn!(error = %chain(&err), %recipient, "could not edit a digest");
                metrics::counter!("chat_errors_total", "call" => "update_digest").increment(1);
                return false;
            }
            shown = Some(items);
        }
        true
    }

    /// Takes `approval`'s item out of `digest`, the message of `card`, posted twice for one
    /// person (its other copy is the one recorded): the digest then lists its other items, or is
    /// removed once none is left.
    pub(super) async fn withdraw_from_digest(
        &self,
        approval: ApprovalId,
        digest: &DigestId,
        card: &DeliveredCard,
    ) {
        if let Err(err) = self.store.remove_digest_item(digest, approval).await {
            tracing::warn!(error = %chain(&err), %approval, recipient = %card.recipient, "could not take an item posted twice out of a digest");
            return;
        }
        let left = match self.store.digest_items(digest).await {
            Ok(items) => cards_of(&items),
            Err(err) => {
                tracing::warn!(error = %chain(&err), %approval, recipient = %card.recipient, "could not read a digest to take an item out of it");
                return;
            }
        };
        let withdrawn = if left.is_empty() {
            self.chat.withdraw_card(&card.message).await
        } else {
            self.chat.update_digest(&card.message, &left).await
        };
        match withdrawn {
            Ok(()) => {
                tracing::info!(%approval, recipient = %card.recipient, "took a second copy of a card out of a digest");
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), %approval, recipient = %card.recipient, "could not take a second copy of a card out of a digest");
                metrics::counter!("chat_errors_total", "call" => "withdraw_card").increment(1);
            }
        }
    }
}

/// The cards of `items`, in their digest's order.
fn cards_of(items: &[(ApprovalId, String)]) -> Vec<Card> {
    let mut kept: Vec<Item> = items
        .iter()
        .filter_map(|(approval, json)| match serde_json::from_str::<Item>(json) {
            Ok(item) => Some(item),
            Err(err) => {
                tracing::warn!(error = %err, approval = %approval, "a digest item is unreadable; left out");
                None
            }
        })
        .collect();
    kept.sort_by_key(|item| (item.position, item.card.approval));
    kept.into_iter().map(|item| item.card).collect()
}

/// Adds `other`'s counts to `report`.
fn add(report: &mut SyncReport, other: &SyncReport) {
    report.requisitions += other.requisitions;
    report.delivered += other.delivered;
    report.closed += other.closed;
    report.unmapped += other.unmapped;
    report.failures += other.failures;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_starts_above_the_threshold_and_leaves_the_newest_three_as_cards() {
        assert_eq!(digested(5, 5), 0);
        assert_eq!(digested(6, 5), 3);
        assert_eq!(digested(9, 5), 6);
        assert_eq!(digested(40, 0), 0, "0 turns digests off");
        assert_eq!(digested(4, 3), 0, "a digest of one is sent as a card");
        assert_eq!(digested(5, 3), 2);
    }
}
