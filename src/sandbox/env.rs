//! Settings as the environment variables that give them: what a `coupa-approvals` process that a
//! test or a tool starts needs in order to run in a simulated world. The inverse of
//! [`Settings::from_lookup`] (a test below holds the two to each other), so the environment
//! reader stays the one place that reads variables.

use crate::config::{LogFormat, Settings, expose};

/// Every variable `settings` needs, by name. Durations go whole: the sync interval in seconds,
/// the button lifetime in hours, as the variables count them.
pub fn variables(settings: &Settings) -> Vec<(&'static str, String)> {
    let coupa = &settings.coupa;
    let mut vars = Vec::new();
    if let Some(slack) = &settings.slack {
        vars.push(("SLACK_BOT_TOKEN", expose(&slack.bot_token).to_owned()));
        if let Some(secret) = &slack.signing_secret {
            vars.push(("SLACK_SIGNING_SECRET", expose(secret).to_owned()));
        }
        if let Some(token) = &slack.app_token {
            vars.push(("SLACK_APP_TOKEN", expose(token).to_owned()));
        }
        if let Some(app_id) = &slack.app_id {
            vars.push(("SLACK_APP_ID", app_id.clone()));
        }
        vars.push(("SLACK_API_URL", slack.api_url.to_string()));
    }
    if let Some(teams) = &settings.teams {
        vars.extend([
            ("MICROSOFT_APP_ID", teams.app_id.clone()),
            (
                "MICROSOFT_APP_PASSWORD",
                expose(&teams.app_password).to_owned(),
            ),
            ("MICROSOFT_APP_TENANT_ID", teams.tenant_id.clone()),
            (
                "TEAMS_OPENID_METADATA_URL",
                teams.openid_metadata_url.to_string(),
            ),
            ("TEAMS_LOGIN_URL", teams.login_url.to_string()),
            ("TEAMS_SERVICE_URL", teams.service_url.to_string()),
        ]);
    }
    let platforms: Vec<&str> = settings.chat_platforms.iter().map(|p| p.name()).collect();
    vars.push(("CHAT_PLATFORMS", platforms.join(",")));
    vars.extend([
        ("COUPA_INSTANCE_URL", coupa.instance_url.to_string()),
        ("COUPA_CLIENT_ID", coupa.client_id.clone()),
        (
            "COUPA_CLIENT_SECRET",
            expose(&coupa.client_secret).to_owned(),
        ),
        ("COUPA_SCOPES", coupa.scopes.join(" ")),
        ("COUPA_TOKEN_URL", coupa.token_url.to_string()),
        ("COUPA_MAX_RPS", coupa.max_rps.to_string()),
    ]);
    if let Some(url) = &settings.store.redis_url {
        vars.push(("REDIS_URL", expose(url).to_owned()));
    }
    if let Some(path) = &settings.store.redis_ca_file {
        vars.push(("REDIS_CA_FILE", path.display().to_string()));
    }
    vars.extend([
        ("REDIS_KEY_PREFIX", settings.store.key_prefix.clone()),
        ("BIND_ADDR", settings.bind_addr.to_string()),
    ]);
    if let Some(url) = &settings.public_url {
        vars.push(("PUBLIC_URL", url.to_string()));
    }
    if let Some(addr) = settings.metrics_addr {
        vars.push(("METRICS_ADDR", addr.to_string()));
    }
    vars.extend([
        (
            "SYNC_INTERVAL_SECS",
            settings.sync_interval.as_secs().to_string(),
        ),
        (
            "BUTTON_TTL_HOURS",
            (settings.button_ttl.as_secs() / 3600).to_string(),
        ),
    ]);
    if let Some(amount) = settings.confirm_above_amount {
        vars.push(("CONFIRM_ABOVE_AMOUNT", amount.to_string()));
    }
    vars.push(("DIGEST_ABOVE", settings.digest_above.to_string()));
    let log_format = match settings.log_format {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    };
    vars.push(("LOG_FORMAT", log_format.to_owned()));
    vars
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rust_decimal::Decimal;
    use url::Url;

    use super::*;
    use crate::config::{CoupaSettings, SlackSettings, StoreSettings, TeamsSettings};

    fn read_back(settings: &Settings) -> Settings {
        let vars = variables(settings);
        Settings::from_lookup(&|name| {
            vars.iter()
                .find(|(variable, _)| *variable == name)
                .map(|(_, value)| value.clone())
        })
        .unwrap()
    }

    fn secrets(s: &Settings) -> Vec<String> {
        let optional = |secret: &Option<secrecy::SecretString>| {
            secret
                .as_ref()
                .map(|s| expose(s).to_owned())
                .unwrap_or_default()
        };
        let mut secrets = Vec::new();
        if let Some(slack) = &s.slack {
            secrets.extend([
                expose(&slack.bot_token).to_owned(),
                optional(&slack.signing_secret),
                optional(&slack.app_token),
            ]);
        }
        if let Some(teams) = &s.teams {
            secrets.push(expose(&teams.app_password).to_owned());
        }
        secrets.extend([
            expose(&s.coupa.client_secret).to_owned(),
            optional(&s.store.redis_url),
        ]);
        secrets
    }

    #[test]
    fn settings_read_back_from_their_variables_unchanged() {
        let mut settings = Settings::new(
            SlackSettings::new("xoxb-sandbox", "signing"),
            CoupaSettings::new(Url::parse("http://127.0.0.1:4000").unwrap(), "id", "secret"),
        );
        let slack = settings.slack.as_mut().unwrap();
        slack.api_url = Url::parse("http://127.0.0.1:4001/api").unwrap();
        slack.app_id = Some("A0SANDBOX".into());
        settings.coupa.max_rps = 25;
        settings.store = StoreSettings::redis("redis://:pw@127.0.0.1:6379/1", "world");
        settings.bind_addr = "127.0.0.1:0".parse().unwrap();
        settings.metrics_addr = Some("127.0.0.1:9090".parse().unwrap());
        settings.sync_interval = Duration::from_secs(2);
        settings.button_ttl = Duration::from_secs(3600);
        settings.confirm_above_amount = Some(Decimal::new(1_000_050, 2));
        settings.log_format = LogFormat::Json;

        let read = read_back(&settings);
        assert_eq!(format!("{read:?}"), format!("{settings:?}"));
        assert_eq!(secrets(&read), secrets(&settings));
    }

    #[test]
    fn defaults_and_socket_mode_read_back_unchanged() {
        let mut settings = Settings::new(
            SlackSettings::new("xoxb-sandbox", "signing"),
            CoupaSettings::new(Url::parse("https://acme.coupahost.com").unwrap(), "id", "s"),
        );
        let slack = settings.slack.as_mut().unwrap();
        slack.signing_secret = None;
        slack.app_token = Some("xapp-1-socket".into());
        let read = read_back(&settings);
        assert_eq!(format!("{read:?}"), format!("{settings:?}"));
        assert_eq!(secrets(&read), secrets(&settings));
    }

    #[test]
    fn teams_beside_slack_and_teams_alone_read_back_unchanged() {
        let coupa =
            CoupaSettings::new(Url::parse("https://acme.coupahost.com").unwrap(), "id", "s");
        let mut teams = TeamsSettings::new(
            "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b",
            "teams-password",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
        );
        teams.login_url = Url::parse("http://127.0.0.1:4002/").unwrap();
        teams.service_url = Url::parse("http://127.0.0.1:4003/teams/").unwrap();
        let both = Settings::new(SlackSettings::new("xoxb-sandbox", "signing"), coupa.clone())
            .with_teams(teams.clone());
        let alone = Settings::for_teams(teams, coupa);
        for settings in [both, alone] {
            let read = read_back(&settings);
            assert_eq!(format!("{read:?}"), format!("{settings:?}"));
            assert_eq!(secrets(&read), secrets(&settings));
        }
    }
}
