//! The whole flow on Microsoft Teams through the running app: activities signed by the sandbox's
//! token authority posted to `/api/messages` over real HTTP, the stateful Coupa sandbox behind,
//! and the fake Bot Connector recording every card the bot posts and edits.

use crate::support;

use std::time::Duration;

use coupa_approvals::config::{ChatPlatform, Settings};
use coupa_approvals::domain::ChatUserId;
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::sandbox::env::variables;
use coupa_approvals::sandbox::teams::sender::action_data;
use coupa_approvals::teams::invoke::{ADAPTIVE_CARD, MESSAGE};
use serde_json::Value;
use support::e2e::{block_actions, eventually};
use support::teams_world::{TeamsApp, offers_approve, text_of, texts};

/// The PUTs the bot made to replace `activity_id`.
fn replacements(app: &TeamsApp, activity_id: &str) -> usize {
    app.connector()
        .calls_to(&format!("/activities/{activity_id}"))
        .iter()
        .filter(|call| call.method == "PUT")
        .count()
}

#[tokio::test]
async fn installing_the_app_remembers_the_person_with_the_email_teams_gives() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;

    let contact = app
        .world
        .store
        .contact_by_email("daniel@example.com")
        .await
        .unwrap()
        .expect("the person is remembered by email");
    let member = &app.daniel.member;
    assert_eq!(contact.user, ChatUserId(member.id.clone()));
    assert_eq!(contact.name.as_deref(), Some("Daniel Okafor"));
    assert_eq!(
        contact.directory_id.as_deref(),
        Some(member.aad_object_id.as_str())
    );
    assert_eq!(contact.tenant, member.tenant);
    assert_eq!(contact.endpoint, app.teams().service_url());
    assert_eq!(
        contact.conversation.map(|c| c.as_str().to_owned()),
        app.connector().conversation_with(&member.id)
    );
    assert_eq!(
        app.connector().calls_to("/members/").len(),
        1,
        "the email is read from the member record"
    );
}

#[tokio::test]
async fn the_time_zone_a_teams_client_reports_is_kept_for_the_person() {
    let app = TeamsApp::spawn().await;
    let mut member = app.daniel.member.clone();
    member.time_zone = Some("America/Los_Angeles".into());
    app.teams().install(&member).await.unwrap();
    let stored = || async {
        app.world
            .store
            .contact_by_email("daniel@example.com")
            .await
            .unwrap()
            .and_then(|contact| contact.time_zone)
    };
    assert_eq!(stored().await.as_deref(), Some("America/Los_Angeles"));

    // A client that does not say (a phone on an old version) leaves the known zone alone; one
    // that says another zone (a trip) replaces it.
    app.teams()
        .message(&app.daniel.member, "help")
        .await
        .unwrap();
    assert_eq!(stored().await.as_deref(), Some("America/Los_Angeles"));
    member.time_zone = Some("Asia/Tokyo".into());
    app.teams().message(&member, "help").await.unwrap();
    assert_eq!(stored().await.as_deref(), Some("Asia/Tokyo"));
    app.stop().await;
}

#[tokio::test]
async fn a_new_requisition_is_delivered_once_to_the_teams_user_with_that_email() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.sofia).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    app.card_for(&app.daniel.member, req).await;
    app.sync().await;

    let cards = app.cards_for(&app.daniel.member, req);
    assert_eq!(cards.len(), 1, "{cards:?}");
    let card = cards[0].activity.to_string();
    assert!(card.contains("USD 7,420.50"), "{card}");
    assert!(offers_approve(&cards[0]));
    assert_eq!(cards[0].updates, 0);
    assert!(app.cards_for(&app.sofia.member, req).is_empty());
}

#[tokio::test]
async fn approve_calls_coupa_once_and_updates_the_card_in_place() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    let card = app.card_for(&app.daniel.member, req).await;

    let answer = app
        .teams()
        .approve(&app.daniel.member, &card)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["statusCode"], 200, "{body}");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let shown = texts(&body["value"]).join("\n");
    assert!(shown.contains("by Daniel Okafor in Teams"), "{shown}");

    assert_eq!(app.puts(), 1);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some("Approved in Microsoft Teams by Daniel Okafor <daniel@example.com>")
    );
    assert!(
        eventually(|| {
            let now = app.cards_for(&app.daniel.member, req);
            now.len() == 1
                && now[0].id == card.id
                && text_of(&now[0]).contains("**Approved** by Daniel Okafor in Teams")
        })
        .await,
        "{:?}",
        app.cards_for(&app.daniel.member, req)
    );
    assert!(replacements(&app, &card.id) >= 1);
    assert!(!offers_approve(&app.cards_for(&app.daniel.member, req)[0]));
}

#[tokio::test]
async fn deny_with_a_blank_reason_is_refused_and_with_a_reason_rejects_once() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let approval = app.sandbox().current_approval(req).unwrap();
    let card = app.card_for(&app.daniel.member, req).await;

    let blank = app
        .teams()
        .deny(&app.daniel.member, &card, "   ")
        .await
        .unwrap();
    let body = blank.json().expect("an invoke answer");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let shown = texts(&body["value"]).join("\n");
    assert!(shown.contains("Please give a reason"), "{shown}");
    assert_eq!(app.puts(), 0);

    let given = app
        .teams()
        .deny(&app.daniel.member, &card, "Over budget; ask again in Q1")
        .await
        .unwrap();
    assert_eq!(given.status, 200);
    assert!(eventually(|| app.puts() == 1).await);
    assert_eq!(
        app.sandbox().approval_note(approval).as_deref(),
        Some(
            "Rejected in Microsoft Teams by Daniel Okafor <daniel@example.com>: Over budget; ask again in Q1"
        )
    );
    assert!(
        eventually(|| text_of(&app.cards_for(&app.daniel.member, req)[0])
            .contains("Over budget; ask again in Q1"))
        .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 1);
}

#[tokio::test]
async fn eight_concurrent_approve_clicks_make_one_coupa_call() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;

    let mut clicks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (sender, member, card) = (app.teams().clone(), app.daniel.member.clone(), card.clone());
        clicks.spawn(async move { sender.approve(&member, &card).await });
    }
    while let Some(answer) = clicks.join_next().await {
        let answer = answer.unwrap().unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.json().is_some(), "every click is answered");
    }
    assert!(eventually(|| app.puts() == 1).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 1);
}

#[tokio::test]
async fn a_click_by_someone_who_was_not_sent_the_card_is_refused_without_a_coupa_call() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.mallory).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;

    let answer = app
        .teams()
        .approve(&app.mallory.member, &card)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], MESSAGE, "{body}");
    assert!(
        body["value"]
            .as_str()
            .unwrap_or_default()
            .contains("someone else"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 0);
    assert!(offers_approve(&app.cards_for(&app.daniel.member, req)[0]));
}

#[tokio::test]
async fn a_click_through_the_submit_fallback_decides_once_like_an_execute() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;
    let data = action_data(&card.activity, "approve").expect("the card offers Approve");

    let answer = app.teams().submit(&app.daniel.member, data).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body, "",
        "a message is acknowledged with an empty body"
    );
    assert!(eventually(|| app.puts() == 1).await);
    assert!(
        eventually(|| text_of(&app.cards_for(&app.daniel.member, req)[0])
            .contains("**Approved** by Daniel Okafor in Teams"))
        .await
    );
}

#[tokio::test]
async fn an_activity_signed_for_another_bot_is_refused_and_nothing_is_learned() {
    let app = TeamsApp::spawn().await;
    let mut install = app
        .teams()
        .activity(&app.daniel.member, "installationUpdate");
    install["action"] = Value::from("add");
    let foreign = app
        .world
        .teams()
        .unwrap()
        .authority()
        .token(
            "11111111-1111-4111-8111-111111111111",
            app.teams().service_url(),
        )
        .sign();

    let refused = app
        .teams()
        .post_with_token(&install, &foreign)
        .await
        .unwrap();
    assert_eq!(refused.status, 401);
    assert_eq!(
        app.world
            .store
            .contact(&ChatUserId(app.daniel.member.id.clone()))
            .await
            .unwrap(),
        None
    );
    assert!(app.connector().calls_to("/v3/").is_empty());
}

#[tokio::test]
async fn a_decision_made_in_coupa_updates_the_teams_card_on_the_next_sync() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    app.card_for(&app.daniel.member, req).await;
    let approval = app.sandbox().current_approval(req).unwrap();
    app.sandbox()
        .approve_in_coupa(approval, app.daniel.coupa)
        .unwrap();
    app.sync().await;

    let cards = app.cards_for(&app.daniel.member, req);
    assert_eq!(cards.len(), 1);
    assert!(
        text_of(&cards[0]).contains("Approved in Coupa"),
        "{}",
        text_of(&cards[0])
    );
    assert!(!offers_approve(&cards[0]), "no buttons left");
    assert_eq!(app.puts(), 0);
}

#[tokio::test]
async fn a_changed_requisition_marks_the_old_card_changed_and_sends_a_new_one() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let old = app.card_for(&app.daniel.member, req).await;
    // Coupa's `updated-at` counts whole seconds: the edit must come in a later one.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    app.sandbox()
        .set_line_amount(req, 1, rust_decimal::Decimal::new(99_900, 2));
    app.sync().await;

    let cards = app.cards_for(&app.daniel.member, req);
    assert_eq!(cards.len(), 2, "{cards:?}");
    assert_eq!(cards[0].id, old.id);
    assert!(
        text_of(&cards[0]).contains("Changed in Coupa"),
        "{}",
        text_of(&cards[0])
    );
    assert!(!offers_approve(&cards[0]), "the old card has no buttons");
    assert!(
        text_of(&cards[1]).contains("USD 12,388.50"),
        "{}",
        text_of(&cards[1])
    );
    assert!(offers_approve(&cards[1]));

    // A click still in flight from the old card decides nothing.
    app.teams().approve(&app.daniel.member, &old).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 0);
}

#[tokio::test]
async fn a_group_split_across_slack_and_teams_is_decided_by_the_first_click_and_both_copies_say_who()
 {
    let app = TeamsApp::spawn_on(&[ChatPlatform::Slack, ChatPlatform::Teams]).await;
    app.install(&app.daniel).await;
    let group = app
        .sandbox()
        .add_group("IT Approvers", &[app.daniel.coupa, app.ana.coupa_id]);
    let req = app.requisition(vec![vec![StepApprover::Group(group)]]);
    app.sync().await;
    let slack_cards = || {
        app.world
            .slack
            .conversation(&app.ana.slack_id)
            .into_iter()
            .filter(|m| m.only_for.is_none() && m.from_user.is_none() && m.blocks.is_array())
            .collect::<Vec<_>>()
    };
    let teams_card = app.card_for(&app.daniel.member, req).await;
    assert!(
        eventually(|| slack_cards().len() == 1).await,
        "Ana's copy is in Slack"
    );
    // Ana clicks her copy too, her click arriving after Daniel's.
    let late = block_actions(&app.ana.slack_id, &slack_cards()[0], "approve");

    app.teams()
        .approve(&app.daniel.member, &teams_card)
        .await
        .unwrap();
    assert!(eventually(|| app.puts() == 1).await);
    assert!(
        eventually(|| slack_cards()[0]
            .blocks
            .to_string()
            .contains("by Daniel Okafor (another approver"))
        .await,
        "{}",
        slack_cards()[0].blocks
    );
    assert!(
        eventually(|| text_of(&app.cards_for(&app.daniel.member, req)[0])
            .contains("by Daniel Okafor in Teams"))
        .await
    );

    let late = app.slack().interaction(&late).await.unwrap();
    assert_eq!(late.status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 1);
}

#[tokio::test]
async fn whats_pending_in_teams_lists_exactly_the_askers_items() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.sofia).await;
    let mine = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let other = app.requisition(vec![vec![StepApprover::User(app.sofia.coupa)]]);
    app.sync().await;

    let answer = app
        .teams()
        .message(&app.daniel.member, "what's pending?")
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let list = || {
        app.posted_to(&app.daniel.member)
            .into_iter()
            .find(|a| a.activity["summary"] == "1 requisition is waiting for your approval")
    };
    assert!(
        eventually(|| list().is_some()).await,
        "{:?}",
        app.posted_to(&app.daniel.member)
    );
    let text = text_of(&list().unwrap());
    assert!(text.contains(&format!("#{mine}")), "{text}");
    assert!(!text.contains(&format!("#{other}")), "{text}");
}

#[tokio::test]
async fn a_rate_limited_card_post_still_arrives_once() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let posts_before = app.connector().calls_to("/activities").len();
    // The greeting is posted already: the card is the next activity the bot posts.
    app.connector()
        .fail_matching("/activities", 1, 429, Some("1"));
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;

    assert!(eventually(|| app.cards_for(&app.daniel.member, req).len() == 1).await);
    let posts = app.connector().calls_to("/activities").len() - posts_before;
    assert_eq!(posts, 2, "the refused post and the one that arrived");
    app.sync().await;
    assert_eq!(app.cards_for(&app.daniel.member, req).len(), 1);
}

#[tokio::test]
async fn teams_alone_configured_by_environment_variables_performs_the_flow() {
    let world = TeamsApp::world(&[ChatPlatform::Teams]).await;
    let vars = variables(&world.settings);
    let settings = Settings::from_lookup(&|name| {
        vars.iter()
            .find(|(variable, _)| *variable == name)
            .map(|(_, value)| value.clone())
    })
    .expect("the variables read back");
    assert!(settings.slack.is_none());
    assert_eq!(settings.chat_platforms, [ChatPlatform::Teams]);
    let app = TeamsApp::start(world, settings).await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;

    let answer = app
        .teams()
        .approve(&app.daniel.member, &card)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(app.puts(), 1);
    let approved: Value = answer.json().unwrap();
    assert!(
        texts(&approved["value"])
            .join("\n")
            .contains("by Daniel Okafor in Teams"),
        "{approved}"
    );
    app.stop().await;
}

#[tokio::test]
async fn clicks_on_two_replicas_sharing_one_redis_make_one_coupa_call() {
    let namespace = support::RedisNamespace::new("teams-replicas");
    let world = coupa_approvals::sandbox::World::builder()
        .platforms([ChatPlatform::Teams])
        .store(namespace.arc_store())
        .settings(|settings| settings.sync_interval = Duration::from_secs(86_400))
        .build()
        .await
        .expect("the world starts");
    let settings = world.settings.clone();
    let app = TeamsApp::start(world, settings.clone()).await;
    let other = app
        .world
        .start_app_with(settings)
        .await
        .expect("a second replica starts");
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;

    let mut clicks = tokio::task::JoinSet::new();
    for replica in [app.teams(), other.teams().expect("Teams is served")]
        .into_iter()
        .cycle()
        .take(8)
    {
        let (sender, member, card) = (replica.clone(), app.daniel.member.clone(), card.clone());
        clicks.spawn(async move { sender.approve(&member, &card).await });
    }
    while let Some(answer) = clicks.join_next().await {
        let answer = answer.unwrap().unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert!(eventually(|| app.puts() == 1).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 1);
    let _ = other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_decision_slower_than_teams_waits_is_answered_deciding_and_the_card_follows() {
    let coupa_hold = support::hold::Hold::default();
    let world = coupa_approvals::sandbox::World::builder()
        .platforms([ChatPlatform::Teams])
        .wrap_coupa({
            let hold = coupa_hold.clone();
            move |router| hold.wrap(router)
        })
        .settings(|settings| settings.sync_interval = Duration::from_secs(86_400))
        .build()
        .await
        .expect("the world starts");
    let settings = world.settings.clone();
    let app = TeamsApp::start(world, settings).await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;

    assert!(card.activity.to_string().contains(r#""verb":"approve""#));

    // Coupa takes 8 s to answer the approval: longer than the bot lets Teams wait.
    coupa_hold.answer_late(
        axum::http::Method::PUT,
        "/api/approvals/",
        Duration::from_secs(8),
    );
    let answer = app
        .teams()
        .approve(&app.daniel.member, &card)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let shown = texts(&body["value"]).join("\n");
    assert!(shown.contains("Deciding"), "{shown}");
    let deciding = body["value"].to_string();
    assert!(
        !deciding.contains(r#""verb":"approve""#) && !deciding.contains(r#""verb":"deny""#),
        "nobody can click it again meanwhile: {body}"
    );

    // When Coupa answers, the card in the chat says who approved it.
    let updated = async {
        loop {
            let now = app.cards_for(&app.daniel.member, req);
            if now.len() == 1 && text_of(&now[0]).contains("**Approved** by Daniel Okafor in Teams")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), updated)
        .await
        .expect("the card is updated once Coupa answers");
    assert_eq!(app.puts(), 1);
    app.stop().await;
}

#[tokio::test]
async fn installing_greets_once_though_teams_also_sends_a_conversation_update() {
    let app = TeamsApp::spawn().await;
    let teams = app.teams();
    let mut joined = teams.activity(&app.daniel.member, "conversationUpdate");
    joined["membersAdded"] = serde_json::json!([{ "id": joined["recipient"]["id"] }]);
    let answer = teams.post(&joined).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    // The conversation update alone teaches the bot how to reach Daniel, without a greeting.
    assert!(
        eventually(|| app.connector().calls_to("/members/").len() == 1).await,
        "the bot reads the member who joined"
    );
    assert!(app.posted_to(&app.daniel.member).is_empty());
    app.install(&app.daniel).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.posted_to(&app.daniel.member).len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_refusal_is_also_a_reply_in_the_clickers_chat_naming_the_requisition() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.mallory).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;
    let greeted = app.posted_to(&app.mallory.member).len();

    let answer = app
        .teams()
        .approve(&app.mallory.member, &card)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let reply = |activity: &coupa_approvals::sandbox::teams::FakeActivity| {
        activity.activity["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        eventually(|| app.posted_to(&app.mallory.member).len() == greeted + 1).await,
        "Mallory is told in her own chat"
    );
    let told = reply(&app.posted_to(&app.mallory.member)[greeted]);
    assert!(told.starts_with(&format!("#{req} ")), "{told}");
    assert!(told.contains("someone else"), "{told}");
    assert_eq!(app.puts(), 0);
}

#[tokio::test]
async fn an_overlong_deny_reason_is_refused_on_the_card_without_a_coupa_call() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    let req = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, req).await;

    let long = "x".repeat(coupa_approvals::domain::MAX_REASON_CHARS + 1);
    let answer = app
        .teams()
        .deny(&app.daniel.member, &card, &long)
        .await
        .unwrap();
    let body = answer.json().expect("an invoke answer");
    assert_eq!(body["type"], ADAPTIVE_CARD, "{body}");
    let shown = texts(&body["value"]).join("\n");
    assert!(shown.contains("keep the reason under"), "{shown}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.puts(), 0);
}

#[tokio::test]
async fn what_did_i_approve_this_week_in_teams_lists_exactly_the_askers_own_decisions() {
    let app = TeamsApp::spawn().await;
    app.install(&app.daniel).await;
    app.install(&app.sofia).await;
    let approved = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let denied = app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    let others = app.requisition(vec![vec![StepApprover::User(app.sofia.coupa)]]);
    app.sync().await;
    let card = app.card_for(&app.daniel.member, approved).await;
    let answer = app.teams().approve(&app.daniel.member, &card).await;
    assert_eq!(answer.unwrap().status, 200);
    let card = app.card_for(&app.daniel.member, denied).await;
    let answer = app
        .teams()
        .deny(&app.daniel.member, &card, "Over budget; ask again in Q1")
        .await;
    assert_eq!(answer.unwrap().status, 200);
    let card = app.card_for(&app.sofia.member, others).await;
    let answer = app.teams().approve(&app.sofia.member, &card).await;
    assert_eq!(answer.unwrap().status, 200);
    assert!(eventually(|| app.puts() == 3).await);

    let answer = app
        .teams()
        .message(&app.daniel.member, "What did I approve this week?")
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let history = || {
        app.posted_to(&app.daniel.member)
            .into_iter()
            .find(|a| a.activity["summary"] == "2 decisions in the last 7 days")
    };
    assert!(
        eventually(|| history().is_some()).await,
        "{:?}",
        app.posted_to(&app.daniel.member)
    );
    let text = text_of(&history().unwrap());
    assert!(text.contains(&format!("#{approved}")), "{text}");
    assert!(text.contains(&format!("#{denied}")), "{text}");
    assert!(!text.contains(&format!("#{others}")), "{text}");
    assert!(text.contains("Approved in Coupa"), "{text}");
    assert!(text.contains("Rejected in Coupa"), "{text}");
    assert!(
        text.contains("Reason: Over budget; ask again in Q1"),
        "{text}"
    );
    assert!(
        text.find(&format!("#{denied}")) < text.find(&format!("#{approved}")),
        "newest first: {text}"
    );
}
