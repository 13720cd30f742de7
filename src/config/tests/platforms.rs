//! Which chat platforms are configured and served: Slack, Microsoft Teams, both, and
//! `CHAT_PLATFORMS`.

use super::*;

/// Coupa, Slack and Teams.
fn both() -> HashMap<&'static str, &'static str> {
    let mut vars = teams_only();
    vars.extend(valid());
    vars
}

fn teams(s: &Settings) -> &TeamsSettings {
    s.teams.as_ref().expect("Teams is configured")
}

#[test]
fn teams_alone_is_configured_with_microsofts_endpoints_by_default() {
    let s = load(&teams_only()).unwrap();
    assert!(s.slack.is_none());
    assert_eq!(s.chat_platforms, vec![ChatPlatform::Teams]);
    let t = teams(&s);
    assert_eq!(t.app_id, APP_ID);
    assert_eq!(t.tenant_id, TENANT_ID);
    assert_eq!(
        t.openid_metadata_url.as_str(),
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    );
    assert_eq!(t.login_url.as_str(), "https://login.microsoftonline.com/");
    assert_eq!(
        t.service_url.as_str(),
        "https://smba.trafficmanager.net/teams/"
    );
}

#[test]
fn slack_and_teams_together_are_tried_slack_first_by_default() {
    let s = load(&both()).unwrap();
    assert!(s.slack.is_some());
    assert!(s.teams.is_some());
    assert_eq!(
        s.chat_platforms,
        vec![ChatPlatform::Slack, ChatPlatform::Teams]
    );
}

#[test]
fn guids_are_kept_in_lower_case_as_microsofts_tokens_spell_them() {
    let mut vars = teams_only();
    vars.insert("MICROSOFT_APP_ID", " 0B5E2C4A-9D1F-4E37-8A6B-2F0C1D3E4A5B ");
    vars.insert(
        "MICROSOFT_APP_TENANT_ID",
        "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
    );
    let s = load(&vars).unwrap();
    assert_eq!(teams(&s).app_id, APP_ID);
    assert_eq!(teams(&s).tenant_id, TENANT_ID);
}

#[test]
fn one_teams_credential_makes_each_missing_one_its_own_problem() {
    let mut vars = valid();
    vars.insert("MICROSOFT_APP_PASSWORD", "teams-password-value");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec!["MICROSOFT_APP_ID", "MICROSOFT_APP_TENANT_ID"]
    );
    let text = err.to_string();
    assert!(
        text.contains("Azure Bot resource's Configuration page"),
        "{text}"
    );
    assert!(text.contains("app registration's Overview page"), "{text}");

    let mut vars = valid();
    vars.insert("MICROSOFT_APP_TENANT_ID", TENANT_ID);
    assert_eq!(
        variables(&load(&vars).unwrap_err()),
        vec!["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"]
    );
}

#[test]
fn app_and_tenant_ids_that_are_no_guids_say_where_to_find_the_right_ones() {
    let mut vars = teams_only();
    vars.insert("MICROSOFT_APP_ID", "teams-password-pasted-here");
    vars.insert("MICROSOFT_APP_TENANT_ID", "contoso.onmicrosoft.com");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec!["MICROSOFT_APP_ID", "MICROSOFT_APP_TENANT_ID"]
    );
    let text = err.to_string();
    assert!(text.contains("MICROSOFT_APP_ID: must be a GUID"), "{text}");
    assert!(
        text.contains("Azure Bot resource's Configuration page"),
        "{text}"
    );
    assert!(
        text.contains("Directory (tenant) ID from the app registration's Overview page"),
        "{text}"
    );
    assert!(
        !text.contains("teams-password-pasted-here"),
        "a misplaced secret was echoed: {text}"
    );
}

#[test]
fn teams_urls_must_use_https_unless_their_host_is_loopback() {
    let mut vars = teams_only();
    vars.insert(
        "TEAMS_OPENID_METADATA_URL",
        "http://login.example.com/openid",
    );
    vars.insert("TEAMS_LOGIN_URL", "not a url");
    vars.insert("TEAMS_SERVICE_URL", "http://smba.example.com/teams/");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec![
            "TEAMS_OPENID_METADATA_URL",
            "TEAMS_LOGIN_URL",
            "TEAMS_SERVICE_URL"
        ]
    );
    assert!(err.to_string().contains("must use https"), "{err}");

    let mut vars = teams_only();
    vars.insert("TEAMS_OPENID_METADATA_URL", "http://127.0.0.1:4100/openid");
    vars.insert("TEAMS_LOGIN_URL", "http://localhost:4101");
    vars.insert("TEAMS_SERVICE_URL", "http://[::1]:4102/teams/");
    let s = load(&vars).unwrap();
    assert_eq!(teams(&s).login_url.as_str(), "http://localhost:4101/");
}

#[test]
fn no_platform_at_all_is_one_problem_naming_both_ways() {
    let mut vars = valid();
    vars.remove("SLACK_BOT_TOKEN");
    vars.remove("SLACK_SIGNING_SECRET");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec![NO_CHAT_PLATFORM]);
    assert!(
        err.to_string().contains(
            "set SLACK_BOT_TOKEN for Slack, or MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID for Microsoft Teams"
        ),
        "{err}"
    );
}

#[test]
fn no_platform_is_listed_with_every_other_problem() {
    let mut vars = HashMap::new();
    vars.insert("CHAT_PLATFORMS", "slack,discord");
    vars.insert("LOG_FORMAT", "yaml");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec![
            NO_CHAT_PLATFORM,
            "CHAT_PLATFORMS",
            "COUPA_INSTANCE_URL",
            "COUPA_CLIENT_ID",
            "COUPA_CLIENT_SECRET",
            "LOG_FORMAT"
        ]
    );
}

#[test]
fn other_slack_credentials_without_a_bot_token_are_a_problem() {
    let mut vars = teams_only();
    vars.insert("SLACK_SIGNING_SECRET", "signing-secret-value");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec!["SLACK_BOT_TOKEN"]);
    assert!(
        err.to_string()
            .contains("or unset the other SLACK_ variables to run without Slack"),
        "{err}"
    );
    // The Web API base alone has a default and is no sign that Slack is wanted.
    let mut vars = teams_only();
    vars.insert("SLACK_API_URL", "https://slack.com/api");
    assert!(load(&vars).unwrap().slack.is_none());
}

#[test]
fn chat_platforms_orders_the_configured_platforms() {
    let mut vars = both();
    vars.insert("CHAT_PLATFORMS", " Teams , SLACK ");
    assert_eq!(
        load(&vars).unwrap().chat_platforms,
        vec![ChatPlatform::Teams, ChatPlatform::Slack]
    );
}

#[test]
fn a_platform_named_in_chat_platforms_but_not_configured_is_skipped() {
    let mut vars = valid();
    vars.insert("CHAT_PLATFORMS", "teams,slack");
    let s = load(&vars).unwrap();
    assert_eq!(s.chat_platforms, vec![ChatPlatform::Slack]);
    assert!(s.teams.is_none());
}

#[test]
fn a_configured_platform_left_out_of_chat_platforms_is_a_problem() {
    let mut vars = both();
    vars.insert("CHAT_PLATFORMS", "slack");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec!["CHAT_PLATFORMS"]);
    let text = err.to_string();
    assert!(
        text.contains("leaves out `teams`, yet Microsoft Teams is configured"),
        "{text}"
    );
    assert!(text.contains("would never be used"), "{text}");

    let mut vars = valid();
    vars.insert("CHAT_PLATFORMS", "teams");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec!["CHAT_PLATFORMS"]);
    assert!(err.to_string().contains("leaves out `slack`"), "{err}");
}

#[test]
fn unknown_repeated_or_empty_names_in_chat_platforms_are_problems() {
    for (value, said) in [
        ("slack,msteams", "`msteams` is not one"),
        ("teams,slack,TEAMS", "`teams` is named twice"),
        ("slack,", "empty name"),
        (" , ", "empty name"),
    ] {
        let mut vars = both();
        vars.insert("CHAT_PLATFORMS", value);
        let err = load(&vars).unwrap_err();
        assert_eq!(variables(&err), vec!["CHAT_PLATFORMS"], "{value}");
        assert!(err.to_string().contains(said), "{value}: {err}");
    }
    // Blank, like every variable, means unset: the default order.
    let mut vars = both();
    vars.insert("CHAT_PLATFORMS", "  ");
    assert_eq!(load(&vars).unwrap().chat_platforms, ChatPlatform::ALL);
}

#[test]
fn debug_output_never_shows_the_teams_password() {
    let s = load(&both()).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains("teams-password-value"), "{debug}");
    assert!(debug.contains(APP_ID), "non-secret values stay visible");
}

#[test]
fn teams_settings_built_in_code_equal_the_environment_readers_defaults() {
    let coupa = CoupaSettings::new(
        Url::parse("https://acme.coupahost.com/").unwrap(),
        "client-id",
        "coupa-secret-value",
    );
    let teams = TeamsSettings::new(APP_ID, "teams-password-value", TENANT_ID);
    let in_code = Settings::for_teams(teams.clone(), coupa.clone());
    assert_eq!(
        format!("{in_code:?}"),
        format!("{:?}", load(&teams_only()).unwrap())
    );
    let in_code = Settings::new(
        SlackSettings::new("xoxb-1234-secret-bot", "signing-secret-value"),
        coupa,
    )
    .with_teams(teams);
    assert_eq!(
        format!("{in_code:?}"),
        format!("{:?}", load(&both()).unwrap())
    );
}
