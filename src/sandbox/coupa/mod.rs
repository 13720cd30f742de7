//! A stateful fake Coupa, used by `demo` and the tests: the same HTTP API shapes as Coupa
//! (kebab-case JSON, paging, bracket filters, OAuth2 client credentials), backed by memory.
//!
//! Approving the current step moves the requisition to its next step (or to `approved` after the
//! last); rejecting ends the chain; holding keeps the step current, `holding`, until released
//! ([`Sandbox::release_hold`], as Coupa's web UI would), and is refused where the approval is not
//! `holdable`. Control methods let a test or the demo act "in Coupa" directly
//! (approve elsewhere, edit a total), count the calls the bot made, and inject faults.
//!
//! | module | holds |
//! |---|---|
//! | `seed` | what goes in: [`NewRequisition`], [`NewLine`], [`StepApprover`], [`SandboxUser`] |
//! | `state` | users, groups, requisitions, approval chains, tokens; Coupa's decision rules |
//! | `json` | records as Coupa's API returns them |
//! | `routes` | the HTTP API: token endpoint, Core API calls, paging, filters, errors |
//! | `load` | many pending requisitions at once, for load and cost measurements |
//! | `delegations` | an approval's `delegate`, users' delegations with their dates, `/api/delegations` |
//! | `calls` | [`RecordedCall`]s, [`Fault`]s to inject, [`busiest_second`] |
//! | `demo_data` | the demo's people and requisitions |

mod calls;
mod delegations;
pub(crate) mod demo_data;
mod json;
mod load;
mod routes;
mod seed;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use rust_decimal::Decimal;
use serde_json::Value;

pub use self::calls::{Fault, RecordedCall, busiest_second};
pub use self::routes::PAGE_LIMIT;
pub use self::seed::{NewLine, NewRequisition, SandboxUser, StepApprover};
use self::state::{ApprovalRecord, GroupRecord, Inner, RequisitionRecord};
use super::served::Served;
use crate::domain::{ApprovalId, CoupaUserId, GroupId, RequisitionId};

/// A fake Coupa instance. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Mutex<Inner>>,
}

/// A sandbox served over HTTP on a local port.
pub struct RunningSandbox {
    /// The sandbox, for control and inspection.
    pub sandbox: Sandbox,
    /// Where it listens.
    pub addr: SocketAddr,
    _served: Served,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`, the instance URL to configure.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The OAuth client id a [`Sandbox::new`] accepts.
pub const CLIENT_ID: &str = "sandbox-client";
/// Its secret (the sandbox has no real secrets).
pub const CLIENT_SECRET: &str = "sandbox-secret";

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// An empty Coupa accepting the OAuth client [`CLIENT_ID`] / [`CLIENT_SECRET`].
    pub fn new() -> Self {
        Self::with_client(CLIENT_ID, CLIENT_SECRET)
    }

    /// An empty Coupa accepting the OAuth client `client_id` / `client_secret`.
    pub fn with_client(client_id: &str, client_secret: &str) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::new(client_id, client_secret))),
        }
    }

    /// The OAuth client id it accepts.
    pub fn client_id(&self) -> String {
        self.lock().client_id.clone()
    }

    /// The OAuth client secret it accepts.
    pub fn client_secret(&self) -> String {
        self.lock().client_secret.clone()
    }

    /// The state, even after a panic elsewhere poisoned the lock (every change leaves it whole).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves the sandbox on `127.0.0.1` at a free port.
    pub async fn serve(self) -> std::io::Result<RunningSandbox> {
        let served = Served::start(self.router()).await?;
        Ok(RunningSandbox {
            sandbox: self,
            addr: served.addr(),
            _served: served,
        })
    }

    /// The HTTP API as a router, for serving in-process.
    pub fn router(&self) -> Router {
        routes::router(self)
    }

    // --- Set-up -------------------------------------------------------------------------------

    /// Adds an active user `email` named `first last`; the login is the email's local part.
    pub fn add_user(&self, email: &str, first: &str, last: &str) -> CoupaUserId {
        let mut inner = self.lock();
        let id = inner.add_user(email, first, last);
        if let Some(user) = inner.users.get_mut(&id) {
            user.email = email.to_owned();
            user.login = email.split('@').next().unwrap_or(email).to_owned();
        }
        id
    }

    /// Marks a user inactive (or active again).
    pub fn set_user_active(&self, id: CoupaUserId, active: bool) {
        if let Some(user) = self.lock().users.get_mut(&id) {
            user.active = active;
        }
    }

    /// Adds an approval group with `members`.
    pub fn add_group(&self, name: &str, members: &[CoupaUserId]) -> GroupId {
        let mut inner = self.lock();
        let id = GroupId(inner.fresh_id());
        inner.groups.insert(
            id,
            GroupRecord {
                id,
                name: name.to_owned(),
                members: members.to_vec(),
            },
        );
        id
    }

    /// Creates a requisition pending approval at its first step.
    pub fn add_requisition(&self, new: NewRequisition) -> RequisitionId {
        let mut inner = self.lock();
        let now = inner.tick();
        let id = RequisitionId(inner.fresh_id());
        let mut steps = Vec::new();
        for (index, step) in new.chain.iter().enumerate() {
            let mut ids = Vec::new();
            for approver in step {
                let approval = ApprovalId(inner.fresh_id());
                inner.approvals.insert(
                    approval,
                    ApprovalRecord {
                        id: approval,
                        requisition: id,
                        position: index as u32 + 1,
                        approver: *approver,
                        status: if index == 0 {
                            "pending_approval"
                        } else {
                            "pending"
                        },
                        decided_by: None,
                        decided_at: None,
                        note: None,
                        holdable: true,
                        created_at: now,
                        updated_at: now,
                        delegate: None,
                    },
                );
                ids.push(approval);
            }
            steps.push(ids);
        }
        let status = if steps.is_empty() {
            "approved"
        } else {
            "pending_approval"
        };
        inner.requisitions.insert(
            id,
            RequisitionRecord {
                id,
                new,
                status,
                created_at: now,
                updated_at: now,
                steps,
            },
        );
        id
    }

    /// Creates a requisition as [`Self::add_requisition`] does, but submitted `ago` before now:
    /// its submission (and its approvals' creation) is dated back, while its last update stays
    /// now, so a sync still sees it as new. The demo uses this to show ages and "oldest first".
    pub fn add_requisition_submitted(&self, new: NewRequisition, ago: Duration) -> RequisitionId {
        let id = self.add_requisition(new);
        let ago = jiff::SignedDuration::try_from(ago).unwrap_or_default();
        let mut inner = self.lock();
        let Some(req) = inner.requisitions.get_mut(&id) else {
            return id;
        };
        let submitted = req.created_at.checked_sub(ago).unwrap_or(req.created_at);
        req.created_at = submitted;
        let approvals: Vec<ApprovalId> = req.steps.iter().flatten().copied().collect();
        for approval in approvals {
            if let Some(record) = inner.approvals.get_mut(&approval) {
                record.created_at = submitted;
            }
        }
        id
    }

    /// Moves Coupa's clock forward by `by` (for changes spread over time without waiting).
    pub fn advance_clock(&self, by: Duration) {
        let mut inner = self.lock();
        inner.clock_offset += jiff::SignedDuration::try_from(by).unwrap_or_default();
    }

    /// Tokens issued from now on live `ttl`.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.lock().token_ttl = ttl;
    }

    /// Invalidates every issued token (the next API call gets 401).
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Adds a fault for the next matching calls.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    // --- Acting "in Coupa" ------------------------------------------------------------------

    /// Approves `approval` as `by` directly in Coupa (not through the bot).
    pub fn approve_in_coupa(&self, approval: ApprovalId, by: CoupaUserId) -> Result<(), String> {
        self.lock()
            .decide(approval, "approve", by, Some("Approved in Coupa".into()))
    }

    /// Rejects `approval` as `by` directly in Coupa.
    pub fn reject_in_coupa(
        &self,
        approval: ApprovalId,
        by: CoupaUserId,
        reason: &str,
    ) -> Result<(), String> {
        self.lock()
            .decide(approval, "reject", by, Some(reason.to_owned()))
    }

    /// Puts `approval` on hold as `by` directly in Coupa, with `reason` as its note.
    pub fn hold_in_coupa(
        &self,
        approval: ApprovalId,
        by: CoupaUserId,
        reason: &str,
    ) -> Result<(), String> {
        self.lock()
            .decide(approval, "hold", by, Some(reason.to_owned()))
    }

    /// Releases a held `approval`, as someone in Coupa's web UI would: it waits for a decision
    /// again (and can be approved, rejected or held).
    pub fn release_hold(&self, approval: ApprovalId) -> Result<(), String> {
        self.lock().release(approval)
    }

    /// Whether Coupa allows `approval` to be put on hold (every approval does at first).
    pub fn set_holdable(&self, approval: ApprovalId, holdable: bool) {
        let mut inner = self.lock();
        let now = inner.tick();
        if let Some(record) = inner.approvals.get_mut(&approval) {
            record.holdable = holdable;
            record.updated_at = now;
        }
    }

    /// Withdraws a requisition (its pending approvals disappear from the chain).
    pub fn withdraw(&self, requisition: RequisitionId) {
        let mut inner = self.lock();
        let now = inner.tick();
        if let Some(req) = inner.requisitions.get_mut(&requisition) {
            req.status = "withdrawn";
            req.updated_at = now;
        }
    }

    /// Changes the unit price (or amount) of line `line` (1-based), as an edit in Coupa would.
    pub fn set_line_amount(&self, requisition: RequisitionId, line: usize, amount: Decimal) {
        let mut inner = self.lock();
        let now = inner.tick();
        if let Some(req) = inner.requisitions.get_mut(&requisition)
            && let Some(l) = req.new.lines.get_mut(line.saturating_sub(1))
        {
            match (l.quantity, l.unit_price.as_mut()) {
                (Some(q), Some(price)) => {
                    *price = amount;
                    l.amount = amount * q;
                }
                _ => l.amount = amount,
            }
            req.updated_at = now;
        }
    }

    /// Changes a requisition's title, department and need-by date (`YYYY-MM-DD`), as an edit
    /// in Coupa would; `None` leaves that field as it is.
    pub fn set_header(
        &self,
        requisition: RequisitionId,
        title: Option<&str>,
        department: Option<&str>,
        need_by: Option<&str>,
    ) {
        let mut inner = self.lock();
        let now = inner.tick();
        if let Some(req) = inner.requisitions.get_mut(&requisition) {
            if let Some(title) = title {
                req.new.title = title.to_owned();
            }
            if let Some(department) = department {
                req.new.department = Some(department.to_owned());
            }
            if let Some(need_by) = need_by {
                req.new.need_by = Some(need_by.to_owned());
            }
            req.updated_at = now;
        }
    }

    // --- Inspection ---------------------------------------------------------------------------

    /// Every API call received so far (token requests excluded).
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().calls.clone()
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    /// API calls whose method and path match.
    pub fn count_calls(&self, method: &str, path_prefix: &str) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.method == method && c.path.starts_with(path_prefix))
            .count()
    }

    /// Token requests received so far.
    pub fn token_requests(&self) -> usize {
        self.lock().token_requests
    }

    /// The approval waiting at the requisition's current step (the first, if parallel).
    pub fn current_approval(&self, requisition: RequisitionId) -> Option<ApprovalId> {
        self.current_approvals(requisition).into_iter().next()
    }

    /// Every approval waiting at the requisition's current step.
    pub fn current_approvals(&self, requisition: RequisitionId) -> Vec<ApprovalId> {
        let inner = self.lock();
        inner
            .requisitions
            .get(&requisition)
            .map(|r| inner.current(r))
            .unwrap_or_default()
    }

    /// An approval's status word (`pending_approval`, `approved`, …).
    pub fn approval_status(&self, approval: ApprovalId) -> Option<String> {
        self.lock()
            .approvals
            .get(&approval)
            .map(|a| a.status.to_owned())
    }

    /// The note (reason) recorded with an approval's decision.
    pub fn approval_note(&self, approval: ApprovalId) -> Option<String> {
        self.lock()
            .approvals
            .get(&approval)
            .and_then(|a| a.note.clone())
    }

    /// A requisition's status word.
    pub fn requisition_status(&self, requisition: RequisitionId) -> Option<String> {
        self.lock()
            .requisitions
            .get(&requisition)
            .map(|r| r.status.to_owned())
    }

    /// A requisition as Coupa's API would return it.
    pub fn requisition_json(&self, requisition: RequisitionId) -> Option<Value> {
        let inner = self.lock();
        inner
            .requisitions
            .get(&requisition)
            .map(|r| inner.requisition_json(r))
    }

    /// Every requisition id, in creation order.
    pub fn requisition_ids(&self) -> Vec<RequisitionId> {
        self.lock().requisitions.keys().copied().collect()
    }

    /// Every user.
    pub fn users(&self) -> Vec<SandboxUser> {
        self.lock().users.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain_of_two() -> (Sandbox, RequisitionId, CoupaUserId, CoupaUserId) {
        let sandbox = Sandbox::new();
        let requester = sandbox.add_user("req@example.com", "Re", "Quester");
        let first = sandbox.add_user("first@example.com", "First", "Approver");
        let second = sandbox.add_user("second@example.com", "Second", "Approver");
        let req = sandbox.add_requisition(NewRequisition {
            title: "Laptops".into(),
            requested_by: requester,
            currency: "USD".into(),
            lines: vec![NewLine::quantity(
                "Laptop",
                2,
                Decimal::new(150_000, 2),
                "Dell",
            )],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![
                vec![StepApprover::User(first)],
                vec![StepApprover::User(second)],
            ],
        });
        (sandbox, req, first, second)
    }

    #[test]
    fn approving_a_step_moves_the_requisition_to_the_next_approver() {
        let (sandbox, req, first, second) = chain_of_two();
        let step_one = sandbox.current_approval(req).unwrap();
        sandbox.approve_in_coupa(step_one, first).unwrap();
        let step_two = sandbox.current_approval(req).unwrap();
        assert_ne!(step_one, step_two);
        assert_eq!(
            sandbox.approval_status(step_one).as_deref(),
            Some("approved")
        );
        sandbox.approve_in_coupa(step_two, second).unwrap();
        assert_eq!(sandbox.requisition_status(req).as_deref(), Some("approved"));
        assert_eq!(sandbox.current_approval(req), None);
    }

    #[test]
    fn a_requisition_submitted_days_ago_says_so_and_still_looks_new_to_a_sync() {
        let sandbox = Sandbox::new();
        let requester = sandbox.add_user("req@example.com", "Re", "Quester");
        let approver = sandbox.add_user("ap@example.com", "Ap", "Prover");
        let new = NewRequisition::one_line("Chairs", requester, approver, Decimal::from(900));
        let req = sandbox.add_requisition_submitted(new, Duration::from_secs(3 * 86_400));
        let json = sandbox.requisition_json(req).unwrap();
        let at = |field: &str| {
            json[field]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
        };
        let age = at("updated-at").duration_since(at("submitted-at"));
        assert_eq!(age.as_secs(), 3 * 86_400);
        assert!(
            jiff::Timestamp::now()
                .duration_since(at("updated-at"))
                .as_secs()
                < 60
        );
    }

    #[test]
    fn a_decided_approval_cannot_be_decided_again() {
        let (sandbox, req, first, _) = chain_of_two();
        let step_one = sandbox.current_approval(req).unwrap();
        sandbox.approve_in_coupa(step_one, first).unwrap();
        let err = sandbox.reject_in_coupa(step_one, first, "no").unwrap_err();
        assert!(err.contains("not pending"), "{err}");
    }

    #[test]
    fn a_held_approval_stays_current_until_released_and_then_can_be_decided() {
        let (sandbox, req, first, _) = chain_of_two();
        let step_one = sandbox.current_approval(req).unwrap();
        sandbox
            .hold_in_coupa(step_one, first, "waiting for a quote")
            .unwrap();
        assert_eq!(
            sandbox.approval_status(step_one).as_deref(),
            Some("holding")
        );
        assert_eq!(sandbox.current_approval(req), Some(step_one));
        let json = sandbox.requisition_json(req).unwrap();
        assert_eq!(json["current-approval"]["status"], "holding");
        assert_eq!(json["current-approval"]["note"], "waiting for a quote");
        let err = sandbox.approve_in_coupa(step_one, first).unwrap_err();
        assert!(err.contains("not pending"), "{err}");

        sandbox.release_hold(step_one).unwrap();
        assert_eq!(
            sandbox.approval_status(step_one).as_deref(),
            Some("pending_approval")
        );
        assert!(sandbox.release_hold(step_one).is_err());
        sandbox.approve_in_coupa(step_one, first).unwrap();
        assert_ne!(sandbox.current_approval(req), Some(step_one));
    }

    #[test]
    fn an_approval_that_is_not_holdable_cannot_be_held() {
        let (sandbox, req, first, _) = chain_of_two();
        let step_one = sandbox.current_approval(req).unwrap();
        sandbox.set_holdable(step_one, false);
        let json = sandbox.requisition_json(req).unwrap();
        assert_eq!(json["current-approval"]["holdable"], false);
        let err = sandbox.hold_in_coupa(step_one, first, "later").unwrap_err();
        assert!(err.contains("cannot be held"), "{err}");
        assert_eq!(
            sandbox.approval_status(step_one).as_deref(),
            Some("pending_approval")
        );
    }

    #[test]
    fn rejecting_ends_the_chain() {
        let (sandbox, req, first, _) = chain_of_two();
        let step_one = sandbox.current_approval(req).unwrap();
        sandbox
            .reject_in_coupa(step_one, first, "too expensive")
            .unwrap();
        assert_eq!(sandbox.requisition_status(req).as_deref(), Some("draft"));
        assert_eq!(sandbox.current_approval(req), None);
        assert_eq!(
            sandbox.approval_note(step_one).as_deref(),
            Some("too expensive")
        );
    }

    #[test]
    fn requisition_json_has_coupa_shape_and_total() {
        let (sandbox, req, _, _) = chain_of_two();
        let json = sandbox.requisition_json(req).unwrap();
        assert_eq!(json["total"], "3000.00");
        assert_eq!(json["status"], "pending_approval");
        assert_eq!(
            json["current-approval"]["approver"]["email"],
            "first@example.com"
        );
        assert_eq!(json["approvals"].as_array().unwrap().len(), 2);
        assert_eq!(json["requisition-lines"][0]["unit-price"], "1500.00");
    }
}
