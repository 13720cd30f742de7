//! A store that counts the calls made to it, by method, and passes them to another store: tests
//! of what a sync cycle costs assert on these counts.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use coupa_approvals::domain::conversation::ConversationRef;
use coupa_approvals::domain::hold::Hold;
use coupa_approvals::domain::records::{
    AuditEntry, ChatContact, ClaimOutcome, DecisionInDoubt, DeliveredCard, DigestId,
    DirectoryEntry, FailedInstall, PendingDelivery, PendingSnapshot, SettledCards,
    UnmappedApprover,
};
use coupa_approvals::domain::{ApprovalId, ChatUserId};
use coupa_approvals::store::{Claim, ClaimToken, Deliveries, Lease, LeaseOwner, Store, StoreError};
use jiff::Timestamp;

pub struct CountingStore<S> {
    pub inner: S,
    calls: Mutex<BTreeMap<&'static str, usize>>,
}

impl<S: Store> CountingStore<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            calls: Mutex::default(),
        }
    }

    fn count(&self, method: &'static str) {
        *self.calls.lock().unwrap().entry(method).or_default() += 1;
    }

    /// Calls so far, by method.
    pub fn calls(&self) -> BTreeMap<&'static str, usize> {
        self.calls.lock().unwrap().clone()
    }

    /// Calls so far, all methods together.
    pub fn total(&self) -> usize {
        self.calls.lock().unwrap().values().sum()
    }

    /// Starts counting afresh.
    pub fn reset(&self) {
        self.calls.lock().unwrap().clear();
    }
}

#[async_trait]
impl<S: Store> Store for CountingStore<S> {
    async fn ping(&self) -> Result<(), StoreError> {
        self.count("ping");
        self.inner.ping().await
    }
    fn is_embedded(&self) -> bool {
        self.count("is_embedded");
        self.inner.is_embedded()
    }
    async fn claim(&self, a: ApprovalId, ttl: Duration) -> Result<Claim, StoreError> {
        self.count("claim");
        self.inner.claim(a, ttl).await
    }
    async fn claim_outcome(&self, a: ApprovalId) -> Result<Option<ClaimOutcome>, StoreError> {
        self.count("claim_outcome");
        self.inner.claim_outcome(a).await
    }
    async fn renew_claim(
        &self,
        a: ApprovalId,
        t: &ClaimToken,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.count("renew_claim");
        self.inner.renew_claim(a, t, ttl).await
    }
    async fn finish_claim(
        &self,
        a: ApprovalId,
        t: &ClaimToken,
        o: &ClaimOutcome,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        self.count("finish_claim");
        self.inner.finish_claim(a, t, o, keep).await
    }
    async fn release_claim(&self, a: ApprovalId, t: &ClaimToken) -> Result<bool, StoreError> {
        self.count("release_claim");
        self.inner.release_claim(a, t).await
    }
    async fn record_doubt(
        &self,
        d: &DecisionInDoubt,
    ) -> Result<Option<DecisionInDoubt>, StoreError> {
        self.count("record_doubt");
        self.inner.record_doubt(d).await
    }
    async fn doubts(&self) -> Result<Vec<DecisionInDoubt>, StoreError> {
        self.count("doubts");
        self.inner.doubts().await
    }
    async fn forget_doubt(&self, a: ApprovalId, t: &ClaimToken) -> Result<bool, StoreError> {
        self.count("forget_doubt");
        self.inner.forget_doubt(a, t).await
    }
    async fn first_sighting(&self, id: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.count("first_sighting");
        self.inner.first_sighting(id, ttl).await
    }
    async fn acquire_lease(
        &self,
        l: Lease,
        o: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.count("acquire_lease");
        self.inner.acquire_lease(l, o, ttl).await
    }
    async fn renew_lease(
        &self,
        l: Lease,
        o: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.count("renew_lease");
        self.inner.renew_lease(l, o, ttl).await
    }
    async fn release_lease(&self, l: Lease, o: &LeaseOwner) -> Result<bool, StoreError> {
        self.count("release_lease");
        self.inner.release_lease(l, o).await
    }
    async fn cards(&self, a: ApprovalId) -> Result<Vec<DeliveredCard>, StoreError> {
        self.count("cards");
        self.inner.cards(a).await
    }
    async fn put_card(&self, a: ApprovalId, c: &DeliveredCard) -> Result<(), StoreError> {
        self.count("put_card");
        self.inner.put_card(a, c).await
    }
    async fn deliveries(&self, a: ApprovalId) -> Result<Deliveries, StoreError> {
        self.count("deliveries");
        self.inner.deliveries(a).await
    }
    async fn begin_delivery(
        &self,
        a: ApprovalId,
        replacing: Option<&str>,
        p: &PendingDelivery,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        self.count("begin_delivery");
        self.inner.begin_delivery(a, replacing, p, keep).await
    }
    async fn record_delivery(
        &self,
        a: ApprovalId,
        attempt: &str,
        card: &DeliveredCard,
    ) -> Result<bool, StoreError> {
        self.count("record_delivery");
        self.inner.record_delivery(a, attempt, card).await
    }
    async fn drop_delivery(
        &self,
        a: ApprovalId,
        u: &ChatUserId,
        attempt: &str,
    ) -> Result<(), StoreError> {
        self.count("drop_delivery");
        self.inner.drop_delivery(a, u, attempt).await
    }
    async fn delete_cards(&self, a: ApprovalId) -> Result<(), StoreError> {
        self.count("delete_cards");
        self.inner.delete_cards(a).await
    }
    async fn settle_cards(
        &self,
        a: ApprovalId,
        settled: &SettledCards,
        keep: Duration,
    ) -> Result<(), StoreError> {
        self.count("settle_cards");
        self.inner.settle_cards(a, settled, keep).await
    }
    async fn settled_cards(&self, a: ApprovalId) -> Result<Option<SettledCards>, StoreError> {
        self.count("settled_cards");
        self.inner.settled_cards(a).await
    }
    async fn put_hold(&self, a: ApprovalId, h: &Hold, keep: Duration) -> Result<(), StoreError> {
        self.count("put_hold");
        self.inner.put_hold(a, h, keep).await
    }
    async fn hold(&self, a: ApprovalId) -> Result<Option<Hold>, StoreError> {
        self.count("hold");
        self.inner.hold(a).await
    }
    async fn forget_hold(&self, a: ApprovalId) -> Result<bool, StoreError> {
        self.count("forget_hold");
        self.inner.forget_hold(a).await
    }
    async fn approvals_with_cards(&self) -> Result<Vec<ApprovalId>, StoreError> {
        self.count("approvals_with_cards");
        self.inner.approvals_with_cards().await
    }
    async fn approvals_with_cards_sent_by(
        &self,
        cutoff: Timestamp,
    ) -> Result<Vec<ApprovalId>, StoreError> {
        self.count("approvals_with_cards_sent_by");
        self.inner.approvals_with_cards_sent_by(cutoff).await
    }
    async fn approvals_carded_to(&self, u: &ChatUserId) -> Result<Vec<ApprovalId>, StoreError> {
        self.count("approvals_carded_to");
        self.inner.approvals_carded_to(u).await
    }
    async fn directory_entry(&self, e: &str) -> Result<Option<DirectoryEntry>, StoreError> {
        self.count("directory_entry");
        self.inner.directory_entry(e).await
    }
    async fn remember_directory_entry(
        &self,
        e: &str,
        d: &DirectoryEntry,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.count("remember_directory_entry");
        self.inner.remember_directory_entry(e, d, ttl).await
    }
    async fn email_of(&self, u: &ChatUserId) -> Result<Option<String>, StoreError> {
        self.count("email_of");
        self.inner.email_of(u).await
    }
    async fn note_unmapped(&self, e: &str, n: &str) -> Result<(), StoreError> {
        self.count("note_unmapped");
        self.inner.note_unmapped(e, n).await
    }
    async fn forget_unmapped(&self, e: &str) -> Result<(), StoreError> {
        self.count("forget_unmapped");
        self.inner.forget_unmapped(e).await
    }
    async fn unmapped(&self) -> Result<Vec<UnmappedApprover>, StoreError> {
        self.count("unmapped");
        self.inner.unmapped().await
    }
    async fn mark_reachable(&self, email: &str, ttl: Duration) -> Result<(), StoreError> {
        self.count("mark_reachable");
        self.inner.mark_reachable(email, ttl).await
    }
    async fn marked_reachable(&self, email: &str) -> Result<bool, StoreError> {
        self.count("marked_reachable");
        self.inner.marked_reachable(email).await
    }
    async fn remember_contact(&self, contact: &ChatContact) -> Result<(), StoreError> {
        self.count("remember_contact");
        self.inner.remember_contact(contact).await
    }
    async fn contact(&self, u: &ChatUserId) -> Result<Option<ChatContact>, StoreError> {
        self.count("contact");
        self.inner.contact(u).await
    }
    async fn contact_by_email(&self, e: &str) -> Result<Option<ChatContact>, StoreError> {
        self.count("contact_by_email");
        self.inner.contact_by_email(e).await
    }
    async fn contact_in(&self, c: &ConversationRef) -> Result<Option<ChatContact>, StoreError> {
        self.count("contact_in");
        self.inner.contact_in(c).await
    }
    async fn contacts_count(&self) -> Result<usize, StoreError> {
        self.count("contacts_count");
        self.inner.contacts_count().await
    }
    async fn claim_install(&self, email: &str, hold: Duration) -> Result<bool, StoreError> {
        self.count("claim_install");
        self.inner.claim_install(email, hold).await
    }
    async fn install_done(&self, email: &str) -> Result<(), StoreError> {
        self.count("install_done");
        self.inner.install_done(email).await
    }
    async fn install_failed(&self, f: &FailedInstall, retry: Duration) -> Result<(), StoreError> {
        self.count("install_failed");
        self.inner.install_failed(f, retry).await
    }
    async fn failed_installs(&self) -> Result<Vec<FailedInstall>, StoreError> {
        self.count("failed_installs");
        self.inner.failed_installs().await
    }
    async fn save_pending(&self, u: &ChatUserId, p: &PendingSnapshot) -> Result<(), StoreError> {
        self.count("save_pending");
        self.inner.save_pending(u, p).await
    }
    async fn last_pending(&self, u: &ChatUserId) -> Result<Option<PendingSnapshot>, StoreError> {
        self.count("last_pending");
        self.inner.last_pending(u).await
    }
    async fn watermark(&self) -> Result<Option<Timestamp>, StoreError> {
        self.count("watermark");
        self.inner.watermark().await
    }
    async fn set_watermark(&self, at: Timestamp) -> Result<(), StoreError> {
        self.count("set_watermark");
        self.inner.set_watermark(at).await
    }
    async fn last_sync_success(&self) -> Result<Option<Timestamp>, StoreError> {
        self.count("last_sync_success");
        self.inner.last_sync_success().await
    }
    async fn set_last_sync_success(&self, at: Timestamp) -> Result<(), StoreError> {
        self.count("set_last_sync_success");
        self.inner.set_last_sync_success(at).await
    }
    async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        self.count("append_audit");
        self.inner.append_audit(e).await
    }
    async fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.count("audit");
        self.inner.audit(limit).await
    }

    async fn audit_of(
        &self,
        actor: &ChatUserId,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.count("audit_of");
        self.inner.audit_of(actor, limit).await
    }

    async fn remember_card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
        view: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.count("remember_card_view");
        self.inner
            .remember_card_view(approval, user, view, ttl)
            .await
    }

    async fn card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
    ) -> Result<Option<String>, StoreError> {
        self.count("card_view");
        self.inner.card_view(approval, user).await
    }

    async fn claim_reminder(
        &self,
        user: &ChatUserId,
        day: &str,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        self.count("claim_reminder");
        self.inner.claim_reminder(user, day, keep).await
    }

    async fn release_reminder(&self, user: &ChatUserId, day: &str) -> Result<(), StoreError> {
        self.count("release_reminder");
        self.inner.release_reminder(user, day).await
    }

    async fn set_reminders_on(&self, user: &ChatUserId, on: bool) -> Result<(), StoreError> {
        self.count("set_reminders_on");
        self.inner.set_reminders_on(user, on).await
    }

    async fn reminders_on(&self, user: &ChatUserId) -> Result<bool, StoreError> {
        self.count("reminders_on");
        self.inner.reminders_on(user).await
    }

    async fn put_digest_items(
        &self,
        digest: &DigestId,
        items: &[(ApprovalId, String)],
        keep: Duration,
    ) -> Result<(), StoreError> {
        self.count("put_digest_items");
        self.inner.put_digest_items(digest, items, keep).await
    }

    async fn digest_items(
        &self,
        digest: &DigestId,
    ) -> Result<Vec<(ApprovalId, String)>, StoreError> {
        self.count("digest_items");
        self.inner.digest_items(digest).await
    }

    async fn remove_digest_item(
        &self,
        digest: &DigestId,
        approval: ApprovalId,
    ) -> Result<(), StoreError> {
        self.count("remove_digest_item");
        self.inner.remove_digest_item(digest, approval).await
    }
}
