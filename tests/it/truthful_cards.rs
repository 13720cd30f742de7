//! Every card and every private reply tells the truth: a late click on a settled card hears what
//! happened, a settled card keeps the step it was sent for, a changed requisition's cards say
//! what changed, Deny on a decided approval says so instead of asking for a reason, and every
//! reply names its requisition. Through signed Slack requests, as people see it.

use crate::support;

use std::time::Duration;

use coupa_approvals::sandbox::coupa::StepApprover;
use rust_decimal::Decimal;
use support::e2e::{TestApp, block_actions, eventually, text_of};

fn puts(app: &TestApp) -> usize {
    app.sandbox().count_calls("PUT", "/api/approvals/")
}

#[tokio::test]
async fn a_late_click_on_a_card_approved_in_coupa_hears_who_approved_it_not_that_it_is_someone_elses()
 {
    let app = TestApp::spawn().await;
    let li = app.sandbox().add_user("li@example.com", "Li", "Chen");
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let late_click = block_actions("UDANIEL", &app.cards_of("UDANIEL")[0], "approve");
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox().approve_in_coupa(approval, li).unwrap();
    app.sync().await;

    app.interaction(&late_click).await;
    assert!(eventually(|| !app.fake().ephemerals_for("UDANIEL").is_empty()).await);
    let answer = app.fake().ephemerals_for("UDANIEL").remove(0);
    assert!(!answer.contains("someone else"), "{answer}");
    assert!(
        answer.contains("Already approved in Coupa by Li Chen at "),
        "{answer}"
    );
    let card = text_of(&app.cards_of("UDANIEL")[0]);
    assert!(card.contains("Approved in Coupa* by Li Chen"), "{card}");
    assert_eq!(puts(&app), 0);

    // A stranger clicking the same card still hears that it is not theirs.
    let mut stranger = late_click.clone();
    stranger["user"]["id"] = "UMALLORY".into();
    app.interaction(&stranger).await;
    assert!(eventually(|| !app.fake().ephemerals_for("UMALLORY").is_empty()).await);
    assert!(app.fake().ephemerals_for("UMALLORY")[0].contains("sent to someone else"));
}

#[tokio::test]
async fn a_card_settled_by_a_coupa_approval_keeps_the_step_it_was_sent_for() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![
        vec![StepApprover::User(app.daniel.coupa)],
        vec![StepApprover::User(app.ana.coupa)],
    ]);
    app.sync().await;
    assert!(text_of(&app.cards_of("UDANIEL")[0]).contains("1 of 2"));
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox()
        .approve_in_coupa(approval, app.daniel.coupa)
        .unwrap();
    app.sync().await;
    let card = text_of(&app.cards_of("UDANIEL")[0]);
    assert!(card.contains("Approved in Coupa"), "{card}");
    assert!(card.contains("1 of 2"), "{card}");
    assert!(!card.contains("2 of 2"), "{card}");
    assert!(text_of(&app.cards_of("UANA")[0]).contains("2 of 2"));
}

#[tokio::test]
async fn a_changed_requisition_keeps_the_old_cards_figures_and_both_cards_say_what_changed() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    // Coupa's clock has one-second precision: make the edit land in a later second.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    app.sandbox()
        .set_line_amount(req, 1, Decimal::new(99_900, 2));
    app.sync().await;
    let cards = app.cards_of("UDANIEL");
    assert_eq!(cards.len(), 2);
    let old = text_of(&cards[0]);
    assert!(old.contains("Changed in Coupa"), "{old}");
    assert!(old.contains("total USD 7,420.50 → USD 12,388.50"), "{old}");
    assert!(old.contains("line 1"), "{old}");
    assert!(
        old.contains("Marta Kowalski"),
        "the old card keeps its context: {old}"
    );
    assert!(
        !old.contains("\"approve\""),
        "no buttons on the old card: {old}"
    );
    let new = text_of(&cards[1]);
    assert!(
        new.contains("Updated: total USD 7,420.50 → USD 12,388.50"),
        "{new}"
    );
    assert!(new.contains("\"approve\""), "{new}");
}

#[tokio::test]
async fn deny_on_an_approval_already_decided_says_so_instead_of_opening_the_reason_form() {
    let app = TestApp::spawn().await;
    let group = app
        .sandbox()
        .add_group("IT Approvers", &[app.daniel.coupa, app.sofia.coupa]);
    app.requisition(vec![vec![StepApprover::Group(group)]]);
    app.sync().await;
    let old_card = app.cards_of("UDANIEL").remove(0);
    app.click("USOFIA", &app.cards_of("USOFIA")[0], "approve")
        .await;
    assert!(eventually(|| puts(&app) == 1).await);

    app.click("UDANIEL", &old_card, "deny").await;
    assert!(eventually(|| !app.fake().ephemerals_for("UDANIEL").is_empty()).await);
    let answer = app.fake().ephemerals_for("UDANIEL").remove(0);
    assert!(
        answer.contains("Already approved by Sofia Berg"),
        "{answer}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.fake().modals().is_empty(), "no reason form opened");
    assert_eq!(puts(&app), 1);
}

#[tokio::test]
async fn every_private_reply_names_the_requisition() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").remove(0);
    app.click("UMALLORY", &card, "approve").await;
    app.click("UDANIEL", &card, "approve").await;
    assert!(eventually(|| !app.fake().ephemerals_for("UDANIEL").is_empty()).await);
    assert!(eventually(|| !app.fake().ephemerals_for("UMALLORY").is_empty()).await);
    assert_eq!(
        app.fake().ephemerals_for("UDANIEL"),
        vec![format!("#{req} Standing desks: Approved in Coupa.")]
    );
    let refused = app.fake().ephemerals_for("UMALLORY").remove(0);
    assert!(
        refused.starts_with(&format!("#{req} Standing desks: ")),
        "{refused}"
    );
}
