//! Slack's settings: the bot token, how requests arrive (signed HTTP or Socket Mode), the Web API
//! base. Slack is on when its bot token is set; any other Slack credential without one is a
//! problem, since the admin evidently meant to use Slack.

use secrecy::SecretString;
use url::Url;

use super::platforms::Section;
use super::reader::Reader;

/// Slack's Web API base when `SLACK_API_URL` is not set.
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";

/// The variables that say Slack is meant to be used; `SLACK_API_URL` is not one, since it has a
/// default that a copied `.env.example` sets.
const SLACK_CREDENTIALS: &[&str] = &[
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_APP_ID",
];

/// Slack settings.
#[derive(Debug, Clone)]
pub struct SlackSettings {
    /// `SLACK_BOT_TOKEN`, `xoxb-…`.
    pub bot_token: SecretString,
    /// `SLACK_SIGNING_SECRET`; required unless Socket Mode is on.
    pub signing_secret: Option<SecretString>,
    /// `SLACK_APP_TOKEN`, `xapp-…`; when set, Socket Mode replaces the HTTP routes.
    pub app_token: Option<SecretString>,
    /// `SLACK_API_URL`, the Web API base.
    pub api_url: Url,
    /// `SLACK_APP_ID`, the app's id (`A…`): when set, a request from Slack that names another
    /// app is refused. The workspace is checked in any case, against `auth.test`.
    pub app_id: Option<String>,
}

impl SlackSettings {
    /// HTTP mode against Slack's own Web API: requests arrive at the app's `/slack/*` routes,
    /// signed with `signing_secret`. Set [`api_url`](Self::api_url) to talk to another Web API.
    pub fn new(
        bot_token: impl Into<SecretString>,
        signing_secret: impl Into<SecretString>,
    ) -> Self {
        Self {
            bot_token: bot_token.into(),
            signing_secret: Some(signing_secret.into()),
            app_token: None,
            api_url: default_slack_api_url(),
            app_id: None,
        }
    }

    /// Whether events arrive over Socket Mode rather than HTTP.
    pub fn socket_mode(&self) -> bool {
        self.app_token.is_some()
    }
}

/// Reads Slack's variables: absent when none of its credentials is set.
pub(super) fn read(r: &mut Reader<'_>) -> Section<SlackSettings> {
    if SLACK_CREDENTIALS
        .iter()
        .all(|variable| r.get(variable).is_none())
    {
        return Section::Absent;
    }
    let problems_before = r.problems.len();
    let bot_token = r.required(
        "SLACK_BOT_TOKEN",
        "the bot token (xoxb-…) from the Slack app's OAuth page, or unset the other SLACK_ variables to run without Slack",
    );
    let bot_token =
        r.secret_with_prefix("SLACK_BOT_TOKEN", bot_token, "xoxb-", "a Slack bot token");
    let app_token = r.get("SLACK_APP_TOKEN");
    let app_token = r.secret_with_prefix(
        "SLACK_APP_TOKEN",
        app_token,
        "xapp-",
        "a Slack app-level token",
    );
    let socket_mode = r.get("SLACK_APP_TOKEN").is_some();
    let signing_secret = if socket_mode {
        r.get("SLACK_SIGNING_SECRET").map(SecretString::from)
    } else {
        r.required(
            "SLACK_SIGNING_SECRET",
            "the signing secret from the Slack app's Basic Information page (or set SLACK_APP_TOKEN for Socket Mode)",
        )
        .map(SecretString::from)
    };
    // Slack's app ids are an `A` and upper-case letters and digits (`A0123456789`).
    let app_id = r.get("SLACK_APP_ID").filter(|id| {
        id.len() >= 2
            && id.starts_with('A')
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    });
    if r.get("SLACK_APP_ID").is_some() && app_id.is_none() {
        r.problem(
            "SLACK_APP_ID",
            "must be the App ID from the Slack app's Basic Information page, like `A0123456789`",
        );
    }
    let api_url = r
        .get("SLACK_API_URL")
        .or_else(|| Some(DEFAULT_SLACK_API_URL.into()));
    let api_url = r.url("SLACK_API_URL", api_url, DEFAULT_SLACK_API_URL);

    match (bot_token, api_url) {
        (Some(bot_token), Some(api_url)) if r.problems.len() == problems_before => {
            Section::Ready(SlackSettings {
                bot_token,
                signing_secret,
                app_token,
                api_url,
                app_id,
            })
        }
        _ => Section::Broken,
    }
}

fn default_slack_api_url() -> Url {
    // A constant of this file, not input: a unit test shows that it parses.
    Url::parse(DEFAULT_SLACK_API_URL).expect("DEFAULT_SLACK_API_URL is a URL")
}
