//! Why an HTTP request got no answer, in words an admin can act on: the host name does not
//! resolve, nothing accepts connections at the address, the TLS handshake failed (and why), the
//! request timed out.
//!
//! A transport error says only "error sending request for url (…)" at the top; the cause is
//! further down its chain of sources. [`TransportCause::of`] walks that chain, reading the types
//! that are public (`std::io::Error` and its kind, `rustls::Error`, `reqwest::Error`) and, where
//! only a message is available (hyper-util's DNS failure), matching that message exactly. What it
//! cannot name is kept as the whole chain ([`crate::telemetry::chain`]), never dropped.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::CertificateError;
use url::Url;

/// The time limits a client was built with, so that a timeout can say how long it waited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Limit on establishing the connection (TCP and TLS), if any.
    pub connect: Option<Duration>,
    /// Limit on the whole request, body included, if any.
    pub total: Option<Duration>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportCause {
    /// The host name does not resolve (DNS).
    UnknownHost {
        /// The name that was looked up.
        host: String,
    },
    /// The address answered that nothing listens there.
    Refused {
        /// `host:port` that was tried.
        address: String,
    },
    /// This host has no route to the address (network or host unreachable).
    Unroutable {
        /// `host:port` that was tried.
        address: String,
    },
    /// No connection, or no answer, within the time limit.
    TimedOut {
        /// Whether it was the connection that timed out (nothing answered at all).
        connecting: bool,
        /// `host:port` that was tried.
        address: String,
        /// The limit that ran out, when known.
        after: Option<Duration>,
    },
    /// The TLS handshake failed.
    Tls {
        /// The host name the certificate had to be valid for.
        host: String,
        /// `host:port` that was tried.
        address: String,
        /// What was wrong.
        problem: TlsProblem,
    },
    /// The server closed or reset the connection before it answered.
    Closed {
        /// `host:port` that was tried.
        address: String,
    },
    /// Anything else: the error with all its causes.
    Other(String),
}

/// What made a TLS handshake fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate names other hosts.
    NotValidForHost,
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotValidYet,
    /// The certificate was issued by an authority this host does not trust.
    UnknownIssuer,
    /// The certificate has been revoked.
    Revoked,
    /// The server did not answer in TLS at all.
    NotTls,
    /// Another handshake failure, as rustls words it.
    Other(String),
}

impl TransportCause {
    /// The cause of a failed `reqwest` request, with the host and address taken from the URL the
    /// error carries (it has none after [`reqwest::Error::without_url`]: classify before).
    pub fn of(error: &reqwest::Error, timeouts: Timeouts) -> Self {
        Self::from_chain(error, error.url(), timeouts)
    }

    /// The cause in `error`'s chain of sources; `url` is what was asked for, when known.
    pub fn from_chain(
        error: &(dyn Error + 'static),
        url: Option<&Url>,
        timeouts: Timeouts,
    ) -> Self {
        let target = Target::from(url);
        let mut connecting = false;
        let mut timed_out = false;
        let mut io_kind = None;
        let mut dns = false;
        for cause in causes(error) {
            if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
                return TransportCause::Tls {
                    host: target.host,
                    address: target.address,
                    problem: TlsProblem::from(tls),
                };
            }
            if let Some(request) = cause.downcast_ref::<reqwest::Error>() {
                connecting |= request.is_connect();
                timed_out |= request.is_timeout();
            }
            if let Some(io) = cause.downcast_ref::<io::Error>() {
                // The innermost kind is the telling one: wrappers say `Other`.
                if io.kind() != io::ErrorKind::Other || io_kind.is_none() {
                    io_kind = Some(io.kind());
                }
            }
            // hyper-util's connector names a failed lookup "dns error"; its type is private, so
            // the message is all there is. The resolver's own message is the fallback.
            let words = cause.to_string();
            dns |=
                words == "dns error" || words.starts_with("failed to lookup address information");
        }
        if dns {
            return TransportCause::UnknownHost { host: target.host };
        }
        match io_kind {
            Some(io::ErrorKind::ConnectionRefused) => {
                return TransportCause::Refused {
                    address: target.address,
                };
            }
            Some(io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable) => {
                return TransportCause::Unroutable {
                    address: target.address,
                };
            }
            Some(io::ErrorKind::TimedOut) => timed_out = true,
            Some(
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof,
            ) if !timed_out => {
                return TransportCause::Closed {
                    address: target.address,
                };
            }
            _ => {}
        }
        if timed_out {
            let after = if connecting {
                timeouts.connect.or(timeouts.total)
            } else {
                timeouts.total
            };
            return TransportCause::TimedOut {
                connecting,
                address: target.address,
                after,
            };
        }
        TransportCause::Other(crate::telemetry::chain(error).to_string())
    }
}

impl fmt::Display for TransportCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportCause::UnknownHost { host } => write!(f, "cannot resolve {host}"),
            TransportCause::Refused { address } => write!(f, "connection refused by {address}"),
            TransportCause::Unroutable { address } => write!(f, "no network route to {address}"),
            TransportCause::TimedOut {
                connecting,
                address,
                after,
            } => {
                f.write_str("timed out")?;
                if *connecting {
                    write!(f, " connecting to {address}")?;
                }
                if let Some(after) = after {
                    write!(f, " after {}", seconds(*after))?;
                }
                Ok(())
            }
            TransportCause::Tls {
                host,
                address,
                problem,
            } => match problem {
                TlsProblem::NotValidForHost => write!(f, "TLS: certificate not valid for {host}"),
                TlsProblem::Expired => write!(f, "TLS: the certificate of {host} has expired"),
                TlsProblem::NotValidYet => write!(
                    f,
                    "TLS: the certificate of {host} is not valid yet (is this host's clock right?)"
                ),
                TlsProblem::UnknownIssuer => write!(
                    f,
                    "TLS: the certificate of {host} is issued by an authority this host does not trust"
                ),
                TlsProblem::Revoked => write!(f, "TLS: the certificate of {host} is revoked"),
                TlsProblem::NotTls => write!(
                    f,
                    "TLS: {address} did not answer in TLS (is it a plain http:// address?)"
                ),
                TlsProblem::Other(words) => write!(f, "TLS: {words}"),
            },
            TransportCause::Closed { address } => {
                write!(f, "{address} closed the connection without answering")
            }
            TransportCause::Other(words) => f.write_str(words),
        }
    }
}

impl From<&rustls::Error> for TlsProblem {
    fn from(error: &rustls::Error) -> Self {
        match error {
            rustls::Error::InvalidCertificate(certificate) => match certificate {
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsProblem::NotValidForHost,
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsProblem::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    TlsProblem::NotValidYet
                }
                CertificateError::UnknownIssuer => TlsProblem::UnknownIssuer,
                CertificateError::Revoked => TlsProblem::Revoked,
                other => TlsProblem::Other(format!("certificate rejected: {other:?}")),
            },
            // A plain-HTTP answer read as a TLS record has an unknown content type.
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                TlsProblem::NotTls
            }
            other => TlsProblem::Other(other.to_string()),
        }
    }
}

/// The host and `host:port` of the URL asked for, or a placeholder when it is unknown.
struct Target {
    host: String,
    address: String,
}

impl From<Option<&Url>> for Target {
    fn from(url: Option<&Url>) -> Self {
        let host = url.and_then(Url::host_str);
        match (host, url.and_then(Url::port_or_known_default)) {
            (Some(host), Some(port)) => Target {
                host: host.to_owned(),
                address: format!("{host}:{port}"),
            },
            (Some(host), None) => Target {
                host: host.to_owned(),
                address: host.to_owned(),
            },
            _ => Target {
                host: "the server".to_owned(),
                address: "the server".to_owned(),
            },
        }
    }
}

/// `error` and its sources, outermost first, including the error an `io::Error` or a shared
/// `Arc<dyn Error>` wraps (their `source` skips it: it returns the wrapped error's source, not
/// the error itself).
fn causes<'a>(error: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    type Shared = Arc<dyn Error + Send + Sync>;
    let mut found = Vec::new();
    let mut next = Some(error);
    // Bounded: a chain is a handful of errors; a cycle must not hang a report.
    while let Some(cause) = next.filter(|_| found.len() < 32) {
        found.push(cause);
        let wrapped = match cause.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn Error + 'static)),
            None => cause
                .downcast_ref::<Shared>()
                .map(|shared| shared.as_ref() as &(dyn Error + 'static)),
        };
        next = wrapped.or_else(|| cause.source());
    }
    found
}

/// `5 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain shaped like reqwest's for a failed TLS connection: the rustls error inside an
    /// `io::Error` inside another.
    #[derive(Debug, thiserror::Error)]
    #[error("error sending request")]
    struct Sending(#[source] io::Error);

    fn tls_failure(error: rustls::Error) -> Sending {
        Sending(io::Error::other(io::Error::new(
            io::ErrorKind::InvalidData,
            error,
        )))
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn a_certificate_for_another_host_is_named() {
        let error = tls_failure(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName,
        ));
        let cause = TransportCause::from_chain(
            &error,
            Some(&url("https://acme.coupahost.com/oauth2/token")),
            Timeouts::default(),
        );
        assert_eq!(
            cause.to_string(),
            "TLS: certificate not valid for acme.coupahost.com"
        );
    }

    #[test]
    fn other_certificate_problems_are_said_plainly() {
        let host = url("https://slack.com/api");
        let said = |problem: CertificateError| {
            TransportCause::from_chain(
                &tls_failure(rustls::Error::InvalidCertificate(problem)),
                Some(&host),
                Timeouts::default(),
            )
            .to_string()
        };
        assert_eq!(
            said(CertificateError::Expired),
            "TLS: the certificate of slack.com has expired"
        );
        assert_eq!(
            said(CertificateError::UnknownIssuer),
            "TLS: the certificate of slack.com is issued by an authority this host does not trust"
        );
        assert_eq!(
            said(CertificateError::NotValidYet),
            "TLS: the certificate of slack.com is not valid yet (is this host's clock right?)"
        );
    }

    #[test]
    fn a_plain_http_server_behind_https_is_named() {
        let error = tls_failure(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        let cause = TransportCause::from_chain(
            &error,
            Some(&url("https://127.0.0.1:8080/api")),
            Timeouts::default(),
        );
        assert_eq!(
            cause.to_string(),
            "TLS: 127.0.0.1:8080 did not answer in TLS (is it a plain http:// address?)"
        );
    }

    #[test]
    fn a_failed_lookup_names_the_host() {
        let error = Sending(io::Error::other(
            "failed to lookup address information: Name or service not known",
        ));
        let cause = TransportCause::from_chain(
            &error,
            Some(&url("https://something.invalid/oauth2/token")),
            Timeouts::default(),
        );
        assert_eq!(cause.to_string(), "cannot resolve something.invalid");
    }

    #[test]
    fn a_reset_connection_is_named_with_its_address() {
        let error = Sending(io::Error::other(io::Error::from(
            io::ErrorKind::ConnectionReset,
        )));
        let cause = TransportCause::from_chain(
            &error,
            Some(&url("https://coupa.example.com/api")),
            Timeouts::default(),
        );
        assert_eq!(
            cause.to_string(),
            "coupa.example.com:443 closed the connection without answering"
        );
    }

    #[test]
    fn what_cannot_be_named_keeps_every_cause() {
        let error = Sending(io::Error::other("something odd"));
        let cause = TransportCause::from_chain(&error, None, Timeouts::default());
        assert_eq!(cause.to_string(), "error sending request: something odd");
    }

    #[tokio::test]
    async fn a_silent_server_times_out_after_the_limit() {
        // Accepts connections and never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = silent.local_addr().unwrap();
        let timeouts = Timeouts {
            connect: Some(Duration::from_secs(5)),
            total: Some(Duration::from_millis(300)),
        };
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let error = client
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap_err();
        drop(silent);
        assert_eq!(
            TransportCause::of(&error, timeouts).to_string(),
            "timed out after 0.3 s"
        );
    }

    #[tokio::test]
    async fn https_to_a_plain_http_server_says_it_did_not_answer_in_tls() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = plain.local_addr().unwrap();
        tokio::spawn(async move {
            if let Ok((mut stream, _)) = plain.accept().await {
                let mut hello = [0u8; 1024];
                let _ = stream.read(&mut hello).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        let error = reqwest::get(format!("https://{address}/"))
            .await
            .unwrap_err();
        assert_eq!(
            TransportCause::of(&error, Timeouts::default()).to_string(),
            format!("TLS: {address} did not answer in TLS (is it a plain http:// address?)")
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_refused_at_its_address() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = reqwest::get(format!("http://{closed}/")).await.unwrap_err();
        assert_eq!(
            TransportCause::of(&error, Timeouts::default()).to_string(),
            format!("connection refused by {closed}")
        );
    }
}
