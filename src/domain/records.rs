//! What the bot remembers, in the engine's words: the outcome recorded with a claim, a decision
//! sent to Coupa whose outcome is not yet known, the cards it delivered (and what they showed),
//! the deliveries it began and has not yet recorded, a settled approval's cards with how it ended,
//! what the directory cache knows, approvers without a chat account, how to reach a Teams user
//! ([`ChatContact`]), a proactive installation of the Teams app that failed
//! ([`FailedInstall`]), the last "what's pending" list shown to someone, and the audit log.
//!
//! The store persists these as JSON, so their serde field names are a stored format: records
//! written by earlier releases must keep reading (the tests below hold today's JSON).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::change::Shown;
use super::conversation::{ConversationRef, MessageRef};
use super::{ApprovalId, ChatUserId, Decision, Fingerprint, Money, Requisition, RequisitionId};

/// What the winner of a claim did, shown to anyone who clicks after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimOutcome {
    /// Approve or reject.
    pub decision: Decision,
    /// The chat user who decided.
    pub decided_by: ChatUserId,
    /// Their display name.
    pub decided_by_name: String,
    /// When the decision was made.
    pub at: Timestamp,
    /// Whether Coupa confirmed it.
    pub confirmed: bool,
    /// Whom the decider stood in for, when they decided as a delegate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_for: Option<String>,
}

/// A decision about to be sent, or sent, to Coupa whose outcome is not known yet: recorded before
/// Coupa is called and forgotten once the outcome is known. One that stays (Coupa's answer could
/// not confirm it, or the decider stopped mid-call) is settled by the next sync once its decider
/// no longer holds the claim: it reads the approval and records how the decision ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionInDoubt {
    /// The approval decided.
    pub approval: ApprovalId,
    /// Its requisition.
    pub requisition: RequisitionId,
    /// Approve or reject.
    pub decision: Decision,
    /// The chat user who decided.
    pub decided_by: ChatUserId,
    /// Their display name.
    pub decided_by_name: String,
    /// Their email, as mapped to Coupa.
    pub email: String,
    /// The approver's own comment, shown on their card.
    pub comment: Option<String>,
    /// The reason sent to Coupa (with the attribution).
    pub reason: String,
    /// When the decision was sent.
    pub at: Timestamp,
    /// The token of the claim that carries it, so that whoever settles it can end that claim.
    pub claim: String,
    /// Whom the decider stood in for, when they decided as a delegate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_for: Option<String>,
}

impl DecisionInDoubt {
    /// The claim outcome this decision records: `confirmed` once Coupa shows it.
    pub fn outcome(&self, confirmed: bool) -> ClaimOutcome {
        ClaimOutcome {
            decision: self.decision,
            decided_by: self.decided_by.clone(),
            decided_by_name: self.decided_by_name.clone(),
            at: self.at,
            confirmed,
            delegate_for: self.delegate_for.clone(),
        }
    }

    /// An audit entry for this decision with `outcome`, made `at`.
    pub fn audit(&self, at: Timestamp, outcome: String) -> AuditEntry {
        AuditEntry {
            at,
            actor: self.decided_by.clone(),
            actor_email: Some(self.email.clone()),
            approval: self.approval,
            requisition: Some(self.requisition),
            decision: self.decision,
            outcome,
            reason: Some(self.reason.clone()),
            comment: self.comment.clone(),
            title: None,
            total: None,
            delegate_for: self.delegate_for.clone(),
        }
    }
}

/// One card delivered to one chat user for one approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredCard", into = "StoredCard")]
pub struct DeliveredCard {
    /// Who received it.
    pub recipient: ChatUserId,
    /// Where the card is, for editing it.
    pub message: MessageRef,
    /// Fingerprint of the requisition as the card showed it.
    pub fingerprint: Fingerprint,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// Whether it has been edited to say its buttons expired.
    pub expired: bool,
    /// What the card showed of the requisition: its title for naming it in replies, and enough
    /// to say what changed. `None` for cards recorded before this was kept.
    pub shown: Option<Shown>,
    /// Whom the recipient decides for, when they got the card as a delegate (see
    /// [`crate::domain::delegate`]); every rendering of their card says so.
    pub delegate_for: Option<String>,
    /// Whether the recipient's delegation ended while the card was out: the card says it is no
    /// longer theirs to decide, and comes back should the delegation resume.
    pub delegation_ended: bool,
    /// The digest this card is one item of, when its message is a digest listing several
    /// approvals rather than this approval's own card: editing it re-renders the digest with
    /// this item changed and the others as they are. `None` for a card of its own.
    pub digest: Option<DigestId>,
}

/// Names one digest message: the key under which each of its items' views is kept, so that
/// the message can be rendered again when one item changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DigestId(pub String);

impl DigestId {
    /// A fresh random id.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for DigestId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for DigestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A [`DeliveredCard`] as stored: the message's conversation and id are kept as `channel` and
/// `ts`, a card without `expired` has not expired, and one without `shown` says nothing of what
/// it showed.
#[derive(Serialize, Deserialize)]
struct StoredCard {
    recipient: ChatUserId,
    channel: ConversationRef,
    ts: String,
    fingerprint: Fingerprint,
    sent_at: Timestamp,
    #[serde(default)]
    expired: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shown: Option<Shown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delegate_for: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    delegation_ended: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    digest: Option<DigestId>,
}

impl From<StoredCard> for DeliveredCard {
    fn from(stored: StoredCard) -> Self {
        Self {
            recipient: stored.recipient,
            message: MessageRef::new(stored.channel, stored.ts),
            fingerprint: stored.fingerprint,
            sent_at: stored.sent_at,
            expired: stored.expired,
            shown: stored.shown,
            delegate_for: stored.delegate_for,
            delegation_ended: stored.delegation_ended,
            digest: stored.digest,
        }
    }
}

impl From<DeliveredCard> for StoredCard {
    fn from(card: DeliveredCard) -> Self {
        Self {
            recipient: card.recipient,
            channel: card.message.conversation().clone(),
            ts: card.message.id().to_owned(),
            fingerprint: card.fingerprint,
            sent_at: card.sent_at,
            expired: card.expired,
            shown: card.shown,
            delegate_for: card.delegate_for,
            delegation_ended: card.delegation_ended,
            digest: card.digest,
        }
    }
}

/// A card the bot is about to post, or has posted without recording yet: written before the post,
/// so that a post whose record is lost (the store failing, the process dying) is never unknown.
/// Recording the card ([`DeliveredCard`]) ends it; the next sync settles one left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDelivery {
    /// This attempt at the delivery, unique: only the attempt still pending may record its card,
    /// so that of two posts racing for one recipient, exactly one is kept.
    pub attempt: String,
    /// Who the card is for.
    pub recipient: ChatUserId,
    /// Fingerprint of the requisition as the card shows it.
    pub fingerprint: Fingerprint,
    /// When the attempt began.
    pub started_at: Timestamp,
    /// What the card shows of the requisition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<Shown>,
    /// Whom the recipient decides for, when the card goes to them as a delegate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_for: Option<String>,
    /// The digest the card is posted in as one item, when it is not a card of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestId>,
}

impl PendingDelivery {
    /// The card record once the post answered with `message`.
    pub fn delivered(&self, message: MessageRef) -> DeliveredCard {
        DeliveredCard {
            recipient: self.recipient.clone(),
            message,
            fingerprint: self.fingerprint.clone(),
            sent_at: self.started_at,
            expired: false,
            shown: self.shown.clone(),
            delegate_for: self.delegate_for.clone(),
            delegation_ended: false,
            digest: self.digest.clone(),
        }
    }
}

/// How an approval with delivered cards was settled, as its cards now say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// Decided through the bot.
    Decided(ClaimOutcome),
    /// Decided in Coupa itself (web, email, mobile).
    DecidedInCoupa(CoupaDecision),
    /// No longer waiting for a decision (withdrawn, moved on, removed).
    NoLongerPending,
}

/// A decision made in Coupa itself, as far as Coupa says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoupaDecision {
    /// Approve or reject.
    pub decision: Decision,
    /// Who decided, by name, if Coupa said.
    pub by: Option<String>,
    /// When, if Coupa said.
    pub at: Option<Timestamp>,
}

/// The cards of a settled approval, kept after they were edited to say how it ended: a click
/// still on its way, a client that had not redrawn, or a button in an earlier "what's pending"
/// list is then answered with what happened, not as if the card were someone else's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledCards {
    /// The cards, as they were recorded while the approval was pending.
    pub cards: Vec<DeliveredCard>,
    /// How the approval was settled.
    pub settlement: Settlement,
}

/// What the directory cache knows about an email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectoryEntry {
    /// The chat user with this email.
    Found(ChatUserId),
    /// The chat platform has no user with this email (a negative entry).
    NotFound,
}

/// An approver whose email matches no chat user, kept for `check` to list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedApprover {
    /// Their Coupa email (normalised).
    pub email: String,
    /// Their name in Coupa.
    pub name: String,
    /// When this was last noticed.
    pub noticed_at: Timestamp,
}

/// A proactive installation of the Teams app for an approver that failed, kept for `check` to
/// list until one succeeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedInstall {
    /// The approver's email (normalised).
    pub email: String,
    /// Why it failed, in words an admin can act on.
    pub reason: String,
    /// Whether it failed for now only (Graph failing or unreachable) rather than for want of
    /// something an admin must change.
    pub transient: bool,
    /// When it failed.
    pub at: Timestamp,
}

/// How to reach a Microsoft Teams user: the Bot Connector can only message someone through the
/// service URL and tenant of an activity they sent (or of their team), so these are remembered
/// from each verified activity, with their 1:1 conversation with the bot once it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatContact {
    /// The Teams user id, as activities spell it (`29:…`).
    pub user: ChatUserId,
    /// Their display name.
    pub name: Option<String>,
    /// Their email (normalised), as the Bot Connector's member endpoint gives it.
    pub email: Option<String>,
    /// Their Azure AD object id (`aadObjectId`).
    pub directory_id: Option<String>,
    /// The Bot Connector service URL for this user: the `serviceUrl` of a verified activity.
    pub endpoint: String,
    /// Their tenant id.
    pub tenant: String,
    /// Their 1:1 conversation with the bot, once known.
    pub conversation: Option<ConversationRef>,
    /// When they were last seen in a verified activity.
    pub seen_at: Timestamp,
    /// Their time zone as their Teams client last reported it (an IANA name), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// One item of someone's "what's pending" list, as last shown to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingItem {
    /// The approval waiting for them.
    pub approval: ApprovalId,
    /// Its requisition.
    pub requisition: RequisitionId,
    /// Fingerprint of the requisition as listed (for the item's buttons).
    pub fingerprint: Fingerprint,
    /// The requisition's title.
    pub title: String,
    /// Its total.
    pub total: Money,
    /// Who asked for it.
    pub requester: Option<String>,
    /// When it was submitted.
    pub submitted_at: Option<Timestamp>,
    /// Whom they would decide it for, when it waits for them as a delegate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_for: Option<String>,
}

/// Someone's "what's pending" list as last read from Coupa, for when Coupa is unreachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSnapshot {
    /// When it was read from Coupa.
    pub as_of: Timestamp,
    /// The items, oldest first.
    pub items: Vec<PendingItem>,
}

/// One decision attempt, kept in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it happened.
    pub at: Timestamp,
    /// The chat user who acted.
    pub actor: ChatUserId,
    /// Their email, as mapped to Coupa.
    pub actor_email: Option<String>,
    /// The approval acted on.
    pub approval: ApprovalId,
    /// Its requisition.
    pub requisition: Option<RequisitionId>,
    /// What they chose.
    pub decision: Decision,
    /// What came of it (`started` before Coupa is called, then `approved`, `rejected`,
    /// `refused: not_pending`, `unconfirmed`, …; see [`super::outcome`]).
    pub outcome: String,
    /// The reason sent to Coupa, if any.
    pub reason: Option<String>,
    /// The approver's own words (the reason they gave), without the attribution `reason` adds;
    /// `None` when they gave none, and in entries written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The requisition's title when the decision was made, for naming it in a person's history;
    /// `None` in entries written before it was kept, and for attempts turned away early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The requisition's total when the decision was made (as `title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    /// Whom the actor stood in for, when they acted as a delegate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_for: Option<String>,
}

impl AuditEntry {
    /// This entry naming `requisition` by its title and total as they are now.
    pub fn about(self, requisition: &Requisition) -> Self {
        Self {
            title: Some(requisition.title.clone()),
            total: Some(requisition.total.clone()),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2025-11-20T17:20:40Z".parse().unwrap()
    }

    /// Reads `json` as `T` and writes it back unchanged: the stored format, both ways.
    fn stored<T>(json: &str) -> T
    where
        T: Serialize + for<'de> Deserialize<'de>,
    {
        let value: T = serde_json::from_str(json).expect("today's JSON reads");
        assert_eq!(serde_json::to_string(&value).unwrap(), json);
        value
    }

    #[test]
    fn a_stored_claim_outcome_reads() {
        let outcome: ClaimOutcome = stored(
            r#"{"decision":"approve","decided_by":"UDANIEL","decided_by_name":"Daniel Okafor","at":"2025-11-20T17:20:40Z","confirmed":false}"#,
        );
        assert_eq!(
            outcome,
            ClaimOutcome {
                decision: Decision::Approve,
                decided_by: ChatUserId::from("UDANIEL"),
                decided_by_name: "Daniel Okafor".into(),
                at: at(),
                confirmed: false,
                delegate_for: None,
            }
        );
    }

    #[test]
    fn a_stored_decision_in_doubt_reads() {
        let doubt: DecisionInDoubt = stored(
            r#"{"approval":90211,"requisition":4812,"decision":"approve","decided_by":"UDANIEL","decided_by_name":"Daniel Okafor","email":"daniel@example.com","comment":null,"reason":"Approved in Slack by Daniel Okafor <daniel@example.com>","at":"2025-11-20T17:20:40Z","claim":"0123456789abcdef0123456789abcdef"}"#,
        );
        assert_eq!(doubt.approval, ApprovalId(90_211));
        assert_eq!(doubt.decided_by, ChatUserId::from("UDANIEL"));
        assert_eq!(doubt.claim, "0123456789abcdef0123456789abcdef");
        assert!(!doubt.outcome(false).confirmed);
        assert_eq!(doubt.audit(at(), "started".into()).outcome, "started");
    }

    #[test]
    fn a_stored_card_reads() {
        let card: DeliveredCard = stored(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":true}"#,
        );
        assert_eq!(card.recipient, ChatUserId::from("UDANIEL"));
        assert_eq!(
            card.message,
            MessageRef::new(ConversationRef::new("DUDANIEL"), "1700000000.000001")
        );
        assert_eq!(card.sent_at, at());
        assert!(card.expired);
    }

    #[test]
    fn a_card_stored_as_a_digest_item_names_its_digest_and_one_without_is_its_own() {
        let item: DeliveredCard = stored(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":false,"digest":"9a1c3e5f7b2d4a6c8e0f1a3b5c7d9e1f"}"#,
        );
        assert_eq!(
            item.digest,
            Some(DigestId("9a1c3e5f7b2d4a6c8e0f1a3b5c7d9e1f".into()))
        );
        let own: DeliveredCard = stored(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":false}"#,
        );
        assert_eq!(own.digest, None);
        let pending: PendingDelivery = stored(
            r#"{"attempt":"5f0c3a9e2b7d4c1f8a6e0d9b3c2a1f4e","recipient":"UDANIEL","fingerprint":"0123456789abcdef0123456789abcdef","started_at":"2025-11-20T17:20:40Z","digest":"9a1c3e5f7b2d4a6c8e0f1a3b5c7d9e1f"}"#,
        );
        let posted = pending.delivered(MessageRef::new(
            ConversationRef::new("DUDANIEL"),
            "1700000000.000001",
        ));
        assert_eq!(posted.digest, item.digest);
    }

    #[test]
    fn a_card_stored_without_its_expiry_flag_reads_as_unexpired() {
        let card: DeliveredCard = serde_json::from_str(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z"}"#,
        )
        .expect("an old card reads");
        assert!(!card.expired);
    }

    #[test]
    fn a_card_stored_with_what_it_showed_reads() {
        let card: DeliveredCard = stored(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":false,"shown":{"title":"External penetration test","total":{"amount":"1950.00","currency":"USD"},"lines":[{"number":1,"digest":"0123456789abcdef"}],"justification":"fedcba9876543210"}}"#,
        );
        let shown = card.shown.expect("what the card showed");
        assert_eq!(shown.title, "External penetration test");
        assert_eq!(shown.total, Money::new("1950.00".parse().unwrap(), "USD"));
        assert_eq!(shown.lines[0].number, 1);
    }

    #[test]
    fn a_card_stored_with_the_details_and_accounts_it_showed_reads() {
        let card: DeliveredCard = stored(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":false,"shown":{"title":"External penetration test","total":{"amount":"1950.00","currency":"USD"},"lines":[{"number":1,"digest":"0123456789abcdef","account":"89abcdef01234567"}],"justification":"fedcba9876543210","details":{"requester":"Marta Kowalski","need_by":"2026-12-20","department":"Engineering"}}}"#,
        );
        let shown = card.shown.expect("what the card showed");
        assert_eq!(shown.lines[0].account.as_deref(), Some("89abcdef01234567"));
        let details = shown.details.expect("the header details");
        assert_eq!(details.requester.as_deref(), Some("Marta Kowalski"));
        assert_eq!(details.need_by, Some("2026-12-20".parse().unwrap()));
        assert_eq!(details.department.as_deref(), Some("Engineering"));
    }

    #[test]
    fn a_card_stored_without_what_it_showed_reads_as_showing_nothing_known() {
        let card: DeliveredCard = serde_json::from_str(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":false}"#,
        )
        .expect("an old card reads");
        assert_eq!(card.shown, None);
    }

    #[test]
    fn a_stored_pending_delivery_reads() {
        let pending: PendingDelivery = stored(
            r#"{"attempt":"5f0c3a9e2b7d4c1f8a6e0d9b3c2a1f4e","recipient":"UDANIEL","fingerprint":"0123456789abcdef0123456789abcdef","started_at":"2025-11-20T17:20:40Z","shown":{"title":"External penetration test","total":{"amount":"1950.00","currency":"USD"},"lines":[{"number":1,"digest":"0123456789abcdef"}],"justification":"fedcba9876543210"}}"#,
        );
        assert_eq!(pending.recipient, ChatUserId::from("UDANIEL"));
        let card = pending.delivered(MessageRef::new(
            ConversationRef::new("DUDANIEL"),
            "1700000000.000001",
        ));
        assert_eq!(card.sent_at, at());
        assert_eq!(card.fingerprint, pending.fingerprint);
        assert!(!card.expired);
        let unshown: PendingDelivery = stored(
            r#"{"attempt":"5f0c3a9e2b7d4c1f8a6e0d9b3c2a1f4e","recipient":"UDANIEL","fingerprint":"0123456789abcdef0123456789abcdef","started_at":"2025-11-20T17:20:40Z"}"#,
        );
        assert_eq!(unshown.shown, None);
    }

    #[test]
    fn stored_settled_cards_read() {
        let settled: SettledCards = stored(
            r#"{"cards":[{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z","expired":false}],"settlement":{"decided_in_coupa":{"decision":"approve","by":"Li Chen","at":"2025-11-20T17:20:40Z"}}}"#,
        );
        assert_eq!(settled.cards[0].recipient, ChatUserId::from("UDANIEL"));
        assert_eq!(
            settled.settlement,
            Settlement::DecidedInCoupa(CoupaDecision {
                decision: Decision::Approve,
                by: Some("Li Chen".into()),
                at: Some(at()),
            })
        );
        let by_the_bot: Settlement = stored(
            r#"{"decided":{"decision":"reject","decided_by":"USOFIA","decided_by_name":"Sofia Berg","at":"2025-11-20T17:20:40Z","confirmed":true}}"#,
        );
        assert!(matches!(by_the_bot, Settlement::Decided(_)));
        let moved_on: Settlement = stored(r#""no_longer_pending""#);
        assert_eq!(moved_on, Settlement::NoLongerPending);
    }

    #[test]
    fn a_stored_directory_entry_and_unmapped_approver_read() {
        let found: DirectoryEntry = stored(r#"{"Found":"UDANIEL"}"#);
        assert_eq!(found, DirectoryEntry::Found(ChatUserId::from("UDANIEL")));
        let not_found: DirectoryEntry = stored(r#""NotFound""#);
        assert_eq!(not_found, DirectoryEntry::NotFound);
        let unmapped: UnmappedApprover = stored(
            r#"{"email":"ghost@example.com","name":"Gus Ghost","noticed_at":"2025-11-20T17:20:40Z"}"#,
        );
        assert_eq!(unmapped.email, "ghost@example.com");
        assert_eq!(unmapped.noticed_at, at());
    }

    #[test]
    fn a_stored_contact_reads() {
        let contact: ChatContact = stored(
            r#"{"user":"29:1a2b3c","name":"Daniel Okafor","email":"daniel@example.com","directory_id":"6b8f2c1e-0d4a-4c3b-9e7f-2a1d5c8b9e0f","endpoint":"https://smba.trafficmanager.net/emea/","tenant":"72f988bf-86f1-41af-91ab-2d7cd011db47","conversation":"a:1xYz","seen_at":"2025-11-20T17:20:40Z"}"#,
        );
        assert_eq!(contact.user, ChatUserId::from("29:1a2b3c"));
        assert_eq!(contact.email.as_deref(), Some("daniel@example.com"));
        assert_eq!(contact.conversation, Some(ConversationRef::new("a:1xYz")));
        assert_eq!(contact.endpoint, "https://smba.trafficmanager.net/emea/");
        assert_eq!(contact.seen_at, at());
        let first_seen: ChatContact = stored(
            r#"{"user":"29:1a2b3c","name":null,"email":null,"directory_id":null,"endpoint":"https://smba.trafficmanager.net/emea/","tenant":"72f988bf-86f1-41af-91ab-2d7cd011db47","conversation":null,"seen_at":"2025-11-20T17:20:40Z"}"#,
        );
        assert_eq!(first_seen.conversation, None);
        assert_eq!(first_seen.name, None);
    }

    #[test]
    fn a_stored_pending_list_reads() {
        let snapshot: PendingSnapshot = stored(
            r#"{"as_of":"2025-11-20T17:20:40Z","items":[{"approval":90211,"requisition":4812,"fingerprint":"0123456789abcdef0123456789abcdef","title":"Standing desks","total":{"amount":"7420.50","currency":"USD"},"requester":"Marta Kowalski","submitted_at":"2025-11-20T17:20:40Z"}]}"#,
        );
        assert_eq!(snapshot.as_of, at());
        let item = &snapshot.items[0];
        assert_eq!(item.approval, ApprovalId(90_211));
        assert_eq!(item.requisition, RequisitionId(4_812));
        assert_eq!(item.total, Money::new("7420.50".parse().unwrap(), "USD"));
        assert_eq!(item.requester.as_deref(), Some("Marta Kowalski"));
    }

    #[test]
    fn a_stored_audit_entry_reads() {
        let entry: AuditEntry = stored(
            r#"{"at":"2025-11-20T17:20:40Z","actor":"UDANIEL","actor_email":"daniel@example.com","approval":90211,"requisition":4812,"decision":"reject","outcome":"failed: Coupa refused the request","reason":"Rejected in Slack by Daniel Okafor <daniel@example.com>: Over budget"}"#,
        );
        assert_eq!(entry.actor, ChatUserId::from("UDANIEL"));
        assert_eq!(entry.decision, Decision::Reject);
        assert_eq!(entry.outcome, "failed: Coupa refused the request");
        assert_eq!(entry.title, None);
        let named: AuditEntry = stored(
            r#"{"at":"2025-11-20T17:20:40Z","actor":"UDANIEL","actor_email":"daniel@example.com","approval":90211,"requisition":4812,"decision":"reject","outcome":"rejected","reason":"Rejected in Slack by Daniel Okafor <daniel@example.com>: Over budget","comment":"Over budget","title":"Standing desks","total":{"amount":"7420.50","currency":"USD"}}"#,
        );
        assert_eq!(named.title.as_deref(), Some("Standing desks"));
        assert_eq!(named.comment.as_deref(), Some("Over budget"));
        assert_eq!(
            named.total,
            Some(Money::new("7420.50".parse().unwrap(), "USD"))
        );
    }
}
