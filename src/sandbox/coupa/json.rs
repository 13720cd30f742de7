//! The sandbox's records as Coupa's API returns them: kebab-case JSON, decimals as strings,
//! nested people, groups and approvals.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::seed::StepApprover;
use super::state::{ApprovalRecord, GroupRecord, Inner, RequisitionRecord};
use crate::domain::{ApprovalId, CoupaUserId};

impl Inner {
    pub(super) fn user_json(&self, id: CoupaUserId) -> Value {
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

    pub(super) fn group_json(&self, group: &GroupRecord) -> Value {
        json!({
            "id": group.id.0,
            "name": group.name,
            "active": true,
            "can-approve": true,
            "users": group.members.iter().map(|m| self.user_json(*m)).collect::<Vec<_>>(),
        })
    }

    pub(super) fn approval_json(&self, a: &ApprovalRecord) -> Value {
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
            "approved-by": a.decided_by.map(|by| self.user_json(by)).unwrap_or(Value::Null),
            "approval-date": a.decided_at.map(|t| t.to_string()),
            "holdable": a.holdable,
            "note": a.note,
            "delegate": self.delegate_json(a.delegate),
        })
    }

    pub(super) fn requisition_json(&self, r: &RequisitionRecord) -> Value {
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
}
