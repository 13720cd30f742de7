//! Proactive installation through Microsoft Graph: `TEAMS_PROACTIVE_INSTALL`,
//! `TEAMS_CATALOG_APP_ID` and `TEAMS_GRAPH_URL`.

use super::*;

const CATALOG_ID: &str = "5f2b9c3d-1e4a-4b6c-8d7e-9f0a1b2c3d4e";

fn teams(s: &Settings) -> &TeamsSettings {
    s.teams.as_ref().expect("Teams is configured")
}

#[test]
fn proactive_install_is_off_by_default_and_graph_is_microsofts() {
    let s = load(&teams_only()).unwrap();
    assert_eq!(teams(&s).proactive_install, None);
    assert_eq!(
        teams(&s).graph_url.as_str(),
        "https://graph.microsoft.com/v1.0"
    );
}

#[test]
fn proactive_install_on_keeps_the_catalog_id_in_lower_case() {
    let mut vars = teams_only();
    vars.insert("TEAMS_PROACTIVE_INSTALL", "TRUE");
    vars.insert(
        "TEAMS_CATALOG_APP_ID",
        " 5F2B9C3D-1E4A-4B6C-8D7E-9F0A1B2C3D4E ",
    );
    vars.insert("TEAMS_GRAPH_URL", "http://127.0.0.1:8080/v1.0");
    let s = load(&vars).unwrap();
    assert_eq!(
        teams(&s).proactive_install,
        Some(ProactiveInstall {
            catalog_app_id: CATALOG_ID.to_owned()
        })
    );
    assert_eq!(teams(&s).graph_url.as_str(), "http://127.0.0.1:8080/v1.0");
}

#[test]
fn proactive_install_off_ignores_the_catalog_id() {
    let mut vars = teams_only();
    vars.insert("TEAMS_PROACTIVE_INSTALL", "false");
    vars.insert("TEAMS_CATALOG_APP_ID", "not-looked-at");
    assert_eq!(teams(&load(&vars).unwrap()).proactive_install, None);
}

#[test]
fn every_proactive_install_problem_is_listed_at_once() {
    let mut vars = teams_only();
    vars.insert("TEAMS_PROACTIVE_INSTALL", "yes");
    vars.insert("TEAMS_GRAPH_URL", "http://graph.example.com/v1.0");
    vars.insert("COUPA_INSTANCE_URL", "not a url");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec![
            "TEAMS_PROACTIVE_INSTALL",
            "TEAMS_GRAPH_URL",
            "COUPA_INSTANCE_URL"
        ]
    );
    assert!(
        err.to_string()
            .contains("TEAMS_PROACTIVE_INSTALL: must be `true` or `false`; got `yes`"),
        "{err}"
    );
}

#[test]
fn proactive_install_without_a_catalog_id_says_where_to_find_it() {
    let mut vars = teams_only();
    vars.insert("TEAMS_PROACTIVE_INSTALL", "true");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), vec!["TEAMS_CATALOG_APP_ID"]);
    let text = err.to_string();
    assert!(text.contains("TEAMS_CATALOG_APP_ID: missing"), "{text}");
    assert!(text.contains("Teams admin center"), "{text}");
}

#[test]
fn a_catalog_id_that_is_no_guid_or_is_the_bots_own_id_is_refused() {
    for (given, said) in [
        ("com.example.coupa-approvals", "must be a GUID"),
        (APP_ID, "is the bot's MICROSOFT_APP_ID"),
    ] {
        let mut vars = teams_only();
        vars.insert("TEAMS_PROACTIVE_INSTALL", "true");
        vars.insert("TEAMS_CATALOG_APP_ID", given);
        let err = load(&vars).unwrap_err();
        assert_eq!(variables(&err), vec!["TEAMS_CATALOG_APP_ID"], "{given}");
        assert!(err.to_string().contains(said), "{err}");
    }
}

#[test]
fn proactive_install_built_in_code_equals_the_environment_readers() {
    let mut vars = teams_only();
    vars.insert("TEAMS_PROACTIVE_INSTALL", "true");
    vars.insert("TEAMS_CATALOG_APP_ID", CATALOG_ID);
    let coupa = CoupaSettings::new(
        Url::parse("https://acme.coupahost.com/").unwrap(),
        "client-id",
        "coupa-secret-value",
    );
    let teams = TeamsSettings::new(APP_ID, "teams-password-value", TENANT_ID)
        .with_proactive_install(CATALOG_ID);
    assert_eq!(
        format!("{:?}", Settings::for_teams(teams, coupa)),
        format!("{:?}", load(&vars).unwrap())
    );
}
