//! Settings as the environment variables that give them: what a `coupa-approvals` process that a
//! test or a tool starts needs in order to run in a simulated world. The inverse of
//! [`Settings::from_lookup`] (a test below holds the two to each other), so the environment
//! reader stays the one place that reads variables.

use crate::config::{LogFormat, Settings, expose};

/// Every variable `settings` needs, by name. Durations go whole: the sync interval in seconds,
/// the button lifetime in hours, as the variables count them.
pub fn variables(settings: &Settings) -> Vec<(&'static str, String)> {
    let slack = &settings.slack;
    let coupa = &settings.coupa;
    let mut vars = vec![("SLACK_BOT_TOKEN", expose(&slack.bot_token).to_owned())];
    if let Some(secret) = &slack.signing_secret {
        vars.push(("SLACK_SIGNING_SECRET", expose(secret).to_owned()));
    }
    if let Some(token) = &slack.app_token {
        vars.push(("SLACK_APP_TOKEN", expose(token).to_owned()));
    }
    vars.extend([
        ("SLACK_API_URL", slack.api_url.to_string()),
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
    use crate::config::{CoupaSettings, SlackSettings, StoreSettings};

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
        vec![
            expose(&s.slack.bot_token).to_owned(),
            optional(&s.slack.signing_secret),
            optional(&s.slack.app_token),
            expose(&s.coupa.client_secret).to_owned(),
            optional(&s.store.redis_url),
        ]
    }

    #[test]
    fn settings_read_back_from_their_variables_unchanged() {
        let mut settings = Settings::new(
            SlackSettings::new("xoxb-sandbox", "signing"),
            CoupaSettings::new(Url::parse("http://127.0.0.1:4000").unwrap(), "id", "secret"),
        );
        settings.slack.api_url = Url::parse("http://127.0.0.1:4001/api").unwrap();
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
        settings.slack.signing_secret = None;
        settings.slack.app_token = Some("xapp-1-socket".into());
        let read = read_back(&settings);
        assert_eq!(format!("{read:?}"), format!("{settings:?}"));
        assert_eq!(secrets(&read), secrets(&settings));
    }
}
