//! What the bot remembers, in the engine's words: the outcome recorded with a claim, the cards
//! it delivered, what the directory cache knows, approvers without a chat account, the last
//! "what's pending" list shown to someone, and the audit log.
//!
//! The store persists these as JSON, so their serde field names are a stored format: records
//! written by earlier releases must keep reading (the tests below hold today's JSON).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::conversation::{ConversationRef, MessageRef};
use super::{ApprovalId, ChatUserId, Decision, Fingerprint, Money, RequisitionId};

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
}

/// A [`DeliveredCard`] as stored: the message's conversation and id are kept as `channel` and
/// `ts`, and a card without `expired` has not expired.
#[derive(Serialize, Deserialize)]
struct StoredCard {
    recipient: ChatUserId,
    channel: ConversationRef,
    ts: String,
    fingerprint: Fingerprint,
    sent_at: Timestamp,
    #[serde(default)]
    expired: bool,
}

impl From<StoredCard> for DeliveredCard {
    fn from(stored: StoredCard) -> Self {
        Self {
            recipient: stored.recipient,
            message: MessageRef::new(stored.channel, stored.ts),
            fingerprint: stored.fingerprint,
            sent_at: stored.sent_at,
            expired: stored.expired,
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
        }
    }
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
    /// What came of it (`approved`, `rejected`, `refused: not pending`, `unknown`, …).
    pub outcome: String,
    /// The reason sent to Coupa, if any.
    pub reason: Option<String>,
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
            }
        );
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
    fn a_card_stored_without_its_expiry_flag_reads_as_unexpired() {
        let card: DeliveredCard = serde_json::from_str(
            r#"{"recipient":"UDANIEL","channel":"DUDANIEL","ts":"1700000000.000001","fingerprint":"0123456789abcdef0123456789abcdef","sent_at":"2025-11-20T17:20:40Z"}"#,
        )
        .expect("an old card reads");
        assert!(!card.expired);
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
    }
}
