//! Reading the Bot Framework's signing keys: the OpenID metadata document first, then the JWKS at
//! the `jwks_uri` it names, each answer read up to [`MAX_KEYS_ANSWER_BYTES`].
//!
//! The client is `reqwest` built as the Coupa client builds it (the same TLS stack and system
//! roots), with short timeouts because a request waiting for the keys is a Teams activity waiting
//! for its answer. Redirects are not followed: the keys come from the address configured or named
//! by that document, nowhere else. A document fetched over HTTPS may not send the bot to plain
//! HTTP for the keys.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::key_set::{JwksProblem, KeySet};
use crate::coupa::body::{ReadError, read_capped, size_words};
use crate::transport_cause::{Timeouts, TransportCause};

/// The largest answer read from the metadata or keys address: 256 KiB. Microsoft's JWKS, a dozen
/// keys each with its certificate chain, is some tens of kilobytes.
pub const MAX_KEYS_ANSWER_BYTES: usize = 256 * 1024;

/// Limit on connecting to the metadata or keys address.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Limit on each of the two requests, body included: an activity may be waiting for them.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the signing keys could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyFetchError {
    /// The HTTP client could not be built (the system's TLS roots could not be loaded).
    #[error("could not set up the HTTP client that reads the Bot Framework signing keys")]
    Setup(#[source] reqwest::Error),
    /// No answer (DNS, refused, TLS, timeout).
    #[error("could not read {url}: {cause}")]
    Unreachable {
        /// What was asked for.
        url: String,
        /// Why there was no answer.
        cause: Box<TransportCause>,
    },
    /// An answer other than 200 (a redirect included).
    #[error("{url} answered HTTP {status}")]
    Status {
        /// What was asked for.
        url: String,
        /// The status it answered with.
        status: u16,
    },
    /// The answer is larger than [`MAX_KEYS_ANSWER_BYTES`].
    #[error(
        "the answer from {url} is larger than {}; reading stopped there",
        size_words(MAX_KEYS_ANSWER_BYTES)
    )]
    TooLarge {
        /// What was asked for.
        url: String,
    },
    /// The metadata document is not JSON naming a `jwks_uri`.
    #[error("{url} is not an OpenID metadata document with a jwks_uri")]
    NotMetadata {
        /// The metadata address.
        url: String,
        /// What the JSON reader said.
        #[source]
        source: serde_json::Error,
    },
    /// The `jwks_uri` is not an absolute HTTP(S) URL.
    #[error("the jwks_uri {found:?} named by {url} is not an absolute HTTP(S) URL")]
    BadJwksUri {
        /// The metadata address.
        url: String,
        /// What it named.
        found: String,
    },
    /// A document read over HTTPS names keys over plain HTTP.
    #[error("{url} names keys over plain HTTP ({jwks_uri}); they are read only over HTTPS")]
    InsecureJwksUri {
        /// The metadata address.
        url: String,
        /// What it named.
        jwks_uri: String,
    },
    /// The keys document has no key this bot can use.
    #[error("the keys at {url} cannot be used")]
    Unusable {
        /// The keys address.
        url: String,
        /// What is wrong with them.
        #[source]
        problem: JwksProblem,
    },
}

/// The HTTP client the key cache reads with.
pub(super) fn http_client() -> Result<reqwest::Client, KeyFetchError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("coupa-approvals/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(KeyFetchError::Setup)
}

/// The part of the OpenID metadata document the bot reads.
#[derive(Deserialize)]
struct Metadata {
    jwks_uri: String,
}

/// Reads the metadata at `metadata_url`, then the keys it names.
pub(super) async fn read_keys(
    http: &reqwest::Client,
    metadata_url: &Url,
) -> Result<KeySet, KeyFetchError> {
    let body = get(http, metadata_url).await?;
    let metadata: Metadata =
        serde_json::from_slice(&body).map_err(|source| KeyFetchError::NotMetadata {
            url: metadata_url.to_string(),
            source,
        })?;
    let jwks_uri = keys_address(metadata_url, &metadata.jwks_uri)?;
    let body = get(http, &jwks_uri).await?;
    KeySet::from_jwks(&body).map_err(|problem| KeyFetchError::Unusable {
        url: jwks_uri.to_string(),
        problem,
    })
}

/// The `jwks_uri` named by the document at `metadata_url`, if the bot may read keys there.
fn keys_address(metadata_url: &Url, named: &str) -> Result<Url, KeyFetchError> {
    let bad = || KeyFetchError::BadJwksUri {
        url: metadata_url.to_string(),
        found: named.chars().take(200).collect(),
    };
    let jwks_uri = Url::parse(named).map_err(|_| bad())?;
    match (metadata_url.scheme(), jwks_uri.scheme()) {
        ("https", "http") => Err(KeyFetchError::InsecureJwksUri {
            url: metadata_url.to_string(),
            jwks_uri: jwks_uri.to_string(),
        }),
        (_, "http" | "https") => Ok(jwks_uri),
        _ => Err(bad()),
    }
}

/// `GET url`, answered 200, body read up to the cap.
async fn get(http: &reqwest::Client, url: &Url) -> Result<Vec<u8>, KeyFetchError> {
    let unreachable = |err: reqwest::Error| KeyFetchError::Unreachable {
        url: url.to_string(),
        cause: Box::new(TransportCause::of(
            &err,
            Timeouts {
                connect: Some(CONNECT_TIMEOUT),
                total: Some(REQUEST_TIMEOUT),
            },
        )),
    };
    let response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(unreachable)?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(KeyFetchError::Status {
            url: url.to_string(),
            status: response.status().as_u16(),
        });
    }
    read_capped(response, MAX_KEYS_ANSWER_BYTES)
        .await
        .map_err(|err| match err {
            ReadError::Transport(err) => unreachable(err),
            ReadError::TooLarge => KeyFetchError::TooLarge {
                url: url.to_string(),
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn keys_named_over_https_are_read_there() {
        let metadata = url("https://login.botframework.com/v1/.well-known/openidconfiguration");
        let keys = keys_address(
            &metadata,
            "https://login.botframework.com/v1/.well-known/keys",
        );
        assert_eq!(
            keys.unwrap().as_str(),
            "https://login.botframework.com/v1/.well-known/keys"
        );
    }

    #[test]
    fn a_document_read_over_https_may_not_name_keys_over_plain_http() {
        let metadata = url("https://login.botframework.com/v1/.well-known/openidconfiguration");
        let err = keys_address(&metadata, "http://login.botframework.com/keys").unwrap_err();
        assert!(
            matches!(err, KeyFetchError::InsecureJwksUri { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_jwks_uri_that_is_not_an_absolute_http_url_is_refused() {
        let metadata = url("http://127.0.0.1:9/openidconfiguration");
        for named in ["/keys", "file:///etc/keys.json", "not a url"] {
            let err = keys_address(&metadata, named).unwrap_err();
            assert!(matches!(err, KeyFetchError::BadJwksUri { .. }), "{named}");
        }
        assert!(keys_address(&metadata, "http://127.0.0.1:9/keys").is_ok());
    }
}
