//! Logs (tracing, text or JSON), errors as logs show them (with their causes), and metrics (a
//! process-wide Prometheus recorder).

use std::error::Error;
use std::fmt;
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Instant;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global tracing subscriber. `RUST_LOG` filters (default `info`).
///
/// Safe to call more than once (tests do): later calls keep the first subscriber.
pub fn init_logging(format: LogFormat) {
    init_logging_quieting(format, &[]);
}

/// [`init_logging`], with `targets` logging errors only, whatever `RUST_LOG` says: for a command
/// that reports itself what those targets would warn about (`check`).
pub fn init_logging_quieting(format: LogFormat, targets: &[&str]) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
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
    fn a_chain_names_every_cause_once() {
        let err = Outer(Middle(std::io::Error::other("port 6379")));
        assert_eq!(
            chain(&err).to_string(),
            "state store unavailable: connection refused: port 6379"
        );
    }
}
