//! The sandbox's state: users, groups, requisitions and their approval chains, delegations,
//! issued tokens, recorded calls and pending faults; and the rules Coupa applies when an approval is decided.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::HeaderMap;
use jiff::Timestamp;

use super::calls::{Fault, RecordedCall};
use super::delegations::DelegationRecord;
use super::seed::{NewRequisition, SandboxUser, StepApprover};
use crate::domain::{ApprovalId, CoupaUserId, GroupId, RequisitionId};

/// One approval of a requisition's chain.
#[derive(Debug, Clone)]
pub(super) struct ApprovalRecord {
    pub(super) id: ApprovalId,
    pub(super) requisition: RequisitionId,
    pub(super) position: u32,
    pub(super) approver: StepApprover,
    pub(super) status: &'static str,
    pub(super) decided_by: Option<CoupaUserId>,
    pub(super) decided_at: Option<Timestamp>,
    pub(super) note: Option<String>,
    /// Whether Coupa allows it to be put on hold.
    pub(super) holdable: bool,
    pub(super) created_at: Timestamp,
    pub(super) updated_at: Timestamp,
    /// The delegate the approval names, if any.
    pub(super) delegate: Option<CoupaUserId>,
}

/// The status of an approval put on hold. Coupa's own word is not documented (the bot accepts
/// any status naming a hold); a held approval stays its requisition's current one.
pub(super) const HELD: &str = "holding";

/// Whether an approval in `status` is the one its step waits on: pending, or on hold.
fn waiting(status: &str) -> bool {
    status == "pending_approval" || status == HELD
}

/// A requisition as created, its status, and its chain: step by step, the approvals of each.
#[derive(Debug, Clone)]
pub(super) struct RequisitionRecord {
    pub(super) id: RequisitionId,
    pub(super) new: NewRequisition,
    pub(super) status: &'static str,
    pub(super) created_at: Timestamp,
    pub(super) updated_at: Timestamp,
    pub(super) steps: Vec<Vec<ApprovalId>>,
}

/// An approval group and its members.
#[derive(Debug, Clone)]
pub(super) struct GroupRecord {
    pub(super) id: GroupId,
    pub(super) name: String,
    pub(super) members: Vec<CoupaUserId>,
}

/// Everything the sandbox holds, behind the [`super::Sandbox`] handle's lock.
pub(super) struct Inner {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) service_account: CoupaUserId,
    pub(super) tokens: Vec<(String, tokio::time::Instant)>,
    pub(super) token_ttl: Duration,
    pub(super) token_requests: usize,
    pub(super) next_id: u64,
    pub(super) users: BTreeMap<CoupaUserId, SandboxUser>,
    pub(super) groups: BTreeMap<GroupId, GroupRecord>,
    pub(super) requisitions: BTreeMap<RequisitionId, RequisitionRecord>,
    pub(super) approvals: BTreeMap<ApprovalId, ApprovalRecord>,
    pub(super) delegations: Vec<DelegationRecord>,
    pub(super) calls: Vec<RecordedCall>,
    pub(super) faults: Vec<Fault>,
    pub(super) last_change: Timestamp,
    pub(super) clock_offset: jiff::SignedDuration,
}

impl Inner {
    /// An empty Coupa accepting one OAuth client; Coupa records API decisions against the
    /// client's service account, which the sandbox creates first.
    pub(super) fn new(client_id: &str, client_secret: &str) -> Self {
        let mut inner = Self {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            service_account: CoupaUserId(0),
            tokens: Vec::new(),
            token_ttl: Duration::from_secs(86_399),
            token_requests: 0,
            next_id: 100,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            requisitions: BTreeMap::new(),
            approvals: BTreeMap::new(),
            delegations: Vec::new(),
            calls: Vec::new(),
            faults: Vec::new(),
            last_change: Timestamp::UNIX_EPOCH,
            clock_offset: jiff::SignedDuration::ZERO,
        };
        inner.service_account = inner.add_user("chat-approvals-svc", "Chat Approvals", "Service");
        inner
    }

    pub(super) fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Coupa's clock: one-second precision (several changes can share a second, as in Coupa)
    /// and never earlier than a change already made.
    pub(super) fn tick(&mut self) -> Timestamp {
        let now = Timestamp::now() + self.clock_offset;
        let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
        self.last_change = now.max(self.last_change);
        self.last_change
    }

    pub(super) fn add_user(&mut self, email: &str, first: &str, last: &str) -> CoupaUserId {
        let id = CoupaUserId(self.fresh_id());
        self.users.insert(
            id,
            SandboxUser {
                id,
                login: email.to_owned(),
                email: email.to_owned(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                active: true,
            },
        );
        id
    }

    pub(super) fn current(&self, req: &RequisitionRecord) -> Vec<ApprovalId> {
        if req.status != "pending_approval" {
            return Vec::new();
        }
        req.steps
            .iter()
            .find(|step| {
                step.iter()
                    .any(|id| self.approvals.get(id).is_some_and(|a| waiting(a.status)))
            })
            .map(|step| {
                step.iter()
                    .copied()
                    .filter(|id| self.approvals.get(id).is_some_and(|a| waiting(a.status)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Applies a decision; moves the chain on after the last parallel approval of a step.
    pub(super) fn decide(
        &mut self,
        approval: ApprovalId,
        action: &str,
        by: CoupaUserId,
        note: Option<String>,
    ) -> Result<(), String> {
        let now = self.tick();
        let record = self
            .approvals
            .get_mut(&approval)
            .ok_or_else(|| "not found".to_owned())?;
        if action == "hold" && record.status == "pending_approval" && !record.holdable {
            return Err("Approval cannot be held".to_owned());
        }
        if record.status != "pending_approval" {
            return Err(format!(
                "Approval is not pending and cannot be {}",
                match action {
                    "approve" => "approved",
                    "reject" => "rejected",
                    _ => "held",
                }
            ));
        }
        record.status = match action {
            "approve" => "approved",
            "reject" => "rejected",
            _ => HELD,
        };
        record.decided_by = Some(by);
        record.decided_at = Some(now);
        record.note = note;
        record.updated_at = now;
        let requisition = record.requisition;
        let position = record.position as usize;
        let Some(req) = self.requisitions.get_mut(&requisition) else {
            return Ok(());
        };
        req.updated_at = now;
        match action {
            "reject" => {
                // Coupa returns a rejected requisition to its requester as a draft.
                req.status = "draft";
                for id in req.steps.iter().flatten() {
                    if let Some(other) = self.approvals.get_mut(id)
                        && (other.status == "pending" || waiting(other.status))
                    {
                        other.status = "cancelled";
                        other.updated_at = now;
                    }
                }
            }
            "approve" => {
                let step_done = req.steps[position - 1].iter().all(|id| {
                    self.approvals
                        .get(id)
                        .is_some_and(|a| a.status == "approved")
                });
                if step_done {
                    match req.steps.get(position) {
                        Some(next) => {
                            for id in next {
                                if let Some(a) = self.approvals.get_mut(id) {
                                    a.status = "pending_approval";
                                    a.updated_at = now;
                                }
                            }
                        }
                        None => req.status = "approved",
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Releases a held approval, as Coupa's web UI does: it waits for a decision again.
    pub(super) fn release(&mut self, approval: ApprovalId) -> Result<(), String> {
        let now = self.tick();
        let record = self
            .approvals
            .get_mut(&approval)
            .ok_or_else(|| "not found".to_owned())?;
        if record.status != HELD {
            return Err("Approval is not on hold".to_owned());
        }
        record.status = "pending_approval";
        record.decided_by = None;
        record.decided_at = None;
        record.note = None;
        record.updated_at = now;
        let requisition = record.requisition;
        if let Some(req) = self.requisitions.get_mut(&requisition) {
            req.updated_at = now;
        }
        Ok(())
    }

    pub(super) fn authorized(&mut self, headers: &HeaderMap) -> bool {
        let now = tokio::time::Instant::now();
        self.tokens.retain(|(_, expires)| *expires > now);
        let presented = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        presented.is_some_and(|p| self.tokens.iter().any(|(t, _)| t == p))
    }
}
