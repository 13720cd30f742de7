//! Delegates: someone Coupa names to decide in an approver's place while they are away.
//!
//! A delegate comes from the approval record itself (its `delegate`) or from the approver's own
//! delegation (Coupa's `/api/delegations`, with a start and an end). Either way the delegate may
//! decide the step while the delegation is active, and the decision names whom they stood in
//! for. Plain data: adapters read Coupa into it, the engine decides with it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Approval, CoupaUserId, Person};

/// One person allowed to decide an approval step in someone else's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegate {
    /// Who may decide.
    pub person: Person,
    /// The name of whom they stand in for (the approver), shown on their card and in the reason.
    pub for_name: String,
    /// The Coupa id of whom they stand in for, when Coupa said (an approver's delegation).
    #[serde(default)]
    pub for_id: Option<CoupaUserId>,
    /// From when, if the delegation says; active from the start otherwise.
    #[serde(default)]
    pub starts: Option<Timestamp>,
    /// Until when, if the delegation says; active until removed otherwise.
    #[serde(default)]
    pub ends: Option<Timestamp>,
}

impl Delegate {
    /// Whether the delegation holds at `now`: the delegate's Coupa user is active and `now` lies
    /// within its dates (the start included, the end not).
    pub fn active_at(&self, now: Timestamp) -> bool {
        self.person.active
            && self.starts.is_none_or(|starts| starts <= now)
            && self.ends.is_none_or(|ends| now < ends)
    }
}

/// On what footing a person may decide an approval step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// In their own right: the approver, or an active member of the approver group.
    Own,
    /// As the active delegate for the person named.
    DelegateFor(String),
}

impl Standing {
    /// Whom the decider stands in for, when they decide as a delegate.
    pub fn delegate_for(&self) -> Option<&str> {
        match self {
            Standing::Own => None,
            Standing::DelegateFor(name) => Some(name),
        }
    }
}

impl Approval {
    /// The delegates of this step whose delegation holds at `now`.
    pub fn active_delegates(&self, now: Timestamp) -> impl Iterator<Item = &Delegate> {
        self.delegates.iter().filter(move |d| d.active_at(now))
    }

    /// Whether, and on what footing, the Coupa user `id` may decide this step at `now`: their
    /// own right comes first, so an approver who is also someone's delegate decides as themself.
    pub fn standing_of(&self, id: CoupaUserId, now: Timestamp) -> Option<Standing> {
        if self.approver.includes(id) {
            return Some(Standing::Own);
        }
        self.active_delegates(now)
            .find(|d| d.person.id == id)
            .map(|d| Standing::DelegateFor(d.for_name.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApprovalId, ApprovalStatus, Approver, GroupId};

    fn person(id: u64, name: &str, active: bool) -> Person {
        Person {
            id: CoupaUserId(id),
            login: None,
            email: Some(format!("{id}@acme.com")),
            full_name: name.into(),
            active,
        }
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    fn approval(approver: Approver, delegates: Vec<Delegate>) -> Approval {
        Approval {
            id: ApprovalId(1),
            status: ApprovalStatus::PendingApproval,
            position: Some(1),
            requisition_id: None,
            approver,
            decided_by: None,
            decided_at: None,
            note: None,
            holdable: false,
            updated_at: None,
            delegates,
        }
    }

    fn sam_for_jane(starts: Option<i64>, ends: Option<i64>, active: bool) -> Delegate {
        Delegate {
            person: person(7, "Sam Lee", active),
            for_name: "Jane Doe".into(),
            for_id: Some(CoupaUserId(1)),
            starts: starts.map(at),
            ends: ends.map(at),
        }
    }

    #[test]
    fn a_delegation_holds_from_its_start_until_its_end() {
        let delegate = sam_for_jane(Some(100), Some(200), true);
        assert!(!delegate.active_at(at(99)));
        assert!(delegate.active_at(at(100)));
        assert!(delegate.active_at(at(199)));
        assert!(!delegate.active_at(at(200)), "ended");
        assert!(sam_for_jane(None, None, true).active_at(at(0)));
    }

    #[test]
    fn an_inactive_delegate_holds_no_delegation() {
        assert!(!sam_for_jane(None, None, false).active_at(at(150)));
    }

    #[test]
    fn an_active_delegate_may_decide_for_the_approver_and_an_expired_one_may_not() {
        let jane = Approver::User(person(1, "Jane Doe", true));
        let step = approval(jane.clone(), vec![sam_for_jane(None, Some(200), true)]);
        assert_eq!(
            step.standing_of(CoupaUserId(7), at(150)),
            Some(Standing::DelegateFor("Jane Doe".into()))
        );
        assert_eq!(step.standing_of(CoupaUserId(7), at(200)), None);
        assert_eq!(
            step.standing_of(CoupaUserId(1), at(150)),
            Some(Standing::Own)
        );
        assert_eq!(step.standing_of(CoupaUserId(9), at(150)), None);
    }

    #[test]
    fn a_delegate_who_is_also_a_group_member_decides_in_their_own_right() {
        let group = Approver::Group {
            id: GroupId(3),
            name: "IT".into(),
            members: vec![person(7, "Sam Lee", true)],
        };
        let step = approval(group, vec![sam_for_jane(None, None, true)]);
        assert_eq!(step.standing_of(CoupaUserId(7), at(0)), Some(Standing::Own));
    }
}
