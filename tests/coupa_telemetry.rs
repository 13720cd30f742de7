//! The Coupa client's spans and metrics.
//!
//! Its own test binary: it installs a tracing subscriber and a metrics recorder, and tracing's
//! global callsite cache would let tests running in parallel in the same process hide events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use coupa_approvals::config::CoupaSettings;
use coupa_approvals::coupa::{CoupaClient, RetryPolicy};
use coupa_approvals::domain::ApprovalId;
use coupa_approvals::sandbox::fixtures::Coupa;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "s3cret-value";

fn client(server: &MockServer) -> CoupaClient {
    let settings = CoupaSettings::new(
        Url::parse(&server.uri()).unwrap(),
        "chat-approvals",
        CLIENT_SECRET,
    );
    CoupaClient::builder(&settings)
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .max_rps(10_000)
        .build()
        .unwrap()
}

/// A metric's name and labels.
type MetricKey = (String, Vec<(String, String)>);

/// Remembers the name and labels of every metric touched.
#[derive(Default, Clone)]
struct MetricLog(Arc<Mutex<Vec<MetricKey>>>);

impl MetricLog {
    fn log(&self, key: &metrics::Key) {
        let labels = key
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        self.0.lock().unwrap().push((key.name().to_owned(), labels));
    }

    fn entries(&self) -> Vec<MetricKey> {
        self.0.lock().unwrap().clone()
    }
}

impl metrics::Recorder for MetricLog {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }

    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        self.log(key);
        metrics::Counter::noop()
    }

    fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        self.log(key);
        metrics::Gauge::noop()
    }

    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        self.log(key);
        metrics::Histogram::noop()
    }
}

/// Collects formatted log output.
#[derive(Default, Clone)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_call_records_a_span_and_metrics_with_templated_endpoints_and_never_the_token() {
    let metrics_log = MetricLog::default();
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    tracing::subscriber::with_default(subscriber, || {
        metrics::with_local_recorder(&metrics_log, || {
            runtime.block_on(async {
                let server = MockServer::start().await;
                Mock::given(method("POST"))
                    .and(path("/oauth2/token"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                        "access_token": "tok-very-secret", "token_type": "bearer", "expires_in": 86399
                    })))
                    .mount(&server)
                    .await;
                Mock::given(method("GET"))
                    .and(path("/api/approvals/90211"))
                    .respond_with(
                        ResponseTemplate::new(200).set_body_json(Coupa::ApprovalUser.json()),
                    )
                    .mount(&server)
                    .await;
                Mock::given(method("PUT"))
                    .and(path("/api/approvals/90211/approve"))
                    .respond_with(
                        ResponseTemplate::new(200).set_body_json(Coupa::ApprovalApproved.json()),
                    )
                    .mount(&server)
                    .await;
                let coupa = client(&server);
                coupa.approval(ApprovalId(90211)).await.unwrap();
                coupa.approve(ApprovalId(90211), "ok").await.unwrap();
            })
        })
    });

    let entries = metrics_log.entries();
    let requests: Vec<_> = entries
        .iter()
        .filter(|(name, _)| name == "coupa_requests_total")
        .collect();
    let has = |labels: &[(String, String)], key: &str, value: &str| {
        labels.iter().any(|(k, v)| k == key && v == value)
    };
    for endpoint in [
        "/oauth2/token",
        "/api/approvals/:id",
        "/api/approvals/:id/approve",
    ] {
        assert!(
            requests
                .iter()
                .any(|(_, l)| has(l, "endpoint", endpoint) && has(l, "status", "200")),
            "no coupa_requests_total{{endpoint={endpoint},status=200}} in {entries:?}"
        );
    }
    assert!(
        entries
            .iter()
            .any(|(name, _)| name == "coupa_request_duration_seconds")
    );
    for (_, labels) in &entries {
        for (_, value) in labels {
            assert!(
                !value.contains("90211"),
                "raw id in a metric label: {value}"
            );
        }
    }

    let output = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for expected in [
        r#"method="GET" path="/api/approvals/90211" endpoint="/api/approvals/:id" attempt=1 status="200" duration_ms="#,
        r#"method="PUT" path="/api/approvals/90211/approve" endpoint="/api/approvals/:id/approve" attempt=1 status="200" duration_ms="#,
        r#"method="POST" path="/oauth2/token" attempt=1 status="200" duration_ms="#,
    ] {
        assert!(output.contains(expected), "{expected} not in {output}");
    }
    assert!(
        !output.contains("tok-very-secret"),
        "the token leaked: {output}"
    );
    assert!(
        !output.contains(CLIENT_SECRET),
        "the secret leaked: {output}"
    );
}
