//! Which Bot Connector service URLs the bot's token may be sent to, and how a service URL and an
//! id become a request address.
//!
//! The token lets whoever holds it post as the bot, so it goes only to service URLs the bot has
//! reason to trust: the configured default, and those passed to [`TrustedUrls::trust`] (the
//! `serviceUrl` of a verified activity, or of a contact stored from one). Service URLs are
//! compared normalized ([`normalize`]): scheme and host lowercased, default port dropped,
//! trailing `/` trimmed. Only https is accepted, except for a loopback host (tests, the demo).

use std::collections::HashSet;
use std::sync::{PoisonError, RwLock};

use url::Url;

use super::error::ConnectorError;

/// A service URL in its normalized form: `https://host[:port]/path` without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceUrl(String);

impl ServiceUrl {
    /// The normalized form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `service_url` normalized, or why it cannot be a service URL.
pub fn normalize(service_url: &str) -> Result<ServiceUrl, ConnectorError> {
    let invalid = |reason| ConnectorError::InvalidServiceUrl {
        service_url: service_url.to_owned(),
        reason,
    };
    // The url crate lowercases scheme and host and drops a default port.
    let url = Url::parse(service_url.trim()).map_err(|_| invalid("not a URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(invalid("plain http is accepted for a loopback host only")),
        _ => return Err(invalid("not an https URL")),
    }
    if url.host().is_none() {
        return Err(invalid("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it carries credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment"));
    }
    let text = url.as_str().trim_end_matches('/');
    Ok(ServiceUrl(text.to_owned()))
}

/// Whether `url`'s host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            name.trim_end_matches('.').eq_ignore_ascii_case("localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The service URLs the token may be sent to. Only verified activities (from Microsoft) and the
/// configuration add to it, and Microsoft uses a handful of regional service URLs, so it stays
/// small.
#[derive(Debug, Default)]
pub struct TrustedUrls {
    trusted: RwLock<HashSet<ServiceUrl>>,
}

impl TrustedUrls {
    /// Trusts `service_url` from now on.
    pub fn trust(&self, service_url: ServiceUrl) {
        self.trusted
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(service_url);
    }

    /// `service_url` normalized, if it is trusted; no request may be made otherwise.
    pub fn check(&self, service_url: &str) -> Result<ServiceUrl, ConnectorError> {
        let normalized = normalize(service_url)?;
        let trusted = self
            .trusted
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&normalized);
        if trusted {
            Ok(normalized)
        } else {
            Err(ConnectorError::UntrustedServiceUrl {
                service_url: service_url.to_owned(),
            })
        }
    }
}

/// `id` as one path segment, encoded as `encodeURIComponent` does (the Bot Framework SDKs' way):
/// conversation ids hold `:`, `;` and `@`. An empty id, or one of dots only (which a URL parser
/// would read as "this" or "parent" directory, encoded or not), is refused.
pub fn segment(what: &'static str, id: &str) -> Result<String, ConnectorError> {
    if id.is_empty() || id.chars().all(|c| c == '.') {
        return Err(ConnectorError::InvalidId {
            what,
            value: id.to_owned(),
        });
    }
    let mut encoded = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_compare_with_case_default_port_and_trailing_slash_ignored() {
        let expected = "https://smba.trafficmanager.net/teams";
        for given in [
            "https://smba.trafficmanager.net/teams/",
            "HTTPS://SMBA.TrafficManager.NET/teams",
            "https://smba.trafficmanager.net:443/teams/",
            " https://smba.trafficmanager.net/teams// ",
        ] {
            assert_eq!(normalize(given).unwrap().as_str(), expected, "{given}");
        }
        assert_eq!(
            normalize("https://smba.trafficmanager.net/")
                .unwrap()
                .as_str(),
            "https://smba.trafficmanager.net"
        );
        assert_eq!(
            normalize("http://127.0.0.1:8080/teams/").unwrap().as_str(),
            "http://127.0.0.1:8080/teams"
        );
    }

    #[test]
    fn a_path_that_differs_is_another_service_url() {
        let trusted = TrustedUrls::default();
        trusted.trust(normalize("https://smba.trafficmanager.net/emea/").unwrap());
        assert!(
            trusted
                .check("https://SMBA.trafficmanager.net/emea")
                .is_ok()
        );
        assert!(matches!(
            trusted.check("https://smba.trafficmanager.net/amer/"),
            Err(ConnectorError::UntrustedServiceUrl { .. })
        ));
        assert!(matches!(
            trusted.check("https://smba.trafficmanager.net.evil.example/emea/"),
            Err(ConnectorError::UntrustedServiceUrl { .. })
        ));
    }

    #[test]
    fn plain_http_credentials_and_queries_are_never_service_urls() {
        for given in [
            "http://smba.trafficmanager.net/teams/",
            "ftp://smba.trafficmanager.net/",
            "https://user:pw@smba.trafficmanager.net/",
            "https://smba.trafficmanager.net/?x=1",
            "https://smba.trafficmanager.net/#x",
            "not a url",
        ] {
            assert!(
                matches!(
                    normalize(given),
                    Err(ConnectorError::InvalidServiceUrl { .. })
                ),
                "{given}"
            );
        }
    }

    #[test]
    fn ids_are_encoded_as_one_path_segment() {
        assert_eq!(
            segment("conversation", "a:1x;messageid=2@thread.v2/..").unwrap(),
            "a%3A1x%3Bmessageid%3D2%40thread.v2%2F.."
        );
        assert_eq!(segment("user", "29:1AbC-_").unwrap(), "29%3A1AbC-_");
        for id in ["", ".", ".."] {
            assert!(matches!(
                segment("activity", id),
                Err(ConnectorError::InvalidId { .. })
            ));
        }
    }
}
