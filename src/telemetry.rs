//! Logs (tracing, text or JSON), errors as logs show them (with their causes), and metrics (a
//! process-wide Prometheus recorder).
//!
//! Logs carry no approver email and no whole Slack or Coupa payload at `info` or `debug`: people
//! are named by chat or Coupa id, an email by [`email`] (its domain and a short hash), payloads
//! only at `trace`. slack-morphism logs every Web API URL at `debug`, `users.lookupByEmail?email=…`
//! included, so [`log_filter`] keeps it at `info` unless `RUST_LOG` names it.

use std::error::Error;
use std::fmt;
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Instant;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter when `RUST_LOG` is unset.
pub const DEFAULT_LOG_FILTER: &str = "info";

/// The dependency whose `debug` lines carry emails (in request URLs).
const CHATTY_DEPENDENCY: &str = "slack_morphism";

/// The log filter for a `RUST_LOG` value (`None` or blank: [`DEFAULT_LOG_FILTER`]; malformed:
/// the default too). slack-morphism is held at `info` unless the value names it, so that
/// `RUST_LOG=debug` does not put approvers' emails in the log.
pub fn log_filter(rust_log: Option<&str>) -> EnvFilter {
    let spec = rust_log
        .map(str::trim)
        .filter(|spec| !spec.is_empty())
        .unwrap_or(DEFAULT_LOG_FILTER);
    let mut filter =
        EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    if !spec.contains(CHATTY_DEPENDENCY)
        && let Ok(directive) = format!("{CHATTY_DEPENDENCY}=info").parse()
    {
        filter = filter.add_directive(directive);
    }
    filter
}

/// An email as logs show it: the domain and a short hash of the whole address
/// (`…@acme.com#3f2a9c1e`), enough to tell two people apart or find one whose address is known,
/// without writing the address itself.
pub fn email(email: &str) -> LoggedEmail {
    use sha2::{Digest, Sha256};
    let normalized = crate::domain::normalize_email(email);
    let digest = Sha256::digest(normalized.as_bytes());
    let hash = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let domain = normalized
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_owned())
        .unwrap_or_default();
    LoggedEmail { domain, hash }
}

/// An email reduced to what logs may show; see [`email`].
pub struct LoggedEmail {
    domain: String,
    hash: String,
}

impl fmt::Display for LoggedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "…@{}#{}", self.domain, self.hash)
    }
}

/// Installs the global tracing subscriber. `RUST_LOG` filters ([`log_filter`], default `info`).
///
/// Safe to call more than once (tests do): later calls keep the first subscriber.
pub fn init_logging(format: LogFormat) {
    init_logging_quieting(format, &[]);
}

/// [`init_logging`], with `targets` logging errors only, whatever `RUST_LOG` says: for a command
/// that reports itself what those targets would warn about (`check`).
pub fn init_logging_quieting(format: LogFormat, targets: &[&str]) {
    let mut filter = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    for target in targets {
        match format!("{target}=error").parse() {
            Ok(directive) => filter = filter.add_directive(directive),
            // Only a malformed target name gets here; logging more is the safe side.
            Err(_) => continue,
        }
    }
    // Colour codes only for a person at a terminal, never in collected logs.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// `err` and its causes, for a log field or a report: `error = %telemetry::chain(&err)`.
pub fn chain<'a>(err: &'a (dyn Error + 'static)) -> ErrorChain<'a> {
    ErrorChain(err)
}

/// An error with its causes, written `message: cause: root cause`. A cause whose words the text
/// already carries (a message that quotes its source) is not repeated.
pub struct ErrorChain<'a>(&'a (dyn Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let words = cause.to_string();
            if !text.contains(&words) {
                text.push_str(": ");
                text.push_str(&words);
            }
            source = cause.source();
        }
        f.write_str(&text)
    }
}

struct Metrics {
    handle: PrometheusHandle,
    started: Instant,
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// The process-wide metrics recorder, installed on first use.
///
/// `metrics::counter!` and friends write to the global recorder, so there is exactly one per
/// process; every app instance in the process (tests start several) renders the same registry.
fn metrics() -> &'static Metrics {
    METRICS.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Fails only when another recorder is already installed; ours then stays unused and
        // `/metrics` renders nothing, which the metrics test would show.
        let _ = metrics::set_global_recorder(recorder);
        Metrics {
            handle,
            started: Instant::now(),
        }
    })
}

/// Installs the recorder now so that metrics recorded at start-up are kept.
pub fn init_metrics() {
    metrics();
}

/// Renders every metric in Prometheus text format, with the process uptime refreshed.
pub fn render_metrics() -> String {
    let m = metrics();
    metrics::gauge!("process_uptime_seconds").set(m.started.elapsed().as_secs_f64());
    m.handle.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("state store unavailable")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("connection refused: {0}")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn a_logged_email_shows_its_domain_and_a_stable_hash_never_the_address() {
        let logged = email(" Jane.Doe@Acme.com ").to_string();
        assert!(logged.starts_with("…@acme.com#"), "{logged}");
        assert!(!logged.to_lowercase().contains("jane"), "{logged}");
        assert_eq!(logged, email("jane.doe@acme.com").to_string());
        assert_ne!(logged, email("john@acme.com").to_string());
    }

    #[test]
    fn slack_morphism_stays_at_info_unless_rust_log_names_it() {
        let shown = |filter: EnvFilter| filter.to_string();
        assert!(shown(log_filter(None)).contains("slack_morphism=info"));
        assert!(shown(log_filter(Some("debug"))).contains("slack_morphism=info"));
        assert!(shown(log_filter(Some("  "))).contains("info"));
        let named = shown(log_filter(Some("debug,slack_morphism=trace")));
        assert!(named.contains("slack_morphism=trace"), "{named}");
        assert!(!named.contains("slack_morphism=info"), "{named}");
    }

    #[test]
    fn a_chain_names_every_cause_once() {
        let err = Outer(Middle(std::io::Error::other("port 6379")));
        assert_eq!(
            chain(&err).to_string(),
            "state store unavailable: connection refused: port 6379"
        );
    }
}
