//! The per-request and per-sync hot paths, measured: verifying and parsing a Slack click,
//! verifying a Teams activity's Bot Framework token with its key cached, rendering a 12-line
//! card, and reading a page of 50 Coupa requisitions.
//!
//! `cargo bench --bench hot_paths`

use std::hint::black_box;
use std::str::FromStr;

use coupa_approvals::chat::card::{Card, CardState};
use coupa_approvals::coupa::model::{RawRequisition, parse};
use coupa_approvals::domain::Requisition;
use coupa_approvals::sandbox::fixtures::Coupa;
use coupa_approvals::sandbox::slack::requests::{
    self as slack_payloads, Actor, Click, ClickedMessage,
};
use coupa_approvals::sandbox::slack::signing;
use coupa_approvals::sandbox::teams::TokenAuthority;
use coupa_approvals::slack::{blocks, requests};
use coupa_approvals::teams::auth::key_set::KeySet;
use coupa_approvals::teams::auth::token::{self, Expected};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use serde_json::json;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

fn requisition_with_lines(lines: usize) -> serde_json::Value {
    let mut value: serde_json::Value = Coupa::RequisitionPending.json();
    let line = value["requisition-lines"][0].clone();
    value["requisition-lines"] = (0..lines)
        .map(|n| {
            let mut l = line.clone();
            l["line-num"] = json!(n + 1);
            l
        })
        .collect();
    value["line-count"] = json!(lines);
    value
}

fn block_actions_body() -> String {
    let payload = slack_payloads::block_actions(
        &Actor::new("UDANIEL", "daniel"),
        &ClickedMessage {
            channel: "DDANIEL".into(),
            ts: "1700000000.000100".into(),
            text: "Approval needed".into(),
            blocks: serde_json::Value::Null,
        },
        &Click {
            action_id: "approve".into(),
            block_id: "b1".into(),
            value: "{\"a\":90211,\"r\":4812,\"f\":\"0123456789abcdef0123456789abcdef\",\"t\":1763659240}"
                .into(),
            text: "Approve".into(),
        },
        "1234.5678.abcdef",
        "https://hooks.slack.com/actions/T0/1/abc",
        1_700_000_000.000_2,
    );
    slack_payloads::form_body(&payload)
}

fn click(c: &mut Criterion) {
    let secret = "bench-signing-secret";
    let body = block_actions_body();
    let now = jiff::Timestamp::now().as_second();
    let signature = signing::signature(secret, now, &body).unwrap();
    let ts = now.to_string();
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(secret.into()));
    c.bench_function("verify and parse a block_actions click", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&signature), black_box(&body), black_box(&ts))
                .unwrap();
            let event = requests::parse_interaction(black_box(&body)).unwrap();
            black_box(event)
        })
    });
}

fn render(c: &mut Criterion) {
    let raw: RawRequisition = parse(requisition_with_lines(12).to_string().as_bytes()).unwrap();
    let requisition: Requisition = raw.into_domain().unwrap();
    let approval = requisition.current_approvals[0].clone();
    let card = Card::new(
        &requisition,
        &approval,
        CardState::Pending,
        &url::Url::parse("https://acme.coupahost.com").unwrap(),
        Some(Decimal::from_str("5000").unwrap()),
        jiff::Timestamp::now(),
    );
    c.bench_function("render a 12-line card", |b| {
        b.iter(|| {
            let rendered = blocks::card(black_box(&card));
            black_box(serde_json::to_string(&rendered.blocks).unwrap())
        })
    });
}

fn coupa_page(c: &mut Criterion) {
    let page: Vec<serde_json::Value> = (0..50)
        .map(|n| {
            let mut r = requisition_with_lines(3);
            r["id"] = json!(4_000 + n);
            r
        })
        .collect();
    let body = serde_json::to_vec(&page).unwrap();
    c.bench_function("parse a page of 50 Coupa requisitions", |b| {
        b.iter(|| {
            let raw: Vec<RawRequisition> = parse(black_box(&body)).unwrap();
            let parsed: Vec<Requisition> =
                raw.into_iter().map(|r| r.into_domain().unwrap()).collect();
            black_box(parsed)
        })
    });
}

/// The check every Teams activity passes first: the token's header read for its key id, the key
/// found among the cached published keys, the RS256 signature, lifetime, issuer, audience,
/// service URL and the key's endorsement for Teams.
fn teams_token(c: &mut Criterion) {
    const APP_ID: &str = "00000000-0000-4000-8000-00000000b07a";
    const SERVICE_URL: &str = "https://smba.trafficmanager.net/teams/";
    let authority = TokenAuthority::new();
    let jwks = authority.jwks().to_string();
    let keys = KeySet::from_jwks(jwks.as_bytes()).expect("the authority publishes a key set");
    let token = authority.token(APP_ID, SERVICE_URL).sign();
    let expected = Expected {
        app_id: APP_ID,
        service_url: Some(SERVICE_URL),
        channel: "msteams",
    };
    c.bench_function("verify a Teams activity's token (key cached)", |b| {
        b.iter(|| {
            let kid = token::key_id(black_box(&token)).expect("the token names its key");
            let key = keys.get(&kid).expect("the key is published");
            token::check(black_box(&token), &key, expected).expect("the token passes")
        })
    });
}

criterion_group!(benches, click, teams_token, render, coupa_page);
criterion_main!(benches);
