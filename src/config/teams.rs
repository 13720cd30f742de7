//! Microsoft Teams' settings: the bot's Azure identity (app id, client secret, tenant), the
//! Microsoft endpoints it talks to, and proactive installation through Microsoft Graph. Teams is
//! on when any of its three credentials is set; then all three are required, so a half-finished
//! set-up is reported rather than silently ignored. Proactive installation is off unless
//! `TEAMS_PROACTIVE_INSTALL` is `true`; then the app's id in the organisation's app catalog is
//! required too.

use secrecy::SecretString;
use url::Url;

use super::platforms::Section;
use super::reader::Reader;
use crate::teams::auth::BOT_FRAMEWORK_METADATA_URL;
use crate::teams::connector_token::AZURE_AD_AUTHORITY;

/// Where the Bot Framework publishes its token-signing keys when `TEAMS_OPENID_METADATA_URL` is
/// not set.
pub const DEFAULT_TEAMS_OPENID_METADATA_URL: &str = BOT_FRAMEWORK_METADATA_URL;
/// The Azure AD authority that issues the bot's own token when `TEAMS_LOGIN_URL` is not set.
pub const DEFAULT_TEAMS_LOGIN_URL: &str = AZURE_AD_AUTHORITY;
/// The Bot Connector service used before a user's own service URL is known, when
/// `TEAMS_SERVICE_URL` is not set.
pub const DEFAULT_TEAMS_SERVICE_URL: &str = "https://smba.trafficmanager.net/teams/";
/// Microsoft Graph, for proactive installation, when `TEAMS_GRAPH_URL` is not set.
pub const DEFAULT_TEAMS_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";

/// The variables that turn Teams on; each one is then required.
const TEAMS_CREDENTIALS: &[&str] = &[
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
];

/// Microsoft Teams settings.
#[derive(Debug, Clone)]
pub struct TeamsSettings {
    /// `MICROSOFT_APP_ID`: the bot's Microsoft App ID, a GUID in lower case (as Microsoft's
    /// tokens spell it in their audience).
    pub app_id: String,
    /// `MICROSOFT_APP_PASSWORD`: the client secret of the bot's app registration.
    pub app_password: SecretString,
    /// `MICROSOFT_APP_TENANT_ID`: the Directory (tenant) ID of the app registration, a GUID in
    /// lower case.
    pub tenant_id: String,
    /// `TEAMS_OPENID_METADATA_URL`: where the keys that sign Teams' requests are published.
    pub openid_metadata_url: Url,
    /// `TEAMS_LOGIN_URL`: the Azure AD authority that issues the bot's Bot Connector token.
    pub login_url: Url,
    /// `TEAMS_SERVICE_URL`: the Bot Connector service used until a user's own is known.
    pub service_url: Url,
    /// `TEAMS_GRAPH_URL`: Microsoft Graph, where proactive installation is asked for.
    pub graph_url: Url,
    /// `TEAMS_PROACTIVE_INSTALL` and `TEAMS_CATALOG_APP_ID`: installing the app through Graph
    /// for an approver the bot cannot reach yet; `None` when off.
    pub proactive_install: Option<ProactiveInstall>,
}

/// Proactive installation through Microsoft Graph: an approver with no contact gets the app
/// installed once, and the installation event Teams then sends teaches the bot their contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProactiveInstall {
    /// `TEAMS_CATALOG_APP_ID`: the app's id in the organisation's app catalog (a GUID in lower
    /// case; Teams admin center shows it), which is not the bot's `MICROSOFT_APP_ID`.
    pub catalog_app_id: String,
}

impl TeamsSettings {
    /// The bot `app_id` of tenant `tenant_id` with client secret `app_password`, against
    /// Microsoft's public endpoints ([`DEFAULT_TEAMS_OPENID_METADATA_URL`],
    /// [`DEFAULT_TEAMS_LOGIN_URL`], [`DEFAULT_TEAMS_SERVICE_URL`]). Nothing here validates (that
    /// is the environment reader's job).
    pub fn new(
        app_id: impl Into<String>,
        app_password: impl Into<SecretString>,
        tenant_id: impl Into<String>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            app_password: app_password.into(),
            tenant_id: tenant_id.into(),
            openid_metadata_url: constant_url(DEFAULT_TEAMS_OPENID_METADATA_URL),
            login_url: constant_url(DEFAULT_TEAMS_LOGIN_URL),
            service_url: constant_url(DEFAULT_TEAMS_SERVICE_URL),
            graph_url: constant_url(DEFAULT_TEAMS_GRAPH_URL),
            proactive_install: None,
        }
    }

    /// These settings with proactive installation on, for the app `catalog_app_id` of the
    /// organisation's app catalog.
    pub fn with_proactive_install(mut self, catalog_app_id: impl Into<String>) -> Self {
        self.proactive_install = Some(ProactiveInstall {
            catalog_app_id: catalog_app_id.into(),
        });
        self
    }
}

/// Reads Teams' variables: absent when none of its credentials is set.
pub(super) fn read(r: &mut Reader<'_>) -> Section<TeamsSettings> {
    if TEAMS_CREDENTIALS
        .iter()
        .all(|variable| r.get(variable).is_none())
    {
        return Section::Absent;
    }
    let problems_before = r.problems.len();
    let app_id = read_app_id(r);
    let app_password = r
        .required(
            "MICROSOFT_APP_PASSWORD",
            "the Value (not the Secret ID) of a client secret from the app registration's Certificates & secrets page",
        )
        .map(SecretString::from);
    let tenant_id = r.required(
        "MICROSOFT_APP_TENANT_ID",
        "the Directory (tenant) ID (a GUID) from the app registration's Overview page",
    );
    let tenant_id = guid(
        r,
        "MICROSOFT_APP_TENANT_ID",
        tenant_id,
        "the Directory (tenant) ID from the app registration's Overview page",
    );
    let url = |r: &mut Reader<'_>, variable: &'static str, default: &str| {
        let value = r.get(variable).or_else(|| Some(default.to_owned()));
        r.url(variable, value, default)
    };
    let openid_metadata_url = url(
        r,
        "TEAMS_OPENID_METADATA_URL",
        DEFAULT_TEAMS_OPENID_METADATA_URL,
    );
    let login_url = url(r, "TEAMS_LOGIN_URL", DEFAULT_TEAMS_LOGIN_URL);
    let service_url = url(r, "TEAMS_SERVICE_URL", DEFAULT_TEAMS_SERVICE_URL);
    let proactive_install = read_proactive_install(r, app_id.as_deref());
    let graph_url = url(r, "TEAMS_GRAPH_URL", DEFAULT_TEAMS_GRAPH_URL);
    match (
        app_id,
        app_password,
        tenant_id,
        openid_metadata_url,
        login_url,
        service_url,
        graph_url,
    ) {
        (
            Some(app_id),
            Some(app_password),
            Some(tenant_id),
            Some(openid_metadata_url),
            Some(login_url),
            Some(service_url),
            Some(graph_url),
        ) if r.problems.len() == problems_before => Section::Ready(TeamsSettings {
            app_id,
            app_password,
            tenant_id,
            openid_metadata_url,
            login_url,
            service_url,
            graph_url,
            proactive_install,
        }),
        _ => Section::Broken,
    }
}

/// Reads `TEAMS_PROACTIVE_INSTALL` (`true` or `false`, off by default) and, when it is on,
/// `TEAMS_CATALOG_APP_ID`: a GUID that is not the bot's own `app_id` (the catalog gives the app
/// an id of its own, and the bot's is the one admins mistake it for).
fn read_proactive_install(r: &mut Reader<'_>, app_id: Option<&str>) -> Option<ProactiveInstall> {
    let on = match r.get("TEAMS_PROACTIVE_INSTALL") {
        None => false,
        Some(value) if value.eq_ignore_ascii_case("true") => true,
        Some(value) if value.eq_ignore_ascii_case("false") => false,
        Some(value) => {
            r.problem(
                "TEAMS_PROACTIVE_INSTALL",
                format!("must be `true` or `false`; got `{value}`"),
            );
            false
        }
    };
    if !on {
        return None;
    }
    const WHERE: &str = "the app's ID in the organisation's app catalog (Teams admin center → Teams apps → Manage apps → the app → App ID, or Graph's appCatalogs/teamsApps), not the bot's MICROSOFT_APP_ID";
    let catalog_app_id = r.required("TEAMS_CATALOG_APP_ID", WHERE);
    let catalog_app_id = guid(r, "TEAMS_CATALOG_APP_ID", catalog_app_id, WHERE)?;
    if Some(catalog_app_id.as_str()) == app_id {
        r.problem(
            "TEAMS_CATALOG_APP_ID",
            format!("is the bot's MICROSOFT_APP_ID; set it to {WHERE}"),
        );
        return None;
    }
    Some(ProactiveInstall { catalog_app_id })
}

/// Reads `MICROSOFT_APP_ID` alone: a GUID in lower case, or a problem saying where to find it.
pub(super) fn read_app_id(r: &mut Reader<'_>) -> Option<String> {
    let app_id = r.required(
        "MICROSOFT_APP_ID",
        "the Microsoft App ID (a GUID) from the Azure Bot resource's Configuration page",
    );
    guid(
        r,
        "MICROSOFT_APP_ID",
        app_id,
        "the Microsoft App ID from the Azure Bot resource's Configuration page (the same as the Application (client) ID on the app registration's Overview)",
    )
}

/// `value` as a GUID in lower case, or a problem saying where to find the right one. The value
/// is not echoed: a secret pasted into the wrong variable must not reach the logs.
fn guid(
    r: &mut Reader<'_>,
    variable: &'static str,
    value: Option<String>,
    where_to_find: &str,
) -> Option<String> {
    let value = value?;
    if is_guid(&value) {
        // Azure AD spells GUIDs in lower case in its tokens, and the audience check compares
        // them exactly.
        Some(value.to_ascii_lowercase())
    } else {
        r.problem(
            variable,
            format!(
                "must be a GUID like `00000000-0000-0000-0000-000000000000`: {where_to_find}; the value given is not one"
            ),
        );
        None
    }
}

/// Whether `value` is a GUID in its usual 8-4-4-4-12 hexadecimal form.
fn is_guid(value: &str) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == GROUPS.len()
        && groups
            .iter()
            .zip(GROUPS)
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

fn constant_url(url: &str) -> Url {
    // Constants of this file, not input: a unit test shows that they parse.
    Url::parse(url).expect("a default Teams URL is a URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_urls_parse() {
        let teams = TeamsSettings::new("id", "secret", "tenant");
        assert_eq!(
            teams.openid_metadata_url.as_str(),
            DEFAULT_TEAMS_OPENID_METADATA_URL
        );
        assert_eq!(
            teams.login_url.as_str(),
            "https://login.microsoftonline.com/"
        );
        assert_eq!(teams.service_url.as_str(), DEFAULT_TEAMS_SERVICE_URL);
        assert_eq!(teams.graph_url.as_str(), DEFAULT_TEAMS_GRAPH_URL);
        assert_eq!(teams.proactive_install, None);
    }

    #[test]
    fn only_the_hyphenated_guid_form_is_a_guid() {
        assert!(is_guid("0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b"));
        assert!(is_guid("0B5E2C4A-9D1F-4E37-8A6B-2F0C1D3E4A5B"));
        for not in [
            "",
            "0b5e2c4a9d1f4e378a6b2f0c1d3e4a5b",
            "{0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b}",
            "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5",
            "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5bb",
            "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5g",
            "contoso.onmicrosoft.com",
        ] {
            assert!(!is_guid(not), "{not:?}");
        }
    }

    #[test]
    fn the_app_id_alone_is_read_in_lower_case_or_refused_naming_microsoft_app_id() {
        use crate::config::teams_app_id_from_lookup;
        let app_id = teams_app_id_from_lookup(&|name| {
            (name == "MICROSOFT_APP_ID")
                .then(|| " 0B5E2C4A-9D1F-4E37-8A6B-2F0C1D3E4A5B ".to_owned())
        });
        assert_eq!(app_id.unwrap(), "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b");
        for lookup in [
            &(|_: &str| None) as &dyn Fn(&str) -> Option<String>,
            &|_: &str| Some("my-bot".to_owned()),
        ] {
            let err = teams_app_id_from_lookup(lookup).unwrap_err();
            let variables: Vec<&str> = err.problems.iter().map(|p| p.variable).collect();
            assert_eq!(variables, ["MICROSOFT_APP_ID"]);
        }
    }
}
