//! Hold: an approval Coupa allows to be held is put on hold from its card with a required reason,
//! exactly once, under the same rules as any decision; every card says who put it on hold and why
//! and is not closed; once Coupa releases it the cards show their buttons again and it can be
//! decided. The engine alone (against the Coupa sandbox), then the whole app on Slack and on
//! Teams with signed requests.

use crate::support;

use std::time::Duration;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::domain::hold::Hold;
use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::{ApprovalId, Decision};
use coupa_approvals::sandbox::coupa::{Fault, Sandbox, StepApprover};
use coupa_approvals::sandbox::slack::FakeMessage;
use coupa_approvals::sandbox::teams::sender::action_data;
use coupa_approvals::store::Store;
use coupa_approvals::teams::invoke::{ADAPTIVE_CARD, MESSAGE};
use serde_json::Value;
use support::e2e::{TestApp, block_actions, eventually, text_of, view_submission};
use support::engine_world::World;
use support::teams_world::{self, TeamsApp, offers_approve, texts};

const REASON: &str = "Waiting for the second quote";

/// The decisions (approve, reject, hold) the bot sent to Coupa.
fn puts(coupa: &Sandbox) -> usize {
    coupa.count_calls("PUT", "/api/approvals/")
}

/// What Daniel's card in the engine's world says now.
fn daniel_card(world: &World) -> CardState {
    let (_, card) = world.chat.cards_of(&world.daniel.1).pop().expect("a card");
    card.state
}

fn current(world: &World) -> ApprovalId {
    let req = world
        .sim
        .coupa
        .requisition_ids()
        .pop()
        .expect("a requisition");
    world
        .sim
        .coupa
        .current_approval(req)
        .expect("a current approval")
}

// --- The engine ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_hold_frees_the_approval_so_it_can_be_approved_once_coupa_releases_it() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let approval = current(&world);

    let hold = world.click(&world.daniel.1, Decision::Hold, Some(REASON));
    assert_eq!(
        engine.decide(hold).await,
        DecisionResult::Done(Decision::Hold)
    );
    assert_eq!(
        world.sim.coupa.approval_status(approval).as_deref(),
        Some("holding")
    );
    assert_eq!(
        world.sim.coupa.approval_note(approval).as_deref(),
        Some(
            "Put on hold in Slack by Daniel Okafor <daniel@example.com>: Waiting for the second quote"
        )
    );
    let CardState::OnHold(shown) = daniel_card(&world) else {
        panic!("the card says it is on hold: {:?}", daniel_card(&world));
    };
    assert_eq!(shown.by.as_deref(), Some("Daniel Okafor"));
    assert_eq!(shown.reason.as_deref(), Some(REASON));
    assert!(
        world.chat.ephemerals_for(&world.daniel.1)[0].contains("Put on hold in Coupa"),
        "{:?}",
        world.chat.ephemerals_for(&world.daniel.1)
    );

    // Held, nothing can be decided: an approve is refused by the fresh read, not by the claim.
    let approve = world.click(&world.daniel.1, Decision::Approve, None);
    assert!(matches!(
        engine.decide(approve.clone()).await,
        DecisionResult::Refused(Refusal::OnHold(Hold { by: Some(by), .. })) if by == "Daniel Okafor"
    ));
    assert_eq!(world.puts(), 1);

    // The sync keeps the card on hold and on record: it is not "no longer pending".
    engine.sync_changes().await.unwrap();
    engine.reconcile().await.unwrap();
    assert!(matches!(daniel_card(&world), CardState::OnHold(_)));
    assert_eq!(world.store.cards(approval).await.unwrap().len(), 1);

    world.sim.coupa.release_hold(approval).unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(daniel_card(&world), CardState::Pending);
    assert_eq!(world.store.hold(approval).await.unwrap(), None);

    let approve = world.click(&world.daniel.1, Decision::Approve, None);
    assert_eq!(
        engine.decide(approve).await,
        DecisionResult::Done(Decision::Approve)
    );
    assert_eq!(
        world.sim.coupa.approval_status(approval).as_deref(),
        Some("approved")
    );
    assert_eq!(world.puts(), 2);

    // The person's history shows the hold beside the approval.
    let history = engine.history_for(&world.daniel.1).await.unwrap();
    let outcomes: Vec<&str> = history.iter().map(|e| e.outcome.as_str()).collect();
    assert!(outcomes.contains(&"held"), "{outcomes:?}");
    assert!(outcomes.contains(&"approved"), "{outcomes:?}");
    let held = history.iter().find(|e| e.outcome == "held").unwrap();
    assert_eq!(held.decision, Decision::Hold);
    assert_eq!(held.comment.as_deref(), Some(REASON));
}

#[tokio::test]
async fn a_hold_without_a_reason_is_refused_before_anything_is_sent() {
    let world = World::new().await;
    let engine = world.with_card().await;
    for blank in [None, Some("   ")] {
        let hold = world.click(&world.daniel.1, Decision::Hold, blank);
        assert_eq!(
            engine.decide(hold).await,
            DecisionResult::Refused(Refusal::ReasonRequired)
        );
    }
    assert_eq!(world.puts(), 0);
    assert_eq!(daniel_card(&world), CardState::Pending);
}

#[tokio::test]
async fn a_hold_on_an_approval_coupa_does_not_allow_to_be_held_is_refused_without_a_coupa_call() {
    let world = World::new().await;
    let engine = world.sim.engine().unwrap();
    world.requisition();
    world.sim.coupa.set_holdable(current(&world), false);
    engine.sync_changes().await.unwrap();
    let (_, card) = world.chat.cards_of(&world.daniel.1).pop().unwrap();
    assert!(!card.holdable(), "the card does not offer Hold");

    let forged = world.click(&world.daniel.1, Decision::Hold, Some(REASON));
    assert_eq!(
        engine.decide(forged).await,
        DecisionResult::Refused(Refusal::NotHoldable)
    );
    assert_eq!(world.puts(), 0);
    assert_eq!(daniel_card(&world), CardState::Pending);
    assert_eq!(world.audit().await[0].outcome, "refused: not_holdable");

    // The claim was released: the approval can still be approved.
    let approve = world.click(&world.daniel.1, Decision::Approve, None);
    assert_eq!(
        engine.decide(approve).await,
        DecisionResult::Done(Decision::Approve)
    );
}

#[tokio::test]
async fn a_hold_coupa_could_not_confirm_is_settled_by_the_next_sync_and_frees_the_approval() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let approval = current(&world);
    // The hold takes effect but its answer is lost, and Coupa cannot be read back just then.
    world.sim.coupa.inject(Fault {
        method: Some(axum::http::Method::PUT),
        after_effect: true,
        ..Fault::status("/api/approvals/", 504, 1)
    });
    world.sim.coupa.inject(Fault {
        method: Some(axum::http::Method::GET),
        ..Fault::status("/api/approvals/", 503, 20)
    });
    let hold = world.click(&world.daniel.1, Decision::Hold, Some(REASON));
    assert_eq!(engine.decide(hold).await, DecisionResult::Unconfirmed);
    // Until the sync knows, nobody decides again through the bot.
    let approve = world.click(&world.daniel.1, Decision::Approve, None);
    assert!(matches!(
        engine.decide(approve).await,
        DecisionResult::Refused(Refusal::AlreadyDecided(outcome))
            if outcome.decision == Decision::Hold && !outcome.confirmed
    ));
    assert_eq!(world.puts(), 1);

    world.sim.coupa.clear_faults();
    engine.sync_changes().await.unwrap();
    let CardState::OnHold(shown) = daniel_card(&world) else {
        panic!("the card says it is on hold: {:?}", daniel_card(&world));
    };
    assert_eq!(shown.by.as_deref(), Some("Daniel Okafor"));
    assert_eq!(shown.reason.as_deref(), Some(REASON));
    assert_eq!(world.audit().await[0].outcome, "confirmed: held");
    assert_eq!(world.store.claim_outcome(approval).await.unwrap(), None);

    world.sim.coupa.release_hold(approval).unwrap();
    engine.sync_changes().await.unwrap();
    let approve = world.click(&world.daniel.1, Decision::Approve, None);
    assert_eq!(
        engine.decide(approve).await,
        DecisionResult::Done(Decision::Approve)
    );
    assert_eq!(world.puts(), 2);
}

#[tokio::test]
async fn a_hold_made_in_coupa_shows_on_the_card_until_coupa_releases_it() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let approval = current(&world);
    world
        .sim
        .coupa
        .hold_in_coupa(approval, world.daniel.0, "Budget review")
        .unwrap();
    engine.sync_changes().await.unwrap();
    let CardState::OnHold(shown) = daniel_card(&world) else {
        panic!("the card says it is on hold: {:?}", daniel_card(&world));
    };
    assert_eq!(shown.by.as_deref(), Some("Daniel Okafor"));
    assert_eq!(shown.reason.as_deref(), Some("Budget review"));
    let edits = world.chat.updates();
    // Seen again unchanged (the hourly reconcile), the card is not edited again.
    engine.reconcile().await.unwrap();
    assert_eq!(world.chat.updates(), edits);

    world.sim.coupa.release_hold(approval).unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(daniel_card(&world), CardState::Pending);
    assert_eq!(world.puts(), 0);
}

#[tokio::test]
async fn a_card_on_hold_past_its_buttons_lifetime_keeps_the_hold_and_says_expired_once_released() {
    let world = World::new().await;
    let engine = world.with_card().await;
    let approval = current(&world);
    let hold = world.click(&world.daniel.1, Decision::Hold, Some(REASON));
    assert_eq!(
        engine.decide(hold).await,
        DecisionResult::Done(Decision::Hold)
    );
    world.advance(support::engine_world::TTL + Duration::from_secs(60));
    engine.sync_changes().await.unwrap();
    assert!(matches!(daniel_card(&world), CardState::OnHold(_)));
    assert!(world.store.cards(approval).await.unwrap()[0].expired);

    world.sim.coupa.release_hold(approval).unwrap();
    engine.sync_changes().await.unwrap();
    assert_eq!(daniel_card(&world), CardState::Expired);
}

// --- Slack ---------------------------------------------------------------------------------------

/// Whether a Slack card offers `action`.
fn offers(card: &FakeMessage, action: &str) -> bool {
    text_of(card).contains(&format!("\"action_id\":\"{action}\""))
}

#[tokio::test]
async fn slack_hold_asks_for_a_reason_and_every_group_members_card_says_who_held_it_until_released()
{
    let app = TestApp::spawn().await;
    let group = app
        .sandbox()
        .add_group("Facilities", &[app.daniel.coupa, app.ana.coupa]);
    let req = app.requisition(vec![vec![StepApprover::Group(group)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let ana_before = app.cards_of("UANA").pop().unwrap();
    assert!(offers(&card, "hold"), "{}", text_of(&card));
    assert!(offers(&ana_before, "hold"));

    app.click("UDANIEL", &card, "hold").await;
    assert!(eventually(|| app.fake().modals().len() == 1).await);
    let modal = app.fake().modals().pop().unwrap();
    assert_eq!(modal.view["callback_id"], "hold_reason");
    let empty = app.submit_deny("UDANIEL", "  ").await;
    let body: Value = empty.json().await.unwrap();
    assert_eq!(body["response_action"], "errors", "{body}");
    assert_eq!(puts(app.sandbox()), 0);

    app.submit_deny("UDANIEL", REASON).await;
    assert!(eventually(|| puts(app.sandbox()) == 1).await);
    assert_eq!(
        app.sandbox()
            .count_calls("PUT", &format!("/api/approvals/{approval}/hold")),
        1
    );
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some(
            "Put on hold in Slack by Daniel Okafor <daniel@example.com>: Waiting for the second quote"
        )
    );
    let says = format!("On hold* by Daniel Okafor: {REASON}");
    for user in ["UDANIEL", "UANA"] {
        assert!(
            eventually(|| text_of(&app.cards_of(user)[0]).contains(&says)).await,
            "{user}: {}",
            text_of(&app.cards_of(user)[0])
        );
        assert!(!offers(&app.cards_of(user)[0], "approve"));
    }
    assert!(
        eventually(|| app
            .fake()
            .ephemerals_for("UDANIEL")
            .iter()
            .any(|e| e.contains("Put on hold in Coupa")))
        .await
    );

    // Another member's Hold on her card as it was is refused by Coupa's fresh read, not sent.
    app.click("UANA", &ana_before, "hold").await;
    assert!(eventually(|| app.fake().modals().len() == 2).await);
    app.submit_deny("UANA", "me too").await;
    assert!(
        eventually(|| app
            .fake()
            .ephemerals_for("UANA")
            .iter()
            .any(|e| e.contains("on hold in Coupa (by Daniel Okafor)")))
        .await,
        "{:?}",
        app.fake().ephemerals_for("UANA")
    );
    assert_eq!(puts(app.sandbox()), 1);

    // The sync keeps the hold on every card.
    app.sync().await;
    assert!(text_of(&app.cards_of("UANA")[0]).contains(&says));

    app.sandbox().release_hold(approval).unwrap();
    app.sync().await;
    for user in ["UDANIEL", "UANA"] {
        assert!(offers(&app.cards_of(user)[0], "approve"), "{user}");
    }
    let released = app.cards_of("UANA").pop().unwrap();
    app.click("UANA", &released, "approve").await;
    assert!(eventually(|| puts(app.sandbox()) == 2).await);
    assert_eq!(
        app.sandbox().approval_status(approval).as_deref(),
        Some("approved")
    );
}

#[tokio::test]
async fn slack_two_members_holding_at_once_make_one_coupa_call() {
    let app = TestApp::spawn().await;
    let group = app
        .sandbox()
        .add_group("Facilities", &[app.daniel.coupa, app.ana.coupa]);
    app.requisition(vec![vec![StepApprover::Group(group)]]);
    app.sync().await;
    let daniel = app.cards_of("UDANIEL").pop().unwrap();
    let ana = app.cards_of("UANA").pop().unwrap();
    app.click("UDANIEL", &daniel, "hold").await;
    app.click("UANA", &ana, "hold").await;
    assert!(eventually(|| app.fake().modals().len() == 2).await);
    // Each modal remembers whose card it came from; either way both hold the same approval.
    let modals = app.fake().modals();
    let daniel = view_submission("UDANIEL", &modals[0].view, REASON);
    let ana = view_submission("UANA", &modals[1].view, REASON);
    let (a, b) = tokio::join!(app.interaction(&daniel), app.interaction(&ana));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert!(eventually(|| puts(app.sandbox()) == 1).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(puts(app.sandbox()), 1);
}

#[tokio::test]
async fn slack_hold_is_not_offered_where_coupa_does_not_allow_it_and_a_forged_one_is_refused() {
    let app = TestApp::spawn().await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox().set_holdable(approval, false);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    assert!(offers(&card, "approve") && !offers(&card, "hold"));

    // A forged Hold: the Deny button's value sent as a Hold click, then its modal submitted.
    let mut forged = block_actions("UDANIEL", &card, "deny");
    forged["actions"][0]["action_id"] = "hold".into();
    app.interaction(&forged).await;
    assert!(eventually(|| app.fake().modals().len() == 1).await);
    assert_eq!(app.fake().modals()[0].view["callback_id"], "hold_reason");
    app.submit_deny("UDANIEL", REASON).await;
    assert!(
        eventually(|| app
            .fake()
            .ephemerals_for("UDANIEL")
            .iter()
            .any(|e| e.contains("doesn't allow this approval to be put on hold")))
        .await,
        "{:?}",
        app.fake().ephemerals_for("UDANIEL")
    );
    assert_eq!(puts(app.sandbox()), 0);
    assert!(offers(&app.cards_of("UDANIEL")[0], "approve"));
}

#[tokio::test]
async fn slack_a_hold_made_on_one_replica_shows_on_every_card_and_the_leaders_sync_brings_them_back()
 {
    let namespace = support::RedisNamespace::new("hold-replicas");
    let fast = |settings: &mut coupa_approvals::config::Settings| {
        settings.sync_interval = Duration::from_secs(1);
    };
    let a = TestApp::spawn_with(namespace.arc_store(), fast).await;
    let b = a.another(fast).await;
    let group = a
        .sandbox()
        .add_group("Facilities", &[a.daniel.coupa, a.ana.coupa]);
    let req = a.requisition(vec![vec![StepApprover::Group(group)]]);
    assert!(
        eventually(|| !a.cards_of("UDANIEL").is_empty() && !a.cards_of("UANA").is_empty()).await
    );
    let approval = a.sandbox().current_approval(req).unwrap();
    // The click reaches the replica that does not sync.
    let (leader, other) = if a.is_leader() { (&a, &b) } else { (&b, &a) };
    let card = other.cards_of("UDANIEL").pop().unwrap();
    other.click("UDANIEL", &card, "hold").await;
    assert!(eventually(|| other.fake().modals().len() == 1).await);
    other.submit_deny("UDANIEL", REASON).await;
    let says = format!("On hold* by Daniel Okafor: {REASON}");
    for user in ["UDANIEL", "UANA"] {
        assert!(eventually(|| text_of(&a.cards_of(user)[0]).contains(&says)).await);
    }

    a.sandbox().release_hold(approval).unwrap();
    for user in ["UDANIEL", "UANA"] {
        assert!(
            eventually(|| offers(&a.cards_of(user)[0], "approve")).await,
            "{user}: {}",
            text_of(&a.cards_of(user)[0])
        );
    }
    let released = leader.cards_of("UANA").pop().unwrap();
    leader.click("UANA", &released, "approve").await;
    assert!(eventually(|| puts(a.sandbox()) == 2).await);
    assert_eq!(
        a.sandbox().approval_status(approval).as_deref(),
        Some("approved")
    );
    b.stop().await;
    a.stop().await;
}

// --- Teams ---------------------------------------------------------------------------------------

#[tokio::test]
async fn teams_hold_asks_for_a_reason_and_the_card_says_who_held_it_until_coupa_releases_it() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    let card = app.card_for(&app.daniel.member, req).await;
    assert!(
        action_data(&card.activity, "hold").is_some(),
        "Hold is offered"
    );

    let blank = app
        .teams()
        .hold(&app.daniel.member, &card, " ")
        .await
        .unwrap();
    let body = blank.json().expect("an invoke answer");
    assert_eq!(body["type"], MESSAGE, "{body}");
    assert_eq!(app.puts(), 0);

    let answer = app
        .teams()
        .hold(&app.daniel.member, &card, REASON)
        .await
        .unwrap();
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let shown = texts(&body["value"]).join("\n");
    assert!(
        shown.contains(&format!("**On hold** by Daniel Okafor: {REASON}")),
        "{shown}"
    );
    assert_eq!(app.puts(), 1);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some(
            "Put on hold in Microsoft Teams by Daniel Okafor <daniel@example.com>: Waiting for the second quote"
        )
    );
    let now = || app.cards_for(&app.daniel.member, req);
    assert!(
        eventually(|| teams_world::text_of(&now()[0]).contains("**On hold** by Daniel Okafor"))
            .await
    );
    assert!(!offers_approve(&now()[0]));

    // Clicked again from the card as it was: answered, and not sent to Coupa twice.
    let again = app
        .teams()
        .hold(&app.daniel.member, &card, "again")
        .await
        .unwrap();
    assert_eq!(again.status, 200);
    app.sync().await;
    assert_eq!(app.puts(), 1);
    assert!(teams_world::text_of(&now()[0]).contains("**On hold** by Daniel Okafor"));

    app.sandbox().release_hold(approval).unwrap();
    app.sync().await;
    assert!(
        offers_approve(&now()[0]),
        "{}",
        teams_world::text_of(&now()[0])
    );
    let released = app.card_for(&app.daniel.member, req).await;
    app.teams()
        .approve(&app.daniel.member, &released)
        .await
        .unwrap();
    assert!(eventually(|| app.puts() == 2).await);
    assert_eq!(
        app.sandbox().approval_status(approval).as_deref(),
        Some("approved")
    );
}

#[tokio::test]
async fn teams_hold_is_not_offered_where_coupa_does_not_allow_it_and_a_forged_one_is_refused() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox().set_holdable(approval, false);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;
    assert!(offers_approve(&card));
    assert!(action_data(&card.activity, "hold").is_none());

    // The Approve action's data, sent as a Hold.
    let mut data = action_data(&card.activity, "approve").unwrap();
    data["v"] = "hold".into();
    data["hold-reason"] = REASON.into();
    let answer = app
        .teams()
        .post(
            &app.teams()
                .invoke_activity(&app.daniel.member, Some(&card.id), "hold", data),
        )
        .await
        .unwrap();
    let body = answer.json().expect("an invoke answer");
    let said = body.to_string();
    assert!(
        said.contains("doesn't allow this approval to be put on hold"),
        "{said}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 0);
    assert!(offers_approve(&app.cards_for(&app.daniel.member, req)[0]));
}
