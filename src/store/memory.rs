//! [`MemoryStore`]: the embedded store for a single replica. Nothing survives a restart.
//!
//! Expiry uses `tokio::time::Instant`, so tests that pause time see entries expire exactly as
//! they would on Redis. Reads ignore an expired entry; to keep a long-running replica's memory
//! bounded, every expired entry is also swept out, at most once per [`SWEEP_EVERY`], by the first
//! store call after that interval (amortised: no timer task to start or stop).
//!
//! Contacts are kept in [`contacts::Contacts`], which has no expiry.

mod contacts;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use tokio::time::Instant;

use self::contacts::Contacts;
use super::{
    AUDIT_LOG_LIMIT, Claim, ClaimToken, Deliveries, Lease, LeaseOwner, PERSON_AUDIT_LIMIT, Store,
    StoreError, normalize_contact, sort_cards,
};
use crate::domain::conversation::ConversationRef;
use crate::domain::hold::Hold;
use crate::domain::records::{
    AuditEntry, ChatContact, ClaimOutcome, DecisionInDoubt, DeliveredCard, DigestId,
    DirectoryEntry, FailedInstall, PendingDelivery, PendingSnapshot, SettledCards,
    UnmappedApprover,
};
use crate::domain::{ApprovalId, ChatUserId, normalize_email};

/// How often expired entries are swept out of every map. A sweep is one pass over the maps;
/// once a minute keeps it negligible while memory tracks what is live within a minute.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A value that disappears at `expires`.
struct Expiring<T> {
    value: T,
    expires: Instant,
}

impl<T> Expiring<T> {
    fn new(value: T, ttl: Duration) -> Self {
        Self {
            value,
            expires: Instant::now() + ttl,
        }
    }

    fn live(&self) -> bool {
        Instant::now() < self.expires
    }
}

/// Reads a live entry, dropping it if it has expired.
fn live<'a, K: std::hash::Hash + Eq, T>(
    map: &'a mut HashMap<K, Expiring<T>>,
    key: &K,
) -> Option<&'a mut Expiring<T>> {
    if map.get(key).is_some_and(|e| !e.live()) {
        map.remove(key);
    }
    map.get_mut(key)
}

struct ClaimState {
    token: ClaimToken,
    outcome: Option<ClaimOutcome>,
}

#[derive(Default)]
struct Inner {
    claims: HashMap<ApprovalId, Expiring<ClaimState>>,
    doubts: BTreeMap<ApprovalId, DecisionInDoubt>,
    events: HashMap<String, Expiring<()>>,
    leases: HashMap<&'static str, Expiring<LeaseOwner>>,
    cards: BTreeMap<ApprovalId, Vec<DeliveredCard>>,
    deliveries: HashMap<ApprovalId, Expiring<Vec<PendingDelivery>>>,
    settled: HashMap<ApprovalId, Expiring<SettledCards>>,
    directory: HashMap<String, Expiring<DirectoryEntry>>,
    emails: HashMap<ChatUserId, Expiring<String>>,
    unmapped: BTreeMap<String, UnmappedApprover>,
    reachable: HashMap<String, Expiring<()>>,
    contacts: Contacts,
    /// Proactive installations claimed, done (no expiry) or waiting out a failure's back-off.
    installs: HashMap<String, Option<Instant>>,
    failed_installs: BTreeMap<String, FailedInstall>,
    pending: HashMap<ChatUserId, PendingSnapshot>,
    watermark: Option<Timestamp>,
    last_sync_success: Option<Timestamp>,
    audit: VecDeque<AuditEntry>,
    audit_by_actor: HashMap<ChatUserId, VecDeque<AuditEntry>>,
    card_views: HashMap<(ApprovalId, ChatUserId), Expiring<String>>,
    holds: HashMap<ApprovalId, Expiring<Hold>>,
    /// Reminders claimed, by person and local day.
    reminders: HashMap<(ChatUserId, String), Expiring<()>>,
    /// Who turned reminders off.
    reminders_off: std::collections::HashSet<ChatUserId>,
    /// Each digest's items' views, by approval; expiring `keep` after the latest write.
    digests: HashMap<DigestId, Expiring<BTreeMap<ApprovalId, String>>>,
    /// When expired entries are next swept out; `None` until the first call.
    next_sweep: Option<Instant>,
}

impl Inner {
    /// Drops every expired entry if [`SWEEP_EVERY`] has passed since the last sweep.
    fn sweep_if_due(&mut self) {
        let now = Instant::now();
        match self.next_sweep {
            Some(due) if now < due => return,
            Some(_) => self.sweep(),
            // The first call: nothing can have expired yet in a store just created.
            None => {}
        }
        self.next_sweep = Some(now + SWEEP_EVERY);
    }

    /// Drops every expired entry from every map that expires.
    fn sweep(&mut self) {
        self.claims.retain(|_, e| e.live());
        self.reminders.retain(|_, e| e.live());
        self.events.retain(|_, e| e.live());
        self.leases.retain(|_, e| e.live());
        self.settled.retain(|_, e| e.live());
        self.directory.retain(|_, e| e.live());
        self.emails.retain(|_, e| e.live());
        self.reachable.retain(|_, e| e.live());
        self.card_views.retain(|_, e| e.live());
        self.holds.retain(|_, e| e.live());
        self.digests.retain(|_, e| e.live());
        let now = Instant::now();
        self.installs
            .retain(|_, until| until.is_none_or(|until| now < until));
    }
}

/// The embedded, in-process store.
pub struct MemoryStore {
    inner: Mutex<Inner>,
    audit_limit: usize,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            inner: Mutex::default(),
            audit_limit: AUDIT_LOG_LIMIT,
        }
    }

    /// Keeps only the newest `limit` audit entries instead of [`AUDIT_LOG_LIMIT`].
    pub fn with_audit_limit(mut self, limit: usize) -> Self {
        self.audit_limit = limit;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that matters
        // more than losing the whole store, so keep serving.
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.sweep_if_due();
        inner
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        // Readiness probes call this every few seconds: a chance to sweep even when idle.
        drop(self.lock());
        Ok(())
    }

    fn is_embedded(&self) -> bool {
        true
    }

    async fn claim(&self, approval: ApprovalId, ttl: Duration) -> Result<Claim, StoreError> {
        let mut inner = self.lock();
        if let Some(existing) = live(&mut inner.claims, &approval) {
            return Ok(Claim::Taken {
                outcome: existing.value.outcome.clone(),
            });
        }
        let token = ClaimToken::new();
        let state = ClaimState {
            token: token.clone(),
            outcome: None,
        };
        inner.claims.insert(approval, Expiring::new(state, ttl));
        Ok(Claim::Won(token))
    }

    async fn claim_outcome(
        &self,
        approval: ApprovalId,
    ) -> Result<Option<ClaimOutcome>, StoreError> {
        let mut inner = self.lock();
        Ok(live(&mut inner.claims, &approval).and_then(|c| c.value.outcome.clone()))
    }

    async fn renew_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match live(&mut inner.claims, &approval) {
            Some(claim) if claim.value.token == *token && claim.value.outcome.is_none() => {
                claim.expires = Instant::now() + ttl;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn finish_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
        outcome: &ClaimOutcome,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match live(&mut inner.claims, &approval) {
            Some(claim) if claim.value.token == *token => {
                claim.value.outcome = Some(outcome.clone());
                claim.expires = Instant::now() + keep;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let held = live(&mut inner.claims, &approval).is_some_and(|c| c.value.token == *token);
        if held {
            inner.claims.remove(&approval);
        }
        Ok(held)
    }

    async fn record_doubt(
        &self,
        doubt: &DecisionInDoubt,
    ) -> Result<Option<DecisionInDoubt>, StoreError> {
        Ok(self.lock().doubts.insert(doubt.approval, doubt.clone()))
    }

    async fn doubts(&self) -> Result<Vec<DecisionInDoubt>, StoreError> {
        Ok(self.lock().doubts.values().cloned().collect())
    }

    async fn forget_doubt(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let ours = inner
            .doubts
            .get(&approval)
            .is_some_and(|d| d.claim == token.0);
        if ours {
            inner.doubts.remove(&approval);
        }
        Ok(ours)
    }

    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let key = event_id.to_owned();
        if live(&mut inner.events, &key).is_some() {
            return Ok(false);
        }
        inner.events.insert(key, Expiring::new((), ttl));
        Ok(true)
    }

    async fn acquire_lease(
        &self,
        lease: Lease,
        owner: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        if live(&mut inner.leases, &lease.name()).is_some_and(|held| held.value != *owner) {
            return Ok(false);
        }
        inner
            .leases
            .insert(lease.name(), Expiring::new(owner.clone(), ttl));
        Ok(true)
    }

    async fn renew_lease(
        &self,
        lease: Lease,
        owner: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match live(&mut inner.leases, &lease.name()) {
            Some(held) if held.value == *owner => {
                held.expires = Instant::now() + ttl;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release_lease(&self, lease: Lease, owner: &LeaseOwner) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let held = live(&mut inner.leases, &lease.name()).is_some_and(|h| h.value == *owner);
        if held {
            inner.leases.remove(lease.name());
        }
        Ok(held)
    }

    async fn cards(&self, approval: ApprovalId) -> Result<Vec<DeliveredCard>, StoreError> {
        let mut cards = self
            .lock()
            .cards
            .get(&approval)
            .cloned()
            .unwrap_or_default();
        sort_cards(&mut cards);
        Ok(cards)
    }

    async fn put_card(&self, approval: ApprovalId, card: &DeliveredCard) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let cards = inner.cards.entry(approval).or_default();
        cards.retain(|c| c.recipient != card.recipient);
        cards.push(card.clone());
        Ok(())
    }

    async fn deliveries(&self, approval: ApprovalId) -> Result<Deliveries, StoreError> {
        let mut inner = self.lock();
        let mut pending = live(&mut inner.deliveries, &approval)
            .map(|p| p.value.clone())
            .unwrap_or_default();
        pending.sort_by(|a, b| a.recipient.cmp(&b.recipient));
        let mut cards = inner.cards.get(&approval).cloned().unwrap_or_default();
        sort_cards(&mut cards);
        let hold = live(&mut inner.holds, &approval).map(|h| h.value.clone());
        Ok(Deliveries {
            cards,
            pending,
            hold,
        })
    }

    async fn begin_delivery(
        &self,
        approval: ApprovalId,
        replacing: Option<&str>,
        pending: &PendingDelivery,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let mut all = live(&mut inner.deliveries, &approval)
            .map(|p| std::mem::take(&mut p.value))
            .unwrap_or_default();
        let current = all
            .iter()
            .find(|p| p.recipient == pending.recipient)
            .map(|p| p.attempt.as_str());
        let began = current == replacing;
        if began {
            all.retain(|p| p.recipient != pending.recipient);
            all.push(pending.clone());
        }
        let kept = match inner.deliveries.remove(&approval) {
            // Not replaced: the approval's pending deliveries keep their expiry.
            Some(entry) if !began => Expiring {
                value: all,
                expires: entry.expires,
            },
            _ => Expiring::new(all, keep),
        };
        inner.deliveries.insert(approval, kept);
        Ok(began)
    }

    async fn record_delivery(
        &self,
        approval: ApprovalId,
        attempt: &str,
        card: &DeliveredCard,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let pending = live(&mut inner.deliveries, &approval);
        let ours = pending.is_some_and(|p| {
            let before = p.value.len();
            p.value
                .retain(|d| !(d.recipient == card.recipient && d.attempt == attempt));
            p.value.len() != before
        });
        if ours {
            let cards = inner.cards.entry(approval).or_default();
            cards.retain(|c| c.recipient != card.recipient);
            cards.push(card.clone());
            return Ok(true);
        }
        Ok(inner.cards.get(&approval).is_some_and(|cards| {
            cards
                .iter()
                .any(|c| c.recipient == card.recipient && c.message == card.message)
        }))
    }

    async fn drop_delivery(
        &self,
        approval: ApprovalId,
        recipient: &ChatUserId,
        attempt: &str,
    ) -> Result<(), StoreError> {
        if let Some(pending) = live(&mut self.lock().deliveries, &approval) {
            pending
                .value
                .retain(|d| !(d.recipient == *recipient && d.attempt == attempt));
        }
        Ok(())
    }

    async fn delete_cards(&self, approval: ApprovalId) -> Result<(), StoreError> {
        self.lock().cards.remove(&approval);
        Ok(())
    }

    async fn settle_cards(
        &self,
        approval: ApprovalId,
        settled: &SettledCards,
        keep: Duration,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.cards.remove(&approval);
        inner
            .settled
            .insert(approval, Expiring::new(settled.clone(), keep));
        Ok(())
    }

    async fn settled_cards(
        &self,
        approval: ApprovalId,
    ) -> Result<Option<SettledCards>, StoreError> {
        Ok(live(&mut self.lock().settled, &approval).map(|s| s.value.clone()))
    }

    async fn put_hold(
        &self,
        approval: ApprovalId,
        hold: &Hold,
        keep: Duration,
    ) -> Result<(), StoreError> {
        self.lock()
            .holds
            .insert(approval, Expiring::new(hold.clone(), keep));
        Ok(())
    }

    async fn hold(&self, approval: ApprovalId) -> Result<Option<Hold>, StoreError> {
        Ok(live(&mut self.lock().holds, &approval).map(|h| h.value.clone()))
    }

    async fn forget_hold(&self, approval: ApprovalId) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .holds
            .remove(&approval)
            .is_some_and(|h| h.live()))
    }

    async fn approvals_with_cards(&self) -> Result<Vec<ApprovalId>, StoreError> {
        Ok(self.lock().cards.keys().copied().collect())
    }

    async fn approvals_with_cards_sent_by(
        &self,
        cutoff: Timestamp,
    ) -> Result<Vec<ApprovalId>, StoreError> {
        // In process a scan costs microseconds per thousand cards; Redis keeps a real index.
        let cutoff = cutoff.as_millisecond();
        Ok(self
            .lock()
            .cards
            .iter()
            .filter(|(_, cards)| {
                cards
                    .iter()
                    .any(|c| !c.expired && c.sent_at.as_millisecond() <= cutoff)
            })
            .map(|(approval, _)| *approval)
            .collect())
    }

    async fn approvals_carded_to(&self, user: &ChatUserId) -> Result<Vec<ApprovalId>, StoreError> {
        Ok(self
            .lock()
            .cards
            .iter()
            .filter(|(_, cards)| cards.iter().any(|c| c.recipient == *user))
            .map(|(approval, _)| *approval)
            .collect())
    }

    async fn directory_entry(&self, email: &str) -> Result<Option<DirectoryEntry>, StoreError> {
        let mut inner = self.lock();
        Ok(live(&mut inner.directory, &normalize_email(email)).map(|e| e.value.clone()))
    }

    async fn remember_directory_entry(
        &self,
        email: &str,
        entry: &DirectoryEntry,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let email = normalize_email(email);
        let mut inner = self.lock();
        if let DirectoryEntry::Found(user) = entry {
            inner
                .emails
                .insert(user.clone(), Expiring::new(email.clone(), ttl));
        }
        inner
            .directory
            .insert(email, Expiring::new(entry.clone(), ttl));
        Ok(())
    }

    async fn email_of(&self, user: &ChatUserId) -> Result<Option<String>, StoreError> {
        let mut inner = self.lock();
        Ok(live(&mut inner.emails, user).map(|e| e.value.clone()))
    }

    async fn note_unmapped(&self, email: &str, name: &str) -> Result<(), StoreError> {
        let email = normalize_email(email);
        let approver = UnmappedApprover {
            email: email.clone(),
            name: name.to_owned(),
            noticed_at: Timestamp::now(),
        };
        self.lock().unmapped.insert(email, approver);
        Ok(())
    }

    async fn forget_unmapped(&self, email: &str) -> Result<(), StoreError> {
        self.lock().unmapped.remove(&normalize_email(email));
        Ok(())
    }

    async fn unmapped(&self) -> Result<Vec<UnmappedApprover>, StoreError> {
        Ok(self.lock().unmapped.values().cloned().collect())
    }

    async fn mark_reachable(&self, email: &str, ttl: Duration) -> Result<(), StoreError> {
        self.lock()
            .reachable
            .insert(normalize_email(email), Expiring::new((), ttl));
        Ok(())
    }

    async fn marked_reachable(&self, email: &str) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        Ok(live(&mut inner.reachable, &normalize_email(email)).is_some())
    }

    async fn remember_contact(&self, contact: &ChatContact) -> Result<(), StoreError> {
        self.lock().contacts.remember(normalize_contact(contact));
        Ok(())
    }

    async fn contact(&self, user: &ChatUserId) -> Result<Option<ChatContact>, StoreError> {
        Ok(self.lock().contacts.get(user).cloned())
    }

    async fn contact_by_email(&self, email: &str) -> Result<Option<ChatContact>, StoreError> {
        Ok(self
            .lock()
            .contacts
            .by_email(&normalize_email(email))
            .cloned())
    }

    async fn contact_in(
        &self,
        conversation: &ConversationRef,
    ) -> Result<Option<ChatContact>, StoreError> {
        Ok(self.lock().contacts.in_conversation(conversation).cloned())
    }

    async fn contacts_count(&self) -> Result<usize, StoreError> {
        Ok(self.lock().contacts.len())
    }

    async fn claim_install(&self, email: &str, hold: Duration) -> Result<bool, StoreError> {
        let email = normalize_email(email);
        let now = Instant::now();
        let mut inner = self.lock();
        let held = inner
            .installs
            .get(&email)
            .is_some_and(|until| until.is_none_or(|until| now < until));
        if held {
            return Ok(false);
        }
        inner.installs.insert(email, Some(now + hold));
        Ok(true)
    }

    async fn claim_reminder(
        &self,
        user: &ChatUserId,
        day: &str,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let key = (user.clone(), day.to_owned());
        if live(&mut inner.reminders, &key).is_some() {
            return Ok(false);
        }
        inner.reminders.insert(key, Expiring::new((), keep));
        Ok(true)
    }

    async fn release_reminder(&self, user: &ChatUserId, day: &str) -> Result<(), StoreError> {
        self.lock()
            .reminders
            .remove(&(user.clone(), day.to_owned()));
        Ok(())
    }

    async fn set_reminders_on(&self, user: &ChatUserId, on: bool) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if on {
            inner.reminders_off.remove(user);
        } else {
            inner.reminders_off.insert(user.clone());
        }
        Ok(())
    }

    async fn reminders_on(&self, user: &ChatUserId) -> Result<bool, StoreError> {
        Ok(!self.lock().reminders_off.contains(user))
    }

    async fn install_done(&self, email: &str) -> Result<(), StoreError> {
        let email = normalize_email(email);
        let mut inner = self.lock();
        inner.failed_installs.remove(&email);
        inner.installs.insert(email, None);
        Ok(())
    }

    async fn install_failed(
        &self,
        failed: &FailedInstall,
        retry_after: Duration,
    ) -> Result<(), StoreError> {
        let email = normalize_email(&failed.email);
        let mut failed = failed.clone();
        failed.email = email.clone();
        let mut inner = self.lock();
        inner
            .installs
            .insert(email.clone(), Some(Instant::now() + retry_after));
        inner.failed_installs.insert(email, failed);
        Ok(())
    }

    async fn failed_installs(&self) -> Result<Vec<FailedInstall>, StoreError> {
        Ok(self.lock().failed_installs.values().cloned().collect())
    }

    async fn save_pending(
        &self,
        user: &ChatUserId,
        snapshot: &PendingSnapshot,
    ) -> Result<(), StoreError> {
        self.lock().pending.insert(user.clone(), snapshot.clone());
        Ok(())
    }

    async fn last_pending(&self, user: &ChatUserId) -> Result<Option<PendingSnapshot>, StoreError> {
        Ok(self.lock().pending.get(user).cloned())
    }

    async fn watermark(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.lock().watermark)
    }

    async fn set_watermark(&self, at: Timestamp) -> Result<(), StoreError> {
        self.lock().watermark = Some(at);
        Ok(())
    }

    async fn last_sync_success(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.lock().last_sync_success)
    }

    async fn set_last_sync_success(&self, at: Timestamp) -> Result<(), StoreError> {
        self.lock().last_sync_success = Some(at);
        Ok(())
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.audit.push_front(entry.clone());
        inner.audit.truncate(self.audit_limit);
        let own = inner.audit_by_actor.entry(entry.actor.clone()).or_default();
        own.push_front(entry.clone());
        own.truncate(PERSON_AUDIT_LIMIT);
        Ok(())
    }

    async fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self.lock().audit.iter().take(limit).cloned().collect())
    }

    async fn audit_of(
        &self,
        actor: &ChatUserId,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .lock()
            .audit_by_actor
            .get(actor)
            .map(|own| own.iter().take(limit).cloned().collect())
            .unwrap_or_default())
    }

    async fn remember_card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
        view: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.lock().card_views.insert(
            (approval, user.clone()),
            Expiring::new(view.to_owned(), ttl),
        );
        Ok(())
    }

    async fn card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
    ) -> Result<Option<String>, StoreError> {
        let mut inner = self.lock();
        Ok(live(&mut inner.card_views, &(approval, user.clone())).map(|view| view.value.clone()))
    }

    async fn put_digest_items(
        &self,
        digest: &DigestId,
        items: &[(ApprovalId, String)],
        keep: Duration,
    ) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut inner = self.lock();
        let mut kept = live(&mut inner.digests, digest)
            .map(|e| std::mem::take(&mut e.value))
            .unwrap_or_default();
        for (approval, view) in items {
            kept.insert(*approval, view.clone());
        }
        inner
            .digests
            .insert(digest.clone(), Expiring::new(kept, keep));
        Ok(())
    }

    async fn digest_items(
        &self,
        digest: &DigestId,
    ) -> Result<Vec<(ApprovalId, String)>, StoreError> {
        let mut inner = self.lock();
        Ok(live(&mut inner.digests, digest)
            .map(|e| {
                e.value
                    .iter()
                    .map(|(approval, view)| (*approval, view.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn remove_digest_item(
        &self,
        digest: &DigestId,
        approval: ApprovalId,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(e) = live(&mut inner.digests, digest) {
            e.value.remove(&approval);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::records::DirectoryEntry;

    /// How many entries the expiring maps hold, expired or not.
    fn held(store: &MemoryStore) -> usize {
        let inner = store.inner.lock().unwrap();
        inner.claims.len()
            + inner.events.len()
            + inner.leases.len()
            + inner.settled.len()
            + inner.directory.len()
            + inner.emails.len()
    }

    #[tokio::test(start_paused = true)]
    async fn entries_past_their_ttl_are_swept_out_not_only_ignored() {
        let store = MemoryStore::new();
        let short = Duration::from_secs(1);
        for n in 0..500u64 {
            store
                .first_sighting(&format!("Ev{n}"), short)
                .await
                .unwrap();
            store.claim(ApprovalId(n), short).await.unwrap();
            let user = ChatUserId(format!("U{n}"));
            store
                .remember_directory_entry(
                    &format!("p{n}@example.com"),
                    &DirectoryEntry::Found(user),
                    short,
                )
                .await
                .unwrap();
        }
        store
            .acquire_lease(Lease::Sync, &LeaseOwner::new(), short)
            .await
            .unwrap();
        let kept = Duration::from_secs(3600);
        store.first_sighting("Ev-kept", kept).await.unwrap();
        assert_eq!(held(&store), 2_002);

        tokio::time::advance(SWEEP_EVERY + short).await;
        // Any call after the interval sweeps; a read is enough.
        store.ping().await.unwrap();
        assert_eq!(store.lock().events.len(), 1);
        assert_eq!(held(&store), 1, "only the unexpired event id is left");
        assert!(!store.first_sighting("Ev-kept", kept).await.unwrap());
        assert!(store.first_sighting("Ev0", kept).await.unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_swept_before_the_interval_or_while_still_live() {
        let store = MemoryStore::new();
        store
            .first_sighting("Ev-short", Duration::from_secs(1))
            .await
            .unwrap();
        store
            .first_sighting("Ev-long", SWEEP_EVERY * 3)
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
        store.ping().await.unwrap();
        // Expired but not yet swept: reads already ignore it.
        assert_eq!(held(&store), 2);
        assert!(store.first_sighting("Ev-short", SWEEP_EVERY).await.unwrap());
        tokio::time::advance(SWEEP_EVERY).await;
        store.ping().await.unwrap();
        assert_eq!(held(&store), 1, "the live entry stays");
        assert!(!store.first_sighting("Ev-long", SWEEP_EVERY).await.unwrap());
    }
}
