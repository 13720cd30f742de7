//! The sender against the real `POST /api/messages` route and verifier, with a handler that
//! records what reaches it: its activities pass the token check and read back as Teams'.

use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::*;
use crate::chat::card::{Card, CardState};
use crate::coupa::model::{RawRequisition, parse};
use crate::domain::{ApprovalId, ChatUserId};
use crate::sandbox::fixtures::Coupa;
use crate::sandbox::people::Person;
use crate::sandbox::served::Served;
use crate::sandbox::teams::{SANDBOX_APP_ID, ServedAuthority};
use crate::teams::activity::{Activity, ActivityType};
use crate::teams::auth::{ActivityVerifier, BotKeys};
use crate::teams::card::{self as cards, ActionData};
use crate::teams::invoke::{self, CardAction, InvokeResponse};
use crate::teams::routes::{ActivityHandler, HandlerReply, router};

const SERVICE_URL: &str = "http://127.0.0.1:9/teams/";

/// Records every activity and answers an invoke with a message, anything else with 200.
#[derive(Default)]
struct Recording {
    seen: Mutex<Vec<Activity>>,
}

#[async_trait]
impl ActivityHandler for Recording {
    async fn on_activity(&self, activity: Activity) -> HandlerReply {
        let kind = activity.kind.clone();
        self.seen.lock().unwrap().push(activity);
        match kind {
            ActivityType::Invoke => HandlerReply::Invoke(InvokeResponse::message("Noted.")),
            _ => HandlerReply::Accepted,
        }
    }
}

struct Bot {
    sender: TeamsSender,
    connector: FakeConnector,
    handler: Arc<Recording>,
    daniel: FakeMember,
    _route: Served,
    _authority: ServedAuthority,
}

impl Bot {
    async fn start() -> Self {
        let authority = Arc::new(TokenAuthority::new());
        let served_authority = authority.serve().await.unwrap();
        let keys = BotKeys::new(served_authority.metadata_url()).unwrap();
        let handler = Arc::new(Recording::default());
        let route = Served::start(router(
            ActivityVerifier::new(SANDBOX_APP_ID, keys),
            handler.clone(),
        ))
        .await
        .unwrap();
        let connector = FakeConnector::default();
        let sandbox = crate::sandbox::coupa::Sandbox::new();
        let daniel = Person::in_coupa(&sandbox, "daniel@example.com", "Daniel", "Okafor")
            .join_teams(&connector);
        Self {
            sender: TeamsSender::new(
                &route.url(),
                SANDBOX_APP_ID,
                SERVICE_URL,
                authority,
                connector.clone(),
            ),
            connector,
            handler,
            daniel,
            _route: route,
            _authority: served_authority,
        }
    }

    fn seen(&self) -> Vec<Activity> {
        self.handler.seen.lock().unwrap().clone()
    }
}

/// Requisition 4812 of the Coupa fixture as a pending card, posted as Teams holds it.
fn posted_card(confirm: bool) -> (Card, FakeActivity) {
    let requisition = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
        .unwrap()
        .into_domain()
        .unwrap();
    let approval = requisition
        .approvals
        .iter()
        .find(|a| a.id == ApprovalId(90_211))
        .cloned()
        .unwrap();
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let mut card = Card::new(
        &requisition,
        &approval,
        CardState::Pending,
        &coupa,
        None,
        Timestamp::from_second(1_795_195_260).unwrap(),
    );
    card.confirm_approve = confirm;
    let rendered = cards::card(&card, &[ChatUserId("29:1danielexamplecom".into())]);
    let posted = FakeActivity {
        id: "1700000000001".into(),
        activity: invoke::card_activity(&rendered),
        updates: 0,
        deleted: false,
    };
    (card, posted)
}

#[tokio::test]
async fn an_installation_passes_the_token_check_and_reads_as_teams_sends_it() {
    let bot = Bot::start().await;
    let answer = bot.sender.install(&bot.daniel).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "");

    let seen = bot.seen();
    let [install] = seen.as_slice() else {
        panic!("one activity expected: {seen:?}")
    };
    assert_eq!(install.kind, ActivityType::InstallationUpdate);
    assert_eq!(install.action.as_deref(), Some("add"));
    assert_eq!(install.channel_id, "msteams");
    assert_eq!(install.service_url, SERVICE_URL);
    assert!(install.is_personal());
    assert_eq!(install.tenant(), Some(bot.connector.tenant()));
    assert_eq!(install.sender(), Some(ChatUserId(bot.daniel.id.clone())));
    let from = install.from.as_ref().unwrap();
    assert_eq!(from.name.as_deref(), Some("Daniel Okafor"));
    assert_eq!(
        from.aad_object_id.as_deref(),
        Some(bot.daniel.aad_object_id.as_str())
    );
    assert_eq!(
        install.recipient.as_ref().unwrap().id,
        bot.connector.bot_id()
    );
    // The conversation the installation names is the one the fake has with Daniel.
    let conversation = install.conversation.as_ref().unwrap().id.clone();
    assert!(conversation.starts_with("a:"), "{conversation}");
    assert_eq!(
        bot.connector.conversation_with(&bot.daniel.id),
        Some(conversation)
    );
    assert!(install.timestamp.is_some());
}

#[tokio::test]
async fn each_activity_has_a_fresh_id_and_the_same_conversation() {
    let bot = Bot::start().await;
    bot.sender.message(&bot.daniel, "pending").await.unwrap();
    bot.sender.message(&bot.daniel, "help").await.unwrap();
    let seen = bot.seen();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0].id, seen[1].id);
    assert_eq!(seen[0].conversation, seen[1].conversation);
    assert_eq!(seen[1].text.as_deref(), Some("help"));
    assert_eq!(seen[1].kind, ActivityType::Message);
}

#[tokio::test]
async fn approve_sends_the_data_of_the_cards_approve_action_as_a_click() {
    let bot = Bot::start().await;
    for confirm in [false, true] {
        let (card, posted) = posted_card(confirm);
        let answer = bot.sender.approve(&bot.daniel, &posted).await.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.invoke_status(), Some(200));
        assert_eq!(answer.json().unwrap()["value"], "Noted.");
        let seen = bot.seen();
        let click = seen.last().unwrap();
        assert_eq!(click.name.as_deref(), Some(CARD_ACTION));
        assert_eq!(
            invoke::card_action(click),
            Ok(CardAction::Approve(ActionData::of(&card, APPROVE))),
            "confirm: {confirm}"
        );
    }
}

#[tokio::test]
async fn deny_sends_the_reason_under_the_forms_input_beside_the_deny_data() {
    let bot = Bot::start().await;
    let (card, posted) = posted_card(false);
    bot.sender
        .deny(&bot.daniel, &posted, "Over budget")
        .await
        .unwrap();
    bot.sender.deny(&bot.daniel, &posted, "  ").await.unwrap();
    let seen = bot.seen();
    assert_eq!(
        invoke::card_action(&seen[0]),
        Ok(CardAction::Deny {
            data: ActionData::of(&card, DENY),
            reason: Some("Over budget".into())
        })
    );
    assert_eq!(
        invoke::card_action(&seen[1]),
        Ok(CardAction::Deny {
            data: ActionData::of(&card, DENY),
            reason: Some("  ".into())
        })
    );
}

#[tokio::test]
async fn a_submit_arrives_as_a_message_carrying_the_data() {
    let bot = Bot::start().await;
    let (card, _) = posted_card(false);
    let data = serde_json::to_value(ActionData::of(&card, APPROVE)).unwrap();
    bot.sender.submit(&bot.daniel, data).await.unwrap();
    let seen = bot.seen();
    assert_eq!(seen[0].kind, ActivityType::Message);
    assert_eq!(
        invoke::card_action(&seen[0]),
        Ok(CardAction::Approve(ActionData::of(&card, APPROVE)))
    );
}

#[tokio::test]
async fn a_card_without_the_action_is_refused_before_anything_is_sent() {
    let bot = Bot::start().await;
    let decided = FakeActivity {
        id: "1".into(),
        activity: json!({ "type": "message", "attachments": [{ "content": {
            "type": "AdaptiveCard",
            "actions": [{ "type": "Action.OpenUrl", "url": "https://acme.coupahost.com" }],
        } }] }),
        updates: 1,
        deleted: false,
    };
    let refused = bot.sender.approve(&bot.daniel, &decided).await;
    assert!(
        matches!(&refused, Err(TeamsSendError::NoAction { verb }) if verb == APPROVE),
        "{refused:?}"
    );
    assert!(bot.seen().is_empty());
}

#[tokio::test]
async fn a_token_for_another_bot_is_refused_by_the_route() {
    let bot = Bot::start().await;
    let activity = bot.sender.activity(&bot.daniel, "message");
    let foreign = bot
        .sender
        .authority
        .token("11111111-1111-4111-8111-111111111111", SERVICE_URL)
        .sign();
    let refused = bot
        .sender
        .post_with_token(&activity, &foreign)
        .await
        .unwrap();
    assert_eq!(refused.status, 401);
    assert!(bot.seen().is_empty());
}
