//! A stateful fake Coupa, used by `demo` and the tests: the same HTTP API shapes as Coupa
//! (kebab-case JSON, paging, bracket filters, OAuth2 client credentials), backed by memory.
//!
//! Approving the current step moves the requisition to its next step (or to `approved` after the
//! last); rejecting ends the chain. Control methods let a test or the demo act "in Coupa" directly
//! (approve elsewhere, edit a total), count the calls the bot made, and inject faults.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::{ApprovalId, CoupaUserId, GroupId, RequisitionId};

/// Coupa returns at most this many records per list call.
pub const PAGE_LIMIT: usize = 50;

/// One call the bot made, as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// When the sandbox received it (`tokio::time`, so paused-clock tests see their own clock).
    pub at: tokio::time::Instant,
}

/// A failure to inject into the next matching API calls.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only calls whose path starts with this are affected (`/api/` for all).
    pub path_prefix: String,
    /// Only calls with this method (`None` = any).
    pub method: Option<Method>,
    /// How many calls it affects.
    pub times: usize,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Answer with this status instead of serving the call (`None` = serve after the delay).
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with the status.
    pub retry_after: Option<u64>,
    /// Serve the call (changing state) and only then fail with `status`: an ambiguous outcome.
    pub after_effect: bool,
}

impl Fault {
    /// `times` answers of `status` to calls under `path_prefix`.
    pub fn status(path_prefix: &str, status: u16, times: usize) -> Self {
        Self {
            path_prefix: path_prefix.to_owned(),
            method: None,
            times,
            delay: Duration::ZERO,
            status: Some(status),
            retry_after: None,
            after_effect: false,
        }
    }

    /// `times` calls under `path_prefix` that stall for `delay` before being served.
    pub fn stall(path_prefix: &str, delay: Duration, times: usize) -> Self {
        Self {
            status: None,
            delay,
            ..Self::status(path_prefix, 200, times)
        }
    }
}

/// A person in the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxUser {
    /// Coupa id.
    pub id: CoupaUserId,
    /// Login.
    pub login: String,
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Whether the account is active.
    pub active: bool,
}

/// Who approves one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepApprover {
    /// A user.
    User(CoupaUserId),
    /// Any active member of a group.
    Group(GroupId),
}

/// A line of a new requisition.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// What is bought.
    pub description: String,
    /// Quantity; `None` for an amount line.
    pub quantity: Option<Decimal>,
    /// Unit price; `None` for an amount line.
    pub unit_price: Option<Decimal>,
    /// Line total (for amount lines; quantity lines compute it).
    pub amount: Decimal,
    /// Supplier name.
    pub supplier: String,
    /// Account name and code.
    pub account: (String, String),
}

impl NewLine {
    /// A quantity line: `quantity` × `unit_price`.
    pub fn quantity(description: &str, quantity: i64, unit_price: Decimal, supplier: &str) -> Self {
        Self {
            description: description.to_owned(),
            quantity: Some(Decimal::from(quantity)),
            unit_price: Some(unit_price),
            amount: unit_price * Decimal::from(quantity),
            supplier: supplier.to_owned(),
            account: ("Operating Expenses".into(), "OPEX-6000".into()),
        }
    }

    /// An amount line (services, fees): no quantity or unit price.
    pub fn amount(description: &str, amount: Decimal, supplier: &str) -> Self {
        Self {
            description: description.to_owned(),
            quantity: None,
            unit_price: None,
            amount,
            supplier: supplier.to_owned(),
            account: ("Operating Expenses".into(), "OPEX-6000".into()),
        }
    }
}

/// A requisition to create in the sandbox, pending at its first step.
#[derive(Debug, Clone)]
pub struct NewRequisition {
    /// Title.
    pub title: String,
    /// Requester.
    pub requested_by: CoupaUserId,
    /// ISO currency code.
    pub currency: String,
    /// Lines.
    pub lines: Vec<NewLine>,
    /// Justification.
    pub justification: Option<String>,
    /// Department name.
    pub department: Option<String>,
    /// Need-by date, `YYYY-MM-DD`.
    pub need_by: Option<String>,
    /// Approval chain: each step lists its approvers; more than one means parallel approvals,
    /// all of which must approve before the next step.
    pub chain: Vec<Vec<StepApprover>>,
}

impl NewRequisition {
    /// A requisition of one line for `amount` USD, waiting for `approver` alone: the shape that
    /// load and cost measurements create by the thousand.
    pub fn one_line(
        title: impl Into<String>,
        requested_by: CoupaUserId,
        approver: CoupaUserId,
        amount: Decimal,
    ) -> Self {
        Self {
            title: title.into(),
            requested_by,
            currency: "USD".into(),
            lines: vec![NewLine::amount("Item", amount, "Supplier")],
            justification: None,
            department: None,
            need_by: None,
            chain: vec![vec![StepApprover::User(approver)]],
        }
    }
}

/// The most calls that arrived within any one-second window (`[t, t + 1 s)`), to compare with a
/// rate limit.
pub fn busiest_second(calls: &[RecordedCall]) -> usize {
    let mut arrivals: Vec<_> = calls.iter().map(|c| c.at).collect();
    arrivals.sort();
    let mut busiest = 0;
    let mut start = 0;
    for end in 0..arrivals.len() {
        while arrivals[end] - arrivals[start] >= Duration::from_secs(1) {
            start += 1;
        }
        busiest = busiest.max(end - start + 1);
    }
    busiest
}

#[derive(Debug, Clone)]
struct ApprovalRecord {
    id: ApprovalId,
    requisition: RequisitionId,
    position: u32,
    approver: StepApprover,
    status: &'static str,
    decided_by: Option<CoupaUserId>,
    decided_at: Option<Timestamp>,
    note: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Debug, Clone)]
struct RequisitionRecord {
    id: RequisitionId,
    new: NewRequisition,
    status: &'static str,
    created_at: Timestamp,
    updated_at: Timestamp,
    steps: Vec<Vec<ApprovalId>>,
}

#[derive(Debug, Clone)]
struct GroupRecord {
    id: GroupId,
    name: String,
    members: Vec<CoupaUserId>,
}

struct Inner {
    client_id: String,
    client_secret: String,
    service_account: CoupaUserId,
    tokens: Vec<(String, tokio::time::Instant)>,
    token_ttl: Duration,
    token_requests: usize,
    next_id: u64,
    users: BTreeMap<CoupaUserId, SandboxUser>,
    groups: BTreeMap<GroupId, GroupRecord>,
    requisitions: BTreeMap<RequisitionId, RequisitionRecord>,
    approvals: BTreeMap<ApprovalId, ApprovalRecord>,
    calls: Vec<RecordedCall>,
    faults: Vec<Fault>,
    last_change: Timestamp,
    clock_offset: jiff::SignedDuration,
}

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
    task: tokio::task::JoinHandle<()>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`, the instance URL to configure.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sandbox {
    /// An empty Coupa accepting the OAuth client `client_id` / `client_secret`.
    pub fn new(client_id: &str, client_secret: &str) -> Self {
        let mut inner = Inner {
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
            calls: Vec::new(),
            faults: Vec::new(),
            last_change: Timestamp::UNIX_EPOCH,
            clock_offset: jiff::SignedDuration::ZERO,
        };
        let service = inner.add_user("chat-approvals-svc", "Chat Approvals", "Service");
        inner.service_account = service;
        Self {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves the sandbox on `127.0.0.1` at a free port.
    pub async fn serve(self) -> std::io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::error!(error = %err, "sandbox server failed");
            }
        });
        Ok(RunningSandbox {
            sandbox: self,
            addr,
            task,
        })
    }

    /// The HTTP API as a router, for serving in-process.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/oauth2/token", post(token))
            .route("/api/requisitions", get(list_requisitions))
            .route("/api/requisitions/{id}", get(get_requisition))
            .route("/api/approvals", get(list_approvals))
            .route("/api/approvals/{id}", get(get_approval))
            .route("/api/approvals/{id}/{action}", put(act_on_approval))
            .route("/api/users", get(list_users))
            .route("/api/user_groups/{id}", get(get_group))
            .with_state(self.clone())
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
                        created_at: now,
                        updated_at: now,
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

impl Inner {
    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Coupa's clock: one-second precision (several changes can share a second, as in Coupa)
    /// and never earlier than a change already made.
    fn tick(&mut self) -> Timestamp {
        let now = Timestamp::now() + self.clock_offset;
        let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
        self.last_change = now.max(self.last_change);
        self.last_change
    }

    fn add_user(&mut self, email: &str, first: &str, last: &str) -> CoupaUserId {
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

    fn current(&self, req: &RequisitionRecord) -> Vec<ApprovalId> {
        if req.status != "pending_approval" {
            return Vec::new();
        }
        req.steps
            .iter()
            .find(|step| {
                step.iter().any(|id| {
                    self.approvals
                        .get(id)
                        .is_some_and(|a| a.status == "pending_approval")
                })
            })
            .map(|step| {
                step.iter()
                    .copied()
                    .filter(|id| {
                        self.approvals
                            .get(id)
                            .is_some_and(|a| a.status == "pending_approval")
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Applies a decision; moves the chain on after the last parallel approval of a step.
    fn decide(
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
            _ => "holding",
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
                        && (other.status == "pending" || other.status == "pending_approval")
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

    fn user_json(&self, id: CoupaUserId) -> Value {
        match self.users.get(&id) {
            Some(u) => json!({
                "id": u.id.0,
                "login": u.login,
                "email": u.email,
                "firstname": u.first_name,
                "lastname": u.last_name,
                "fullname": format!("{} {}", u.first_name, u.last_name),
                "active": u.active,
            }),
            None => Value::Null,
        }
    }

    fn group_json(&self, group: &GroupRecord) -> Value {
        json!({
            "id": group.id.0,
            "name": group.name,
            "active": true,
            "can-approve": true,
            "users": group.members.iter().map(|m| self.user_json(*m)).collect::<Vec<_>>(),
        })
    }

    fn approval_json(&self, a: &ApprovalRecord) -> Value {
        let (approver_type, approver_id, approver) = match a.approver {
            StepApprover::User(id) => ("User", id.0, self.user_json(id)),
            StepApprover::Group(id) => (
                "UserGroup",
                id.0,
                self.groups
                    .get(&id)
                    .map(|g| self.group_json(g))
                    .unwrap_or(Value::Null),
            ),
        };
        json!({
            "id": a.id.0,
            "created-at": a.created_at.to_string(),
            "updated-at": a.updated_at.to_string(),
            "status": a.status,
            "type": "ApprovalChainApproval",
            "position": a.position,
            "approval-chain-id": 3000 + a.requisition.0,
            "approvable-type": "RequisitionHeader",
            "approvable-id": a.requisition.0,
            "approver-type": approver_type,
            "approver-id": approver_id,
            "approver": approver,
            "approved-by": a.decided_by.map(|_| self.user_json(self.service_account)).unwrap_or(Value::Null),
            "approval-date": a.decided_at.map(|t| t.to_string()),
            "holdable": true,
            "note": a.note,
        })
    }

    fn requisition_json(&self, r: &RequisitionRecord) -> Value {
        let currency = json!({ "id": 1, "code": r.new.currency });
        let total: Decimal = r.new.lines.iter().map(|l| l.amount).sum();
        let lines: Vec<Value> = r
            .new
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": r.id.0 * 100 + i as u64 + 1,
                    "line-num": i + 1,
                    "line-type": if l.quantity.is_some() { "RequisitionQuantityLine" } else { "RequisitionAmountLine" },
                    "description": l.description,
                    "quantity": l.quantity.map(|q| q.to_string()),
                    "unit-price": l.unit_price.map(|p| p.to_string()),
                    "total": l.amount.to_string(),
                    "currency": currency,
                    "uom": if l.quantity.is_some() { json!({ "name": "Each" }) } else { Value::Null },
                    "supplier": { "name": l.supplier },
                    "account": { "name": l.account.0, "code": l.account.1 },
                })
            })
            .collect();
        let current = self.current(r);
        let approval = |id: &ApprovalId| {
            self.approvals
                .get(id)
                .map(|a| self.approval_json(a))
                .unwrap_or(Value::Null)
        };
        json!({
            "id": r.id.0,
            "created-at": r.created_at.to_string(),
            "updated-at": r.updated_at.to_string(),
            "submitted-at": r.created_at.to_string(),
            "req-title": r.new.title,
            "status": r.status,
            "total": total.to_string(),
            "currency": currency,
            "justification": r.new.justification,
            "need-by-date": r.new.need_by,
            "line-count": r.new.lines.len(),
            "department": r.new.department.as_ref().map(|d| json!({ "name": d })),
            "requested-by": self.user_json(r.new.requested_by),
            "current-approval": current.first().map(approval).unwrap_or(Value::Null),
            "current-parallel-approvals": current.iter().skip(1).map(approval).collect::<Vec<_>>(),
            "approvals": r.steps.iter().flatten().map(approval).collect::<Vec<_>>(),
            "requisition-lines": lines,
        })
    }

    fn authorized(&mut self, headers: &HeaderMap) -> bool {
        let now = tokio::time::Instant::now();
        self.tokens.retain(|(_, expires)| *expires > now);
        let presented = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        presented.is_some_and(|p| self.tokens.iter().any(|(t, _)| t == p))
    }
}

// --- HTTP handlers ---------------------------------------------------------------------------

fn errors(status: StatusCode, field: &str, message: &str) -> Response {
    (status, Json(json!({ "errors": { field: [message] } }))).into_response()
}

/// One record as JSON, or Coupa's 404 naming `what`.
fn one(found: Option<Value>, what: &str) -> Response {
    match found {
        Some(value) => Json(value).into_response(),
        None => errors(StatusCode::NOT_FOUND, "id", &format!("{what} not found")),
    }
}

fn pairs(query: &Option<String>) -> Vec<(String, String)> {
    query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// Records the call, checks the token and applies any fault; `Err` is the response to send.
async fn admit(
    sandbox: &Sandbox,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Option<Fault>, Response> {
    let fault = {
        let mut inner = sandbox.lock();
        inner.calls.push(RecordedCall {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: pairs(&uri.query().map(str::to_owned)),
            at: tokio::time::Instant::now(),
        });
        if !inner.authorized(headers) {
            return Err((
                StatusCode::UNAUTHORIZED,
                Json(json!({ "errors": { "token": ["invalid or expired access token"] } })),
            )
                .into_response());
        }
        let position = inner.faults.iter().position(|f| {
            f.times > 0
                && uri.path().starts_with(&f.path_prefix)
                && f.method.as_ref().is_none_or(|m| m == method)
        });
        position.map(|i| {
            let fault = inner.faults[i].clone();
            inner.faults[i].times -= 1;
            if inner.faults[i].times == 0 {
                inner.faults.remove(i);
            }
            fault
        })
    };
    if let Some(fault) = &fault {
        tokio::time::sleep(fault.delay).await;
        if let (Some(status), false) = (fault.status, fault.after_effect) {
            return Err(fault_response(fault, status));
        }
    }
    Ok(fault)
}

fn fault_response(fault: &Fault, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, "sandbox fault").into_response();
    if let Some(secs) = fault.retry_after
        && let Ok(value) = secs.to_string().parse()
    {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

async fn token(State(sandbox): State<Sandbox>, body: String) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let mut inner = sandbox.lock();
    inner.token_requests += 1;
    // Coupa's documentation puts the client credentials in the form body.
    let credentials_ok = form.get("client_id") == Some(&inner.client_id)
        && form.get("client_secret") == Some(&inner.client_secret);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    if !credentials_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client", "error_description": "Client authentication failed" })),
        )
            .into_response();
    }
    let token = format!("sandbox-token-{}", uuid::Uuid::new_v4().simple());
    let ttl = inner.token_ttl;
    inner
        .tokens
        .push((token.clone(), tokio::time::Instant::now() + ttl));
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs(),
        "scope": form.get("scope").cloned().unwrap_or_default(),
    }))
    .into_response()
}

/// Applies `field[op]=value` filters on `updated_at` and plain equality on `status`.
fn matches_filters(query: &[(String, String)], status: &str, updated_at: Timestamp) -> bool {
    query.iter().all(|(key, value)| {
        let key = key.replace('-', "_");
        match key.as_str() {
            "status" => status == value,
            "updated_at[gt]" | "updated_at[gt_or_eq]" | "updated_at[lt]" => {
                let Ok(bound) = value.parse::<Timestamp>() else {
                    return false;
                };
                match key.as_str() {
                    "updated_at[gt]" => updated_at > bound,
                    "updated_at[gt_or_eq]" => updated_at >= bound,
                    _ => updated_at < bound,
                }
            }
            _ => true,
        }
    })
}

fn page<T>(query: &[(String, String)], items: Vec<T>) -> Vec<T> {
    let number = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let offset = number("offset").unwrap_or(0);
    let limit = number("limit").unwrap_or(PAGE_LIMIT).min(PAGE_LIMIT);
    items.into_iter().skip(offset).take(limit).collect()
}

async fn list_requisitions(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let query = pairs(&query);
    let inner = sandbox.lock();
    let mut matching: Vec<&RequisitionRecord> = inner
        .requisitions
        .values()
        .filter(|r| matches_filters(&query, r.status, r.updated_at))
        .collect();
    matching.sort_by_key(|r| (r.updated_at, r.id));
    let descending = query.iter().any(|(k, v)| k == "dir" && v == "desc");
    if descending {
        matching.reverse();
    }
    let body: Vec<Value> = page(&query, matching)
        .into_iter()
        .map(|r| inner.requisition_json(r))
        .collect();
    Json(body).into_response()
}

async fn get_requisition(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let inner = sandbox.lock();
    let found = id
        .parse()
        .ok()
        .and_then(|id| inner.requisitions.get(&RequisitionId(id)))
        .map(|r| inner.requisition_json(r));
    one(found, "Requisition")
}

async fn list_approvals(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let query = pairs(&query);
    let inner = sandbox.lock();
    let approver_id = query
        .iter()
        .find(|(k, _)| k == "approver_id" || k == "approver-id")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let approver_type = query
        .iter()
        .find(|(k, _)| k == "approver_type" || k == "approver-type")
        .map(|(_, v)| v.clone());
    let matching: Vec<&ApprovalRecord> = inner
        .approvals
        .values()
        .filter(|a| matches_filters(&query, a.status, a.updated_at))
        .filter(|a| {
            let (kind, id) = match a.approver {
                StepApprover::User(u) => ("User", u.0),
                StepApprover::Group(g) => ("UserGroup", g.0),
            };
            approver_id.is_none_or(|want| want == id)
                && approver_type.as_deref().is_none_or(|want| want == kind)
        })
        .collect();
    let body: Vec<Value> = page(&query, matching)
        .into_iter()
        .map(|a| inner.approval_json(a))
        .collect();
    Json(body).into_response()
}

async fn get_approval(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let inner = sandbox.lock();
    let found = id
        .parse()
        .ok()
        .and_then(|id| inner.approvals.get(&ApprovalId(id)))
        .map(|a| inner.approval_json(a));
    one(found, "Approval")
}

async fn act_on_approval(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let fault = match admit(&sandbox, &method, &uri, &headers).await {
        Ok(fault) => fault,
        Err(response) => return response,
    };
    if !matches!(action.as_str(), "approve" | "reject" | "hold") {
        return errors(StatusCode::NOT_FOUND, "action", "Unknown action");
    }
    let reason = pairs(&query)
        .into_iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v);
    let Ok(id) = id.parse::<u64>() else {
        return errors(StatusCode::NOT_FOUND, "id", "Approval not found");
    };
    let mut inner = sandbox.lock();
    let service = inner.service_account;
    let outcome = inner.decide(ApprovalId(id), &action, service, reason);
    let response = match outcome {
        Err(message) if message == "not found" => {
            errors(StatusCode::NOT_FOUND, "id", "Approval not found")
        }
        Err(message) => errors(StatusCode::BAD_REQUEST, "status", &message),
        Ok(()) => match inner.approvals.get(&ApprovalId(id)) {
            Some(a) => Json(inner.approval_json(a)).into_response(),
            None => errors(StatusCode::NOT_FOUND, "id", "Approval not found"),
        },
    };
    // An after-effect fault: the decision took effect, but the caller sees a failure.
    match fault {
        Some(fault) if fault.after_effect => fault_response(&fault, fault.status.unwrap_or(502)),
        _ => response,
    }
}

async fn list_users(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let query = pairs(&query);
    let inner = sandbox.lock();
    let email = query.iter().find(|(k, _)| k == "email").map(|(_, v)| v);
    let users: Vec<Value> = inner
        .users
        .values()
        .filter(|u| email.is_none_or(|e| *e == u.email))
        .map(|u| inner.user_json(u.id))
        .collect();
    Json(page(&query, users)).into_response()
}

async fn get_group(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = admit(&sandbox, &method, &uri, &headers).await {
        return response;
    }
    let inner = sandbox.lock();
    let found = id
        .parse()
        .ok()
        .and_then(|id| inner.groups.get(&GroupId(id)))
        .map(|g| inner.group_json(g));
    one(found, "User group")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain_of_two() -> (Sandbox, RequisitionId, CoupaUserId, CoupaUserId) {
        let sandbox = Sandbox::new("id", "secret");
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
    fn a_decided_approval_cannot_be_decided_again() {
        let (sandbox, req, first, _) = chain_of_two();
        let step_one = sandbox.current_approval(req).unwrap();
        sandbox.approve_in_coupa(step_one, first).unwrap();
        let err = sandbox.reject_in_coupa(step_one, first, "no").unwrap_err();
        assert!(err.contains("not pending"), "{err}");
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
