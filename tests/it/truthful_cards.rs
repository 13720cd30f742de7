//! Every card and every private reply tells the truth: a late click on a settled card hears what
//! happened, a settled card keeps the step it was sent for, a changed requisition's cards say
//! what changed, Deny on a decided approval says so instead of asking for a reason, and every
//! reply names its requisition. Through signed Slack requests, as people see it.

use crate::support;

use coupa_approvals::sandbox::coupa::StepApprover;
use support::e2e::{TestApp, text_of};

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
