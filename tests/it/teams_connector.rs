//! The Bot Connector client against the sandbox's fake connector, over real HTTP: the calls a
//! card's life needs, the token sent with each and never to an untrusted service URL, retries
//! of rate limits and transient failures that deliver exactly once, typed refusals, a burst
//! paced without losing anything, and one token renewal after a 401.

use std::time::Duration;

use coupa_approvals::chat::port::ChatError;
use coupa_approvals::domain::ChatUserId;
use coupa_approvals::domain::conversation::{ConversationRef, MessageRef};
use coupa_approvals::sandbox::teams::{
    FakeConnector, RunningFakeConnector, SANDBOX_APP_ID, SANDBOX_APP_PASSWORD, SANDBOX_TENANT,
};
use coupa_approvals::teams::connector::{BotConnector, ConnectorError};
use coupa_approvals::teams::connector_token::{
    BotCredentials, ConnectorTokenError, ConnectorTokenSource,
};
use coupa_approvals::transport_cause::Timeouts;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use url::Url;

const ANA: &str = "29:1ana-sandbox";
const ANA_EMAIL: &str = "ana.lima@contoso.example";

/// A served fake knowing Ana, and a client trusting its service URL as the configured default.
async fn world() -> (RunningFakeConnector, BotConnector) {
    let fake = FakeConnector::default();
    fake.add_member(ANA, "Ana Lima", ANA_EMAIL, "aad-ana", SANDBOX_TENANT);
    let running = fake.serve().await.unwrap();
    let client = client_for(&running, SANDBOX_APP_PASSWORD, true);
    (running, client)
}

fn client_for(running: &RunningFakeConnector, password: &str, trust_default: bool) -> BotConnector {
    let credentials = BotCredentials {
        app_id: SANDBOX_APP_ID.to_owned(),
        app_password: SecretString::from(password),
        tenant: SANDBOX_TENANT.to_owned(),
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let timeouts = Timeouts {
        connect: None,
        total: Some(Duration::from_secs(10)),
    };
    let authority = Url::parse(&running.authority()).unwrap();
    let tokens =
        ConnectorTokenSource::with_authority(credentials, &authority, http, timeouts).unwrap();
    let default = trust_default.then(|| Url::parse(&running.service_url()).unwrap());
    BotConnector::new(tokens, SANDBOX_APP_ID.to_owned(), default).unwrap()
}

fn card(text: &str) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": { "type": "AdaptiveCard", "version": "1.5", "body": [{ "type": "TextBlock", "text": text }] }
        }]
    })
}

async fn open_with_ana(running: &RunningFakeConnector, client: &BotConnector) -> ConversationRef {
    client
        .create_conversation(
            &running.service_url(),
            SANDBOX_TENANT,
            &ChatUserId::from(ANA),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_card_is_opened_posted_replaced_read_and_deleted_through_the_connector() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let svc = running.service_url();
    let conversation = open_with_ana(&running, &client).await;
    assert_eq!(
        fake.conversation_with(ANA).as_deref(),
        Some(conversation.as_str())
    );
    let created = &fake.calls_to("/v3/conversations")[0];
    assert_eq!(
        created.body,
        Some(json!({
            "bot": { "id": format!("28:{SANDBOX_APP_ID}") },
            "members": [{ "id": ANA }],
            "channelData": { "tenant": { "id": SANDBOX_TENANT } },
            "isGroup": false,
            "tenantId": SANDBOX_TENANT,
        }))
    );
    // Opening it again finds the same conversation.
    let again = open_with_ana(&running, &client).await;
    assert_eq!(again, conversation);

    let id = client
        .send(&svc, &conversation, &card("Pending"))
        .await
        .unwrap();
    let message = MessageRef::new(conversation.clone(), id.clone());
    client
        .update(&svc, &message, &card("Approved"))
        .await
        .unwrap();
    let now = fake.activity(conversation.as_str(), &id).unwrap();
    assert_eq!(now.activity, card("Approved"));
    assert_eq!(now.updates, 1);

    let member = client
        .member(&svc, &conversation, &ChatUserId::from(ANA))
        .await
        .unwrap();
    assert_eq!(member.id, ANA);
    assert_eq!(member.name.as_deref(), Some("Ana Lima"));
    assert_eq!(member.email.as_deref(), Some(ANA_EMAIL));
    assert_eq!(member.aad_object_id.as_deref(), Some("aad-ana"));
    assert_eq!(member.tenant_id.as_deref(), Some(SANDBOX_TENANT));

    client.delete(&svc, &message).await.unwrap();
    assert!(fake.activity(conversation.as_str(), &id).unwrap().deleted);

    // The conversation id travels percent-encoded, as one path segment.
    let encoded = conversation.as_str().replace(':', "%3A");
    let paths: Vec<String> = fake
        .calls_to("/activities")
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(
        paths,
        [
            format!("/teams/v3/conversations/{encoded}/activities"),
            format!("/teams/v3/conversations/{encoded}/activities/{id}"),
            format!("/teams/v3/conversations/{encoded}/activities/{id}"),
        ]
    );
}

#[tokio::test]
async fn the_token_goes_with_every_call_and_never_to_an_untrusted_service_url() {
    let (running, client) = world().await;
    let fake = &running.connector;
    // The same connector on a second address nobody trusted yet.
    let elsewhere = fake.serve().await.unwrap();
    let conversation = open_with_ana(&running, &client).await;
    let calls_before = fake.calls().len();

    let refused = client
        .send(&elsewhere.service_url(), &conversation, &card("Pending"))
        .await;
    assert!(
        matches!(refused, Err(ConnectorError::UntrustedServiceUrl { .. })),
        "{refused:?}"
    );
    assert_eq!(fake.calls().len(), calls_before, "a request was made");

    client
        .send(&running.service_url(), &conversation, &card("Pending"))
        .await
        .unwrap();
    // Once trusted (seen in a verified activity), the other address is used too, however its
    // case and trailing slash are spelled.
    let spelled_otherwise = elsewhere
        .service_url()
        .replace("http://", "HTTP://")
        .trim_end_matches('/')
        .to_owned();
    client.trust(&spelled_otherwise);
    client
        .send(&elsewhere.service_url(), &conversation, &card("Pending"))
        .await
        .unwrap();

    let to_connector: Vec<_> = fake.calls_to("/teams/");
    assert_eq!(to_connector.len(), 3);
    for call in &to_connector {
        assert_eq!(
            call.authorization.as_deref(),
            Some("Bearer sandbox-connector-token-1")
        );
    }
    assert_eq!(fake.activities(conversation.as_str()).len(), 2);
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_after_retry_after_and_arrives_exactly_once() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let conversation = open_with_ana(&running, &client).await;
    fake.rate_limit_next(1, 1);
    let id = client
        .send(&running.service_url(), &conversation, &card("Pending"))
        .await
        .unwrap();
    let activities = fake.activities(conversation.as_str());
    assert_eq!(activities.len(), 1);
    assert_eq!(activities[0].id, id);
    let attempts = fake.calls_to("/activities");
    assert_eq!(attempts.len(), 2);
    assert!(attempts[1].at - attempts[0].at >= Duration::from_secs(1));
}

#[tokio::test]
async fn precondition_failed_and_unavailable_answers_are_retried() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let conversation = open_with_ana(&running, &client).await;
    fake.fail_next(1, 412, Some("0"));
    fake.fail_next(1, 503, None);
    fake.fail_next(1, 502, Some("0"));
    client
        .send(&running.service_url(), &conversation, &card("Pending"))
        .await
        .unwrap();
    assert_eq!(fake.activities(conversation.as_str()).len(), 1);
    assert_eq!(fake.calls_to("/activities").len(), 4);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_bot_waits_is_a_typed_rate_limit_at_once() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let conversation = open_with_ana(&running, &client).await;
    fake.rate_limit_next(1, 3_600);
    let limited = client
        .send(&running.service_url(), &conversation, &card("Pending"))
        .await;
    match limited {
        Err(ConnectorError::RateLimited {
            attempts: 1,
            retry_after: Some(wait),
            ..
        }) => assert_eq!(wait, Duration::from_secs(3_600)),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert!(fake.activities(conversation.as_str()).is_empty());
}

#[tokio::test]
async fn a_missing_conversation_is_a_typed_refusal_with_the_connectors_code() {
    let (running, client) = world().await;
    let refused = client
        .send(
            &running.service_url(),
            &ConversationRef::new("a:1no-such;conversation@thread"),
            &card("Pending"),
        )
        .await;
    let Err(error) = refused else {
        panic!("a send to a missing conversation succeeded")
    };
    assert!(
        matches!(
            &error,
            ConnectorError::Refused { status: 404, code: Some(code), .. } if code == "ConversationNotFound"
        ),
        "{error:?}"
    );
    assert!(
        matches!(ChatError::from(error), ChatError::Api(code) if code == "ConversationNotFound")
    );
    // Refusals are not retried.
    let calls = running.connector.calls_to("/activities");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].path,
        "/teams/v3/conversations/a%3A1no-such%3Bconversation%40thread/activities"
    );
}

#[tokio::test]
async fn a_card_over_the_size_limit_is_refused_as_message_size_too_big() {
    let (running, client) = world().await;
    let conversation = open_with_ana(&running, &client).await;
    let huge = card(&"x".repeat(120 * 1024));
    let refused = client
        .send(&running.service_url(), &conversation, &huge)
        .await;
    assert!(
        matches!(
            &refused,
            Err(ConnectorError::Refused { status: 413, code: Some(code), .. }) if code == "MessageSizeTooBig"
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_person_without_the_bot_cannot_be_reached() {
    let (running, client) = world().await;
    let refused = client
        .create_conversation(
            &running.service_url(),
            SANDBOX_TENANT,
            &ChatUserId::from("29:1stranger"),
        )
        .await;
    assert!(
        matches!(
            &refused,
            Err(ConnectorError::Refused { status: 403, code: Some(code), .. }) if code == "BotNotInConversationRoster"
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_burst_of_thirty_sends_to_one_conversation_all_arrive_in_order_and_paced() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let conversation = open_with_ana(&running, &client).await;
    let mut sends = JoinSet::new();
    for n in 0..30 {
        let (client, svc, conversation) =
            (client.clone(), running.service_url(), conversation.clone());
        sends.spawn(async move {
            client
                .send(&svc, &conversation, &json!({ "text": n }))
                .await
        });
        // Each send queues for the conversation before the next one starts.
        tokio::task::yield_now().await;
    }
    while let Some(sent) = sends.join_next().await {
        sent.unwrap().unwrap();
    }
    let texts: Vec<Value> = fake
        .activities(conversation.as_str())
        .into_iter()
        .map(|a| a.activity["text"].clone())
        .collect();
    assert_eq!(texts, (0..30).map(Value::from).collect::<Vec<_>>());
    // Never more than 7 in any second: the 8th after any send arrived a second or more later.
    let arrivals: Vec<_> = fake
        .calls_to("/activities")
        .into_iter()
        .map(|c| c.at)
        .collect();
    assert_eq!(arrivals.len(), 30);
    for window in arrivals.windows(8) {
        assert!(window[7] - window[0] >= Duration::from_secs(1));
    }
}

#[tokio::test]
async fn a_connector_401_renews_the_token_once_and_the_call_goes_through() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let conversation = open_with_ana(&running, &client).await;
    fake.revoke_tokens();
    client
        .send(&running.service_url(), &conversation, &card("Pending"))
        .await
        .unwrap();
    assert_eq!(fake.tokens_issued(), 2);
    let tokens: Vec<_> = fake
        .calls_to("/activities")
        .into_iter()
        .map(|c| c.authorization.unwrap_or_default())
        .collect();
    assert_eq!(
        tokens,
        [
            "Bearer sandbox-connector-token-1",
            "Bearer sandbox-connector-token-2"
        ]
    );
    assert_eq!(fake.activities(conversation.as_str()).len(), 1);
}

#[tokio::test]
async fn a_second_401_is_a_refusal_after_a_single_renewal() {
    let (running, client) = world().await;
    let fake = &running.connector;
    let conversation = open_with_ana(&running, &client).await;
    fake.fail_next(2, 401, None);
    let refused = client
        .send(&running.service_url(), &conversation, &card("Pending"))
        .await;
    assert!(
        matches!(
            &refused,
            Err(ConnectorError::Refused { status: 401, code: None, message: Some(words), .. })
                if words == "Authorization has been denied for this request."
        ),
        "{refused:?}"
    );
    assert_eq!(fake.tokens_issued(), 2);
    assert_eq!(fake.calls_to("/activities").len(), 2);
}

#[tokio::test]
async fn a_wrong_app_password_is_named_and_nothing_reaches_the_connector() {
    let fake = FakeConnector::default();
    let running = fake.serve().await.unwrap();
    let client = client_for(&running, "not-the-password", true);
    let refused = client
        .send(
            &running.service_url(),
            &ConversationRef::new("a:1sandbox-1"),
            &card("Pending"),
        )
        .await;
    assert!(
        matches!(
            &refused,
            Err(ConnectorError::Token(
                ConnectorTokenError::WrongSecret { .. }
            ))
        ),
        "{refused:?}"
    );
    assert!(fake.calls_to("/teams/").is_empty());
    let asked = fake.calls_to("/oauth2/v2.0/token");
    assert_eq!(asked.len(), 1);
    // The fake keeps no secret in what it records.
    assert_eq!(
        asked[0].body.as_ref().unwrap()["client_secret"],
        "[REDACTED]"
    );
}
