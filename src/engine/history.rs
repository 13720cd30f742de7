//! "What did I approve this week": the asker's own decisions made through the bot, read from the
//! audit log alone (Coupa is not called), newest first.
//!
//! The store keeps each person's own entries apart (`Store::audit_of`), so an ask reads only the
//! asker's; nobody sees another person's decisions. Someone with no entries of their own there
//! (nothing decided since the store began keeping them apart) is looked up in the whole log
//! instead. An attempt's `started` record and an `unconfirmed` one are left out: each is
//! followed by the entry saying how it ended.

use jiff::{SignedDuration, Timestamp};

use crate::domain::ChatUserId;
use crate::domain::outcome::{AUDIT_STARTED, DecisionResult};
use crate::domain::records::AuditEntry;
use crate::store::{AUDIT_LOG_LIMIT, PERSON_AUDIT_LIMIT};

use super::error::EngineError;
use super::service::Engine;

/// How far back a history reaches.
pub const HISTORY_SPAN: SignedDuration = SignedDuration::from_hours(7 * 24);

/// At most this many decisions are listed.
pub const HISTORY_ITEMS: usize = 20;

impl Engine {
    /// `user`'s own decisions of the last [`HISTORY_SPAN`], newest first, at most
    /// [`HISTORY_ITEMS`].
    pub async fn history_for(&self, user: &ChatUserId) -> Result<Vec<AuditEntry>, EngineError> {
        let mut log = self.store.audit_of(user, PERSON_AUDIT_LIMIT).await?;
        if log.is_empty() {
            log = self.store.audit(AUDIT_LOG_LIMIT).await?;
        }
        Ok(own_decisions(log, user, self.now()))
    }
}

/// Of `log` (newest first), the final entries of `user` made in the [`HISTORY_SPAN`] before
/// `now`, at most [`HISTORY_ITEMS`].
fn own_decisions(log: Vec<AuditEntry>, user: &ChatUserId, now: Timestamp) -> Vec<AuditEntry> {
    let since = now.checked_sub(HISTORY_SPAN).unwrap_or(Timestamp::MIN);
    // Followed by the entry saying how it ended, once the sync learns it.
    let unconfirmed = DecisionResult::Unconfirmed.audit_outcome();
    let mut own: Vec<AuditEntry> = log
        .into_iter()
        .filter(|entry| &entry.actor == user && entry.at >= since)
        .filter(|entry| entry.outcome != AUDIT_STARTED && entry.outcome != unconfirmed)
        .collect();
    // Entries are appended as things end, so a settled decision can follow a later one.
    own.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    own.truncate(HISTORY_ITEMS);
    own
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApprovalId, Decision, RequisitionId};

    fn now() -> Timestamp {
        "2026-11-20T12:00:00Z".parse().unwrap()
    }

    fn entry(actor: &str, approval: u64, hours_ago: i64, outcome: &str) -> AuditEntry {
        AuditEntry {
            at: now() - SignedDuration::from_hours(hours_ago),
            actor: ChatUserId::from(actor),
            actor_email: None,
            approval: ApprovalId(approval),
            requisition: Some(RequisitionId(approval)),
            decision: Decision::Approve,
            outcome: outcome.to_owned(),
            reason: None,
            comment: None,
            title: None,
            total: None,
            delegate_for: None,
        }
    }

    fn approvals(entries: &[AuditEntry]) -> Vec<u64> {
        entries.iter().map(|e| e.approval.0).collect()
    }

    #[test]
    fn another_persons_decisions_never_appear() {
        let log = vec![
            entry("UOTHER", 1, 1, "approved"),
            entry("UME", 2, 2, "rejected"),
            entry("UOTHER", 3, 3, "rejected"),
        ];
        let mine = own_decisions(log, &ChatUserId::from("UME"), now());
        assert_eq!(approvals(&mine), vec![2]);
    }

    #[test]
    fn only_final_outcomes_of_the_last_seven_days_are_listed_newest_first() {
        let log = vec![
            entry("UME", 1, 1, "approved"),
            entry("UME", 1, 1, "started"),
            entry("UME", 2, 2, "unconfirmed"),
            entry("UME", 3, 30, "refused: expired"),
            entry("UME", 4, 5, "confirmed: rejected"),
            entry("UME", 5, 7 * 24 + 1, "approved"),
        ];
        let mine = own_decisions(log, &ChatUserId::from("UME"), now());
        assert_eq!(approvals(&mine), vec![1, 4, 3]);
    }

    #[test]
    fn at_most_twenty_are_listed() {
        let log = (0..30)
            .map(|n| entry("UME", n, n as i64, "approved"))
            .collect();
        let mine = own_decisions(log, &ChatUserId::from("UME"), now());
        assert_eq!(mine.len(), HISTORY_ITEMS);
        assert_eq!(mine[0].approval, ApprovalId(0));
    }
}
