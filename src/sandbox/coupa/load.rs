//! Many pending requisitions at once, the shape that load and cost measurements create by the
//! thousand.

use std::time::Duration;

use rust_decimal::Decimal;

use super::{NewRequisition, Sandbox};
use crate::domain::{CoupaUserId, RequisitionId};

impl Sandbox {
    /// `count` one-line USD requisitions from `requester`: the `n`th is titled `title(n)`, totals
    /// `100 + n` and waits for `approvers[n % approvers.len()]` alone. Each is submitted `spacing`
    /// after the one before by Coupa's clock (nothing waits; zero leaves the clock alone).
    /// Nothing is added when `approvers` is empty.
    pub fn add_pending_load(
        &self,
        requester: CoupaUserId,
        approvers: &[CoupaUserId],
        count: usize,
        title: impl Fn(usize) -> String,
        spacing: Duration,
    ) -> Vec<RequisitionId> {
        if approvers.is_empty() {
            return Vec::new();
        }
        (0..count)
            .map(|n| {
                let id = self.add_requisition(NewRequisition::one_line(
                    title(n),
                    requester,
                    approvers[n % approvers.len()],
                    Decimal::from(100 + n as i64),
                ));
                if !spacing.is_zero() {
                    self.advance_clock(spacing);
                }
                id
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_shares_its_approvers_in_turn() {
        let sandbox = Sandbox::new();
        let requester = sandbox.add_user("req@example.com", "Re", "Quester");
        let a = sandbox.add_user("a@example.com", "A", "One");
        let b = sandbox.add_user("b@example.com", "B", "Two");
        let ids = sandbox.add_pending_load(
            requester,
            &[a, b],
            3,
            |n| format!("Load {n}"),
            Duration::ZERO,
        );
        assert_eq!(ids.len(), 3);
        let approver = |i: usize| {
            sandbox.requisition_json(ids[i]).unwrap()["current-approval"]["approver-id"].clone()
        };
        assert_eq!(approver(0), a.0);
        assert_eq!(approver(1), b.0);
        assert_eq!(approver(2), a.0);
        let first = sandbox.requisition_json(ids[0]).unwrap();
        assert_eq!(first["req-title"], "Load 0");
        assert_eq!(first["total"], "100");
    }
}
