//! The Coupa client against the Coupa sandbox: both sides of the contract agree.
//!
//! The sandbox stands in for Coupa in `demo` and in the app's tests, so the client must read and
//! decide against it exactly as it does against wiremock's fixtures.

use std::str::FromStr;
use std::time::Duration;

use coupa_approvals::config::CoupaSettings;
use coupa_approvals::coupa::{CoupaClient, CoupaError, RetryPolicy};
use coupa_approvals::domain::{
    ApprovalStatus, Approver, CoupaUserId, GroupId, Money, RequisitionId, RequisitionStatus,
};
use coupa_approvals::sandbox::coupa::{
    Fault, NewLine, NewRequisition, RunningSandbox, Sandbox, StepApprover,
};
use jiff::Timestamp;
use reqwest::Method;
use rust_decimal::Decimal;
use url::Url;

const CLIENT_ID: &str = "chat-approvals";
const CLIENT_SECRET: &str = "sandbox-secret";

struct World {
    running: RunningSandbox,
    coupa: CoupaClient,
    jane: CoupaUserId,
    sofia: CoupaUserId,
    group: GroupId,
    requisition: RequisitionId,
}

impl World {
    fn sandbox(&self) -> &Sandbox {
        &self.running.sandbox
    }
}

fn settings(url: &str, secret: &str) -> CoupaSettings {
    let mut settings = CoupaSettings::new(Url::parse(url).unwrap(), CLIENT_ID, secret);
    settings.max_rps = 25;
    settings
}

fn client(url: &str, secret: &str) -> CoupaClient {
    CoupaClient::builder(&settings(url, secret))
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .max_rps(10_000)
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// Jane approves first, then a group of Daniel and Sofia.
async fn world() -> World {
    let sandbox = Sandbox::with_client(CLIENT_ID, CLIENT_SECRET);
    let marta = sandbox.add_user("marta.kowalski@example.com", "Marta", "Kowalski");
    let jane = sandbox.add_user("jane.doe@example.com", "Jane", "Doe");
    let daniel = sandbox.add_user("daniel.okafor@example.com", "Daniel", "Okafor");
    let sofia = sandbox.add_user("sofia.berg@example.com", "Sofia", "Berg");
    let group = sandbox.add_group("IT Procurement Approvers", &[daniel, sofia]);
    let requisition = sandbox.add_requisition(NewRequisition {
        title: "Standing desks for the Lisbon office".into(),
        requested_by: marta,
        currency: "USD".into(),
        lines: vec![
            NewLine::quantity(
                "Electric sit-stand desk",
                12,
                Decimal::from(585),
                "Ergonomica Lda",
            ),
            NewLine::amount(
                "Delivery and assembly",
                Decimal::from_str("400.50").unwrap(),
                "Ergonomica Lda",
            ),
        ],
        justification: Some("Team of 12 moves in on Jan 5".into()),
        department: Some("Engineering".into()),
        need_by: Some("2026-12-20".into()),
        chain: vec![
            vec![StepApprover::User(jane)],
            vec![StepApprover::Group(group)],
        ],
    });
    let running = sandbox.serve().await.unwrap();
    let coupa = client(&running.url(), CLIENT_SECRET);
    World {
        running,
        coupa,
        jane,
        sofia,
        group,
        requisition,
    }
}

#[tokio::test]
async fn the_client_reads_requisitions_users_and_groups_from_the_sandbox() {
    let w = world().await;

    let pending = w.coupa.pending_requisitions().await.unwrap();
    assert_eq!(pending.len(), 1);
    let req = &pending[0];
    assert_eq!(req.id, w.requisition);
    assert_eq!(req.status, RequisitionStatus::PendingApproval);
    assert_eq!(
        req.total,
        Money::new(Decimal::from_str("7420.50").unwrap(), "USD")
    );
    assert_eq!(req.lines.len(), 2);
    assert_eq!(req.lines[1].quantity, None);
    assert_eq!(req.current_approvals.len(), 1);
    assert!(req.current_approvals[0].approver.includes(w.jane));

    let changed = w
        .coupa
        .requisitions_changed_since(Timestamp::UNIX_EPOCH)
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(
        w.coupa
            .requisition(w.requisition)
            .await
            .unwrap()
            .fingerprint(),
        req.fingerprint()
    );

    let jane = w
        .coupa
        .user_by_email("jane.doe@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(jane.id, w.jane);
    assert_eq!(jane.full_name, "Jane Doe");
    assert_eq!(
        w.coupa.user_by_email("nobody@example.com").await.unwrap(),
        None
    );

    w.sandbox().set_user_active(w.sofia, false);
    let group = w.coupa.user_group(w.group).await.unwrap();
    assert_eq!(group.members.len(), 1, "inactive Sofia is left out");

    let for_jane = w.coupa.pending_approvals_for(w.jane).await.unwrap();
    assert_eq!(for_jane.len(), 1);
    assert_eq!(for_jane[0].requisition_id, Some(w.requisition));
}

#[tokio::test]
async fn an_approval_moves_the_chain_on_and_a_second_one_is_not_pending() {
    let w = world().await;
    let approval = w
        .coupa
        .requisition(w.requisition)
        .await
        .unwrap()
        .current_approvals[0]
        .id;
    let reason = "Approved in Slack by Jane Doe <jane.doe@example.com>: ok & thanks #1 + \"más\"";

    let approved = w.coupa.approve(approval, reason).await.unwrap();

    assert_eq!(approved.status, ApprovalStatus::Approved);
    assert_eq!(w.sandbox().approval_note(approval).as_deref(), Some(reason));
    let req = w.coupa.requisition(w.requisition).await.unwrap();
    match &req.current_approvals[0].approver {
        Approver::Group { id, members, .. } => {
            assert_eq!(*id, w.group);
            assert_eq!(members.len(), 2);
        }
        other => panic!("expected the group step, got {other:?}"),
    }
    let again = w.coupa.approve(approval, reason).await.unwrap_err();
    assert!(
        matches!(again, CoupaError::NotPending { ref message, .. } if message.contains("not pending")),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_thousand_character_multibyte_reason_reaches_coupa_intact() {
    // Two-, three- and four-byte characters: percent-encoded, up to 12 bytes each in the URL.
    let prefix = "Rejected in Slack by Jane Doe <jane.doe@example.com>: ";
    let body = "é承認😀".repeat(400);
    let reason: String = format!("{prefix}{body}").chars().take(1_000).collect();
    assert_eq!(reason.chars().count(), 1_000);
    let w = world().await;
    let approval = w
        .coupa
        .requisition(w.requisition)
        .await
        .unwrap()
        .current_approvals[0]
        .id;

    let rejected = w.coupa.reject(approval, &reason).await.unwrap();

    assert_eq!(rejected.status, ApprovalStatus::Rejected);
    assert_eq!(w.sandbox().approval_note(approval), Some(reason));
}

#[tokio::test]
async fn a_rejection_is_recorded_with_its_reason() {
    let w = world().await;
    let approval = w
        .coupa
        .requisition(w.requisition)
        .await
        .unwrap()
        .current_approvals[0]
        .id;

    let rejected = w.coupa.reject(approval, "No budget left").await.unwrap();

    assert_eq!(rejected.status, ApprovalStatus::Rejected);
    assert_eq!(
        w.sandbox().approval_note(approval).as_deref(),
        Some("No budget left")
    );
}

#[tokio::test]
async fn revoked_tokens_are_renewed_without_the_caller_noticing() {
    let w = world().await;
    w.coupa.pending_requisitions().await.unwrap();

    w.sandbox().revoke_tokens();
    w.coupa.pending_requisitions().await.unwrap();

    assert_eq!(w.sandbox().token_requests(), 2);
}

#[tokio::test]
async fn a_wrong_secret_is_reported_as_rejected_credentials() {
    let w = world().await;
    let coupa = client(&w.running.url(), "not-the-secret");

    let error = coupa.pending_requisitions().await.unwrap_err();

    assert!(
        matches!(error, CoupaError::CredentialsRejected { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("COUPA_CLIENT_SECRET"));
}

#[tokio::test]
async fn a_decision_that_took_effect_before_a_server_error_is_found_by_re_reading() {
    let w = world().await;
    let approval = w
        .coupa
        .requisition(w.requisition)
        .await
        .unwrap()
        .current_approvals[0]
        .id;
    w.sandbox().inject(Fault {
        method: Some(Method::PUT),
        after_effect: true,
        ..Fault::status("/api/approvals/", 502, 1)
    });

    let approved = w.coupa.approve(approval, "ok").await.unwrap();

    assert_eq!(approved.status, ApprovalStatus::Approved);
    assert_eq!(w.sandbox().count_calls("PUT", "/api/approvals/"), 1);
}

#[tokio::test]
async fn reads_ride_out_passing_sandbox_faults() {
    let w = world().await;
    w.sandbox()
        .inject(Fault::status("/api/requisitions", 503, 2));
    w.sandbox().inject(Fault {
        retry_after: Some(0),
        ..Fault::status("/api/requisitions", 429, 1)
    });

    let pending = w.coupa.pending_requisitions().await.unwrap();

    assert_eq!(pending.len(), 1);
    assert_eq!(w.sandbox().count_calls("GET", "/api/requisitions"), 4);
}

#[tokio::test]
async fn pending_requisitions_read_page_by_page_come_once_each_and_match_the_whole_list() {
    let w = world().await;
    let sandbox = &w.running.sandbox;
    let requester = sandbox.add_user("req@example.com", "Re", "Quester");
    for n in 0..120 {
        sandbox.add_requisition(NewRequisition::one_line(
            format!("Paged {n}"),
            requester,
            w.jane,
            Decimal::from(n + 1),
        ));
    }
    let mut pages = w.coupa.pending_requisition_pages();
    let mut paged = Vec::new();
    let mut count = 0;
    while let Some(page) = pages.next_page().await.unwrap() {
        count += 1;
        paged.extend(page.into_iter().map(|r| r.id));
    }
    let mut whole: Vec<_> = w
        .coupa
        .pending_requisitions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(count >= 3, "{count} pages for 121 requisitions");
    let read = paged.len();
    paged.sort();
    paged.dedup();
    assert_eq!(paged.len(), read, "no requisition returned twice");
    whole.sort();
    assert_eq!(paged, whole);
    assert_eq!(paged.len(), 121);
}
