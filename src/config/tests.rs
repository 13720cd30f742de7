//! The environment reader's rules, one test each: defaults, every problem at once, secrets kept
//! out of `Debug`.

mod digest;
mod platforms;
mod proactive_install;
mod reminders;

use super::*;
use std::collections::HashMap;

use url::Url;

fn valid() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("SLACK_BOT_TOKEN", "xoxb-1234-secret-bot"),
        ("SLACK_SIGNING_SECRET", "signing-secret-value"),
        ("COUPA_INSTANCE_URL", "https://acme.coupahost.com/"),
        ("COUPA_CLIENT_ID", "client-id"),
        ("COUPA_CLIENT_SECRET", "coupa-secret-value"),
    ])
}

/// A Teams bot's app id and tenant, as the settings read them.
const APP_ID: &str = "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b";
const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// Coupa and Teams, no Slack.
fn teams_only() -> HashMap<&'static str, &'static str> {
    let mut vars = valid();
    vars.remove("SLACK_BOT_TOKEN");
    vars.remove("SLACK_SIGNING_SECRET");
    vars.extend([
        ("MICROSOFT_APP_ID", APP_ID),
        ("MICROSOFT_APP_PASSWORD", "teams-password-value"),
        ("MICROSOFT_APP_TENANT_ID", TENANT_ID),
    ]);
    vars
}

fn load(vars: &HashMap<&'static str, &'static str>) -> Result<Settings, ConfigError> {
    Settings::from_lookup(&|name| vars.get(name).map(|v| v.to_string()))
}

fn slack(s: &Settings) -> &SlackSettings {
    s.slack.as_ref().expect("Slack is configured")
}

fn variables(err: &ConfigError) -> Vec<&'static str> {
    err.problems.iter().map(|p| p.variable).collect()
}

#[test]
fn empty_environment_lists_every_missing_variable() {
    let err = load(&HashMap::new()).unwrap_err();
    assert_eq!(
        variables(&err),
        vec![
            NO_CHAT_PLATFORM,
            "COUPA_INSTANCE_URL",
            "COUPA_CLIENT_ID",
            "COUPA_CLIENT_SECRET"
        ]
    );
    assert!(err.to_string().contains("COUPA_INSTANCE_URL: missing"));
}

#[test]
fn defaults_apply_when_only_required_values_are_set() {
    let s = load(&valid()).unwrap();
    assert_eq!(slack(&s).api_url.as_str(), "https://slack.com/api");
    assert_eq!(s.coupa.instance_url.as_str(), "https://acme.coupahost.com/");
    assert_eq!(
        s.coupa.token_url.as_str(),
        "https://acme.coupahost.com/oauth2/token"
    );
    assert_eq!(s.coupa.scopes.len(), 5);
    assert_eq!(s.coupa.max_rps, 20);
    assert!(s.store.redis_url.is_none());
    assert_eq!(s.store.key_prefix, "coupa-approvals");
    assert_eq!(s.bind_addr, "0.0.0.0:3000".parse().unwrap());
    assert_eq!(s.sync_interval, Duration::from_secs(60));
    assert_eq!(s.button_ttl, Duration::from_secs(168 * 3600));
    assert_eq!(s.confirm_above_amount, None);
    assert_eq!(s.log_format, LogFormat::Text);
    assert!(!slack(&s).socket_mode());
    assert!(s.teams.is_none());
    assert_eq!(s.chat_platforms, vec![ChatPlatform::Slack]);
}

#[test]
fn every_malformed_value_is_reported_at_once() {
    let mut vars = valid();
    vars.insert("SLACK_BOT_TOKEN", "xoxp-user-token");
    vars.insert("SLACK_APP_TOKEN", "not-an-app-token");
    vars.insert("COUPA_INSTANCE_URL", "acme.coupahost.com");
    vars.insert("SYNC_INTERVAL_SECS", "soon");
    vars.insert("BUTTON_TTL_HOURS", "0");
    vars.insert("COUPA_MAX_RPS", "100");
    vars.insert("BIND_ADDR", "localhost");
    vars.insert("LOG_FORMAT", "yaml");
    vars.insert("CONFIRM_ABOVE_AMOUNT", "-5");
    vars.insert("REDIS_URL", "http://user:hunter2@redis");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec![
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            "COUPA_INSTANCE_URL",
            "COUPA_MAX_RPS",
            "REDIS_URL",
            "BIND_ADDR",
            "SYNC_INTERVAL_SECS",
            "BUTTON_TTL_HOURS",
            "CONFIRM_ABOVE_AMOUNT",
            "LOG_FORMAT"
        ]
    );
    let text = err.to_string();
    assert!(text.contains("must start with `xoxb-`"), "{text}");
    assert!(text.contains("must start with `xapp-`"), "{text}");
    assert!(text.contains("got `soon`"), "{text}");
    assert!(!text.contains("hunter2"), "a Redis password leaked: {text}");
    assert!(!text.contains("xoxp-user-token"), "a token leaked: {text}");
}

#[test]
fn plain_http_is_refused_for_coupa_its_token_endpoint_and_slack() {
    let mut vars = valid();
    vars.insert("SLACK_API_URL", "http://slack.example.com/api");
    vars.insert("COUPA_INSTANCE_URL", "http://acme.coupahost.com");
    vars.insert("COUPA_TOKEN_URL", "http://10.0.0.5/oauth2/token");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec!["SLACK_API_URL", "COUPA_INSTANCE_URL", "COUPA_TOKEN_URL"]
    );
    let text = err.to_string();
    assert!(text.contains("must use https"), "{text}");
    assert!(text.contains("got http for acme.coupahost.com"), "{text}");
}

#[test]
fn plain_http_is_accepted_for_loopback_hosts_only() {
    for (slack_api, coupa, token) in [
        (
            "http://127.0.0.1:8080/api",
            "http://localhost:9000",
            "http://[::1]:9000/oauth2/token",
        ),
        (
            "http://127.5.6.7/api",
            "http://LOCALHOST.",
            "http://127.0.0.1/oauth2/token",
        ),
    ] {
        let mut vars = valid();
        vars.insert("SLACK_API_URL", slack_api);
        vars.insert("COUPA_INSTANCE_URL", coupa);
        vars.insert("COUPA_TOKEN_URL", token);
        let s = load(&vars).unwrap_or_else(|e| panic!("{slack_api} {coupa} {token}: {e}"));
        assert_eq!(slack(&s).api_url.scheme(), "http");
    }
    // A name that merely starts with "localhost" or "127." is no loopback.
    for refused in [
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
    ] {
        let mut vars = valid();
        vars.insert("COUPA_INSTANCE_URL", refused);
        assert_eq!(
            variables(&load(&vars).unwrap_err()),
            vec!["COUPA_INSTANCE_URL"],
            "{refused}"
        );
    }
}

#[test]
fn metrics_can_move_to_their_own_address_but_not_onto_bind_addr() {
    assert_eq!(load(&valid()).unwrap().metrics_addr, None);
    let mut vars = valid();
    vars.insert("METRICS_ADDR", "127.0.0.1:9090");
    assert_eq!(
        load(&vars).unwrap().metrics_addr,
        Some("127.0.0.1:9090".parse().unwrap())
    );
    vars.insert("METRICS_ADDR", "9090");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec!["METRICS_ADDR"]);
    assert!(err.to_string().contains("got `9090`"), "{err}");
    vars.insert("METRICS_ADDR", "0.0.0.0:3000");
    let err = load(&vars).unwrap_err();
    assert!(
        err.to_string().contains("must differ from BIND_ADDR"),
        "{err}"
    );
}

#[test]
fn a_public_url_is_an_https_origin_without_a_path() {
    assert_eq!(load(&valid()).unwrap().public_url, None);
    let mut vars = valid();
    vars.insert("PUBLIC_URL", "https://Approvals.Example.com");
    assert_eq!(
        load(&vars).unwrap().public_url.unwrap().as_str(),
        "https://approvals.example.com/"
    );
    vars.insert("PUBLIC_URL", "http://127.0.0.1:3000/");
    assert!(
        load(&vars).is_ok(),
        "loopback http is for tests and the demo"
    );
    for (value, says) in [
        ("http://approvals.example.com", "must use https"),
        (
            "https://approvals.example.com/api/messages",
            "without a path",
        ),
        ("https://approvals.example.com/?x=1", "without a path"),
        (
            "https://bot:pw@approvals.example.com",
            "user name or password",
        ),
        ("approvals.example.com", "is not a valid URL"),
    ] {
        vars.insert("PUBLIC_URL", value);
        let err = load(&vars).unwrap_err();
        assert_eq!(variables(&err), vec!["PUBLIC_URL"], "{value}");
        assert!(err.to_string().contains(says), "{value}: {err}");
    }
}

#[test]
fn socket_mode_does_not_need_a_signing_secret() {
    let mut vars = valid();
    vars.remove("SLACK_SIGNING_SECRET");
    vars.insert("SLACK_APP_TOKEN", "xapp-1-socket");
    let s = load(&vars).unwrap();
    assert!(slack(&s).socket_mode());
    assert!(slack(&s).signing_secret.is_none());
}

#[test]
fn an_app_id_is_optional_and_must_look_like_one() {
    assert_eq!(slack(&load(&valid()).unwrap()).app_id, None);
    let mut vars = valid();
    vars.insert("SLACK_APP_ID", " A0123456789 ");
    assert_eq!(
        slack(&load(&vars).unwrap()).app_id.as_deref(),
        Some("A0123456789")
    );
    vars.insert("SLACK_APP_ID", "https://api.slack.com/apps/A0123456789");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec!["SLACK_APP_ID"]);
    assert!(err.to_string().contains("like `A0123456789`"), "{err}");
}

#[test]
fn blank_values_count_as_unset() {
    let mut vars = valid();
    vars.insert("SLACK_APP_TOKEN", "  ");
    vars.insert("REDIS_URL", "");
    let s = load(&vars).unwrap();
    assert!(!slack(&s).socket_mode());
    assert!(s.store.redis_url.is_none());
}

#[test]
fn a_tls_redis_url_with_a_user_and_password_and_a_ca_file_is_accepted() {
    // Configuration only checks that the file exists; the store reads the certificates.
    const CA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let mut vars = valid();
    vars.insert(
        "REDIS_URL",
        "rediss://approvals-bot:s3cret@redis.example:6380/0",
    );
    vars.insert("REDIS_CA_FILE", CA_FILE);
    let s = load(&vars).unwrap();
    assert!(s.store.redis_url.is_some());
    assert_eq!(s.store.redis_ca_file, Some(CA_FILE.into()));
}

#[test]
fn a_missing_redis_ca_file_is_a_problem() {
    let mut vars = valid();
    vars.insert("REDIS_URL", "rediss://:s3cret@redis.example:6380");
    vars.insert("REDIS_CA_FILE", "/nonexistent/redis-ca.pem");
    let err = load(&vars).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("REDIS_CA_FILE"), "{text}");
    assert!(text.contains("/nonexistent/redis-ca.pem"), "{text}");
    assert!(!text.contains("s3cret"), "a Redis password leaked: {text}");
}

#[test]
fn optional_values_are_parsed() {
    let mut vars = valid();
    vars.insert("REDIS_URL", "redis://:pw@127.0.0.1:6379/1");
    vars.insert("CONFIRM_ABOVE_AMOUNT", "10000.50");
    vars.insert("LOG_FORMAT", "json");
    vars.insert("COUPA_SCOPES", "core.approval.read  core.approval.write");
    vars.insert("COUPA_TOKEN_URL", "https://login.example.com/token");
    let s = load(&vars).unwrap();
    assert!(s.store.redis_url.is_some());
    assert_eq!(s.confirm_above_amount, Some(Decimal::new(1_000_050, 2)));
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(
        s.coupa.scopes,
        vec!["core.approval.read", "core.approval.write"]
    );
    assert_eq!(
        s.coupa.token_url.as_str(),
        "https://login.example.com/token"
    );
}

#[test]
fn settings_built_in_code_equal_the_environment_readers_defaults() {
    let from_env = load(&valid()).unwrap();
    let in_code = Settings::new(
        SlackSettings::new("xoxb-1234-secret-bot", "signing-secret-value"),
        CoupaSettings::new(
            Url::parse("https://acme.coupahost.com/").unwrap(),
            "client-id",
            "coupa-secret-value",
        ),
    );
    assert_eq!(format!("{in_code:?}"), format!("{from_env:?}"));
    assert_eq!(
        in_code.coupa.token_url.as_str(),
        "https://acme.coupahost.com/oauth2/token"
    );
}

#[test]
fn the_default_token_url_sits_under_the_instance_path() {
    let instance = Url::parse("https://acme.coupahost.com/tenant/").unwrap();
    let coupa = CoupaSettings::new(instance, "id", "secret");
    assert_eq!(
        coupa.instance_url.as_str(),
        "https://acme.coupahost.com/tenant"
    );
    assert_eq!(
        coupa.token_url.as_str(),
        "https://acme.coupahost.com/tenant/oauth2/token"
    );
    let mut vars = valid();
    vars.insert("COUPA_INSTANCE_URL", "https://acme.coupahost.com/tenant/");
    assert_eq!(load(&vars).unwrap().coupa.token_url, coupa.token_url);
}

#[test]
fn a_redis_store_in_code_keeps_its_url_secret() {
    let store = StoreSettings::redis("redis://:pw@127.0.0.1:6379", "tests");
    assert_eq!(store.key_prefix, "tests");
    assert!(!format!("{store:?}").contains("pw@"));
    assert_eq!(
        StoreSettings::default().key_prefix,
        DEFAULT_REDIS_KEY_PREFIX
    );
}

#[test]
fn debug_output_never_shows_secrets() {
    let mut vars = valid();
    vars.insert("SLACK_APP_TOKEN", "xapp-1-socket-secret");
    vars.insert("REDIS_URL", "redis://:redis-password@127.0.0.1:6379");
    let s = load(&vars).unwrap();
    let debug = format!("{s:?}");
    for secret in [
        "xoxb-1234-secret-bot",
        "signing-secret-value",
        "coupa-secret-value",
        "xapp-1-socket-secret",
        "redis-password",
    ] {
        assert!(!debug.contains(secret), "{secret} visible in {debug}");
    }
    assert!(
        debug.contains("client-id"),
        "non-secret values stay visible"
    );
}
