//! [`Engine`]: the use cases' shared parts — the adapters they talk through, their settings,
//! the clock — and what every use case does with cards: build one, edit the copies delivered.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use rust_decimal::Decimal;
use url::Url;

use crate::chat::card::{Card, CardState};
use crate::chat::port::ChatPort;
use crate::coupa::CoupaClient;
use crate::domain::records::{DeliveredCard, SettledCards, Settlement};
use crate::domain::{Approval, ApprovalId, ChatUserId, Requisition};
use crate::store::Store;
use crate::telemetry::chain;

use super::delegates::DelegationCache;
use super::delivery::SharedUnrecorded;
use super::directory::Directory;
use super::error::EngineError;
use super::pending_cache::PendingCache;
use super::reminders::{ReminderMemory, ReminderSettings};

/// Decisions run at once per process. Coupa calls share one rate limit; without this bound a
/// burst of clicks would advance every decision one call at a time and finish none of them
/// until all were nearly done. With it, decisions finish in the order they were clicked.
pub const DECISIONS_AT_ONCE: usize = 8;

/// The current time; a parameter so that tests can move it.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(Timestamp::now)
}

/// What the engine needs to know of the configuration.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Base of the "View in Coupa" links.
    pub coupa_instance_url: Url,
    /// A card's buttons stop working after this.
    pub button_ttl: Duration,
    /// Approve asks for confirmation above this total.
    pub confirm_above_amount: Option<Decimal>,
    /// When and whether reminders are sent.
    pub reminders: ReminderSettings,
    /// When one sync would send a person more new cards than this, all but the newest
    /// [`super::digest::DIGEST_CARDS`] come as a digest; 0 never sends one.
    pub digest_above: usize,
}

/// The use cases, over their adapters. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) chat: Arc<dyn ChatPort>,
    pub(crate) coupa: CoupaClient,
    /// The same Coupa client, its calls granted a rate-limit slot before sync's and "what's
    /// pending"'s: for the calls a clicked decision waits on.
    pub(crate) decision_coupa: CoupaClient,
    pub(crate) settings: Arc<EngineSettings>,
    pub(crate) clock: Clock,
    pub(crate) directory: Directory,
    pub(crate) deciding: Arc<tokio::sync::Semaphore>,
    /// Each person's last "what's pending", shared by the asks made while it is read, and the
    /// cap on lookups at once.
    pub(crate) pending: Arc<PendingCache>,
    /// Cards posted whose record the store refused, until they are recorded.
    pub(crate) unrecorded: SharedUnrecorded,
    /// What the reminder pass keeps between cycles: time zones, the days already claimed.
    pub(crate) reminder_memory: Arc<ReminderMemory>,
    /// The current delegations of approvals as sync last read them.
    pub(crate) delegations: Arc<DelegationCache>,
    /// Each person's selections approved one after the other.
    pub(crate) selections: Arc<super::several::SelectionTurns>,
}

impl Engine {
    /// Puts the engine together.
    pub fn new(
        store: Arc<dyn Store>,
        chat: Arc<dyn ChatPort>,
        coupa: CoupaClient,
        settings: EngineSettings,
        clock: Clock,
    ) -> Self {
        let directory = Directory::new(store.clone(), chat.clone());
        Self {
            store,
            chat,
            decision_coupa: coupa.for_decisions(),
            coupa,
            settings: Arc::new(settings),
            pending: Arc::new(PendingCache::new(clock.clone())),
            clock,
            directory,
            deciding: Arc::new(tokio::sync::Semaphore::new(DECISIONS_AT_ONCE)),
            unrecorded: SharedUnrecorded::default(),
            reminder_memory: Arc::default(),
            delegations: Arc::new(DelegationCache::default()),
            selections: Arc::default(),
        }
    }

    /// The store (for wiring and tests).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// A chat user just became reachable with `email` (see `Directory::became_reachable`); a
    /// store failure is logged, and the directory's own expiry catches up within the hour.
    pub async fn became_reachable(&self, email: &str, user: &ChatUserId) {
        if let Err(err) = self.directory.became_reachable(email, user).await {
            tracing::warn!(error = %chain(&err), "could not update the directory for a newly reachable person");
        }
    }

    /// Now, by the engine's clock.
    pub(crate) fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Whether a card sent at `sent_at` has expired buttons.
    pub(crate) fn expired(&self, sent_at: Timestamp) -> bool {
        let age = self.now().duration_since(sent_at);
        age.as_secs() >= 0 && age.unsigned_abs() >= self.settings.button_ttl
    }

    /// The card for `approval` of `requisition` in `state`.
    pub(crate) fn card(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        state: CardState,
    ) -> Card {
        Card::new(
            requisition,
            approval,
            state,
            &self.settings.coupa_instance_url,
            self.settings.confirm_above_amount,
            self.now(),
        )
    }

    /// What `delivered` becomes once `requisition` changed under it: the card it was, saying
    /// what changed since (when its record says what it showed).
    pub(crate) fn changed_card(
        &self,
        requisition: &Requisition,
        approval: &Approval,
        delivered: &DeliveredCard,
    ) -> Card {
        let change = delivered
            .shown
            .as_ref()
            .map(|shown| shown.changes_to(requisition));
        self.card(requisition, approval, CardState::Changed(change))
    }

    /// Edits one delivered card; a failure is logged, not fatal (the next sync tries again). A
    /// card that is an item of a digest is edited by re-rendering the digest with this item as
    /// `card` and the others as they stand (see [`super::digest`]), never replaced by `card`.
    pub(crate) async fn edit(&self, delivered: &DeliveredCard, card: &Card) -> bool {
        // The recipient's kept "what's pending" may no longer agree with the card.
        self.pending.forget(&delivered.recipient);
        // A delegate's card says so on every rendering, and ends once their delegation does.
        let card = card.for_recipient(delivered);
        let edited = match &delivered.digest {
            Some(digest) => self.edit_digest_item(delivered, digest, &card).await,
            None => match self.chat.update_card(&delivered.message, &card).await {
                Ok(()) => true,
                Err(err) => {
                    tracing::warn!(error = %chain(&err), recipient = %delivered.recipient, "could not edit a card");
                    metrics::counter!("chat_errors_total", "call" => "update_card").increment(1);
                    false
                }
            },
        };
        // A card that says its approval is on hold must come back once Coupa releases it: the
        // sync looks for the holds noted here.
        if edited && let CardState::OnHold(hold) = &card.state {
            self.note_hold(card.approval, hold).await;
        }
        edited
    }

    /// Forgets the `cards` of a settled approval, keeping them with how it ended for the button
    /// lifetime: a click still on its way then hears what happened, not that the card is someone
    /// else's.
    pub(crate) async fn settle(
        &self,
        approval_id: ApprovalId,
        cards: Vec<DeliveredCard>,
        settlement: Settlement,
    ) -> Result<(), EngineError> {
        let settled = SettledCards { cards, settlement };
        self.store
            .settle_cards(approval_id, &settled, self.settings.button_ttl)
            .await?;
        Ok(())
    }

    /// Edits every delivered card of `approval` with `state_for(recipient)`.
    pub(crate) async fn edit_all(
        &self,
        approval_id: ApprovalId,
        requisition: &Requisition,
        approval: &Approval,
        state_for: impl Fn(&DeliveredCard) -> CardState,
    ) -> Result<bool, EngineError> {
        let mut all_edited = true;
        for delivered in self.store.cards(approval_id).await? {
            let card = self.card(requisition, approval, state_for(&delivered));
            all_edited &= self.edit(&delivered, &card).await;
        }
        Ok(all_edited)
    }
}
