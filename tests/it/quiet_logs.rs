//! The logs of a sync, a decision and a "what's pending" name no approver by email, at the
//! default level and at `debug`: people appear by chat or Coupa id, an email only as its domain
//! and a hash, whole payloads only at `trace`.

use crate::support;

use std::sync::{Arc, Mutex};

use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::telemetry;
use support::e2e::{TestApp, eventually, text_of};

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

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs a sync (with one approver who has no Slack account), an approval by click and a
/// "what's pending" under the filter `RUST_LOG=rust_log` would give, and returns the log.
async fn logs_of_a_day_at_the_office(rust_log: Option<&str>) -> String {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_env_filter(telemetry::log_filter(rust_log))
        .with_writer(move || writer.clone())
        .finish();
    // The test's runtime has one thread, where the app and the simulated world run too.
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::spawn().await;
    let nora = app
        .sandbox()
        .add_user("nora.noslack@example.com", "Nora", "Nobody");
    app.requisition(vec![vec![StepApprover::User(nora)]]);
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL")[0].clone();
    assert_eq!(app.click("UDANIEL", &card, "approve").await.status(), 200);
    assert!(
        eventually(|| text_of(&app.cards_of("UDANIEL")[0]).contains("Approved* by Daniel Okafor"))
            .await
    );
    assert_eq!(app.say("UDANIEL", "what's pending?").await.status(), 200);
    assert!(
        eventually(|| app
            .fake()
            .conversation("UDANIEL")
            .iter()
            .any(|m| m.text.contains("waiting for your approval")))
        .await
    );
    logs.text()
}

fn assert_no_email(logs: &str) {
    for line in logs.lines() {
        assert!(
            !line.contains("example.com") || line.contains("…@example.com#"),
            "an email in the log: {line}"
        );
    }
}

#[tokio::test]
async fn a_sync_a_decision_and_whats_pending_log_no_email_at_the_default_level() {
    let logs = logs_of_a_day_at_the_office(None).await;
    // The capture works: the unmapped approver is reported, by domain and hash.
    assert!(
        logs.lines()
            .any(|l| l.contains("approver has no chat account") && l.contains("…@example.com#")),
        "{logs}"
    );
    assert_no_email(&logs);
}

#[tokio::test]
async fn a_sync_a_decision_and_whats_pending_log_no_email_at_debug() {
    let logs = logs_of_a_day_at_the_office(Some("debug")).await;
    assert!(logs.contains("DEBUG"), "{logs}");
    assert_no_email(&logs);
}
