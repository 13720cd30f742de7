//! `POST /api/messages` through real HTTP, with the sandbox's token authority behind wiremock and
//! a handler that records what reaches it: a verified activity reaches the handler once, parsed,
//! and its reply is the answer; every flawed token, an oversized body and a body that is not an
//! activity are refused with their status and never reach it.

use crate::support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use coupa_approvals::teams::activity::{Activity, ActivityType};
use coupa_approvals::teams::card::{APPROVE, ActionData};
use coupa_approvals::teams::invoke::{self, CARD_ACTION, CardAction, InvokeResponse};
use coupa_approvals::teams::routes::{
    ActivityHandler, HandlerReply, MAX_BODY_BYTES, MESSAGES_PATH, router,
};
use serde_json::{Value, json};
use support::teams::{APP_ID, MockedAuthority, SERVICE_URL, bearer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Records every activity it is given and answers each with `reply`.
struct Recording {
    seen: Mutex<Vec<Activity>>,
    reply: HandlerReply,
}

impl Recording {
    fn answering(reply: HandlerReply) -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::new(Vec::new()),
            reply,
        })
    }

    fn seen(&self) -> Vec<Activity> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl ActivityHandler for Recording {
    async fn on_activity(&self, activity: Activity) -> HandlerReply {
        self.seen.lock().unwrap().push(activity);
        self.reply.clone()
    }
}

/// The route served on a loopback port, with its token authority and handler.
struct Bot {
    addr: SocketAddr,
    mocked: MockedAuthority,
    handler: Arc<Recording>,
    http: reqwest::Client,
}

impl Bot {
    async fn start(reply: HandlerReply) -> Self {
        let mocked = MockedAuthority::start().await;
        let handler = Recording::answering(reply);
        let app = router(mocked.verifier(), handler.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            addr,
            mocked,
            handler,
            http: reqwest::Client::new(),
        }
    }

    /// A token the Bot Framework would send with an activity naming [`SERVICE_URL`].
    fn token(&self) -> String {
        self.mocked.authority.token(APP_ID, SERVICE_URL).sign()
    }

    /// Posts `body` with `authorization`; the status and the body of the answer.
    async fn post(&self, authorization: Option<String>, body: Vec<u8>) -> (u16, String) {
        let mut request = self
            .http
            .post(format!("http://{}{MESSAGES_PATH}", self.addr))
            .header("content-type", "application/json")
            .body(body);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Posts `activity` with `token`.
    async fn send(&self, token: &str, activity: &Value) -> (u16, String) {
        self.post(Some(bearer(token)), activity.to_string().into_bytes())
            .await
    }
}

/// "what's pending" from Jane in her chat with the bot, as Teams sends it.
fn message() -> Value {
    json!({
        "type": "message",
        "id": "1763659264123",
        "timestamp": "2026-11-20T17:21:04.1234567Z",
        "serviceUrl": SERVICE_URL,
        "channelId": "msteams",
        "from": { "id": "29:1jane", "name": "Jane Doe", "aadObjectId": "aad-jane" },
        "conversation": { "id": "a:1x2y3z", "conversationType": "personal", "tenantId": "tenant-1" },
        "recipient": { "id": format!("28:{APP_ID}"), "name": "Coupa Approvals" },
        "text": "<at>Coupa Approvals</at> what's pending?",
        "locale": "en-US",
    })
}

#[tokio::test]
async fn a_verified_activity_reaches_the_handler_once_parsed_and_is_answered_200() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let (status, body) = bot.send(&bot.token(), &message()).await;
    assert_eq!(status, 200);
    assert_eq!(body, "");
    let seen = bot.handler.seen();
    assert_eq!(seen.len(), 1);
    let activity = &seen[0];
    assert_eq!(activity.kind, ActivityType::Message);
    assert_eq!(activity.service_url, SERVICE_URL);
    assert_eq!(activity.sender().unwrap().as_str(), "29:1jane");
    assert_eq!(activity.tenant(), Some("tenant-1"));
    assert!(activity.is_personal());
    assert_eq!(
        activity.text.as_deref(),
        Some("<at>Coupa Approvals</at> what's pending?")
    );
}

#[tokio::test]
async fn an_invoke_is_answered_with_the_handlers_invoke_response() {
    let answer = InvokeResponse::message("Approved in Coupa.");
    let bot = Bot::start(HandlerReply::Invoke(answer.clone())).await;
    let data = ActionData {
        verb: APPROVE.into(),
        approval: coupa_approvals::domain::ApprovalId(90_211),
        requisition: coupa_approvals::domain::RequisitionId(4_812),
        fingerprint: coupa_approvals::domain::Fingerprint("f1".into()),
        issued_at: 1_795_195_260,
    };
    let mut click = message();
    click["type"] = json!("invoke");
    click["name"] = json!(CARD_ACTION);
    click["value"] = json!({
        "action": { "type": "Action.Execute", "verb": APPROVE, "data": data },
        "trigger": "manual",
    });
    let (status, body) = bot.send(&bot.token(), &click).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        json!({
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": "Approved in Coupa.",
        })
    );
    let seen = bot.handler.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(invoke::card_action(&seen[0]), Ok(CardAction::Approve(data)));
}

#[tokio::test]
async fn every_flawed_token_is_refused_401_and_the_handler_is_not_called() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let authority = &bot.mocked.authority;
    let skew = coupa_approvals::teams::auth::CLOCK_SKEW.as_secs() as i64;
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        ("not a bearer token", Some(format!("Basic {}", bot.token()))),
        (
            "forged signature",
            Some(bearer(
                &authority
                    .token(APP_ID, SERVICE_URL)
                    .signed_by_forger()
                    .sign(),
            )),
        ),
        (
            "wrong issuer",
            Some(bearer(
                &authority
                    .token(APP_ID, SERVICE_URL)
                    .claim("iss", "https://sts.windows.net/evil/")
                    .sign(),
            )),
        ),
        (
            "wrong audience",
            Some(bearer(
                &authority.token("someone-elses-bot", SERVICE_URL).sign(),
            )),
        ),
        (
            "expired",
            Some(bearer(
                &authority
                    .token(APP_ID, SERVICE_URL)
                    .valid_from_now(-7_200)
                    .expiring_in(-skew - 10)
                    .sign(),
            )),
        ),
        (
            "serviceurl of another endpoint",
            Some(bearer(
                &authority
                    .token(APP_ID, "https://smba.attacker.example/teams/")
                    .sign(),
            )),
        ),
        (
            "unknown kid",
            Some(bearer(
                &authority
                    .token(APP_ID, SERVICE_URL)
                    .kid("never-published")
                    .sign(),
            )),
        ),
        (
            "alg none",
            Some(bearer(
                &authority.token(APP_ID, SERVICE_URL).unsigned().sign(),
            )),
        ),
    ];
    for (case, authorization) in cases {
        let (status, _) = bot
            .post(authorization, message().to_string().into_bytes())
            .await;
        assert_eq!(status, 401, "{case}");
    }
    assert!(bot.handler.seen().is_empty());
}

#[tokio::test]
async fn a_genuine_token_for_an_activity_naming_another_service_url_is_refused_401() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let mut elsewhere = message();
    elsewhere["serviceUrl"] = json!("https://smba.attacker.example/teams/");
    let (status, _) = bot.send(&bot.token(), &elsewhere).await;
    assert_eq!(status, 401);
    assert!(bot.handler.seen().is_empty());
}

#[tokio::test]
async fn a_token_from_a_key_not_endorsed_for_teams_is_refused_403_and_the_handler_is_not_called() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    bot.mocked.authority.publish("webchat-only", &["webchat"]);
    let token = bot
        .mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .kid("webchat-only")
        .sign();
    let (status, _) = bot.send(&token, &message()).await;
    assert_eq!(status, 403);
    assert!(bot.handler.seen().is_empty());
}

#[tokio::test]
async fn an_activity_from_another_channel_is_refused_403_even_with_a_key_endorsed_for_it() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    bot.mocked
        .authority
        .publish("webchat-and-teams", &["webchat", "msteams"]);
    let token = bot
        .mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .kid("webchat-and-teams")
        .sign();
    let mut webchat = message();
    webchat["channelId"] = json!("webchat");
    let (status, _) = bot.send(&token, &webchat).await;
    assert_eq!(status, 403);
    assert!(bot.handler.seen().is_empty());
}

#[tokio::test]
async fn a_body_over_one_mib_is_refused_413_and_the_handler_is_not_called() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let mut body = message().to_string().into_bytes();
    body.pop();
    body.extend(b",\"padding\":\"");
    let fill = MAX_BODY_BYTES + 1 - body.len() - 2;
    body.extend(std::iter::repeat_n(b'x', fill));
    body.extend(b"\"}");
    assert_eq!(body.len(), MAX_BODY_BYTES + 1);
    let (status, _) = bot.post(Some(bearer(&bot.token())), body).await;
    assert_eq!(status, 413);

    // One byte less is read, verified and handled.
    let mut fits = message().to_string().into_bytes();
    fits.pop();
    fits.extend(b",\"padding\":\"");
    let fill = MAX_BODY_BYTES - fits.len() - 2;
    fits.extend(std::iter::repeat_n(b'x', fill));
    fits.extend(b"\"}");
    let (status, _) = bot.post(Some(bearer(&bot.token())), fits).await;
    assert_eq!(status, 200);
    assert_eq!(bot.handler.seen().len(), 1);
}

#[tokio::test]
async fn a_body_of_undeclared_length_is_refused_413_once_it_passes_one_mib() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let mut stream = tokio::net::TcpStream::connect(bot.addr).await.unwrap();
    let head = format!(
        "POST {MESSAGES_PATH} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        bot.addr,
        bearer(&bot.token())
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    // Written until the bot answers (it stops reading after 1 MiB): at most 4 MiB.
    for _ in 0..64 {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let mut answer = vec![0; 64];
    // A ceiling, so that a bot that never answers fails the test instead of hanging it.
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(bot.handler.seen().is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_an_activity_is_refused_400_after_a_valid_token_and_401_without() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let (status, _) = bot.post(None, b"this is not json".to_vec()).await;
    assert_eq!(status, 401, "the token is checked first");

    let (status, body) = bot
        .post(Some(bearer(&bot.token())), b"this is not json".to_vec())
        .await;
    assert_eq!(status, 400);
    assert!(
        body.starts_with("the body is not a Bot Framework activity"),
        "{body}"
    );

    let mut typeless = message();
    typeless.as_object_mut().unwrap().remove("type");
    let (status, body) = bot.send(&bot.token(), &typeless).await;
    assert_eq!(status, 400);
    assert!(body.contains("type"), "{body}");
    assert!(bot.handler.seen().is_empty());
}

#[tokio::test]
async fn an_activity_giving_its_service_url_twice_is_refused_400() {
    let bot = Bot::start(HandlerReply::Accepted).await;
    let body = message().to_string();
    let twice = body.replacen(
        "\"serviceUrl\"",
        "\"serviceUrl\":\"https://smba.attacker.example/\",\"serviceUrl\"",
        1,
    );
    let (status, _) = bot
        .post(Some(bearer(&bot.token())), twice.into_bytes())
        .await;
    assert_eq!(status, 400);
    assert!(bot.handler.seen().is_empty());
}
