//! `coupa-approvals demo` as a person runs it: it prints the page's address, the page answers
//! there, and SIGTERM stops it cleanly.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn demo_prints_the_page_address_serves_it_and_stops_on_sigterm() {
    // An empty working directory and environment: no .env or variable of the machine's leaks in.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("demo-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_coupa-approvals"))
        .arg("demo")
        .current_dir(&dir)
        .env_clear()
        .env("BIND_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.split_whitespace().find(|w| w.ends_with("/demo")) {
                return url.to_owned();
            }
        }
        panic!("the demo ended without printing its address");
    })
    .await
    .expect("the address printed within 20 s");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("<select id=\"person\""));

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    // A sync cycle in progress is allowed to finish (SHUTDOWN_GRACE is 10 s).
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the demo stopped within 20 s of SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
