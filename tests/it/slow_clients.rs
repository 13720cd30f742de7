//! Clients that hold connections open, send slowly or send too much at once: the server cuts
//! them off or turns them away, and a signed click is still answered at once.

use crate::support::e2e::TestApp;

use std::sync::Arc;
use std::time::{Duration, Instant};

use coupa_approvals::config::HttpLimits;
use coupa_approvals::sandbox::coupa::StepApprover;
use coupa_approvals::sandbox::slack::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use coupa_approvals::store::MemoryStore;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IDLE_CONNECTIONS: usize = 500;

/// Each idle connection costs the test process two descriptors (client and server end).
fn allow_open_files(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < needed {
            assert!(
                limit.rlim_max >= needed,
                "the hard open-file limit ({}) is below the {needed} this test needs",
                limit.rlim_max
            );
            limit.rlim_cur = needed;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

fn limits(tune: impl FnOnce(&mut HttpLimits)) -> HttpLimits {
    let mut limits = HttpLimits::default();
    tune(&mut limits);
    limits
}

/// Reads until the server closes the connection; what it said before closing, if anything.
async fn read_until_closed(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut said = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&said).into_owned(),
            Ok(n) => said.extend_from_slice(&buf[..n]),
        }
    }
}

/// The signed start of a Slack request whose body never comes: the server is left reading it.
fn headers_without_body(app: &TestApp) -> String {
    let body = format!("payload={}", "a".repeat(92));
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    format!(
        "POST /slack/interactions HTTP/1.1\r\nhost: {}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n{TIMESTAMP_HEADER}: {timestamp}\r\n{SIGNATURE_HEADER}: {}\r\n\r\n",
        app.addr,
        body.len(),
        app.signature(&timestamp, &body),
    )
}

#[tokio::test]
async fn idle_connections_and_a_slow_sender_do_not_delay_a_click_and_the_slow_sender_is_cut_off() {
    allow_open_files(4 * IDLE_CONNECTIONS as u64 + 1024);
    let header_read_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(Arc::new(MemoryStore::new()), |settings| {
        settings.http = limits(|l| l.header_read_timeout = header_read_timeout);
    })
    .await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();

    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        idle.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let slow = TcpStream::connect(app.addr).await.unwrap();
    let slow_started = Instant::now();
    let (mut slow_reader, mut slow_writer) = slow.into_split();
    let request_line = b"GET /healthz HTTP/1.1\r\nhost: slow\r\nx-padding: ".to_vec();
    let drip = tokio::spawn(async move {
        // One byte every 100 ms, for longer than the header deadline: never a whole header.
        for byte in request_line.into_iter().chain(std::iter::repeat(b'a')) {
            if slow_writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let cut_off = async {
        let said = tokio::time::timeout(
            header_read_timeout + Duration::from_secs(2),
            read_until_closed(&mut slow_reader),
        )
        .await;
        (said, slow_started.elapsed())
    };
    let click = async {
        // Let the slow sender get going first.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let ack = app.click("UDANIEL", &card, "approve").await;
        (ack.status(), started.elapsed())
    };
    let ((said, slow_lasted), (status, click_took)) = tokio::join!(cut_off, click);
    drip.abort();

    assert_eq!(status, 200, "the click was not acknowledged");
    // Slack's own deadline is 3 s; an unloaded app answers a click in a few milliseconds even
    // in a debug build. 100 ms leaves room for a busy machine while still failing if the held
    // connections slowed the server down.
    assert!(
        click_took < Duration::from_millis(100),
        "the click took {click_took:?} to be acknowledged"
    );
    let Ok(said) = said else {
        panic!("the slow sender was still connected after {slow_lasted:?}");
    };
    assert!(
        slow_lasted >= header_read_timeout,
        "the slow sender was cut off before the header deadline, after {slow_lasted:?}"
    );
    assert!(
        !said.contains("200 OK"),
        "the slow sender's request was served: {said:?}"
    );
    drop(idle);
}

#[tokio::test]
async fn a_slack_request_beyond_the_in_flight_cap_gets_503_while_health_still_answers() {
    let app = TestApp::spawn_with(Arc::new(MemoryStore::new()), |settings| {
        settings.http = limits(|l| l.max_in_flight = 2);
    })
    .await;
    app.requisition(vec![vec![StepApprover::User(app.daniel.coupa)]]);
    app.sync().await;
    let card = app.cards_of("UDANIEL").pop().unwrap();
    let http = reqwest::Client::new();

    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(headers_without_body(&app).as_bytes())
            .await
            .unwrap();
        held.push(stream);
    }
    // An unsigned request gets 401 while there is room, 503 once both held requests are in.
    let mut status = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        status = http
            .post(app.url("/slack/interactions"))
            .body("payload=%7B%7D")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 503, "a request beyond the cap was not refused");
    let health = http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "health answered {}", health.status());

    drop(held);
    let mut ack = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        ack = app
            .click("UDANIEL", &card, "approve")
            .await
            .status()
            .as_u16();
        if ack != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        ack, 200,
        "the click was not accepted once the held requests ended"
    );
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_gets_408_after_the_request_timeout() {
    let request_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(Arc::new(MemoryStore::new()), |settings| {
        settings.http = limits(|l| l.request_timeout = request_timeout);
    })
    .await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(headers_without_body(&app).as_bytes())
        .await
        .unwrap();
    let said = tokio::time::timeout(
        request_timeout + Duration::from_secs(3),
        read_until_first_bytes(&mut stream),
    )
    .await
    .expect("no answer after the request timeout");
    assert!(
        said.starts_with("HTTP/1.1 408"),
        "the held request was answered {said:?}"
    );
    assert!(
        started.elapsed() >= request_timeout,
        "answered before the timeout"
    );
}

async fn read_until_first_bytes(stream: &mut TcpStream) -> String {
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}
