//! Delegates end to end, through the running app with signed requests against the Coupa sandbox:
//! a delegate the approval names, or one the approver's delegation names for its dates, gets the
//! card marked "as delegate for" the approver, decides it once with Coupa hearing whom they stood
//! in for, and the approver's card follows; a delegation that ended or never held gives nothing
//! and refuses the click. On Slack and on Teams.

use crate::support;

use coupa_approvals::sandbox::coupa::{Fault, StepApprover};
use coupa_approvals::sandbox::people::Person as SandboxPerson;
use coupa_approvals::sandbox::teams::sender::card_of;
use coupa_approvals::teams::card::REFRESH;
use coupa_approvals::teams::invoke::{ADAPTIVE_CARD, MESSAGE};
use jiff::{SignedDuration, Timestamp};
use support::e2e::{Person, TestApp, eventually, text_of};
use support::teams_world::{TeamsApp, offers_approve, texts};

fn puts(app: &TestApp) -> usize {
    app.sandbox().count_calls("PUT", "/api/approvals/")
}

/// Sam Lee, in Coupa and on Slack, who approves nothing of their own.
fn sam(app: &TestApp) -> Person {
    let person = SandboxPerson::in_coupa(&app.world.coupa, "sam@example.com", "Sam", "Lee");
    person.join(&app.world.slack);
    Person {
        coupa: person.coupa_id,
        slack: person.slack_id,
    }
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

/// Whether a Block Kit card shows Approve.
fn has_buttons(text: &str) -> bool {
    text.contains("\"approve\"")
}

/// The ephemeral answers `user` got.
fn told(app: &TestApp, user: &str) -> Vec<String> {
    app.fake()
        .conversation(user)
        .into_iter()
        .filter(|m| m.only_for.as_deref() == Some(user))
        .map(|m| text_of(&m))
        .collect()
}

#[tokio::test]
async fn the_delegate_an_approval_names_gets_the_marked_card_and_approves_once_as_delegate() {
    let app = TestApp::spawn().await;
    let sam = sam(&app);
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox()
        .set_approval_delegate(approval, Some(sam.coupa));
    app.sync().await;

    let cards = app.cards_of(&sam.slack);
    assert_eq!(cards.len(), 1, "the delegate gets one card");
    let card = text_of(&cards[0]);
    assert!(card.contains("As delegate for *Daniel Okafor*"), "{card}");
    let daniels = app.cards_of(&app.daniel.slack).pop().unwrap();
    let own = text_of(&daniels);
    assert!(
        !own.contains("delegate"),
        "the approver's card is their own: {own}"
    );

    assert_eq!(
        app.click(&sam.slack, &cards[0], "approve").await.status(),
        200
    );
    assert!(eventually(|| puts(&app) == 1).await);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some("Approved in Slack by Sam Lee <sam@example.com> as delegate for Daniel Okafor")
    );
    // Both cards say what happened; the delegate's still says whom they stood in for.
    assert!(
        eventually(|| {
            let theirs = text_of(&app.cards_of(&sam.slack)[0]);
            theirs.contains("Approved* by Sam Lee in Slack")
                && theirs.contains("As delegate for *Daniel Okafor*")
        })
        .await,
        "{}",
        text_of(&app.cards_of(&sam.slack)[0])
    );
    assert!(
        eventually(|| {
            let own = text_of(&app.cards_of(&app.daniel.slack)[0]);
            own.contains("by Sam Lee (as delegate for Daniel Okafor)") && !has_buttons(&own)
        })
        .await,
        "{}",
        text_of(&app.cards_of(&app.daniel.slack)[0])
    );
    // A second click, by either of them, makes no second call.
    app.click(&sam.slack, &cards[0], "approve").await;
    app.click(&app.daniel.slack, &daniels, "approve").await;
    assert!(eventually(|| told(&app, &app.daniel.slack).len() == 1).await);
    assert_eq!(puts(&app), 1);

    // The audit log and the delegate's history say whom they stood in for.
    let audit = app.store.audit(10).await.unwrap();
    let approved = audit
        .iter()
        .find(|e| e.actor.as_str() == sam.slack && e.outcome == "approved")
        .expect("the delegate's decision is audited");
    assert_eq!(approved.delegate_for.as_deref(), Some("Daniel Okafor"));
    assert_eq!(
        app.say(&sam.slack, "what did I approve this week?")
            .await
            .status(),
        200
    );
    let history = || {
        app.fake()
            .conversation(&sam.slack)
            .into_iter()
            .find(|m| m.text.contains("in the last 7 days"))
    };
    assert!(eventually(|| history().is_some()).await);
    let history = text_of(&history().unwrap());
    assert!(
        history.contains(&format!("#{req} · As delegate for Daniel Okafor")),
        "{history}"
    );
}

#[tokio::test]
async fn an_approvers_delegation_gives_a_marked_card_until_it_ends_and_then_the_click_is_refused() {
    let app = TestApp::spawn().await;
    let sam = sam(&app);
    let now = Timestamp::now();
    let delegation =
        app.sandbox()
            .add_delegation(app.daniel.coupa, sam.coupa, now - hours(1), now + hours(48));
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of(&sam.slack).pop().expect("the delegate's card");
    assert!(text_of(&card).contains("As delegate for *Daniel Okafor*"));
    assert!(has_buttons(&text_of(&card)));

    // "What's pending" lists it for the delegate, marked.
    assert_eq!(app.say(&sam.slack, "what's pending?").await.status(), 200);
    let listed = || {
        app.fake()
            .conversation(&sam.slack)
            .into_iter()
            .find(|m| m.text.contains("waiting for your approval"))
    };
    assert!(eventually(|| listed().is_some()).await);
    let list = text_of(&listed().unwrap());
    assert!(list.contains(&format!("#{req}")), "{list}");
    assert!(list.contains("As delegate for *Daniel Okafor*"), "{list}");

    // The delegation ends while the card is out: the card closes, and stays closed on refresh.
    app.sandbox().end_delegation(delegation);
    app.engine.reconcile().await.unwrap();
    let closed = text_of(&app.cards_of(&sam.slack)[0]);
    assert!(!has_buttons(&closed), "{closed}");
    assert!(
        closed.contains("As delegate for *Daniel Okafor*"),
        "{closed}"
    );
    assert!(has_buttons(&text_of(&app.cards_of(&app.daniel.slack)[0])));

    app.click(&sam.slack, &card, "approve").await;
    assert!(
        eventually(|| told(&app, &sam.slack)
            .iter()
            .any(|t| t.contains("doesn't list you as an approver")))
        .await,
        "{:?}",
        told(&app, &sam.slack)
    );
    assert_eq!(puts(&app), 0);
    let after = text_of(&app.cards_of(&sam.slack)[0]);
    assert!(!has_buttons(&after), "{after}");
}

#[tokio::test]
async fn an_expired_or_inactive_or_receiving_only_delegate_gets_no_card() {
    let app = TestApp::spawn().await;
    let sam = sam(&app);
    let now = Timestamp::now();
    // Ended yesterday; and one that covers receiving, not approvals.
    app.sandbox().add_delegation(
        app.daniel.coupa,
        sam.coupa,
        now - hours(72),
        now - hours(24),
    );
    app.sandbox().add_receiving_delegation(
        app.daniel.coupa,
        sam.coupa,
        now - hours(1),
        now + hours(48),
    );
    let first = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    // An approval naming a delegate whose Coupa user is inactive.
    let second = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let approval = app.sandbox().current_approval(second).unwrap();
    app.sandbox()
        .set_approval_delegate(approval, Some(sam.coupa));
    app.sandbox().set_user_active(sam.coupa, false);
    app.sync().await;

    assert!(app.cards_of(&sam.slack).is_empty());
    assert_eq!(
        app.cards_of(&app.daniel.slack).len(),
        2,
        "{first} and {second}"
    );
}

#[tokio::test]
async fn a_delegate_who_is_also_in_the_approver_group_gets_one_unmarked_card() {
    let app = TestApp::spawn().await;
    let group = app
        .sandbox()
        .add_group("IT Approvers", &[app.sofia.coupa, app.ana.coupa]);
    let req = app.requisition(vec![vec![StepApprover::Group(group)]]);
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox()
        .set_approval_delegate(approval, Some(app.sofia.coupa));
    app.sync().await;
    let cards = app.cards_of(&app.sofia.slack);
    assert_eq!(cards.len(), 1);
    assert!(!text_of(&cards[0]).contains("delegate"));
    app.click(&app.sofia.slack, &cards[0], "approve").await;
    assert!(eventually(|| puts(&app) == 1).await);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some("Approved in Slack by Sofia Berg <sofia@example.com>")
    );
}

#[tokio::test]
async fn on_teams_the_delegate_gets_the_marked_card_approves_once_and_the_approvers_card_follows() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.sofia).await;
    let now = Timestamp::now();
    app.sandbox().add_delegation(
        app.daniel.coupa,
        app.sofia.coupa,
        now - hours(1),
        now + hours(48),
    );
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    let card = app.card_for(&app.sofia.member, req).await;
    let shown = texts(&card.activity).join("\n");
    assert!(
        shown.contains("As delegate for **Daniel Okafor**"),
        "{shown}"
    );
    assert!(offers_approve(&card));
    let own = app.card_for(&app.daniel.member, req).await;
    assert!(!texts(&own.activity).join("\n").contains("delegate"));

    let answer = app.teams().approve(&app.sofia.member, &card).await.unwrap();
    assert_eq!(answer.status, 200);
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let answered = texts(&body["value"]).join("\n");
    assert!(answered.contains("by Sofia Berg in Teams"), "{answered}");
    assert!(
        answered.contains("As delegate for **Daniel Okafor**"),
        "{answered}"
    );
    assert_eq!(app.puts(), 1);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some(
            "Approved in Microsoft Teams by Sofia Berg <sofia@example.com> as delegate for Daniel Okafor"
        )
    );
    assert!(
        eventually(|| {
            let own = app.cards_for(&app.daniel.member, req);
            own.len() == 1
                && !offers_approve(&own[0])
                && texts(&own[0].activity)
                    .join("\n")
                    .contains("by Sofia Berg (as delegate for Daniel Okafor)")
        })
        .await,
        "{:?}",
        app.cards_for(&app.daniel.member, req)
    );
    // A Teams client that still shows the card as first sent refreshes it, and gets it as last
    // written: decided, and still marked.
    let refresh = card_of(&card.activity).expect("a card")["refresh"]["action"]["data"].clone();
    let answer = app
        .teams()
        .invoke_action(&app.sofia.member, REFRESH, refresh)
        .await
        .unwrap();
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let refreshed = texts(&body["value"]).join("\n");
    assert!(
        refreshed.contains("As delegate for **Daniel Okafor**"),
        "{refreshed}"
    );
    assert!(refreshed.contains("by Sofia Berg in Teams"), "{refreshed}");
    app.stop().await;
}

#[tokio::test]
async fn on_teams_a_delegate_whose_delegation_ended_is_refused_and_coupa_is_not_called() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.sofia).await;
    let now = Timestamp::now();
    let delegation = app.sandbox().add_delegation(
        app.daniel.coupa,
        app.sofia.coupa,
        now - hours(1),
        now + hours(48),
    );
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.sofia.member, req).await;
    app.sandbox().end_delegation(delegation);

    let answer = app.teams().approve(&app.sofia.member, &card).await.unwrap();
    assert_eq!(answer.status, 200);
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], MESSAGE, "{body}");
    assert!(
        body["value"]
            .as_str()
            .is_some_and(|t| t.contains("doesn't list you as an approver")),
        "{body}"
    );
    assert_eq!(app.puts(), 0);
    // The delegate's card no longer offers the decision; the approver's still does.
    assert!(
        eventually(|| !offers_approve(&app.cards_for(&app.sofia.member, req)[0])).await,
        "{:?}",
        app.cards_for(&app.sofia.member, req)
    );
    assert!(offers_approve(&app.card_for(&app.daniel.member, req).await));
    app.stop().await;
}

#[tokio::test]
async fn when_coupa_cannot_tell_the_delegations_the_approver_still_gets_the_card_and_no_delegate_card_closes()
 {
    let app = TestApp::spawn().await;
    let sam = sam(&app);
    let now = Timestamp::now();
    app.sandbox()
        .add_delegation(app.daniel.coupa, sam.coupa, now - hours(1), now + hours(48));
    let first = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    assert_eq!(app.cards_of(&sam.slack).len(), 1);

    // Delegations cannot be read for a while (a refusal, or the scope missing).
    app.sandbox()
        .inject(Fault::status("/api/delegations", 403, 100));
    app.engine.reconcile().await.unwrap();
    let second = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;

    assert_eq!(
        app.cards_of(&app.daniel.slack).len(),
        2,
        "{first} and {second}"
    );
    let kept = text_of(&app.cards_of(&sam.slack)[0]);
    assert!(has_buttons(&kept), "the delegate's card stays open: {kept}");
    assert_eq!(app.cards_of(&sam.slack).len(), 1, "no new delegate card");
}
