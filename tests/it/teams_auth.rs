//! Verifying a Teams activity's bearer token against keys read over HTTP from a token authority
//! (the sandbox's, behind wiremock or served by itself): each reason a token is refused, and how
//! the key cache reads the keys — once for many callers, at most once per few seconds for made-up
//! key ids, again after a day, and not at all for a token refused by its header.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use coupa_approvals::sandbox::teams::{SANDBOX_KID, TokenAuthority};
use coupa_approvals::teams::auth::keys::{KEYS_FRESH_FOR, REREAD_GAP};
use coupa_approvals::teams::auth::{ActivityVerifier, BotKeys, Refusal};
use coupa_approvals::telemetry::chain;
use support::teams::{APP_ID, MockedAuthority, SERVICE_URL, bearer};
use tokio::task::JoinSet;

/// Moves `tokio::time` forward by `by` without waiting, then lets it run on: the key cache's
/// clock jumps, while HTTP timeouts keep real time.
async fn time_passes(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

/// Whether a refusal gives the reason a case expects.
type IsReason = fn(&Refusal) -> bool;

/// Verifies `token` for an activity naming [`SERVICE_URL`].
async fn verify(
    verifier: &ActivityVerifier,
    token: &str,
) -> Result<coupa_approvals::teams::auth::VerifiedToken, Refusal> {
    verifier.verify(Some(&bearer(token)), SERVICE_URL).await
}

#[tokio::test]
async fn a_token_the_bot_framework_would_send_passes_and_the_keys_are_read_once() {
    let authority = Arc::new(TokenAuthority::new());
    let served = authority.serve().await.unwrap();
    let verifier = ActivityVerifier::new(APP_ID, BotKeys::new(served.metadata_url()).unwrap());
    for _ in 0..3 {
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let verified = verify(&verifier, &token).await.unwrap();
        assert_eq!(verified.service_url, SERVICE_URL);
        assert_eq!(verified.kid, SANDBOX_KID);
    }
    assert_eq!(served.metadata_reads(), 1);
    assert_eq!(served.key_reads(), 1);
}

#[tokio::test]
async fn a_token_signed_with_a_key_nobody_published_is_refused_401_for_its_signature() {
    let mocked = MockedAuthority::start().await;
    let verifier = mocked.verifier();
    let forged = mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .signed_by_forger()
        .sign();
    let err = verify(&verifier, &forged).await.unwrap_err();
    assert!(matches!(err, Refusal::BadSignature { .. }), "{err:?}");
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_naming_an_unknown_kid_is_refused_after_the_keys_are_read_again() {
    let mocked = MockedAuthority::start().await;
    let verifier = mocked.verifier();
    let good = mocked.authority.token(APP_ID, SERVICE_URL).sign();
    verify(&verifier, &good).await.unwrap();
    assert_eq!(mocked.reads().await, 1);

    time_passes(REREAD_GAP).await;
    let unknown = mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .kid("never-published")
        .sign();
    let err = verify(&verifier, &unknown).await.unwrap_err();
    assert!(
        matches!(&err, Refusal::UnknownKey { kid } if kid == "\"never-published\""),
        "{err:?}"
    );
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(mocked.reads().await, 2, "the keys were read again once");
}

#[tokio::test]
async fn a_genuine_token_from_a_key_not_endorsed_for_teams_is_refused_403() {
    let mocked = MockedAuthority::start().await;
    mocked.authority.publish("webchat-only", &["webchat"]);
    let token = mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .kid("webchat-only")
        .sign();
    let err = verify(&mocked.verifier(), &token).await.unwrap_err();
    assert!(
        matches!(&err, Refusal::NotEndorsed { kid } if kid == "webchat-only"),
        "{err:?}"
    );
    assert_eq!(err.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn each_flawed_token_is_refused_401_with_its_own_reason() {
    let mocked = MockedAuthority::start().await;
    let verifier = mocked.verifier();
    let authority = &mocked.authority;
    let skew = coupa_approvals::teams::auth::CLOCK_SKEW.as_secs() as i64;
    let cases: Vec<(&str, String, IsReason)> = vec![
        (
            "wrong issuer",
            authority
                .token(APP_ID, SERVICE_URL)
                .claim("iss", "https://login.microsoftonline.com/common/v2.0")
                .sign(),
            |r| matches!(r, Refusal::WrongIssuer { found } if found.contains("microsoftonline")),
        ),
        (
            "wrong audience",
            authority.token("someone-elses-bot", SERVICE_URL).sign(),
            |r| matches!(r, Refusal::WrongAudience { found } if found.contains("someone-elses-bot")),
        ),
        (
            "expired beyond the skew",
            authority
                .token(APP_ID, SERVICE_URL)
                .valid_from_now(-7_200)
                .expiring_in(-skew - 10)
                .sign(),
            |r| matches!(r, Refusal::Expired),
        ),
        (
            "not yet valid",
            authority
                .token(APP_ID, SERVICE_URL)
                .valid_from_now(skew + 10)
                .sign(),
            |r| matches!(r, Refusal::NotYetValid),
        ),
        (
            "serviceurl of another region",
            authority
                .token(APP_ID, "https://smba.trafficmanager.net/amer/")
                .sign(),
            |r| matches!(r, Refusal::ServiceUrlMismatch { .. }),
        ),
        (
            "alg none",
            authority.token(APP_ID, SERVICE_URL).unsigned().sign(),
            |r| matches!(r, Refusal::AlgorithmNotAllowed { alg } if alg.contains("none")),
        ),
        (
            "HS256",
            authority
                .token(APP_ID, SERVICE_URL)
                .signed_hs256(b"a guessed app password")
                .sign(),
            |r| matches!(r, Refusal::AlgorithmNotAllowed { alg } if alg.contains("HS256")),
        ),
        (
            "no kid",
            authority.token(APP_ID, SERVICE_URL).without_kid().sign(),
            |r| matches!(r, Refusal::NoKeyId),
        ),
        ("not a JWT", "not-a-jwt".to_owned(), |r| {
            matches!(r, Refusal::Malformed { .. })
        }),
    ];
    for (case, token, expected) in cases {
        let err = verify(&verifier, &token).await.unwrap_err();
        assert!(expected(&err), "{case}: {err:?}");
        assert_eq!(err.status(), StatusCode::UNAUTHORIZED, "{case}");
    }
}

#[tokio::test]
async fn a_request_without_a_bearer_token_is_refused_without_reading_any_key() {
    let mocked = MockedAuthority::start().await;
    let verifier = mocked.verifier();
    let err = verifier.verify(None, SERVICE_URL).await.unwrap_err();
    assert!(matches!(err, Refusal::NoAuthorization), "{err:?}");
    let token = mocked.authority.token(APP_ID, SERVICE_URL).sign();
    for header in [format!("Basic {token}"), token.clone(), "Bearer".to_owned()] {
        let err = verifier
            .verify(Some(&header), SERVICE_URL)
            .await
            .unwrap_err();
        assert!(matches!(err, Refusal::NotBearer), "{header}: {err:?}");
    }
    let unsigned = mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .unsigned()
        .sign();
    verify(&verifier, &unsigned).await.unwrap_err();
    assert_eq!(mocked.reads().await, 0);
}

#[tokio::test]
async fn a_new_kid_is_read_once_for_twenty_concurrent_requests() {
    let mocked = MockedAuthority::answering_keys_after(Duration::from_millis(300)).await;
    let verifier = mocked.verifier();
    let first = mocked.authority.token(APP_ID, SERVICE_URL).sign();
    verify(&verifier, &first).await.unwrap();
    assert_eq!(mocked.key_fetches().await, 1);

    // Microsoft rotates: a new key is published, and activities start naming it.
    time_passes(REREAD_GAP).await;
    mocked.authority.publish("rotated", &["msteams"]);
    let mut requests = JoinSet::new();
    for _ in 0..20 {
        let verifier = verifier.clone();
        let token = mocked
            .authority
            .token(APP_ID, SERVICE_URL)
            .kid("rotated")
            .sign();
        requests.spawn(async move { verify(&verifier, &token).await });
    }
    let mut passed = 0;
    while let Some(outcome) = requests.join_next().await {
        let verified = outcome.unwrap().unwrap();
        assert_eq!(verified.kid, "rotated");
        passed += 1;
    }
    assert_eq!(passed, 20);
    assert_eq!(
        mocked.key_fetches().await,
        2,
        "one read for the whole burst"
    );
}

#[tokio::test]
async fn a_burst_of_made_up_kids_reads_the_keys_once_and_not_again_for_a_few_seconds() {
    let mocked = MockedAuthority::answering_keys_after(Duration::from_millis(300)).await;
    let verifier = mocked.verifier();
    verify(
        &verifier,
        &mocked.authority.token(APP_ID, SERVICE_URL).sign(),
    )
    .await
    .unwrap();
    time_passes(REREAD_GAP).await;

    let mut requests = JoinSet::new();
    for n in 0..20 {
        let verifier = verifier.clone();
        let token = mocked
            .authority
            .token(APP_ID, SERVICE_URL)
            .kid(&format!("made-up-{n}"))
            .sign();
        requests.spawn(async move { verify(&verifier, &token).await });
    }
    while let Some(outcome) = requests.join_next().await {
        let err = outcome.unwrap().unwrap_err();
        assert!(matches!(err, Refusal::UnknownKey { .. }), "{err:?}");
    }
    assert_eq!(mocked.reads().await, 2, "one read for the whole burst");

    // Another made-up kid right after: refused from the cache, no read.
    let again = mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .kid("made-up-again")
        .sign();
    let err = verify(&verifier, &again).await.unwrap_err();
    assert!(matches!(err, Refusal::UnknownKey { .. }), "{err:?}");
    assert_eq!(mocked.reads().await, 2);

    // Once the gap has passed, an unknown kid may make the cache read again.
    time_passes(REREAD_GAP).await;
    verify(&verifier, &again).await.unwrap_err();
    assert_eq!(mocked.reads().await, 3);
}

#[tokio::test]
async fn keys_are_read_again_after_a_day() {
    let mocked = MockedAuthority::start().await;
    let verifier = mocked.verifier();
    let old_key_token = || mocked.authority.token(APP_ID, SERVICE_URL).sign();
    verify(&verifier, &old_key_token()).await.unwrap();

    // Microsoft withdraws the key; the cache does not know yet.
    mocked.authority.publish("next", &["msteams"]);
    mocked.authority.withdraw(SANDBOX_KID);
    time_passes(KEYS_FRESH_FOR - Duration::from_secs(60)).await;
    verify(&verifier, &old_key_token()).await.unwrap();
    assert_eq!(
        mocked.reads().await,
        1,
        "keys younger than a day are not read"
    );

    time_passes(Duration::from_secs(120)).await;
    let err = verify(&verifier, &old_key_token()).await.unwrap_err();
    assert!(matches!(err, Refusal::UnknownKey { .. }), "{err:?}");
    assert_eq!(mocked.reads().await, 2, "a day-old cache is read again");
    let new_key_token = mocked
        .authority
        .token(APP_ID, SERVICE_URL)
        .kid("next")
        .sign();
    verify(&verifier, &new_key_token).await.unwrap();
    assert_eq!(mocked.reads().await, 2);
}

#[tokio::test]
async fn with_no_keys_readable_tokens_are_refused_naming_why_until_the_keys_can_be_read() {
    let mocked = MockedAuthority::start().await;
    mocked.fail_with(503);
    let verifier = mocked.verifier();
    let token = mocked.authority.token(APP_ID, SERVICE_URL).sign();
    let err = verify(&verifier, &token).await.unwrap_err();
    assert!(matches!(err, Refusal::KeysUnavailable(_)), "{err:?}");
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    let logged = chain(&err).to_string();
    assert!(
        logged.contains("openidconfiguration answered HTTP 503"),
        "{logged}"
    );

    // Fixed, but the failed read was just now: no new read yet.
    mocked.fail_with(0);
    verify(&verifier, &token).await.unwrap_err();
    assert_eq!(mocked.reads().await, 1);

    time_passes(REREAD_GAP).await;
    verify(&verifier, &token).await.unwrap();
    assert_eq!(mocked.reads().await, 2);
}

#[tokio::test]
async fn keys_read_before_stay_in_use_when_reading_them_again_fails() {
    let mocked = MockedAuthority::start().await;
    let verifier = mocked.verifier();
    let token = || mocked.authority.token(APP_ID, SERVICE_URL).sign();
    verify(&verifier, &token()).await.unwrap();

    mocked.fail_with(500);
    time_passes(KEYS_FRESH_FOR + Duration::from_secs(1)).await;
    verify(&verifier, &token()).await.unwrap();
    assert_eq!(mocked.reads().await, 2, "the day-old keys were read again");
}

#[tokio::test]
async fn keys_larger_than_the_cap_are_not_read() {
    let authority = TokenAuthority::new();
    for n in 0..800 {
        authority.publish(&format!("filler-{n}"), &["webchat"]);
    }
    let jwks = serde_json::to_vec(&authority.jwks()).unwrap();
    assert!(jwks.len() > coupa_approvals::teams::auth::fetch::MAX_KEYS_ANSWER_BYTES);

    let server = wiremock::MockServer::start().await;
    let keys_url = format!("{}/keys", server.uri());
    wiremock::Mock::given(wiremock::matchers::path("/metadata"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(authority.openid_metadata(&keys_url)),
        )
        .mount(&server)
        .await;
    wiremock::Mock::given(wiremock::matchers::path("/keys"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(jwks, "application/json"))
        .mount(&server)
        .await;
    let keys = BotKeys::new(format!("{}/metadata", server.uri()).parse().unwrap()).unwrap();
    let verifier = ActivityVerifier::new(APP_ID, keys);
    let token = authority.token(APP_ID, SERVICE_URL).sign();
    let err = verify(&verifier, &token).await.unwrap_err();
    let logged = chain(&err).to_string();
    assert!(matches!(err, Refusal::KeysUnavailable(_)), "{logged}");
    assert!(logged.contains("larger than 256 KiB"), "{logged}");
}
