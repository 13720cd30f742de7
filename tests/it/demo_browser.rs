//! The demo page in a real browser (headless Chromium through chromedriver): in the Slack view,
//! approve the first card and see it turn approved, deny another with a reason and see the reason
//! on the card, ask "what's pending" and see the list; at 1000 px wide, the composer stays on one
//! line, a toast leaves it visible, and Escape closes the deny form. In the Teams view, side by
//! side with Slack for the group approval, the same three through the Adaptive Cards, with Coupa
//! checked after each. Saves screenshots and prints where.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `CHROME_BIN` / `CHROMEDRIVER`), so plain
//! `cargo test` skips it; `.ci/run` runs it with `--ignored`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use coupa_approvals::demo::{self, DemoOptions};
use coupa_approvals::sandbox::coupa::Sandbox;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Chromium's flags: headless, no sandbox (CI runs as root), and nothing that reaches out to
/// the network on its own.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,800",
];

fn tmp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// chromedriver on a free port, ended when dropped.
struct Driver {
    child: tokio::process::Child,
    port: u16,
}

impl Driver {
    async fn start() -> Self {
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {binary} (install chromium-driver): {err}"));
        let status = format!("http://127.0.0.1:{port}/status");
        for _ in 0..100 {
            if reqwest::get(&status)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Self { child, port };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer on port {port}");
    }

    async fn browser(&self, profile: &Path) -> Client {
        let chrome = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chrome, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // Plain HTTP to chromedriver on loopback: no TLS connector needed.
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Waits up to 30 s for the element at `css` to contain `text`; returns its text.
async fn wait_for_text(browser: &Client, css: &str, text: &str) -> String {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && let Ok(now) = element.text().await
        {
            if now.contains(text) {
                return now;
            }
            last = now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{css}` never showed `{text}`; it shows:\n{last}");
}

async fn wait_for(browser: &Client, css: &str) -> Element {
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("`{css}` never appeared in 30 s: {err}"))
}

/// Clicks the element at `css`, finding it again if the page re-rendered it between finding and
/// clicking (cards are redrawn whenever the bot edits one), for up to 10 s.
async fn click(browser: &Client, css: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        match browser.find(Locator::Css(css)).await {
            Ok(element) => match element.click().await {
                Ok(()) => return,
                Err(err) => last = err.to_string(),
            },
            Err(err) => last = err.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not click `{css}` in 10 s: {last}");
}

async fn screenshot(browser: &Client, name: &str) -> PathBuf {
    let path = tmp_dir().join(name);
    let png = browser.screenshot().await.unwrap();
    std::fs::write(&path, png).unwrap();
    println!("screenshot: {}", path.display());
    path
}

/// Starts the demo, chromedriver and a browser, runs `steps` with the browser, the page's
/// address and the demo's Coupa, then closes everything, pass or fail.
async fn in_browser<F, Fut>(steps: F)
where
    F: FnOnce(Client, String, Sandbox) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let demo = demo::start(&DemoOptions {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        sync_interval: Duration::from_secs(1),
    })
    .await
    .unwrap();
    let driver = Driver::start().await;
    let profile = tmp_dir().join(format!(
        "chromium-profile-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let browser = driver.browser(&profile).await;
    // The steps run in a task so that, pass or fail, the browser is closed afterwards: ending
    // chromedriver alone would leave Chromium running.
    let outcome = tokio::spawn(steps(browser.clone(), demo.url(), demo.state.coupa.clone())).await;
    let _ = browser.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    demo.stop().await.unwrap();
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// Makes the page itself `width`×`height`, whatever the browser's own frame takes.
async fn set_page_size(browser: &Client, width: u32, height: u32) {
    let frame = browser
        .execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let frame = |i: usize| frame[i].as_u64().unwrap_or(0) as u32;
    browser
        .set_window_size(width + frame(0), height + frame(1))
        .await
        .unwrap();
    let inner = browser
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(inner.as_u64(), Some(u64::from(width)), "the page's width");
}

/// The rectangle of the element at `css`, as `[left, top, right, bottom, height]`.
async fn rect(browser: &Client, css: &str) -> [f64; 5] {
    let value = browser
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             return [r.left, r.top, r.right, r.bottom, r.height];",
            vec![json!(css)],
        )
        .await
        .unwrap();
    let at = |i: usize| value[i].as_f64().unwrap();
    [at(0), at(1), at(2), at(3), at(4)]
}

/// How many lines the text of the element at `css` takes.
async fn lines(browser: &Client, css: &str) -> u64 {
    browser
        .execute(
            "const range = document.createRange();
             range.selectNodeContents(document.querySelector(arguments[0]));
             return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

fn overlap(a: [f64; 5], b: [f64; 5]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver; .ci/run runs it with --ignored"]
async fn a_person_approves_denies_with_a_reason_and_asks_whats_pending_in_the_browser() {
    in_browser(approve_deny_and_ask).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver; .ci/run runs it with --ignored"]
async fn at_1000_px_the_composer_stays_one_line_the_toast_spares_it_and_escape_closes_the_deny_form()
 {
    in_browser(narrow_toast_and_escape).await;
}

async fn narrow_toast_and_escape(browser: Client, url: String, _coupa: Sandbox) {
    browser
        .goto(&format!("{url}?user=UDANIEL&view=slack"))
        .await
        .unwrap();
    set_page_size(&browser, 1280, 800).await;
    wait_for(&browser, "article.card button[data-action-id='deny']").await;
    let wide = rect(&browser, "#composer").await;
    let one_line = rect(&browser, "#message").await;

    // At 1000 px the composer keeps its height: nothing in it wraps onto a second line.
    set_page_size(&browser, 1000, 800).await;
    let narrow = rect(&browser, "#composer").await;
    assert_eq!(narrow[4], wide[4], "the composer's height at 1000 px");
    for part in ["#composer .chip", "#composer .send"] {
        assert_eq!(lines(&browser, part).await, 1, "{part}'s text at 1000 px");
    }
    assert_eq!(rect(&browser, "#message").await[4], one_line[4]);
    screenshot(&browser, "demo-browser-1000px.png").await;

    // A toast (here: after approving in the Coupa panel) leaves the message box visible.
    click(&browser, "#coupa-panel .coupa-approve").await;
    wait_for(&browser, "#toast:not([hidden])").await;
    let toast = rect(&browser, "#toast").await;
    let composer = rect(&browser, "#composer").await;
    assert!(
        !overlap(toast, composer),
        "the toast {toast:?} covers the composer {composer:?}"
    );
    screenshot(&browser, "demo-browser-toast.png").await;

    // Escape closes the deny form, as in Slack.
    click(&browser, "article.card button[data-action-id='deny']").await;
    let reason = wait_for(&browser, "#modal-root textarea").await;
    reason.send_keys(&Key::Escape.to_string()).await.unwrap();
    for _ in 0..50 {
        if browser.find(Locator::Css("#overlay[hidden]")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        browser.find(Locator::Css("#overlay[hidden]")).await.is_ok(),
        "Escape closed the deny form"
    );
    assert!(
        browser
            .find(Locator::Css("#modal-root form"))
            .await
            .is_err(),
        "the form is gone"
    );
}

async fn approve_deny_and_ask(browser: Client, url: String, _coupa: Sandbox) {
    browser
        .goto(&format!("{url}?user=UDANIEL&view=slack"))
        .await
        .unwrap();
    set_page_size(&browser, 1280, 800).await;

    // The bot's first sync sends Daniel his cards; the page shows them as they arrive.
    let selector = wait_for(&browser, "select#person").await;
    assert_eq!(
        selector.prop("value").await.unwrap().as_deref(),
        Some("UDANIEL")
    );
    wait_for(&browser, "article.card button[data-action-id='approve']").await;
    let mut cards = Vec::new();
    for _ in 0..100 {
        cards = browser
            .find_all(Locator::Css("article.card"))
            .await
            .unwrap();
        if cards.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(cards.len() >= 3, "Daniel has cards");
    let first_ts = cards[0].attr("data-ts").await.unwrap().unwrap();
    let second_ts = cards[1].attr("data-ts").await.unwrap().unwrap();
    let third_ts = cards[2].attr("data-ts").await.unwrap().unwrap();
    let first = format!("article[data-ts='{first_ts}']");
    let second = format!("article[data-ts='{second_ts}']");
    let third = format!("article[data-ts='{third_ts}']");

    // Approve the first card; above the confirmation threshold the page asks first.
    let approve = browser
        .find(Locator::Css(&format!(
            "{first} button[data-action-id='approve']"
        )))
        .await
        .unwrap();
    let asks_first = approve.attr("data-confirm-title").await.unwrap().is_some();
    approve.click().await.unwrap();
    if asks_first {
        let dialog = browser
            .find(Locator::Css("#confirm:not([hidden])"))
            .await
            .unwrap();
        assert!(
            dialog
                .text()
                .await
                .unwrap()
                .contains("Approve this requisition?")
        );
        screenshot(&browser, "demo-browser-confirm.png").await;
        browser
            .find(Locator::Id("confirm-ok"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    wait_for_text(&browser, &first, "Approved").await;
    // The private reply names the requisition it is about.
    let conversation = wait_for_text(&browser, "#conversation", "Approved in Coupa.").await;
    let reply = conversation
        .lines()
        .find(|line| line.contains("Approved in Coupa."))
        .unwrap_or_default();
    assert!(
        reply.starts_with('#') && reply.contains(": Approved in Coupa."),
        "the reply names the requisition: {reply:?}"
    );

    // Deny the second with a reason, through the modal.
    click(&browser, &format!("{second} button[data-action-id='deny']")).await;
    let reason = wait_for(&browser, "#modal-root textarea").await;
    reason
        .send_keys("Over budget for Q4; resubmit in January")
        .await
        .unwrap();
    screenshot(&browser, "demo-browser-deny-modal.png").await;
    browser
        .find(Locator::Css("#modal-root .modal-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, &second, "Over budget for Q4; resubmit in January").await;
    wait_for_text(&browser, &second, "Rejected by Daniel Okafor in Slack").await;

    // Coupa changes the third card's total behind the bot's back (the Coupa panel): the old card
    // keeps its figures and says what changed.
    let third_text = wait_for_text(&browser, &third, "Requisition #").await;
    let number: String = third_text
        .split("Requisition #")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let row = format!("#coupa-panel li[data-requisition='{number}']");
    let total = wait_for(&browser, &format!("{row} input[name='total']")).await;
    total.click().await.unwrap();
    total.clear().await.unwrap();
    total.send_keys("99,999.00").await.unwrap();
    browser
        .find(Locator::Css(&format!("{row} form.coupa-total button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let changed = wait_for_text(&browser, &third, "Changed in Coupa: total").await;
    // The sandbox spreads a new total over the lines, so cents may round (99,998.98).
    assert!(
        changed
            .split('→')
            .nth(1)
            .is_some_and(|after| after.contains("99,99")),
        "the old card says what the total became: {changed}"
    );
    wait_for_text(&browser, "#conversation", "Updated:").await;
    screenshot(&browser, "demo-browser-changed.png").await;

    // Ask what's pending.
    let input = browser.find(Locator::Id("message")).await.unwrap();
    input.send_keys("what's pending").await.unwrap();
    browser
        .find(Locator::Css("#composer .send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let conversation = wait_for_text(&browser, "#conversation", "waiting for your approval").await;
    assert!(
        conversation.contains("what's pending"),
        "the typed message is shown"
    );
    // Each entry says how long ago it was submitted.
    let conversation = wait_for_text(&browser, "#conversation", " ago").await;
    assert!(
        conversation.contains("days ago") || conversation.contains("hours ago"),
        "the pending list shows ages: {conversation}"
    );

    // The "my decisions" chip asks for the person's history: the approval and the denial above.
    click(
        &browser,
        "#composer .chip[data-say='what did I approve this week?']",
    )
    .await;
    let history = wait_for_text(
        &browser,
        "#conversation",
        "you made through me in the last 7 days",
    )
    .await;
    assert!(
        history.contains("2 decisions"),
        "both decisions are listed: {history}"
    );
    assert!(
        history.contains("Over budget for Q4; resubmit in January"),
        "the denial's reason is listed: {history}"
    );

    let path = screenshot(&browser, "demo-browser.png").await;
    assert!(
        std::fs::metadata(&path).unwrap().len() > 10_000,
        "a real screenshot"
    );

    // "View in Coupa" shows the requisition in the Coupa panel (the sandbox has no web pages).
    browser
        .find(Locator::Css(&format!("{first} a.bk-button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&browser, "#coupa-panel .coupa-row.flash").await;

    // App Home: opening the tab makes the bot publish it.
    browser
        .find(Locator::Css(".tab[data-tab='home']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "#home", "Your Coupa approvals").await;
    screenshot(&browser, "demo-browser-home.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver; .ci/run runs it with --ignored"]
async fn in_the_teams_view_a_person_approves_denies_with_a_reason_and_asks_whats_pending() {
    in_browser(approve_deny_and_ask_in_teams).await;
}

/// The selector of the card in the Teams chat whose text contains `title`, once it is there.
async fn teams_card(browser: &Client, title: &str) -> String {
    for _ in 0..300 {
        let id = browser
            .execute(
                "const card = [...document.querySelectorAll('#teams-conversation article.tm-card')]
                   .find((a) => a.textContent.includes(arguments[0]));
                 return card ? card.dataset.activity : null;",
                vec![json!(title)],
            )
            .await
            .unwrap();
        if let Some(id) = id.as_str() {
            return format!("#teams-conversation article[data-activity='{id}']");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no card of {title:?} in the Teams chat in 30 s");
}

async fn approve_deny_and_ask_in_teams(browser: Client, url: String, coupa: Sandbox) {
    // Side by side: the group approval is in Daniel's Slack and in Sofia's Teams.
    browser
        .goto(&format!("{url}?user=UDANIEL&teams_user=USOFIA&view=both"))
        .await
        .unwrap();
    set_page_size(&browser, 1280, 800).await;
    wait_for_text(&browser, "#conversation", "Figma Organization renewal").await;
    teams_card(&browser, "Figma Organization renewal").await;
    let slack = rect(&browser, "#conversation").await;
    let teams = rect(&browser, "#teams-conversation").await;
    assert!(
        slack[2] <= teams[0] && slack[4] > 0.0 && teams[4] > 0.0,
        "the Slack {slack:?} and Teams {teams:?} chats are side by side"
    );
    screenshot(&browser, "demo-browser-side-by-side.png").await;

    // The Teams view alone.
    click(&browser, ".view[data-view='teams']").await;
    wait_for(&browser, "body.view-teams").await;
    let selector = wait_for(&browser, "select#teams-person").await;
    assert_eq!(
        selector.prop("value").await.unwrap().as_deref(),
        Some("USOFIA")
    );
    wait_for(&browser, ".tm-seg button.active[data-platform='teams']").await;

    // Approve the RustConf tickets: an invoke; the answer's card replaces the card.
    let rustconf = teams_card(&browser, "RustConf tickets").await;
    click(
        &browser,
        &format!("{rustconf} .ac-actions > button[data-kind='execute'][data-verb='approve']"),
    )
    .await;
    wait_for_text(&browser, &rustconf, "Approved by Sofia Berg in Teams").await;
    let requisition = coupa.requisition_ids()[5];
    assert_eq!(
        coupa.requisition_status(requisition).as_deref(),
        Some("approved")
    );
    assert_eq!(
        coupa.count_calls("PUT", "/api/approvals/"),
        1,
        "Coupa was called once"
    );
    screenshot(&browser, "demo-browser-teams-approved.png").await;

    // Deny the coffee with a reason typed in the card's own form.
    let coffee = teams_card(&browser, "Coffee beans and oat milk").await;
    let approval = coupa
        .current_approval(coupa.requisition_ids()[6])
        .expect("the coffee waits for Sofia");
    click(
        &browser,
        &format!("{coffee} .ac-actions > button[data-kind='showcard']"),
    )
    .await;
    let reason = wait_for(
        &browser,
        &format!("{coffee} .ac-showcard:not([hidden]) textarea[data-input-id='reason']"),
    )
    .await;
    reason
        .send_keys("We still have beans until January")
        .await
        .unwrap();
    screenshot(&browser, "demo-browser-teams-deny-form.png").await;
    click(
        &browser,
        &format!("{coffee} .ac-showcard button[data-verb='deny']"),
    )
    .await;
    wait_for_text(&browser, &coffee, "We still have beans until January").await;
    wait_for_text(&browser, &coffee, "Rejected by Sofia Berg in Teams").await;
    assert_eq!(
        coupa.approval_note(approval).as_deref(),
        Some(
            "Rejected in Microsoft Teams by Sofia Berg <sofia.berg@example.com>: We still have beans until January"
        )
    );
    assert_eq!(coupa.count_calls("PUT", "/api/approvals/"), 2);

    // Ask what's pending: the typed message shows, and the bot answers with the list card.
    let input = browser.find(Locator::Id("teams-message")).await.unwrap();
    input.send_keys("what's pending").await.unwrap();
    click(&browser, "#teams-composer .tm-send").await;
    let chat = wait_for_text(
        &browser,
        "#teams-conversation",
        "requisition is waiting for your approval",
    )
    .await;
    assert!(
        chat.contains("what's pending"),
        "the typed message is shown"
    );
    let list = teams_card(&browser, "waiting for your approval").await;
    let list_text = wait_for_text(&browser, &list, "Figma Organization renewal").await;
    assert!(
        !list_text.contains("RustConf") && !list_text.contains("Coffee"),
        "only what still waits: {list_text}"
    );
    let path = screenshot(&browser, "demo-browser-teams.png").await;
    assert!(
        std::fs::metadata(&path).unwrap().len() > 10_000,
        "a real screenshot"
    );
}
