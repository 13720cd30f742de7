//! The demo server without a browser: the page is served, the conversation endpoint returns the
//! bot's cards, and clicks, the deny form and typed messages reach the real app as signed Slack
//! requests and come back as edited cards and replies.

use std::future::Future;
use std::time::Duration;

use coupa_approvals::demo::{self, DemoOptions, RunningDemo};
use serde_json::{Value, json};

async fn start_demo() -> RunningDemo {
    let options = DemoOptions {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        sync_interval: Duration::from_secs(1),
    };
    demo::start(&options).await.unwrap()
}

/// Polls `check` until it yields a value, failing after 30 s (the first sync delivers every card
/// in about 8 s; a busy machine gets room).
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_json(demo: &RunningDemo, path: &str) -> Value {
    reqwest::get(format!("http://{}{path}", demo.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post(demo: &RunningDemo, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{}{path}", demo.addr))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The first card in `user`'s conversation whose header contains `title`, with its Approve and
/// Deny buttons as (message ts, block id, button) — what the page's script reads from the HTML.
fn card_buttons(
    demo: &RunningDemo,
    user: &str,
    title: &str,
) -> Option<(String, String, Value, Value)> {
    demo.state
        .slack
        .conversation(user)
        .into_iter()
        .find_map(|m| {
            let blocks = m.blocks.as_array()?.clone();
            let header = blocks.first()?["text"]["text"].as_str()?.to_owned();
            if !header.contains(title) {
                return None;
            }
            let (index, actions) = blocks.iter().enumerate().find(|(_, b)| {
                b["elements"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|e| e["action_id"] == "approve"))
            })?;
            let block_id = actions["block_id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or(format!("b{index}"));
            let button = |id: &str| {
                actions["elements"]
                    .as_array()
                    .and_then(|e| e.iter().find(|e| e["action_id"] == id).cloned())
            };
            Some((m.ts, block_id, button("approve")?, button("deny")?))
        })
}

fn card_text(demo: &RunningDemo, user: &str, ts: &str) -> String {
    demo.state
        .slack
        .conversation(user)
        .into_iter()
        .find(|m| m.ts == ts)
        .map(|m| m.blocks.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_page_is_served_with_the_person_selector_and_its_assets() {
    let demo = start_demo().await;
    let response = reqwest::get(demo.url()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<select id=\"person\""), "{html}");
    for name in [
        "Marta Kowalski",
        "Daniel Okafor",
        "Sofia Berg",
        "Li Chen",
        "Ana Ribeiro",
    ] {
        assert!(html.contains(name), "{name} missing");
    }
    assert!(
        html.contains("Approve in Coupa"),
        "the Coupa panel is on the page"
    );
    for asset in ["/demo/demo.js", "/demo/demo.css"] {
        let response = reqwest::get(format!("http://{}{asset}", demo.addr))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{asset}");
    }
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn the_page_has_an_icon_and_favicon_ico_serves_it() {
    let demo = start_demo().await;
    let html = reqwest::get(demo.url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<link rel=\"icon\" href=\"/favicon.ico\""),
        "{html}"
    );
    let icon = reqwest::get(format!("http://{}/favicon.ico", demo.addr))
        .await
        .unwrap();
    assert_eq!(icon.status().as_u16(), 200);
    assert_eq!(
        icon.headers()[reqwest::header::CONTENT_TYPE],
        "image/svg+xml"
    );
    assert!(icon.text().await.unwrap().starts_with("<svg "));
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn the_page_states_the_confirmation_threshold_the_demo_runs_with() {
    let demo = start_demo().await;
    let html = reqwest::get(demo.url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(demo::CONFIRM_ABOVE_AMOUNT, 10_000);
    assert!(
        html.contains("confirmation on totals above <b id=\"confirm-above\">10,000</b>"),
        "{html}"
    );
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn the_conversation_endpoint_returns_the_cards_the_bot_sent() {
    let demo = start_demo().await;
    let data = eventually("Daniel's cards", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
        (data["cards"].as_u64() >= Some(4)).then_some(data)
    })
    .await;
    let html = data["html"].as_str().unwrap();
    assert!(html.contains("Platform team offsite, Porto"), "{html}");
    assert!(html.contains("data-action-id=\"approve\""), "{html}");
    assert!(
        html.contains("data-confirm-title="),
        "a card above 10,000 asks first: {html}"
    );
    let unknown = reqwest::get(format!(
        "http://{}/demo/api/conversation?user=UNOBODY",
        demo.addr
    ))
    .await
    .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn a_click_through_the_demo_reaches_the_app_and_the_card_turns_approved() {
    let demo = start_demo().await;
    let (ts, block_id, approve, _) = eventually("the offsite card", || async {
        card_buttons(&demo, "UDANIEL", "Platform team offsite")
    })
    .await;
    let (status, body) = post(
        &demo,
        "/demo/api/click",
        json!({
            "user": "UDANIEL", "message_ts": ts, "block_id": block_id,
            "action_id": "approve", "value": approve["value"], "text": "Approve",
        }),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    eventually("the card to say approved", || async {
        card_text(&demo, "UDANIEL", &ts)
            .contains("Approved")
            .then_some(())
    })
    .await;
    let offsite = demo.state.coupa.requisition_ids()[3];
    assert_eq!(
        demo.state.coupa.requisition_status(offsite).as_deref(),
        Some("approved")
    );
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn deny_opens_the_modal_an_empty_reason_is_refused_and_the_reason_lands_on_the_card() {
    let demo = start_demo().await;
    let (ts, block_id, _, deny) = eventually("the RustConf card", || async {
        card_buttons(&demo, "USOFIA", "RustConf tickets")
    })
    .await;
    let (status, _) = post(
        &demo,
        "/demo/api/click",
        json!({
            "user": "USOFIA", "message_ts": ts, "block_id": block_id,
            "action_id": "deny", "value": deny["value"], "text": "Deny",
        }),
    )
    .await;
    assert_eq!(status, 200);
    let trigger = eventually("the deny modal", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=USOFIA").await;
        data["modal_trigger"].as_str().map(str::to_owned)
    })
    .await;
    let (_, refused) = post(
        &demo,
        "/demo/api/deny",
        json!({ "user": "USOFIA", "trigger_id": trigger, "values": { "reason.reason_input": "  " } }),
    )
    .await;
    assert!(refused["errors"]["reason"].is_string(), "{refused}");
    let (status, accepted) = post(
        &demo,
        "/demo/api/deny",
        json!({ "user": "USOFIA", "trigger_id": trigger, "values": { "reason.reason_input": "Only two of us are going" } }),
    )
    .await;
    assert_eq!(
        (status, accepted["status"].as_u64()),
        (200, Some(200)),
        "{accepted}"
    );
    eventually("the reason on the card", || async {
        card_text(&demo, "USOFIA", &ts)
            .contains("Only two of us are going")
            .then_some(())
    })
    .await;
    let data = get_json(&demo, "/demo/api/conversation?user=USOFIA").await;
    assert!(data["modal_trigger"].is_null(), "the modal closed: {data}");
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn whats_pending_typed_in_the_demo_gets_the_list_from_the_app() {
    let demo = start_demo().await;
    let (status, body) = post(
        &demo,
        "/demo/api/say",
        json!({ "user": "ULI", "text": "what's pending" }),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    eventually("Li's pending list", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=ULI").await;
        let html = data["html"].as_str()?.to_owned();
        (html.contains("what&#39;s pending") && html.contains("waiting for your approval"))
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn the_pending_list_shows_each_requisitions_age_oldest_first() {
    let demo = start_demo().await;
    post(
        &demo,
        "/demo/api/say",
        json!({ "user": "ULI", "text": "what's pending" }),
    )
    .await;
    let list = eventually("Li's pending list", || async {
        demo.state
            .slack
            .conversation("ULI")
            .into_iter()
            .map(|m| m.blocks.to_string())
            .find(|blocks| blocks.contains("waiting for your approval"))
    })
    .await;
    let desks = list.find("Standing desks for the Lisbon office").unwrap();
    let pentest = list.find("External penetration test").unwrap();
    assert!(desks < pentest, "oldest first: {list}");
    assert!(list.contains("submitted 6 days ago"), "{list}");
    assert!(list.contains("submitted 40 minutes ago"), "{list}");
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn approving_in_the_coupa_panel_updates_the_card_within_a_sync() {
    let demo = start_demo().await;
    let (ts, ..) = eventually("Sofia's coffee card", || async {
        card_buttons(&demo, "USOFIA", "Coffee beans")
    })
    .await;
    let coffee = demo.state.coupa.requisition_ids()[6];
    let (status, body) = post(
        &demo,
        "/demo/api/coupa/approve",
        json!({ "requisition": coffee.0 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually("the card to say approved in Coupa", || async {
        card_text(&demo, "USOFIA", &ts)
            .contains("in Coupa*")
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn changing_the_total_in_the_coupa_panel_marks_the_card_changed_and_sends_a_new_one() {
    let demo = start_demo().await;
    let (ts, ..) = eventually("Li's penetration test card", || async {
        card_buttons(&demo, "ULI", "External penetration test")
    })
    .await;
    let pentest = demo.state.coupa.requisition_ids()[7];
    let (status, body) = post(
        &demo,
        "/demo/api/coupa/total",
        json!({ "requisition": pentest.0, "total": "19,750.00" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually("the old card to say it changed", || async {
        card_text(&demo, "ULI", &ts)
            .contains("Changed in Coupa")
            .then_some(())
    })
    .await;
    eventually("a new card with the new total", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=ULI").await;
        data["html"]
            .as_str()?
            .contains("USD 19,750.00")
            .then_some(())
    })
    .await;
    let (status, _) = post(
        &demo,
        "/demo/api/coupa/total",
        json!({ "requisition": pentest.0, "total": "lots" }),
    )
    .await;
    assert_eq!(status, 400, "a total that is not an amount is refused");
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn opening_app_home_in_the_demo_shows_the_view_the_bot_publishes() {
    let demo = start_demo().await;
    let (status, body) = post(&demo, "/demo/api/home", json!({ "user": "USOFIA" })).await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    eventually("Sofia's App Home", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=USOFIA").await;
        let home = data["home_html"].as_str()?.to_owned();
        (home.contains("Your Coupa approvals") && home.contains("waiting for your approval"))
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn approve_on_app_home_reaches_the_app_and_the_card_in_messages_follows() {
    let demo = start_demo().await;
    let (ts, ..) = eventually("Sofia's RustConf card", || async {
        card_buttons(&demo, "USOFIA", "RustConf tickets")
    })
    .await;
    post(&demo, "/demo/api/home", json!({ "user": "USOFIA" })).await;
    let (block_id, value) = eventually("a RustConf Approve button on App Home", || async {
        let home = demo.state.slack.home_of("USOFIA")?;
        let blocks = home["blocks"].as_array()?.clone();
        let title = blocks
            .iter()
            .position(|b| b.to_string().contains("RustConf tickets"))?;
        let (index, actions) = blocks
            .iter()
            .enumerate()
            .skip(title)
            .find(|(_, b)| b["type"] == "actions")?;
        let approve = actions["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == "approve")?
            .clone();
        let block_id = actions["block_id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or(format!("b{index}"));
        Some((block_id, approve["value"].clone()))
    })
    .await;
    let (status, body) = post(
        &demo,
        "/demo/api/click",
        json!({
            "user": "USOFIA", "in_home": true, "block_id": block_id,
            "action_id": "approve", "value": value, "text": "Approve",
        }),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    eventually("the card in Messages to say approved", || async {
        card_text(&demo, "USOFIA", &ts)
            .contains("Approved")
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}
