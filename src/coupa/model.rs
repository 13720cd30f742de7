//! Coupa's JSON, read into the domain types. Pure: no I/O, unit-tested against the shared fixtures.
//!
//! The `Raw*` structs mirror Coupa's wire format loosely on purpose:
//!
//! - keys are kebab-case (`approvable-id`, `requisition-lines`);
//! - every field is optional (`fields=` trims responses, and Coupa omits or nulls what it likes);
//! - unknown fields are ignored, so new Coupa attributes never break parsing;
//! - decimals arrive as a string (`"7420.50"`), a JSON number (`400.5`) or `null`, and are read
//!   exactly into [`Decimal`] — never through arithmetic on an `f64`.
//!
//! The `into_domain` conversions then apply the few rules that need judgement (which object is a
//! group, what the display name is) and refuse records that lack what a decision needs (an id, a
//! total, an approver) rather than invent values for money.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, de::DeserializeOwned};

use crate::domain::delegate::Delegate;
use crate::domain::{
    Account, Approval, ApprovalId, ApprovalStatus, Approver, CoupaUserId, GroupId, Line, Money,
    Person, Requisition, RequisitionId, RequisitionStatus,
};

/// A Coupa record that could not be turned into a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

fn missing(what: &str, field: &str) -> ModelError {
    ModelError(format!("{what} has no `{field}`"))
}

/// Parses a JSON body into one of the raw types; the error names the line and column.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ModelError> {
    serde_json::from_slice(body).map_err(|e| ModelError(format!("invalid JSON: {e}")))
}

/// Reads one entry of a list answer (already parsed as JSON) into a domain value with
/// `convert`; the client skips entries that fail rather than failing the whole list.
pub fn record<R: DeserializeOwned, T>(
    value: serde_json::Value,
    convert: impl Fn(R) -> Result<T, ModelError>,
) -> Result<T, ModelError> {
    serde_json::from_value::<R>(value)
        .map_err(|e| ModelError(e.to_string()))
        .and_then(convert)
}

// --- Decimals --------------------------------------------------------------------------------

/// Reads a decimal from a JSON string, number or `null` (an empty string counts as `null`).
///
/// Numbers never go through `f64` arithmetic: an integer converts directly, and a float is
/// rendered by `serde_json::Number`'s shortest round-trip form (`400.5` → `"400.5"`) and parsed
/// from that text, which recovers exactly what Coupa wrote for any amount with up to 15
/// significant digits.
pub fn de_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    deserializer.deserialize_any(DecimalVisitor)
}

struct DecimalVisitor;

impl DecimalVisitor {
    fn text<E: de::Error>(value: &str) -> Result<Option<Decimal>, E> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(value)
            .or_else(|_| Decimal::from_scientific(value))
            .map(Some)
            .map_err(|_| E::custom(format!("`{value}` is not a decimal number")))
    }
}

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal as a string, a number or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Self::text(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        let number = serde_json::Number::from_f64(v)
            .ok_or_else(|| E::custom("a decimal must be a finite number"))?;
        Self::text(&number.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

// --- Raw wire types --------------------------------------------------------------------------

/// `{ "id": 1, "code": "USD" }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawCurrency {
    /// ISO code.
    pub code: Option<String>,
}

/// Anything with a name (`department`, `supplier`, `commodity`, `uom`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawNamed {
    /// Display name.
    pub name: Option<String>,
}

/// A budget account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawAccount {
    /// Display name.
    pub name: Option<String>,
    /// Account code.
    pub code: Option<String>,
}

/// A user, or (as an approver) a user group: Coupa puts both in the same `approver` slot.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawParty {
    /// Coupa id (of the user or the group).
    pub id: Option<u64>,
    /// User login.
    pub login: Option<String>,
    /// User email.
    pub email: Option<String>,
    /// User first name.
    pub firstname: Option<String>,
    /// User last name.
    pub lastname: Option<String>,
    /// User display name.
    pub fullname: Option<String>,
    /// Group name.
    pub name: Option<String>,
    /// Missing means active: approver objects usually omit it.
    pub active: Option<bool>,
    /// Group members; present only on groups.
    pub users: Option<Vec<RawParty>>,
}

/// An approval record (`/api/approvals/{id}`, or nested in a requisition).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawApproval {
    /// Approval id.
    pub id: Option<u64>,
    /// `pending_approval`, `approved`, …
    pub status: Option<String>,
    /// Place in the chain.
    pub position: Option<u32>,
    /// `RequisitionHeader` for requisitions.
    pub approvable_type: Option<String>,
    /// The requisition id when `approvable_type` is `RequisitionHeader`.
    pub approvable_id: Option<u64>,
    /// `User`, `UserGroup`, `ApprovalGroup`, …
    pub approver_type: Option<String>,
    /// The approver: a user, or a group with `users`.
    pub approver: Option<RawParty>,
    /// Who decided (the service account for API decisions).
    pub approved_by: Option<RawParty>,
    /// When it was decided.
    pub approval_date: Option<Timestamp>,
    /// The decision's reason or note.
    pub note: Option<String>,
    /// Whether it may be put on hold.
    pub holdable: Option<bool>,
    /// Last change.
    pub updated_at: Option<Timestamp>,
    /// Someone who may decide in the approver's place: a user (or a group, whose members may).
    pub delegate: Option<RawParty>,
}

/// One of a user's delegations (`/api/delegations`): who stands in for them, for what, and when.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawDelegation {
    /// Delegation id.
    pub id: Option<u64>,
    /// Who delegates (the approver), by id.
    pub delegator_id: Option<u64>,
    /// Who delegates (the approver).
    pub delegator: Option<RawParty>,
    /// Who stands in.
    pub delegate: Option<RawParty>,
    /// From when.
    pub start_date: Option<Timestamp>,
    /// Until when.
    pub end_date: Option<Timestamp>,
    /// Whether the delegation covers approvals (others cover receiving, reviews, invoices).
    pub approval_delegate: Option<bool>,
}

/// A requisition line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawLine {
    /// Line number.
    pub line_num: Option<u32>,
    /// What is bought.
    pub description: Option<String>,
    /// Quantity; `null` on amount lines.
    #[serde(deserialize_with = "de_decimal")]
    pub quantity: Option<Decimal>,
    /// Unit price; `null` on amount lines.
    #[serde(deserialize_with = "de_decimal")]
    pub unit_price: Option<Decimal>,
    /// Line total.
    #[serde(deserialize_with = "de_decimal")]
    pub total: Option<Decimal>,
    /// Line currency; the header's when missing.
    pub currency: Option<RawCurrency>,
    /// Unit of measure.
    pub uom: Option<RawNamed>,
    /// Supplier.
    pub supplier: Option<RawNamed>,
    /// Budget account.
    pub account: Option<RawAccount>,
}

/// A requisition header with lines and approvals.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawRequisition {
    /// Requisition id.
    pub id: Option<u64>,
    /// Title.
    pub req_title: Option<String>,
    /// Status word.
    pub status: Option<String>,
    /// Requester.
    pub requested_by: Option<RawParty>,
    /// Header total.
    #[serde(deserialize_with = "de_decimal")]
    pub total: Option<Decimal>,
    /// Header currency.
    pub currency: Option<RawCurrency>,
    /// Why it is needed.
    pub justification: Option<String>,
    /// `2026-12-20` (a timestamp is tolerated: its date part is used).
    pub need_by_date: Option<String>,
    /// Department.
    pub department: Option<RawNamed>,
    /// Submitted for approval.
    pub submitted_at: Option<Timestamp>,
    /// Last change.
    pub updated_at: Option<Timestamp>,
    /// Line count as Coupa reports it.
    pub line_count: Option<u32>,
    /// Lines.
    pub requisition_lines: Option<Vec<RawLine>>,
    /// The step waiting now.
    pub current_approval: Option<RawApproval>,
    /// Steps waiting now in parallel with it.
    pub current_parallel_approvals: Option<Vec<RawApproval>>,
    /// The whole chain.
    pub approvals: Option<Vec<RawApproval>>,
}

/// Just what keyset paging needs from any record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawKey {
    /// Record id.
    pub id: Option<u64>,
    /// Last change.
    pub updated_at: Option<Timestamp>,
}

/// A user group (`/api/user_groups/{id}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawUserGroup {
    /// Group id.
    pub id: Option<u64>,
    /// Group name.
    pub name: Option<String>,
    /// Whether the group is in use.
    pub active: Option<bool>,
    /// Members.
    pub users: Option<Vec<RawParty>>,
}

/// Coupa's 400 body: `{"errors": {"field": ["message", …]}}` (sometimes a list or a string).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawErrors {
    /// The validation errors.
    pub errors: Option<serde_json::Value>,
}

// --- Conversions -----------------------------------------------------------------------------

/// A user group and the members who may act for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGroup {
    /// Coupa's id for the group.
    pub id: GroupId,
    /// The group's name.
    pub name: String,
    /// Whether the group itself is active.
    pub active: bool,
    /// Active members only; inactive ones cannot approve.
    pub members: Vec<Person>,
}

impl RawParty {
    /// Reads a user. The display name falls back from `fullname` to first and last name, login,
    /// email, and finally the id, so a card never shows an empty name.
    pub fn into_person(self, what: &str) -> Result<Person, ModelError> {
        let id = self.id.ok_or_else(|| missing(what, "id"))?;
        let joined = [self.firstname.as_deref(), self.lastname.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let full_name = non_empty(self.fullname)
            .or_else(|| (!joined.is_empty()).then_some(joined))
            .or_else(|| non_empty(self.login.clone()))
            .or_else(|| non_empty(self.email.clone()))
            .unwrap_or_else(|| format!("Coupa user {id}"));
        Ok(Person {
            id: CoupaUserId(id),
            login: non_empty(self.login),
            email: non_empty(self.email),
            full_name,
            active: self.active.unwrap_or(true),
        })
    }

    /// Reads an approver: a group when it lists `users` or its type says so, else a user.
    pub fn into_approver(
        self,
        approver_type: Option<&str>,
        what: &str,
    ) -> Result<Approver, ModelError> {
        let typed_group = approver_type.is_some_and(|t| t != "User");
        if self.users.is_none() && !typed_group {
            return self.into_person(what).map(Approver::User);
        }
        let id = self.id.ok_or_else(|| missing(what, "id"))?;
        let members = self
            .users
            .unwrap_or_default()
            .into_iter()
            .map(|u| u.into_person(&format!("a member of group {id}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Approver::Group {
            id: GroupId(id),
            name: non_empty(self.name).unwrap_or_else(|| format!("Coupa group {id}")),
            members,
        })
    }
}

impl RawApproval {
    /// Converts into an [`Approval`]; it must have an id, a status and an approver.
    pub fn into_domain(self) -> Result<Approval, ModelError> {
        let id = self.id.ok_or_else(|| missing("an approval", "id"))?;
        let what = format!("approval {id}");
        let status = self.status.ok_or_else(|| missing(&what, "status"))?;
        let approver = self
            .approver
            .ok_or_else(|| missing(&what, "approver"))?
            .into_approver(
                self.approver_type.as_deref(),
                &format!("the approver of {what}"),
            )?;
        let is_requisition = self
            .approvable_type
            .as_deref()
            .is_none_or(|t| t == "RequisitionHeader");
        let decided_by = self
            .approved_by
            .map(|p| p.into_person(&format!("the decider of {what}")))
            .transpose()?;
        // A delegate that cannot be read (no id) is no delegate: the approver keeps the step.
        let delegates = self
            .delegate
            .and_then(|d| {
                d.into_approver(None, &format!("the delegate of {what}"))
                    .ok()
            })
            .map(|d| {
                d.people()
                    .into_iter()
                    .map(|person| Delegate {
                        person: person.clone(),
                        for_name: approver.display_name().to_owned(),
                        for_id: None,
                        starts: None,
                        ends: None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Approval {
            id: ApprovalId(id),
            status: ApprovalStatus::from_coupa(&status),
            position: self.position,
            requisition_id: self
                .approvable_id
                .filter(|_| is_requisition)
                .map(RequisitionId),
            approver,
            decided_by,
            decided_at: self.approval_date,
            note: non_empty(self.note),
            holdable: self.holdable.unwrap_or(false),
            updated_at: self.updated_at,
            delegates,
        })
    }
}

impl RawRequisition {
    /// Converts into a [`Requisition`]. Refuses one without id, `updated-at`, total or currency:
    /// a card must never show a made-up amount.
    pub fn into_domain(self) -> Result<Requisition, ModelError> {
        let id = self.id.ok_or_else(|| missing("a requisition", "id"))?;
        let what = format!("requisition {id}");
        let currency = self
            .currency
            .and_then(|c| non_empty(c.code))
            .ok_or_else(|| missing(&what, "currency"))?;
        let total = self.total.ok_or_else(|| missing(&what, "total"))?;
        let updated_at = self
            .updated_at
            .ok_or_else(|| missing(&what, "updated-at"))?;
        let lines = self
            .requisition_lines
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, line)| line.into_domain(index, &currency))
            .collect();
        let approvals = self
            .approvals
            .unwrap_or_default()
            .into_iter()
            .map(RawApproval::into_domain)
            .collect::<Result<Vec<_>, _>>()?;
        let mut current_approvals: Vec<Approval> = Vec::new();
        let current = self.current_approval.into_iter();
        let parallel = self.current_parallel_approvals.unwrap_or_default();
        for raw in current.chain(parallel) {
            let approval = raw.into_domain()?;
            // The current approval is often listed among the parallel ones as well.
            if !current_approvals.iter().any(|a| a.id == approval.id) {
                current_approvals.push(approval);
            }
        }
        Ok(Requisition {
            id: RequisitionId(id),
            title: non_empty(self.req_title).unwrap_or_else(|| format!("Requisition {id}")),
            status: RequisitionStatus::from_coupa(self.status.as_deref().unwrap_or("")),
            requested_by: self
                .requested_by
                .map(|p| p.into_person(&format!("the requester of {what}")))
                .transpose()?,
            total: Money::new(total, currency),
            justification: non_empty(self.justification),
            need_by: self.need_by_date.as_deref().and_then(date_part),
            department: self.department.and_then(|d| non_empty(d.name)),
            submitted_at: self.submitted_at,
            updated_at,
            line_count: self.line_count,
            lines,
            approvals,
            current_approvals,
        })
    }
}

impl RawLine {
    fn into_domain(self, index: usize, header_currency: &str) -> Line {
        let currency = self
            .currency
            .and_then(|c| non_empty(c.code))
            .unwrap_or_else(|| header_currency.to_owned());
        let money = |amount: Option<Decimal>| amount.map(|a| Money::new(a, currency.clone()));
        Line {
            number: self
                .line_num
                .unwrap_or_else(|| u32::try_from(index + 1).unwrap_or(u32::MAX)),
            description: self.description.unwrap_or_default(),
            quantity: self.quantity,
            unit: self.uom.and_then(|u| non_empty(u.name)),
            unit_price: money(self.unit_price),
            total: money(self.total),
            supplier: self.supplier.and_then(|s| non_empty(s.name)),
            account: self.account.map(|a| Account {
                name: non_empty(a.name),
                code: non_empty(a.code),
            }),
        }
    }
}

impl RawDelegation {
    /// The delegate this delegation names for approvals, or `None` when it covers something
    /// else (`approval-delegate` false) or names no delegate. Missing `approval-delegate` counts
    /// as covering approvals; the dates decide whether it is active (see [`Delegate::active_at`]).
    pub fn into_delegate(self) -> Result<Option<Delegate>, ModelError> {
        if self.approval_delegate == Some(false) {
            return Ok(None);
        }
        let what = format!("delegation {}", self.id.unwrap_or_default());
        let Some(delegate) = self.delegate else {
            return Ok(None);
        };
        let person = delegate.into_person(&format!("the delegate of {what}"))?;
        let delegator = self
            .delegator
            .map(|d| d.into_person(&format!("the delegator of {what}")))
            .transpose()?;
        Ok(Some(Delegate {
            person,
            for_id: self
                .delegator_id
                .map(CoupaUserId)
                .or(delegator.as_ref().map(|d| d.id)),
            for_name: delegator.map(|d| d.full_name).unwrap_or_default(),
            starts: self.start_date,
            ends: self.end_date,
        }))
    }
}

impl RawUserGroup {
    /// Converts into a [`UserGroup`] holding only its active members.
    pub fn into_domain(self) -> Result<UserGroup, ModelError> {
        let id = self.id.ok_or_else(|| missing("a user group", "id"))?;
        let members = self
            .users
            .unwrap_or_default()
            .into_iter()
            .map(|u| u.into_person(&format!("a member of group {id}")))
            .filter(|p| p.as_ref().map_or(true, |p| p.active))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(UserGroup {
            id: GroupId(id),
            name: non_empty(self.name).unwrap_or_else(|| format!("Coupa group {id}")),
            active: self.active.unwrap_or(true),
            members,
        })
    }
}

impl RawErrors {
    /// Coupa's validation messages joined into one line, or `None` when the body had none.
    pub fn message(&self) -> Option<String> {
        let mut messages = Vec::new();
        if let Some(errors) = &self.errors {
            collect_strings(errors, &mut messages);
        }
        (!messages.is_empty()).then(|| messages.join("; "))
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// Reads the date part of `2026-12-20` or `2026-12-20T00:00:00-08:00`.
fn date_part(value: &str) -> Option<Date> {
    value.get(..10).and_then(|d| d.parse().ok())
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::fixtures::Coupa;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn every_fixture_parses() {
        let mut seen = 0;
        for fixture in Coupa::ALL {
            let body = fixture.text().as_bytes();
            match fixture.file_name() {
                n if n.starts_with("approval-") => {
                    parse::<RawApproval>(body).unwrap().into_domain().unwrap();
                }
                n if n.starts_with("requisition-") => {
                    parse::<RawRequisition>(body)
                        .unwrap()
                        .into_domain()
                        .unwrap();
                }
                "user-group.json" => {
                    parse::<RawUserGroup>(body).unwrap().into_domain().unwrap();
                }
                "delegations.json" => {
                    for delegation in parse::<Vec<RawDelegation>>(body).unwrap() {
                        delegation.into_delegate().unwrap();
                    }
                }
                "users-by-email.json" => {
                    for user in parse::<Vec<RawParty>>(body).unwrap() {
                        user.into_person("a user").unwrap();
                    }
                }
                "error-not-pending.json" => {
                    assert!(parse::<RawErrors>(body).unwrap().message().is_some());
                }
                "oauth-token.json" => {
                    let token: serde_json::Value = parse(body).unwrap();
                    assert!(token["access_token"].is_string());
                }
                other => panic!("no test reads fixture {other}; add it here"),
            }
            seen += 1;
        }
        assert_eq!(seen, 10, "every fixture is read");
    }

    #[test]
    fn pending_requisition_reads_into_the_domain() {
        let req = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(req.id, RequisitionId(4812));
        assert_eq!(req.title, "Standing desks for the Lisbon office");
        assert_eq!(req.status, RequisitionStatus::PendingApproval);
        assert_eq!(req.total, Money::new(dec("7420.50"), "USD"));
        assert_eq!(req.need_by, Some(Date::constant(2026, 12, 20)));
        assert_eq!(req.department.as_deref(), Some("Engineering"));
        assert_eq!(req.line_count, Some(2));
        assert_eq!(
            req.updated_at,
            "2026-11-20T17:20:41Z".parse::<Timestamp>().unwrap()
        );
        let requester = req.requested_by.as_ref().unwrap();
        assert_eq!(requester.full_name, "Marta Kowalski");
        assert_eq!(
            requester.email.as_deref(),
            Some("marta.kowalski@example.com")
        );

        assert_eq!(req.lines.len(), 2);
        let desk = &req.lines[0];
        assert_eq!(desk.number, 1);
        assert_eq!(desk.quantity, Some(dec("12")));
        assert_eq!(desk.unit.as_deref(), Some("Each"));
        assert_eq!(desk.unit_price, Some(Money::new(dec("585"), "USD")));
        assert_eq!(desk.total, Some(Money::new(dec("7020.00"), "USD")));
        assert_eq!(desk.supplier.as_deref(), Some("Ergonomica Lda"));
        assert_eq!(
            desk.account.as_ref().unwrap().code.as_deref(),
            Some("LIS-6100-ENG")
        );
        let delivery = &req.lines[1];
        assert_eq!(delivery.quantity, None, "amount lines have no quantity");
        assert_eq!(delivery.unit_price, None);
        assert_eq!(delivery.unit, None);
        // A JSON number, kept exact.
        assert_eq!(delivery.total, Some(Money::new(dec("400.5"), "USD")));
        assert_eq!(delivery.total.as_ref().unwrap().amount.to_string(), "400.5");

        assert_eq!(req.approvals.len(), 3);
        assert_eq!(req.approvals[2].status, ApprovalStatus::Waiting);
        assert_eq!(req.current_approvals.len(), 1);
        let current = &req.current_approvals[0];
        assert_eq!(current.id, ApprovalId(90211));
        assert!(current.status.is_actionable());
        assert!(current.holdable);
        assert_eq!(current.requisition_id, Some(RequisitionId(4812)));
        assert!(current.approver.includes(CoupaUserId(42)));
        assert_eq!(req.step(), Some((2, 3)));
    }

    #[test]
    fn user_approval_reads_into_the_domain() {
        let approval = parse::<RawApproval>(Coupa::ApprovalUser.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(approval.id, ApprovalId(90211));
        assert_eq!(approval.status, ApprovalStatus::PendingApproval);
        assert_eq!(approval.position, Some(2));
        assert_eq!(approval.requisition_id, Some(RequisitionId(4812)));
        assert_eq!(approval.decided_by, None);
        assert_eq!(approval.note, None);
        match &approval.approver {
            Approver::User(p) => {
                assert_eq!(p.id, CoupaUserId(42));
                assert_eq!(p.full_name, "Daniel Okafor");
                assert_eq!(p.login.as_deref(), Some("dokafor"));
                assert!(p.active);
            }
            other => panic!("expected a user approver, got {other:?}"),
        }
    }

    #[test]
    fn group_approval_reads_its_members() {
        let approval = parse::<RawApproval>(Coupa::ApprovalGroup.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert!(!approval.holdable);
        match &approval.approver {
            Approver::Group { id, name, members } => {
                assert_eq!(*id, GroupId(12));
                assert_eq!(name, "IT Procurement Approvers");
                assert_eq!(members.len(), 2);
            }
            other => panic!("expected a group approver, got {other:?}"),
        }
        assert!(approval.approver.includes(CoupaUserId(51)));
        assert_eq!(approval.approver.display_name(), "IT Procurement Approvers");
    }

    #[test]
    fn decided_approval_records_who_and_when() {
        let approval = parse::<RawApproval>(Coupa::ApprovalApproved.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(approval.status, ApprovalStatus::Approved);
        assert!(!approval.status.is_actionable());
        assert_eq!(
            approval.decided_by.as_ref().unwrap().full_name,
            "Chat Approvals Service"
        );
        assert_eq!(
            approval.decided_at,
            Some("2026-11-22T16:01:11Z".parse::<Timestamp>().unwrap())
        );
        assert!(approval.note.unwrap().starts_with("Approved in Slack by"));
    }

    #[test]
    fn an_approvals_delegate_may_decide_for_its_approver() {
        let approval = parse::<RawApproval>(Coupa::ApprovalDelegated.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(approval.delegates.len(), 1);
        let delegate = &approval.delegates[0];
        assert_eq!(delegate.person.id, CoupaUserId(57));
        assert_eq!(delegate.person.full_name, "Priya Larsen");
        assert_eq!(
            delegate.person.email.as_deref(),
            Some("priya.larsen@example.com")
        );
        assert_eq!(delegate.for_name, "Daniel Okafor");
        assert_eq!((delegate.starts, delegate.ends), (None, None));
        let now = "2026-11-25T12:00:00Z".parse::<Timestamp>().unwrap();
        assert_eq!(
            approval.standing_of(CoupaUserId(57), now),
            Some(crate::domain::delegate::Standing::DelegateFor(
                "Daniel Okafor".into()
            ))
        );
    }

    #[test]
    fn an_approval_without_a_delegate_has_none() {
        let approval = parse::<RawApproval>(Coupa::ApprovalUser.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert!(approval.delegates.is_empty());
    }

    #[test]
    fn an_approvers_delegations_give_the_approval_delegate_with_its_dates() {
        let delegates: Vec<Delegate> =
            parse::<Vec<RawDelegation>>(Coupa::Delegations.text().as_bytes())
                .unwrap()
                .into_iter()
                .filter_map(|d| d.into_delegate().unwrap())
                .collect();
        assert_eq!(
            delegates.len(),
            1,
            "the receiving-only delegation is left out"
        );
        let priya = &delegates[0];
        assert_eq!(priya.person.id, CoupaUserId(57));
        assert_eq!(priya.for_name, "Daniel Okafor");
        assert_eq!(priya.for_id, Some(CoupaUserId(42)));
        let at = |t: &str| t.parse::<Timestamp>().unwrap();
        assert_eq!(priya.starts, Some(at("2026-11-23T08:00:00Z")));
        assert_eq!(priya.ends, Some(at("2026-12-04T08:00:00Z")));
        assert!(!priya.active_at(at("2026-11-22T12:00:00Z")));
        assert!(priya.active_at(at("2026-11-25T12:00:00Z")));
        assert!(!priya.active_at(at("2026-12-05T12:00:00Z")));
    }

    #[test]
    fn user_group_keeps_only_active_members() {
        let group = parse::<RawUserGroup>(Coupa::UserGroup.text().as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(group.id, GroupId(12));
        assert!(group.active);
        assert_eq!(group.members.len(), 2);
        assert!(group.members.iter().all(|p| p.active));
        assert!(!group.members.iter().any(|p| p.id == CoupaUserId(63)));
    }

    #[test]
    fn users_by_email_reads_active_users() {
        let users = parse::<Vec<RawParty>>(Coupa::UsersByEmail.text().as_bytes()).unwrap();
        let person = users
            .into_iter()
            .next()
            .unwrap()
            .into_person("a user")
            .unwrap();
        assert_eq!(person.id, CoupaUserId(42));
        assert_eq!(person.email.as_deref(), Some("daniel.okafor@example.com"));
        assert!(person.active);
        let inactive: RawParty =
            serde_json::from_str(r#"{"id": 63, "email": "x@example.com", "active": false}"#)
                .unwrap();
        assert!(!inactive.into_person("a user").unwrap().active);
    }

    #[test]
    fn not_pending_error_message_is_extracted() {
        let errors = parse::<RawErrors>(Coupa::ErrorNotPending.text().as_bytes()).unwrap();
        assert_eq!(
            errors.message().as_deref(),
            Some("Approval is not pending and cannot be approved")
        );
    }

    #[derive(Deserialize)]
    struct Amount {
        #[serde(default, deserialize_with = "de_decimal")]
        value: Option<Decimal>,
    }

    fn amount(json: &str) -> Option<Decimal> {
        serde_json::from_str::<Amount>(json).unwrap().value
    }

    #[test]
    fn decimals_arrive_as_string_number_null_or_not_at_all() {
        assert_eq!(amount(r#"{"value": "20575.00"}"#), Some(dec("20575.00")));
        assert_eq!(amount(r#"{"value": " 1 "}"#), Some(dec("1")));
        assert_eq!(amount(r#"{"value": 923.12}"#), Some(dec("923.12")));
        assert_eq!(amount(r#"{"value": 400.5}"#), Some(dec("400.5")));
        assert_eq!(amount(r#"{"value": 0.1}"#), Some(dec("0.1")));
        assert_eq!(amount(r#"{"value": 12}"#), Some(dec("12")));
        assert_eq!(amount(r#"{"value": -3}"#), Some(dec("-3")));
        assert_eq!(
            amount(r#"{"value": 18446744073709551615}"#),
            Some(Decimal::from(u64::MAX))
        );
        assert_eq!(amount(r#"{"value": "1.5e3"}"#), Some(dec("1500")));
        assert_eq!(amount(r#"{"value": null}"#), None);
        assert_eq!(amount(r#"{"value": ""}"#), None);
        assert_eq!(amount(r#"{}"#), None);
        assert!(serde_json::from_str::<Amount>(r#"{"value": "12 EUR"}"#).is_err());
        assert!(serde_json::from_str::<Amount>(r#"{"value": true}"#).is_err());
    }

    #[test]
    fn a_minimal_requisition_parses_and_unknown_fields_are_ignored() {
        let body = br#"{"id": 7, "updated-at": "2026-01-01T00:00:00Z", "total": 10,
            "currency": {"code": "EUR"}, "brand-new-field": {"x": [1, 2]}}"#;
        let req = parse::<RawRequisition>(body)
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(req.total, Money::new(dec("10"), "EUR"));
        assert_eq!(req.title, "Requisition 7");
        assert!(req.lines.is_empty() && req.approvals.is_empty());
        assert_eq!(req.status, RequisitionStatus::Other(String::new()));
    }

    #[test]
    fn a_requisition_without_a_total_is_refused() {
        let body =
            br#"{"id": 7, "updated-at": "2026-01-01T00:00:00Z", "currency": {"code": "EUR"}}"#;
        let err = parse::<RawRequisition>(body)
            .unwrap()
            .into_domain()
            .unwrap_err();
        assert_eq!(err.0, "requisition 7 has no `total`");
    }

    #[test]
    fn parallel_approvals_join_the_current_one_without_duplicates() {
        let approval = |id: u64| {
            format!(
                r#"{{"id": {id}, "status": "pending_approval", "approver-type": "User",
                    "approver": {{"id": {id}, "fullname": "P{id}"}}}}"#
            )
        };
        let body = format!(
            r#"{{"id": 7, "updated-at": "2026-01-01T00:00:00Z", "total": "1", "currency": {{"code": "EUR"}},
                "current-approval": {a}, "current-parallel-approvals": [{a}, {b}]}}"#,
            a = approval(1),
            b = approval(2)
        );
        let req = parse::<RawRequisition>(body.as_bytes())
            .unwrap()
            .into_domain()
            .unwrap();
        let ids: Vec<_> = req.current_approvals.iter().map(|a| a.id.0).collect();
        assert_eq!(ids, vec![1, 2]);
    }

    #[test]
    fn a_group_typed_approver_without_users_is_still_a_group() {
        let body = br#"{"id": 5, "status": "pending_approval", "approver-type": "ApprovalGroup",
            "approver": {"id": 9, "name": "Finance"}}"#;
        let approval = parse::<RawApproval>(body).unwrap().into_domain().unwrap();
        assert!(
            matches!(approval.approver, Approver::Group { ref members, .. } if members.is_empty())
        );
    }

    #[test]
    fn display_names_fall_back_sensibly() {
        let person = |json: &str| {
            serde_json::from_str::<RawParty>(json)
                .unwrap()
                .into_person("a user")
                .unwrap()
                .full_name
        };
        assert_eq!(
            person(r#"{"id": 1, "firstname": "Ana", "lastname": "Ribeiro"}"#),
            "Ana Ribeiro"
        );
        assert_eq!(person(r#"{"id": 1, "login": "ana"}"#), "ana");
        assert_eq!(person(r#"{"id": 1}"#), "Coupa user 1");
    }
}
