//! Coupa's settings: the instance, the OAuth2 client that acts for the bot, its scopes and token
//! endpoint, and the ceiling on calls per second.

use secrecy::SecretString;
use url::Url;

use super::reader::Reader;

/// Scopes the Coupa OAuth client needs when `COUPA_SCOPES` is not set.
pub const DEFAULT_COUPA_SCOPES: &str = "core.approval.read core.approval.write core.requisition.read core.user.read core.user_group.read";
/// Where Coupa's token endpoint sits under the instance URL when `COUPA_TOKEN_URL` is not set.
pub const COUPA_TOKEN_PATH: &str = "/oauth2/token";
/// Coupa calls per second for the whole process when `COUPA_MAX_RPS` is not set.
pub const DEFAULT_COUPA_MAX_RPS: u32 = 20;
/// The highest `COUPA_MAX_RPS` accepted: Coupa's own limit per instance.
pub const MAX_COUPA_MAX_RPS: u32 = 25;
/// Coupa settings.
#[derive(Debug, Clone)]
pub struct CoupaSettings {
    /// `COUPA_INSTANCE_URL`, without a trailing slash.
    pub instance_url: Url,
    /// `COUPA_CLIENT_ID`.
    pub client_id: String,
    /// `COUPA_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `COUPA_SCOPES`, split on whitespace.
    pub scopes: Vec<String>,
    /// `COUPA_TOKEN_URL`.
    pub token_url: Url,
    /// `COUPA_MAX_RPS`: ceiling on Coupa calls per second for the whole process.
    pub max_rps: u32,
}

impl CoupaSettings {
    /// The instance at `instance_url` with the OAuth client `client_id` / `client_secret`; the
    /// default scopes, token endpoint ([`Self::token_url_for`]) and rate limit.
    pub fn new(
        instance_url: Url,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        let instance_url = without_trailing_slash(instance_url);
        Self {
            token_url: Self::token_url_for(&instance_url),
            instance_url,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: DEFAULT_COUPA_SCOPES
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            max_rps: DEFAULT_COUPA_MAX_RPS,
        }
    }

    /// The token endpoint of the instance at `instance_url`: [`COUPA_TOKEN_PATH`] under it.
    pub fn token_url_for(instance_url: &Url) -> Url {
        let mut url = instance_url.clone();
        let path = format!("{}{COUPA_TOKEN_PATH}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        url
    }
}

/// Reads Coupa's variables: its settings, or `None` with the problems reported.
pub(super) fn read(r: &mut Reader<'_>) -> Option<CoupaSettings> {
    let instance = r.required(
        "COUPA_INSTANCE_URL",
        "your Coupa address, like https://acme.coupahost.com",
    );
    let instance_url = r
        .url("COUPA_INSTANCE_URL", instance, "https://acme.coupahost.com")
        .map(without_trailing_slash);
    let client_id = r.required(
        "COUPA_CLIENT_ID",
        "the OAuth2 client id from Coupa Setup → Oauth2/OpenID Connect Clients",
    );
    let client_secret = r
        .required(
            "COUPA_CLIENT_SECRET",
            "the OAuth2 client secret of that client",
        )
        .map(SecretString::from);
    let scopes: Vec<String> = r
        .get("COUPA_SCOPES")
        .unwrap_or_else(|| DEFAULT_COUPA_SCOPES.to_owned())
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let token_url = match r.get("COUPA_TOKEN_URL") {
        Some(value) => r.url(
            "COUPA_TOKEN_URL",
            Some(value),
            "https://acme.coupahost.com/oauth2/token",
        ),
        None => instance_url.as_ref().map(CoupaSettings::token_url_for),
    };
    let max_rps = r.whole_number(
        "COUPA_MAX_RPS",
        DEFAULT_COUPA_MAX_RPS.into(),
        1..=MAX_COUPA_MAX_RPS.into(),
    );
    Some(CoupaSettings {
        instance_url: instance_url?,
        client_id: client_id?,
        client_secret: client_secret?,
        scopes,
        token_url: token_url?,
        // Within 1..=MAX_COUPA_MAX_RPS, checked above.
        max_rps: u32::try_from(max_rps?).ok()?,
    })
}

fn without_trailing_slash(mut url: Url) -> Url {
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(if path.is_empty() { "/" } else { &path });
    url
}
