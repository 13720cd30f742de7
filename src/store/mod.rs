//! The state store: what the bot must remember between requests, replicas and restarts.
//!
//! [`Store`] speaks the engine's language (claim an approval, note a card before posting it and
//! record it after, hold the sync lease, remember how to reach a Teams user); callers never build
//! keys. Besides, each person's daily reminder claimed once and their choice to get reminders.
//! What it keeps are the records of
//! [`domain::records`](crate::domain::records), stored as JSON. Two implementations:
//!
//! - [`RedisStore`]: durable and shared by every replica; anything two replicas could race on is
//!   a single atomic command (`SET NX PX`) or a Lua script.
//! - [`MemoryStore`]: the embedded default when `REDIS_URL` is unset; one replica, lost on restart.
//!
//! Both pass the same contract tests (`tests/it/store_contract.rs`).

mod memory;
mod redis;

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::conversation::ConversationRef;
use crate::domain::hold::Hold;
use crate::domain::records::{
    AuditEntry, ChatContact, ClaimOutcome, DecisionInDoubt, DeliveredCard, DigestId,
    DirectoryEntry, FailedInstall, PendingDelivery, PendingSnapshot, SettledCards,
    UnmappedApprover,
};
use crate::domain::{ApprovalId, ChatUserId, normalize_email};

pub use self::memory::MemoryStore;
pub use self::redis::RedisStore;

/// How long a store call may take before it fails rather than hang a request.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// At most this many audit entries are kept by default; older ones are dropped.
pub const AUDIT_LOG_LIMIT: usize = 10_000;

/// Each person's newest this many audit entries are also kept apart, for their own history;
/// more than a week of anyone's decisions.
pub const PERSON_AUDIT_LIMIT: usize = 500;

/// Why a store call failed. The backend's own error is kept as the source, for the logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backing server could not be reached or answered with an error.
    #[error("state store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Redis refused the credentials in `REDIS_URL` (wrong password, or unknown ACL user).
    #[error("Redis authentication failed: check the user name and password in REDIS_URL")]
    AuthenticationFailed(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// `REDIS_CA_FILE` could not be read.
    #[error("cannot read REDIS_CA_FILE {}", path.display())]
    CaFile {
        /// The file named.
        path: std::path::PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// `REDIS_URL` does not name a usable Redis.
    #[error("REDIS_URL is not usable")]
    BadUrl(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The call did not finish within [`CALL_TIMEOUT`].
    #[error("state store did not answer within {} s", CALL_TIMEOUT.as_secs())]
    Timeout,
    /// A stored value could not be read back (written by an incompatible version?).
    #[error("state store holds an unreadable value under {key}")]
    Corrupt {
        /// The key, without the namespace.
        key: String,
        /// What was wrong with it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The result of trying to claim an approval for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This caller holds the claim and must finish or release it.
    Won(ClaimToken),
    /// Someone else claimed it first.
    Taken {
        /// What the winner recorded, or `None` while the winner is still working.
        outcome: Option<ClaimOutcome>,
    },
}

/// Proof of holding a claim; only the holder can record an outcome or release it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClaimToken(pub String);

impl ClaimToken {
    /// A fresh random token.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl Default for ClaimToken {
    fn default() -> Self {
        Self::new()
    }
}

/// What the store knows of an approval's cards: those recorded, those begun and not recorded
/// yet (see [`Store::begin_delivery`]), and the hold they show, if one is noted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deliveries {
    /// The cards recorded, one per recipient, oldest first.
    pub cards: Vec<DeliveredCard>,
    /// The deliveries begun and not recorded, one per recipient, by recipient.
    pub pending: Vec<PendingDelivery>,
    /// The hold the cards show ([`Store::put_hold`]), read in the same round trip so that the
    /// sync learns of a released hold at no extra cost.
    pub hold: Option<Hold>,
}

/// Which lease; there is one per singleton job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Only the holder polls Coupa and delivers cards.
    Sync,
}

impl Lease {
    fn name(self) -> &'static str {
        match self {
            Lease::Sync => "sync",
        }
    }
}

/// Identifies a lease holder (one per process).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseOwner(pub String);

impl LeaseOwner {
    /// A fresh random owner id.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl Default for LeaseOwner {
    fn default() -> Self {
        Self::new()
    }
}

/// The bot's memory, in the engine's words. Every call fails within [`CALL_TIMEOUT`] rather than
/// hang, and none panics on a bad or missing backend.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the store answers; used by `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Whether this store is the embedded, single-replica one.
    fn is_embedded(&self) -> bool;

    // --- Exactly-once decisions -----------------------------------------------------------

    /// Claims `approval` for a decision unless someone already has (set-if-absent with `ttl`).
    async fn claim(&self, approval: ApprovalId, ttl: Duration) -> Result<Claim, StoreError>;

    /// What was recorded for `approval`'s decision while that record is kept; `None` if nobody
    /// has finished deciding it (unclaimed, being decided, or the record has expired). A read:
    /// it claims nothing.
    async fn claim_outcome(&self, approval: ApprovalId)
    -> Result<Option<ClaimOutcome>, StoreError>;

    /// Extends the claim by `ttl` from now while `token` holds it and no outcome is recorded
    /// yet. Returns whether it did (`false`: expired, released, or finished).
    async fn renew_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Records what the holder of `token` did and keeps the claim, now carrying it, for `keep`;
    /// later claimers receive it. Returns `false` if the claim is no longer held by `token`
    /// (expired or released).
    async fn finish_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
        outcome: &ClaimOutcome,
        keep: Duration,
    ) -> Result<bool, StoreError>;

    /// Gives up a claim (the decision failed and may be retried). Only the holder can.
    async fn release_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
    ) -> Result<bool, StoreError>;

    /// Records a decision about to be sent to Coupa (replacing an earlier record for the same
    /// approval, which it returns), in an index the sync reads: kept until
    /// [`Store::forget_doubt`], with no expiry, so that a decision cut off at any point is
    /// settled.
    async fn record_doubt(
        &self,
        doubt: &DecisionInDoubt,
    ) -> Result<Option<DecisionInDoubt>, StoreError>;

    /// Every decision recorded by [`Store::record_doubt`] and not yet forgotten, by approval.
    async fn doubts(&self) -> Result<Vec<DecisionInDoubt>, StoreError>;

    /// Forgets the decision in doubt on `approval` if it is the one carried by the claim
    /// `token` (a later decision's record stays). Returns whether it did.
    async fn forget_doubt(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
    ) -> Result<bool, StoreError>;

    // --- Event de-duplication ---------------------------------------------------------------

    /// Marks `event_id` as seen for `ttl`; returns `true` the first time only.
    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError>;

    // --- Leader lease ---------------------------------------------------------------------------

    /// Takes `lease` for `owner` if nobody else holds it (refreshing its TTL if `owner` already
    /// does). Returns whether `owner` now holds it.
    async fn acquire_lease(
        &self,
        lease: Lease,
        owner: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Extends `lease` if `owner` still holds it. Returns whether it did.
    async fn renew_lease(
        &self,
        lease: Lease,
        owner: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Gives up `lease` if `owner` holds it. Returns whether it did.
    async fn release_lease(&self, lease: Lease, owner: &LeaseOwner) -> Result<bool, StoreError>;

    // --- Delivered cards --------------------------------------------------------------------------

    /// Every card delivered for `approval`, one per recipient, oldest first.
    async fn cards(&self, approval: ApprovalId) -> Result<Vec<DeliveredCard>, StoreError>;

    /// Records a card, replacing the recipient's earlier one for the same approval.
    async fn put_card(&self, approval: ApprovalId, card: &DeliveredCard) -> Result<(), StoreError>;

    /// Forgets every card of `approval` (it is resolved and its cards say so).
    async fn delete_cards(&self, approval: ApprovalId) -> Result<(), StoreError>;

    /// Forgets the cards of a settled `approval` as [`Store::delete_cards`] does, and keeps
    /// `settled` (its cards and how it ended) for `keep`, replacing what was kept before.
    async fn settle_cards(
        &self,
        approval: ApprovalId,
        settled: &SettledCards,
        keep: Duration,
    ) -> Result<(), StoreError>;

    /// The cards of `approval` kept by [`Store::settle_cards`], while they are kept.
    async fn settled_cards(&self, approval: ApprovalId)
    -> Result<Option<SettledCards>, StoreError>;

    // --- Holds -----------------------------------------------------------------------------------

    /// Notes that the cards of `approval` say it is on hold as `hold` says, for `keep`: the sync
    /// edits them back to their buttons once Coupa releases it. Replaces what was noted before.
    async fn put_hold(
        &self,
        approval: ApprovalId,
        hold: &Hold,
        keep: Duration,
    ) -> Result<(), StoreError>;

    /// The hold the cards of `approval` show, while it is noted.
    async fn hold(&self, approval: ApprovalId) -> Result<Option<Hold>, StoreError>;

    /// Forgets the hold of `approval`; `true` when one was noted (so that of several callers
    /// only one brings the cards back).
    async fn forget_hold(&self, approval: ApprovalId) -> Result<bool, StoreError>;

    // --- Deliveries under way ----------------------------------------------------------------------

    /// The cards recorded for `approval` and the deliveries begun for it and not recorded, in
    /// one read.
    async fn deliveries(&self, approval: ApprovalId) -> Result<Deliveries, StoreError>;

    /// Notes that `pending` is about to be posted, before it is: replacing the recipient's
    /// pending attempt `replacing`, or, with `None`, only if the recipient has none. Returns
    /// whether it did (`false`: another attempt began meanwhile). The approval's pending
    /// deliveries are kept for `keep` after the latest began.
    async fn begin_delivery(
        &self,
        approval: ApprovalId,
        replacing: Option<&str>,
        pending: &PendingDelivery,
        keep: Duration,
    ) -> Result<bool, StoreError>;

    /// Records the card that the delivery `attempt` posted, as [`Store::put_card`] does, and ends
    /// that pending delivery, in one step, while `attempt` is still the recipient's pending one.
    /// Returns whether `card` is now the recipient's recorded card: also `true` when it already
    /// was; `false` when another attempt replaced this one (its card is the one to keep).
    async fn record_delivery(
        &self,
        approval: ApprovalId,
        attempt: &str,
        card: &DeliveredCard,
    ) -> Result<bool, StoreError>;

    /// Ends the pending delivery `attempt` to `recipient` without a card (its post failed), if it
    /// is still the pending one.
    async fn drop_delivery(
        &self,
        approval: ApprovalId,
        recipient: &ChatUserId,
        attempt: &str,
    ) -> Result<(), StoreError>;

    /// Every approval that has cards recorded, for reconciliation.
    async fn approvals_with_cards(&self) -> Result<Vec<ApprovalId>, StoreError>;

    /// Approvals with a card not yet marked expired that was sent at or before `cutoff` (to the
    /// millisecond), ascending: the ones whose buttons are due to expire. Answered from an index
    /// of unexpired cards by send time, so a sync cycle reads only the cards that are due, not
    /// every tracked approval.
    async fn approvals_with_cards_sent_by(
        &self,
        cutoff: Timestamp,
    ) -> Result<Vec<ApprovalId>, StoreError>;

    /// Approvals with a card recorded for `user`, ascending (an index per recipient, for
    /// "what's pending").
    async fn approvals_carded_to(&self, user: &ChatUserId) -> Result<Vec<ApprovalId>, StoreError>;

    // --- Directory cache ---------------------------------------------------------------------------

    /// What is cached for `email` (compared trimmed and case-insensitively).
    async fn directory_entry(&self, email: &str) -> Result<Option<DirectoryEntry>, StoreError>;

    /// Caches what is known of `email` for `ttl`. A found user is also cached the other way
    /// round, for [`Store::email_of`].
    async fn remember_directory_entry(
        &self,
        email: &str,
        entry: &DirectoryEntry,
        ttl: Duration,
    ) -> Result<(), StoreError>;

    /// The email cached for a chat user, if any.
    async fn email_of(&self, user: &ChatUserId) -> Result<Option<String>, StoreError>;

    /// Notes an approver with no chat account (replacing an earlier note for the same email).
    async fn note_unmapped(&self, email: &str, name: &str) -> Result<(), StoreError>;

    /// Forgets a noted approver (they now have a chat account).
    async fn forget_unmapped(&self, email: &str) -> Result<(), StoreError>;

    /// Noted unmapped approvers, by email.
    async fn unmapped(&self) -> Result<Vec<UnmappedApprover>, StoreError>;

    /// Marks `email` (compared trimmed and case-insensitively) as having just become reachable,
    /// for `ttl`: a lookup of theirs under way reads it after noting "nobody"
    /// ([`Store::marked_reachable`]).
    async fn mark_reachable(&self, email: &str, ttl: Duration) -> Result<(), StoreError>;

    /// Whether `email` was marked as having become reachable within the mark's `ttl`.
    async fn marked_reachable(&self, email: &str) -> Result<bool, StoreError>;

    // --- Contacts (how to reach a Teams user) ----------------------------------------------------

    /// Remembers how to reach `contact.user`, replacing what was known of them, with no expiry.
    /// The email is kept normalised (an empty one as none); the lookups by email and by
    /// conversation follow the contact's current ones, so an email or conversation they no longer
    /// have stops finding them.
    async fn remember_contact(&self, contact: &ChatContact) -> Result<(), StoreError>;

    /// What is known of how to reach `user`, if anything.
    async fn contact(&self, user: &ChatUserId) -> Result<Option<ChatContact>, StoreError>;

    /// The contact whose current email is `email` (compared trimmed and case-insensitively).
    async fn contact_by_email(&self, email: &str) -> Result<Option<ChatContact>, StoreError>;

    /// The contact whose 1:1 conversation with the bot is `conversation`.
    async fn contact_in(
        &self,
        conversation: &ConversationRef,
    ) -> Result<Option<ChatContact>, StoreError>;

    /// How many contacts are remembered.
    async fn contacts_count(&self) -> Result<usize, StoreError>;

    // --- Proactive installation of the Teams app --------------------------------------------------

    /// Claims the proactive installation of the Teams app for `email` (compared trimmed and
    /// case-insensitively), set-if-absent: `true` for the one caller that may ask for it now,
    /// `false` while it is installed, being installed (for `hold`), or waiting out the back-off
    /// of a failure.
    async fn claim_install(&self, email: &str, hold: Duration) -> Result<bool, StoreError>;

    /// Records that the app is installed for `email`: it is never claimed again, and a failure
    /// noted before is forgotten.
    async fn install_done(&self, email: &str) -> Result<(), StoreError>;

    /// Records that the installation for `failed.email` failed: it may be claimed again after
    /// `retry_after`, and `failed` is kept (replacing an earlier one) until it succeeds.
    async fn install_failed(
        &self,
        failed: &FailedInstall,
        retry_after: Duration,
    ) -> Result<(), StoreError>;

    /// The installations that failed and have not succeeded since, by email.
    async fn failed_installs(&self) -> Result<Vec<FailedInstall>, StoreError>;

    // --- "What's pending" ---------------------------------------------------------------------------

    /// Keeps the list last shown to `user`, replacing the previous one.
    async fn save_pending(
        &self,
        user: &ChatUserId,
        snapshot: &PendingSnapshot,
    ) -> Result<(), StoreError>;

    /// The list last shown to `user`, if any.
    async fn last_pending(&self, user: &ChatUserId) -> Result<Option<PendingSnapshot>, StoreError>;

    // --- Sync watermark -----------------------------------------------------------------------------

    /// The newest Coupa `updated-at` handled so far.
    async fn watermark(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Moves the watermark (after a batch is fully handled).
    async fn set_watermark(&self, at: Timestamp) -> Result<(), StoreError>;

    /// When a sync cycle last succeeded, on whichever replica led; `None` if none ever did.
    /// Read by `check`, which runs as a process of its own.
    async fn last_sync_success(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Records that a sync cycle succeeded at `at`.
    async fn set_last_sync_success(&self, at: Timestamp) -> Result<(), StoreError>;

    // --- Audit log ------------------------------------------------------------------------------------

    /// Appends to the audit log, which keeps only the newest entries ([`AUDIT_LOG_LIMIT`] unless
    /// the store was built with another limit).
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Up to `limit` audit entries, newest first.
    async fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;

    /// Up to `limit` of `actor`'s own audit entries, newest first: each entry appended is also
    /// kept in its actor's own list, which keeps their newest [`PERSON_AUDIT_LIMIT`], so a
    /// person's history reads only their own entries, however long the whole log.
    async fn audit_of(
        &self,
        actor: &ChatUserId,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Keeps `view`, the card for `approval` as last written to `user` (encoded by the chat
    /// adapter that wrote it), for `ttl`: what a platform that asks for a card again is answered
    /// with (a Teams client refreshing a card). Replaces the view kept before.
    async fn remember_card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
        view: &str,
        ttl: Duration,
    ) -> Result<(), StoreError>;

    /// The card for `approval` last written to `user`, while it is kept.
    async fn card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
    ) -> Result<Option<String>, StoreError>;

    // --- Reminders ------------------------------------------------------------------------------

    /// Claims `user`'s reminder of the local `day` (`2026-12-07`), set-if-absent, kept for
    /// `keep`: `true` for the one caller that may send it, `false` once anyone has claimed it.
    async fn claim_reminder(
        &self,
        user: &ChatUserId,
        day: &str,
        keep: Duration,
    ) -> Result<bool, StoreError>;

    /// Gives back `user`'s claim on the reminder of `day` (it could not be sent): it may be
    /// claimed again.
    async fn release_reminder(&self, user: &ChatUserId, day: &str) -> Result<(), StoreError>;

    /// Turns `user`'s reminders on or off, kept with no expiry.
    async fn set_reminders_on(&self, user: &ChatUserId, on: bool) -> Result<(), StoreError>;

    /// Whether `user` gets reminders: `true` unless they turned them off.
    async fn reminders_on(&self, user: &ChatUserId) -> Result<bool, StoreError>;
    // --- Digests ------------------------------------------------------------------------------

    /// Keeps each of `items` (an approval and its item's view, encoded by the engine) as an item
    /// of `digest`, replacing what was kept for those approvals. Each item is written on its own,
    /// so that two items changed at once (on two replicas) both stay; the digest is kept for
    /// `keep` after its latest write.
    async fn put_digest_items(
        &self,
        digest: &DigestId,
        items: &[(ApprovalId, String)],
        keep: Duration,
    ) -> Result<(), StoreError>;

    /// Every item kept for `digest`, by approval ascending; none once it has expired.
    async fn digest_items(
        &self,
        digest: &DigestId,
    ) -> Result<Vec<(ApprovalId, String)>, StoreError>;

    /// Forgets `approval`'s item of `digest` (its card was withdrawn from the digest).
    async fn remove_digest_item(
        &self,
        digest: &DigestId,
        approval: ApprovalId,
    ) -> Result<(), StoreError>;
}

/// Puts cards in the order every store returns them: oldest first, then by recipient.
fn sort_cards(cards: &mut [DeliveredCard]) {
    cards.sort_by(|a, b| (a.sent_at, &a.recipient).cmp(&(b.sent_at, &b.recipient)));
}

/// `contact` as every store keeps it: its email normalised, and an empty email or conversation
/// id taken as none (nobody is found by an empty one).
fn normalize_contact(contact: &ChatContact) -> ChatContact {
    let mut contact = contact.clone();
    contact.email = contact
        .email
        .as_deref()
        .map(normalize_email)
        .filter(|email| !email.is_empty());
    contact.conversation = contact
        .conversation
        .filter(|conversation| !conversation.as_str().is_empty());
    contact
}

/// Opens the store the settings select: Redis when `REDIS_URL` is set, else the embedded one.
pub fn open(
    settings: &crate::config::StoreSettings,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    match &settings.redis_url {
        Some(url) => {
            tracing::info!(prefix = %settings.key_prefix, "state store: Redis");
            let store = match &settings.redis_ca_file {
                Some(path) => {
                    let root_ca = std::fs::read(path).map_err(|source| StoreError::CaFile {
                        path: path.clone(),
                        source,
                    })?;
                    RedisStore::with_root_ca(url, &settings.key_prefix, root_ca)?
                }
                None => RedisStore::new(url, &settings.key_prefix)?,
            };
            Ok(std::sync::Arc::new(store))
        }
        None => {
            tracing::warn!(
                "REDIS_URL is not set: using the embedded in-memory store. State is lost on restart \
                 and only one replica may run; set REDIS_URL for production."
            );
            Ok(std::sync::Arc::new(MemoryStore::new()))
        }
    }
}
