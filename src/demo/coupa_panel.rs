//! The demo page's "Coupa" side panel: what each requisition looks like in Coupa now, and what a
//! person can do there behind the bot's back — approve the current step, change the total, or
//! release a hold — to show that cards follow Coupa (mirroring), that a changed requisition is
//! caught, and that a card on hold gets its buttons back once Coupa releases it; and a bulk
//! upload ([`bulk_upload`]): several requisitions for one approver at once, so that the next sync
//! sends them a digest instead of a card each.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::domain::{CoupaUserId, RequisitionId};
use crate::sandbox::coupa::{NewLine, NewRequisition, Sandbox, StepApprover};

use super::mrkdwn::escape_html;

/// Why a Coupa-side action was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoupaPanelError {
    /// No such requisition.
    #[error("requisition {0} does not exist")]
    NoRequisition(RequisitionId),
    /// Nothing is waiting for approval on it.
    #[error("requisition {0} is not waiting for an approval")]
    NotPending(RequisitionId),
    /// Coupa refused the decision.
    #[error("Coupa refused: {0}")]
    Refused(String),
    /// The new total is not a positive amount that the first line can absorb.
    #[error("the total must be a positive amount above the other lines' {0}")]
    BadTotal(Decimal),
    /// The demo's people for a bulk upload are not in this Coupa.
    #[error("nobody in Coupa has the email {0}")]
    NoUser(&'static str),
}

/// Who a bulk upload is for: Daniel, who approves in Slack.
pub const BULK_APPROVER: &str = "daniel.okafor@example.com";

/// Who a bulk upload comes from.
const BULK_REQUESTER: &str = "marta.kowalski@example.com";

/// What a bulk upload submits, one requisition each: eight, more than `DIGEST_ABOVE`'s default
/// of five, so the next sync sends a digest of five and the newest three as cards.
const BULK_ITEMS: [(&str, &str, &str); 8] = [
    ("Printer toner, 2nd floor", "312.40", "Office Depot"),
    ("Whiteboard markers and erasers", "86.15", "Staples"),
    ("USB-C docking stations", "1,140.00", "Dell Technologies"),
    ("Ergonomic keyboards", "629.70", "Logitech"),
    ("Conference room webcam", "899.00", "Logitech"),
    ("Noise-cancelling headsets", "1,795.00", "Jabra"),
    ("Laptop stands", "238.50", "Rain Design"),
    ("Monitor arms", "524.00", "Ergotron"),
];

/// Submits [`BULK_ITEMS`] at once in Coupa, each waiting for [`BULK_APPROVER`]: as a spreadsheet
/// uploaded to Coupa would. Returns the new requisitions, oldest first.
pub fn bulk_upload(sandbox: &Sandbox) -> Result<Vec<RequisitionId>, CoupaPanelError> {
    let user = |email: &'static str| {
        sandbox
            .users()
            .into_iter()
            .find(|u| u.email == email)
            .map(|u| u.id)
            .ok_or(CoupaPanelError::NoUser(email))
    };
    let (approver, requester) = (user(BULK_APPROVER)?, user(BULK_REQUESTER)?);
    Ok(BULK_ITEMS
        .iter()
        .map(|(title, amount, supplier)| {
            let amount = amount.replace(',', "").parse().unwrap_or_default();
            sandbox.add_requisition(NewRequisition {
                title: (*title).to_owned(),
                requested_by: requester,
                currency: "USD".into(),
                lines: vec![NewLine::amount(title, amount, supplier)],
                justification: Some("Quarterly office supplies, uploaded in bulk.".into()),
                department: Some("Operations".into()),
                need_by: None,
                chain: vec![vec![StepApprover::User(approver)]],
            })
        })
        .collect())
}

/// One requisition as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Requisition id.
    pub id: RequisitionId,
    /// Title.
    pub title: String,
    /// Total, as Coupa writes it.
    pub total: String,
    /// Currency code.
    pub currency: String,
    /// Coupa's status word.
    pub status: String,
    /// Who must act now (a person or a group), if anyone.
    pub waiting_for: Option<String>,
    /// Whether its current step is on hold.
    pub held: bool,
}

/// Every requisition, in creation order.
pub fn rows(sandbox: &Sandbox) -> Vec<Row> {
    sandbox
        .requisition_ids()
        .into_iter()
        .filter_map(|id| sandbox.requisition_json(id).map(|json| (id, json)))
        .map(|(id, json)| {
            let current = &json["current-approval"];
            let waiting_for = current["approver"]["fullname"]
                .as_str()
                .or_else(|| current["approver"]["name"].as_str())
                .map(str::to_owned);
            Row {
                id,
                title: text(&json["req-title"]),
                total: text(&json["total"]),
                currency: text(&json["currency"]["code"]),
                status: text(&json["status"]),
                waiting_for,
                held: current["status"] == "holding",
            }
        })
        .collect()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Approves the requisition's current step in Coupa as its approver (for a group, its first
/// member), as if they had clicked Approve in Coupa's own web page.
pub fn approve(sandbox: &Sandbox, requisition: RequisitionId) -> Result<(), CoupaPanelError> {
    let json = sandbox
        .requisition_json(requisition)
        .ok_or(CoupaPanelError::NoRequisition(requisition))?;
    let approval = sandbox
        .current_approval(requisition)
        .ok_or(CoupaPanelError::NotPending(requisition))?;
    let current = &json["current-approval"];
    let approver = match current["approver-type"].as_str() {
        Some("UserGroup") => current["approver"]["users"][0]["id"].as_u64(),
        _ => current["approver"]["id"].as_u64(),
    }
    .ok_or(CoupaPanelError::NotPending(requisition))?;
    sandbox
        .approve_in_coupa(approval, CoupaUserId(approver))
        .map_err(CoupaPanelError::Refused)
}

/// Releases the hold on the requisition's current step, as someone in Coupa's web page would.
pub fn release(sandbox: &Sandbox, requisition: RequisitionId) -> Result<(), CoupaPanelError> {
    let approval = sandbox
        .current_approval(requisition)
        .ok_or(CoupaPanelError::NotPending(requisition))?;
    sandbox
        .release_hold(approval)
        .map_err(CoupaPanelError::Refused)
}

/// Changes the requisition's total to `total` by changing its first line, as an edit in Coupa
/// would (for a quantity line, its unit price, rounded to cents).
pub fn set_total(
    sandbox: &Sandbox,
    requisition: RequisitionId,
    total: Decimal,
) -> Result<(), CoupaPanelError> {
    let json = sandbox
        .requisition_json(requisition)
        .ok_or(CoupaPanelError::NoRequisition(requisition))?;
    let amount = |v: &Value| v.as_str().and_then(|s| s.parse::<Decimal>().ok());
    let lines = json["requisition-lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let others: Decimal = lines
        .iter()
        .skip(1)
        .filter_map(|l| amount(&l["total"]))
        .sum();
    let first = total - others;
    if first <= Decimal::ZERO {
        return Err(CoupaPanelError::BadTotal(others));
    }
    let new_amount = match lines.first().and_then(|l| amount(&l["quantity"])) {
        Some(quantity) if quantity > Decimal::ZERO => (first / quantity).round_dp(2),
        _ => first,
    };
    sandbox.set_line_amount(requisition, 1, new_amount);
    Ok(())
}

/// The panel's rows as HTML.
pub fn html(rows: &[Row]) -> String {
    let mut html = String::new();
    for row in rows {
        let pending = row.status == "pending_approval" && !row.held;
        html.push_str(&format!(
            "<li class=\"coupa-row\" data-requisition=\"{id}\"><div class=\"coupa-title\">#{id} {title}</div>\
             <div class=\"coupa-meta\"><span class=\"coupa-status status-{status_class}\">{status}</span> {total} {currency}{waiting}</div>",
            id = row.id,
            title = escape_html(&row.title),
            status_class = escape_html(if row.held { "on_hold" } else { &row.status }),
            status = escape_html(&if row.held { "on hold".to_owned() } else { row.status.replace('_', " ") }),
            total = escape_html(&row.total),
            currency = escape_html(&row.currency),
            waiting = row
                .waiting_for
                .as_deref()
                .filter(|_| pending)
                .map(|w| format!(" · waiting for {}", escape_html(w)))
                .unwrap_or_default(),
        ));
        if pending {
            html.push_str(&format!(
                "<div class=\"coupa-actions\"><button type=\"button\" class=\"coupa-approve\">Approve in Coupa</button>\
                 <form class=\"coupa-total\"><input name=\"total\" inputmode=\"decimal\" value=\"{total}\" aria-label=\"New total\"><button type=\"submit\">Set total</button></form></div>",
                total = escape_html(&row.total),
            ));
        }
        if row.held {
            html.push_str(
                "<div class=\"coupa-actions\"><button type=\"button\" class=\"coupa-release\">Release hold in Coupa</button></div>",
            );
        }
        html.push_str("</li>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::coupa::demo_data::demo_sandbox;

    #[test]
    fn the_panel_lists_every_requisition_with_who_it_waits_for() {
        let sandbox = demo_sandbox();
        let rows = rows(&sandbox);
        assert_eq!(rows.len(), 8);
        assert_eq!(rows[0].title, "Standing desks for the Lisbon office");
        assert_eq!(rows[0].waiting_for.as_deref(), Some("Li Chen"));
        assert_eq!(
            rows[1].waiting_for.as_deref(),
            Some("IT Procurement Approvers")
        );
        assert!(html(&rows).contains("Approve in Coupa"));
    }

    #[test]
    fn approving_in_coupa_moves_a_chain_on_and_a_group_step_is_approved_by_a_member() {
        let sandbox = demo_sandbox();
        let ids = sandbox.requisition_ids();
        approve(&sandbox, ids[0]).unwrap();
        assert_eq!(
            rows(&sandbox)[0].waiting_for.as_deref(),
            Some("Daniel Okafor")
        );
        approve(&sandbox, ids[1]).unwrap();
        assert_eq!(rows(&sandbox)[1].status, "approved");
        assert_eq!(
            approve(&sandbox, ids[1]),
            Err(CoupaPanelError::NotPending(ids[1]))
        );
    }

    #[test]
    fn a_held_step_shows_on_hold_with_release_and_releasing_it_makes_it_pending_again() {
        let sandbox = demo_sandbox();
        let desks = sandbox.requisition_ids()[0];
        let approval = sandbox.current_approval(desks).unwrap();
        let approver = CoupaUserId(
            sandbox.requisition_json(desks).unwrap()["current-approval"]["approver"]["id"]
                .as_u64()
                .unwrap(),
        );
        sandbox
            .hold_in_coupa(approval, approver, "Budget review")
            .unwrap();
        let held = &rows(&sandbox)[0];
        assert!(held.held);
        let page = html(std::slice::from_ref(held));
        assert!(page.contains("on hold") && page.contains("Release hold in Coupa"));
        assert!(!page.contains("Approve in Coupa"));

        release(&sandbox, desks).unwrap();
        assert!(!rows(&sandbox)[0].held);
        assert!(matches!(
            release(&sandbox, desks),
            Err(CoupaPanelError::Refused(_))
        ));
    }

    #[test]
    fn setting_the_total_changes_the_first_line() {
        let sandbox = demo_sandbox();
        let desks = sandbox.requisition_ids()[0];
        // 12 desks + 400.50 delivery; 12 × 600 + 400.50 = 7,600.50.
        set_total(&sandbox, desks, "7600.50".parse().unwrap()).unwrap();
        assert_eq!(rows(&sandbox)[0].total, "7600.50");
        assert!(matches!(
            set_total(&sandbox, desks, Decimal::from(100)),
            Err(CoupaPanelError::BadTotal(_))
        ));
    }
}
