//! The demo's Coupa: a handful of people and eight realistic requisitions covering every kind of
//! card (a multi-step chain, a group approval, a long requisition, another currency, exactly one
//! above the demo's confirmation threshold, [`CONFIRM_ABOVE_AMOUNT`]). Most of them approve in
//! Slack; those in [`ON_TEAMS`] in Microsoft Teams, so the group approval has a member on each.

use std::time::Duration;

use rust_decimal::Decimal;

use super::{NewLine, NewRequisition, Sandbox, StepApprover};
use crate::domain::CoupaUserId;

/// The demo's `CONFIRM_ABOVE_AMOUNT`: the data is chosen so that one requisition is above it
/// and the others, in any currency, are not.
pub const CONFIRM_ABOVE_AMOUNT: u32 = 10_000;

/// The emails of the demo's people who start on Microsoft Teams (the app installed there): Sofia,
/// one of the two members of the group approval (Daniel, the other, is on Slack), and Ana, the
/// last step of two chains, whose cards arrive in Teams once the steps before her are approved.
pub const ON_TEAMS: [&str; 2] = ["sofia.berg@example.com", "ana.ribeiro@example.com"];

/// Builds the demo sandbox.
pub fn demo_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    let marta = sandbox.add_user("marta.kowalski@example.com", "Marta", "Kowalski");
    let daniel = sandbox.add_user("daniel.okafor@example.com", "Daniel", "Okafor");
    let sofia = sandbox.add_user("sofia.berg@example.com", "Sofia", "Berg");
    let li = sandbox.add_user("li.chen@example.com", "Li", "Chen");
    let ana = sandbox.add_user("ana.ribeiro@example.com", "Ana", "Ribeiro");
    let it = sandbox.add_group("IT Procurement Approvers", &[daniel, sofia]);

    // Submitted over the past nine days, so the pending list's ages and its order differ.
    let minutes = |n: u64| Duration::from_secs(n * 60);
    let hours = |n: u64| minutes(n * 60);
    let days = |n: u64| hours(n * 24);
    let money = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    let new =
        |title: &str, requester: CoupaUserId, currency: &str, lines: Vec<NewLine>| NewRequisition {
            title: title.to_owned(),
            requested_by: requester,
            currency: currency.to_owned(),
            lines,
            justification: None,
            department: Some("Engineering".into()),
            need_by: Some("2026-12-20".into()),
            chain: vec![],
        };

    // A three-step chain: Li, then Daniel, then Ana (the CFO).
    let desks_why =
        "Team of 12 moves into the new floor on Jan 5; current desks stay in the old building.";
    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some(desks_why.into()),
            chain: vec![
                vec![StepApprover::User(li)],
                vec![StepApprover::User(daniel)],
                vec![StepApprover::User(ana)],
            ],
            ..new(
                "Standing desks for the Lisbon office",
                marta,
                "USD",
                vec![
                    NewLine::quantity(
                        "Electric sit-stand desk, 160x80, oak top",
                        12,
                        money("585.00"),
                        "Ergonomica Lda",
                    ),
                    NewLine::amount("Delivery and assembly", money("400.50"), "Ergonomica Lda"),
                ],
            )
        },
        days(6),
    );

    // A group approval: either Daniel or Sofia may decide.
    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some("Renewal for the design team; price held from last year.".into()),
            chain: vec![vec![StepApprover::Group(it)]],
            ..new(
                "Figma Organization renewal (15 seats)",
                li,
                "USD",
                vec![NewLine::quantity(
                    "Figma Organization seat, annual",
                    15,
                    money("540.00"),
                    "Figma, Inc.",
                )],
            )
        },
        days(3),
    );

    // A long one: twelve lines.
    let kit = [
        ("USB-C docking station", 6, "189.00"),
        ("27\" 4K monitor", 6, "329.00"),
        ("Wireless keyboard", 6, "79.90"),
        ("Wireless mouse", 6, "49.90"),
        ("Laptop stand", 6, "39.00"),
        ("Noise-cancelling headset", 6, "229.00"),
        ("HDMI cable, 2 m", 8, "9.50"),
        ("USB-C charger, 100 W", 6, "59.00"),
        ("Webcam, 1080p", 3, "89.00"),
        ("Cable management kit", 6, "24.00"),
        ("Desk lamp, LED", 6, "45.00"),
        ("Ergonomic footrest", 4, "39.90"),
    ];
    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some("Equipment for the six new hires starting in January.".into()),
            chain: vec![vec![StepApprover::User(daniel)]],
            ..new(
                "New-hire desk kits, January cohort",
                sofia,
                "USD",
                kit.iter()
                    .map(|(d, q, p)| NewLine::quantity(d, *q, money(p), "Officeworks Direct"))
                    .collect(),
            )
        },
        hours(29),
    );

    // In euros.
    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some(
                "Two-day offsite for the platform team, venue and catering.".into(),
            ),
            department: Some("Platform".into()),
            chain: vec![vec![StepApprover::User(daniel)]],
            ..new(
                "Platform team offsite, Porto",
                marta,
                "EUR",
                vec![
                    NewLine::amount(
                        "Venue hire, 2 days",
                        money("3200.00"),
                        "Casa do Rio Eventos",
                    ),
                    NewLine::quantity(
                        "Catering, per person per day",
                        36,
                        money("42.50"),
                        "Casa do Rio Eventos",
                    ),
                ],
            )
        },
        hours(4),
    );

    // The one above the demo's confirmation threshold: Approve asks first.
    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some(
                "Replaces the 2019 cluster; vendor quote valid until Dec 31.".into(),
            ),
            department: Some("Infrastructure".into()),
            chain: vec![
                vec![StepApprover::User(daniel)],
                vec![StepApprover::User(ana)],
            ],
            ..new(
                "Build servers refresh",
                li,
                "USD",
                vec![
                    NewLine::quantity(
                        "1U server, 64 cores, 256 GB",
                        4,
                        money("11250.00"),
                        "Rackline Systems",
                    ),
                    NewLine::amount("Three-year support", money("6800.00"), "Rackline Systems"),
                ],
            )
        },
        days(9),
    );

    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some("Conference passes for the two speakers and one attendee.".into()),
            chain: vec![vec![StepApprover::User(sofia)]],
            ..new(
                "RustConf tickets",
                daniel,
                "USD",
                vec![NewLine::quantity(
                    "Conference pass",
                    3,
                    money("650.00"),
                    "RustConf",
                )],
            )
        },
        days(5),
    );

    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some("Monthly restock.".into()),
            department: Some("Workplace".into()),
            chain: vec![vec![StepApprover::User(sofia)]],
            ..new(
                "Coffee beans and oat milk, December",
                ana,
                "EUR",
                vec![
                    NewLine::quantity(
                        "Espresso beans, 1 kg",
                        30,
                        money("21.90"),
                        "Torrefação Lisboa",
                    ),
                    NewLine::quantity("Oat milk, 1 l", 96, money("1.79"), "Torrefação Lisboa"),
                ],
            )
        },
        hours(20),
    );

    sandbox.add_requisition_submitted(
        NewRequisition {
            justification: Some("Security review required by the SOC 2 audit.".into()),
            department: Some("Security".into()),
            chain: vec![vec![StepApprover::User(li)], vec![StepApprover::Group(it)]],
            ..new(
                "External penetration test",
                sofia,
                "USD",
                vec![NewLine::amount(
                    "Web and API penetration test, 6 days",
                    money("8700.00"),
                    "Redteam Partners",
                )],
            )
        },
        minutes(40),
    );

    sandbox
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::Timestamp;
    use serde_json::Value;

    use super::*;

    #[test]
    fn the_demo_has_eight_pending_requisitions_with_every_kind_of_card() {
        let sandbox = demo_sandbox();
        let ids = sandbox.requisition_ids();
        assert_eq!(ids.len(), 8);
        let json: Vec<_> = ids
            .iter()
            .filter_map(|id| sandbox.requisition_json(*id))
            .collect();
        assert!(json.iter().all(|r| r["status"] == "pending_approval"));
        assert!(
            json.iter()
                .any(|r| r["approvals"].as_array().map(Vec::len) == Some(3)),
            "a multi-step chain"
        );
        assert!(
            json.iter()
                .any(|r| r["current-approval"]["approver-type"] == "UserGroup"),
            "a group approval"
        );
        assert!(
            json.iter().any(|r| r["line-count"] == 12),
            "a long requisition"
        );
        assert!(
            json.iter().any(|r| r["currency"]["code"] == "EUR"),
            "another currency"
        );
        assert!(
            json.iter().any(
                |r| r["total"].as_str().and_then(|t| t.parse::<Decimal>().ok())
                    > Some(Decimal::from(10_000))
            ),
            "one above the confirmation threshold"
        );
        assert_eq!(json[0]["total"], "7420.50");
    }

    fn requisitions() -> Vec<Value> {
        let sandbox = demo_sandbox();
        sandbox
            .requisition_ids()
            .iter()
            .filter_map(|id| sandbox.requisition_json(*id))
            .collect()
    }

    #[test]
    fn exactly_one_requisition_is_above_the_confirmation_threshold() {
        let above: Vec<String> = requisitions()
            .iter()
            .filter(|r| {
                r["total"].as_str().and_then(|t| t.parse::<Decimal>().ok())
                    > Some(Decimal::from(CONFIRM_ABOVE_AMOUNT))
            })
            .map(|r| r["req-title"].to_string())
            .collect();
        assert_eq!(above, ["\"Build servers refresh\""]);
    }

    #[test]
    fn the_requisitions_were_submitted_at_different_times_over_days() {
        let submitted: Vec<Timestamp> = requisitions()
            .iter()
            .map(|r| r["submitted-at"].as_str().unwrap().parse().unwrap())
            .collect();
        let distinct: BTreeSet<_> = submitted.iter().collect();
        assert_eq!(distinct.len(), submitted.len(), "{submitted:?}");
        let (Some(oldest), Some(newest)) = (distinct.first(), distinct.last()) else {
            panic!("no requisitions");
        };
        assert!(
            newest.duration_since(**oldest).as_hours() >= 24 * 7,
            "{submitted:?}"
        );
    }
}
