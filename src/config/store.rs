//! Where the bot keeps its state: Redis (optionally over TLS with a private CA) or the embedded
//! in-memory store, and the prefix of every key.

use secrecy::SecretString;
use url::Url;

use super::reader::Reader;

/// Namespace of every store key when `REDIS_KEY_PREFIX` is not set.
pub const DEFAULT_REDIS_KEY_PREFIX: &str = "coupa-approvals";
/// State store settings.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// `REDIS_URL`; `None` selects the embedded in-memory store. Secret because it may carry a
    /// password.
    pub redis_url: Option<SecretString>,
    /// `REDIS_CA_FILE`: PEM certificates a `rediss://` server's certificate must chain to, for a
    /// Redis behind a private CA; `None` trusts this host's CA certificates.
    pub redis_ca_file: Option<std::path::PathBuf>,
    /// `REDIS_KEY_PREFIX`: every key lives under it.
    pub key_prefix: String,
}

impl Default for StoreSettings {
    /// The embedded in-memory store under [`DEFAULT_REDIS_KEY_PREFIX`].
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_ca_file: None,
            key_prefix: DEFAULT_REDIS_KEY_PREFIX.to_owned(),
        }
    }
}

impl StoreSettings {
    /// Redis at `url`, every key under `key_prefix`.
    pub fn redis(url: impl Into<SecretString>, key_prefix: impl Into<String>) -> Self {
        Self {
            redis_url: Some(url.into()),
            redis_ca_file: None,
            key_prefix: key_prefix.into(),
        }
    }
}

/// Reads the store's variables; a bad value is reported and the rest kept.
pub(super) fn read(r: &mut Reader<'_>) -> StoreSettings {
    let redis_url = match r.get("REDIS_URL") {
        None => None,
        Some(value) => match Url::parse(&value) {
            Ok(url) if matches!(url.scheme(), "redis" | "rediss" | "unix" | "redis+unix") => {
                Some(SecretString::from(value))
            }
            _ => {
                // The value may hold a password: never echo it.
                r.problem("REDIS_URL", "must be a Redis URL like `redis://host:6379` or `rediss://user:pass@host:6380/0`");
                None
            }
        },
    };
    let redis_ca_file = r.get("REDIS_CA_FILE").map(std::path::PathBuf::from);
    if let Some(path) = &redis_ca_file
        && !path.is_file()
    {
        r.problem(
            "REDIS_CA_FILE",
            format!(
                "must name a readable PEM file; `{}` is not a file",
                path.display()
            ),
        );
    }
    let key_prefix = r
        .get("REDIS_KEY_PREFIX")
        .unwrap_or_else(|| DEFAULT_REDIS_KEY_PREFIX.into());
    if key_prefix.chars().any(char::is_whitespace) {
        r.problem(
            "REDIS_KEY_PREFIX",
            format!("must not contain spaces; got `{key_prefix}`"),
        );
    }
    StoreSettings {
        redis_url,
        redis_ca_file,
        key_prefix,
    }
}
