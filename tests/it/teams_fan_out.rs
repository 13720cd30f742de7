//! Fan-out under Microsoft Teams' rate limits: a thousand new approvals to 250 people who use
//! Teams, against a fake Bot Connector that keeps Microsoft's published limits (per conversation
//! 7 writes a second, 8 per 2 s, 60 per 30 s; per app 50 requests a second; see
//! `sandbox::teams::connector::limits` for what counts) and answers 429 with `Retry-After`
//! beyond them, and that also refuses a few sends with a scripted 429. Every card arrives once,
//! every refused send is tried again, and from the first card to the last takes at most 10%
//! more than the least time the limits allow for the requests the connector received (the
//! scripted refusals count: each was a request; refusals for a limit spend nothing).
//!
//! The engine runs with the real Teams client against the fake over HTTP, the Coupa sandbox over
//! HTTP and the memory store. The approvers installed the app beforehand, so their 1:1 chats are
//! known and no conversation has to be opened.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use coupa_approvals::config::ChatPlatform;
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::teams::{ConnectorCall, ConnectorLimits, FakeConnector};
use coupa_approvals::teams::connector_token::BOT_FRAMEWORK_SCOPE;
use serde_json::Value;

use super::fan_out::coupa_out_of_the_way;

const APPROVALS: usize = 1_000;
/// Four approvals each, so each conversation gets several cards.
const APPROVERS: usize = 250;
/// Sends the connector refuses with 429 (`Retry-After: 1`) before any limit is reached.
const SCRIPTED_REFUSALS: usize = 5;

fn title(n: usize) -> String {
    format!("Teams fan-out {n:04}")
}

/// The title of the card an activity carries.
fn card_title(activity: &Value) -> Option<String> {
    let text = activity.to_string();
    let start = text.find("Teams fan-out ")?;
    Some(text[start..].chars().take(title(0).len()).collect())
}

/// A card sent to a conversation (`POST …/conversations/{id}/activities`).
fn is_send(call: &ConnectorCall) -> bool {
    call.method == "POST" && call.path.ends_with("/activities")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_teams_cards_arrive_once_each_within_ten_percent_of_the_connectors_limits() {
    // Cards of their own, each person many: no digests.
    let world = World::builder()
        .platforms([ChatPlatform::Teams])
        .coupa_client(coupa_out_of_the_way)
        .settings(|s| s.digest_above = 0)
        .build()
        .await
        .unwrap();
    let teams = world.teams().unwrap();
    let connector = teams.connector();
    let requester = world
        .coupa
        .add_user("marta@example.com", "Marta", "Kowalski");
    let approvers = world.add_pending_load(requester, APPROVERS, APPROVALS, title, Duration::ZERO);
    let mut conversations = Vec::new();
    for person in &approvers {
        let member = teams.installed(person, &*world.store).await.unwrap();
        conversations.push(connector.conversation_with(&member.id).unwrap());
    }
    let recipient_of: HashMap<String, &String> = (0..APPROVALS)
        .map(|n| (title(n), &conversations[n % APPROVERS]))
        .collect();
    let engine = world.engine().unwrap();
    let limits = ConnectorLimits::published();
    connector.enforce_limits(limits.clone());
    connector.fail_matching("/activities", SCRIPTED_REFUSALS, 429, Some("1"));

    let started = Instant::now();
    let report = engine.reconcile().await.unwrap();
    let sync_time = started.elapsed();

    assert_eq!(report.delivered, APPROVALS);
    assert_eq!(report.failures, 0);
    // Every card once, in its approver's chat.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for conversation in &conversations {
        for posted in connector.activities(conversation) {
            assert!(!posted.deleted);
            let card = card_title(&posted.activity).expect("a card names its requisition");
            assert_eq!(
                recipient_of[&card], conversation,
                "{card} went to its approver"
            );
            *seen.entry(card).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), APPROVALS, "every card arrived");
    assert!(seen.values().all(|&n| n == 1), "no card arrived twice");

    // Every refusal was a 429, and every refused send was sent again and then accepted.
    let calls: Vec<ConnectorCall> = connector
        .calls()
        .into_iter()
        .filter(|call| call.path.starts_with("/teams/"))
        .collect();
    assert!(
        calls
            .iter()
            .all(|call| matches!(call.refused, None | Some(429))),
        "only rate limits refused anything"
    );
    let sends: Vec<&ConnectorCall> = calls.iter().filter(|call| is_send(call)).collect();
    let accepted: Vec<&ConnectorCall> = sends
        .iter()
        .copied()
        .filter(|call| call.refused.is_none())
        .collect();
    let refused: Vec<&ConnectorCall> = sends
        .iter()
        .copied()
        .filter(|call| call.refused.is_some())
        .collect();
    assert_eq!(accepted.len(), APPROVALS, "one accepted send per card");
    assert!(refused.len() >= SCRIPTED_REFUSALS, "the scripted 429s came");
    for call in &refused {
        let card = call.body.as_ref().and_then(card_title).unwrap();
        assert!(
            accepted.iter().any(|later| later.at > call.at
                && later.body.as_ref().and_then(card_title).as_ref() == Some(&card)),
            "{card} was refused and sent again"
        );
    }
    let by_limits = connector.rate_limited();
    assert_eq!(by_limits + SCRIPTED_REFUSALS, refused.len());

    // The requirement itself: sending keeps pace with the limits.
    let counted = calls.len() - by_limits;
    let minimum = limits.app_minimum(counted);
    let fan_out = accepted.last().unwrap().at - accepted[0].at;
    eprintln!(
        "Teams fan-out: {APPROVALS} cards in {fan_out:?} (whole sync {sync_time:?}); the limits \
         allow {counted} requests in no less than {minimum:?}; {} sends refused with 429 \
         ({SCRIPTED_REFUSALS} scripted, {by_limits} for a limit) and sent again",
        refused.len()
    );
    assert!(
        fan_out <= minimum.mul_f64(1.1),
        "{APPROVALS} cards took {fan_out:?}; the limits allow them in {minimum:?}"
    );
}

#[tokio::test]
async fn the_fake_connector_refuses_the_eighth_send_in_a_second_with_retry_after() {
    let fake = FakeConnector::default();
    let running = fake.serve().await.unwrap();
    fake.add_member(
        "29:1ada",
        "Ada",
        "ada@example.com",
        "aad-ada",
        fake.tenant(),
    );
    let conversation = fake.conversation_for("29:1ada");
    fake.enforce_limits(ConnectorLimits::published());
    let http = reqwest::Client::new();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", fake.app_id())
        .append_pair("client_secret", fake.app_password())
        .append_pair("scope", BOT_FRAMEWORK_SCOPE)
        .finish();
    let token: Value = http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            running.authority(),
            fake.tenant()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let send = || {
        http.post(format!(
            "{}v3/conversations/{conversation}/activities",
            running.service_url()
        ))
        .header("authorization", &bearer)
        .json(&serde_json::json!({ "type": "message", "text": "hello" }))
        .send()
    };

    for _ in 0..7 {
        assert_eq!(send().await.unwrap().status(), 201);
    }
    let refused = send().await.unwrap();

    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TooManyRequests");
    assert_eq!(fake.rate_limited(), 1);
    assert_eq!(
        fake.activities(&conversation).len(),
        7,
        "the refused one is not posted"
    );
    let refusals: Vec<Option<u16>> = fake
        .calls_to("/activities")
        .iter()
        .map(|c| c.refused)
        .collect();
    assert_eq!(refusals[..7], [None; 7]);
    assert_eq!(refusals[7], Some(429));
}
