//! Delegates in the sandbox: an approval that names a `delegate`, and users' delegations
//! (`GET /api/delegations`, filtered by `delegator_id`), with their dates, as Coupa returns them.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::Sandbox;
use super::routes::{admit, page, pairs};
use super::state::Inner;
use crate::domain::{ApprovalId, CoupaUserId};

/// One user's delegation of their approvals (or, with `approvals` false, of something else).
#[derive(Debug, Clone)]
pub(super) struct DelegationRecord {
    pub(super) id: u64,
    pub(super) delegator: CoupaUserId,
    pub(super) delegate: CoupaUserId,
    pub(super) starts: Timestamp,
    pub(super) ends: Timestamp,
    pub(super) approvals: bool,
    pub(super) created_at: Timestamp,
    pub(super) updated_at: Timestamp,
}

impl Sandbox {
    /// Makes `approval` name `delegate` as its delegate (`None`: no delegate), as Coupa does
    /// when an approver hands a step over; the approval and its requisition count as changed.
    pub fn set_approval_delegate(&self, approval: ApprovalId, delegate: Option<CoupaUserId>) {
        let mut inner = self.lock();
        let now = inner.tick();
        let Some(record) = inner.approvals.get_mut(&approval) else {
            return;
        };
        record.delegate = delegate;
        record.updated_at = now;
        let requisition = record.requisition;
        if let Some(req) = inner.requisitions.get_mut(&requisition) {
            req.updated_at = now;
        }
    }

    /// Gives `delegator` a delegation of their approvals to `delegate` from `starts` until
    /// `ends`; its id. Like Coupa, this changes no requisition: the bot sees it when it next
    /// reads the approver's delegations.
    pub fn add_delegation(
        &self,
        delegator: CoupaUserId,
        delegate: CoupaUserId,
        starts: Timestamp,
        ends: Timestamp,
    ) -> u64 {
        self.delegation(delegator, delegate, starts, ends, true)
    }

    /// Gives `delegator` a delegation to `delegate` for receiving only (not approvals).
    pub fn add_receiving_delegation(
        &self,
        delegator: CoupaUserId,
        delegate: CoupaUserId,
        starts: Timestamp,
        ends: Timestamp,
    ) -> u64 {
        self.delegation(delegator, delegate, starts, ends, false)
    }

    /// Ends delegation `id` now (its end date becomes Coupa's now).
    pub fn end_delegation(&self, id: u64) {
        let mut inner = self.lock();
        let now = inner.tick();
        if let Some(record) = inner.delegations.iter_mut().find(|d| d.id == id) {
            record.ends = now;
            record.updated_at = now;
        }
    }

    fn delegation(
        &self,
        delegator: CoupaUserId,
        delegate: CoupaUserId,
        starts: Timestamp,
        ends: Timestamp,
        approvals: bool,
    ) -> u64 {
        let mut inner = self.lock();
        let now = inner.tick();
        let id = inner.fresh_id();
        inner.delegations.push(DelegationRecord {
            id,
            delegator,
            delegate,
            starts,
            ends,
            approvals,
            created_at: now,
            updated_at: now,
        });
        id
    }
}

impl Inner {
    /// The approval's `delegate`, as Coupa nests it: a user, or `null`.
    pub(super) fn delegate_json(&self, delegate: Option<CoupaUserId>) -> Value {
        delegate.map_or(Value::Null, |id| self.user_json(id))
    }

    fn delegation_json(&self, d: &DelegationRecord) -> Value {
        json!({
            "id": d.id,
            "created-at": d.created_at.to_string(),
            "updated-at": d.updated_at.to_string(),
            "delegator-id": d.delegator.0,
            "delegate-id": d.delegate.0,
            "delegator": self.user_json(d.delegator),
            "delegate": self.user_json(d.delegate),
            "start-date": d.starts.to_string(),
            "end-date": d.ends.to_string(),
            "reason": "Out of office",
            "approval-delegate": d.approvals,
            "receiving-delegate": !d.approvals,
            "review-delegate": false,
            "invoice-requester-delegate": false,
        })
    }
}

/// `GET /api/delegations`, filtered by `delegator_id` (or `delegator[id]`), in id order.
pub(super) async fn list_delegations(
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
    let delegator = query
        .iter()
        .find(|(k, _)| k == "delegator_id" || k == "delegator[id]")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let mut records: Vec<&DelegationRecord> = inner
        .delegations
        .iter()
        .filter(|d| delegator.is_none_or(|id| d.delegator.0 == id))
        .collect();
    records.sort_by_key(|d| d.id);
    let delegations: Vec<Value> = records
        .into_iter()
        .map(|d| inner.delegation_json(d))
        .collect();
    Json(page(&query, delegations)).into_response()
}
