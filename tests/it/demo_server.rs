//! The demo server without a browser: the page is served, the conversation endpoints return the
//! bot's cards (Block Kit in Slack, Adaptive Cards in Teams), and clicks, the deny forms and typed
//! messages reach the real app as signed Slack requests and signed Teams activities and come back
//! as edited cards and replies; a person moved to Teams gets their next cards there.

use std::future::Future;
use std::time::Duration;

use coupa_approvals::demo::{self, DemoOptions, RunningDemo};
use coupa_approvals::sandbox::teams::sender::action_data;
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
    assert!(html.contains("<select id=\"teams-person\""), "{html}");
    for asset in [
        "/demo/demo.js",
        "/demo/demo.css",
        "/demo/teams.js",
        "/demo/teams.css",
    ] {
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
    let (ts, block_id, _, deny) = eventually("the offsite card", || async {
        card_buttons(&demo, "UDANIEL", "Platform team offsite")
    })
    .await;
    let (status, _) = post(
        &demo,
        "/demo/api/click",
        json!({
            "user": "UDANIEL", "message_ts": ts, "block_id": block_id,
            "action_id": "deny", "value": deny["value"], "text": "Deny",
        }),
    )
    .await;
    assert_eq!(status, 200);
    let trigger = eventually("the deny modal", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
        data["modal_trigger"].as_str().map(str::to_owned)
    })
    .await;
    let (_, refused) = post(
        &demo,
        "/demo/api/deny",
        json!({ "user": "UDANIEL", "trigger_id": trigger, "values": { "reason.reason_input": "  " } }),
    )
    .await;
    assert!(refused["errors"]["reason"].is_string(), "{refused}");
    let (status, accepted) = post(
        &demo,
        "/demo/api/deny",
        json!({ "user": "UDANIEL", "trigger_id": trigger, "values": { "reason.reason_input": "Only two of us are going" } }),
    )
    .await;
    assert_eq!(
        (status, accepted["status"].as_u64()),
        (200, Some(200)),
        "{accepted}"
    );
    eventually("the reason on the card", || async {
        card_text(&demo, "UDANIEL", &ts)
            .contains("Only two of us are going")
            .then_some(())
    })
    .await;
    let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
    assert!(data["modal_trigger"].is_null(), "the modal closed: {data}");
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn hold_in_the_demo_puts_the_card_on_hold_and_releasing_it_in_the_coupa_panel_brings_its_buttons_back()
 {
    let demo = start_demo().await;
    let (ts, block_id, _, deny) = eventually("the offsite card", || async {
        card_buttons(&demo, "UDANIEL", "Platform team offsite")
    })
    .await;
    // Hold carries the same value as Deny.
    let (status, _) = post(
        &demo,
        "/demo/api/click",
        json!({
            "user": "UDANIEL", "message_ts": ts, "block_id": block_id,
            "action_id": "hold", "value": deny["value"], "text": "Hold",
        }),
    )
    .await;
    assert_eq!(status, 200);
    let trigger = eventually("the hold modal", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
        data["modal_trigger"].as_str().map(str::to_owned)
    })
    .await;
    let (status, accepted) = post(
        &demo,
        "/demo/api/deny",
        json!({ "user": "UDANIEL", "trigger_id": trigger, "values": { "reason.reason_input": "Waiting for the venue's quote" } }),
    )
    .await;
    assert_eq!((status, accepted["status"].as_u64()), (200, Some(200)));
    eventually("the hold on the card", || async {
        card_text(&demo, "UDANIEL", &ts)
            .contains("On hold* by Daniel Okafor: Waiting for the venue's quote")
            .then_some(())
    })
    .await;

    let offsite = demo
        .state
        .coupa
        .requisition_ids()
        .into_iter()
        .find(|id| {
            demo.state.coupa.requisition_json(*id).unwrap()["req-title"]
                .as_str()
                .is_some_and(|t| t.contains("Platform team offsite"))
        })
        .unwrap();
    let (status, body) = post(
        &demo,
        "/demo/api/coupa/release",
        json!({ "requisition": offsite.0 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually("the buttons back on the card", || async {
        card_buttons(&demo, "UDANIEL", "Platform team offsite")
            .filter(|(again, ..)| *again == ts)
            .map(|_| ())
    })
    .await;
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
    let (ts, ..) = eventually("Daniel's desk kits card", || async {
        card_buttons(&demo, "UDANIEL", "New-hire desk kits")
    })
    .await;
    let kits = demo.state.coupa.requisition_ids()[2];
    let (status, body) = post(
        &demo,
        "/demo/api/coupa/approve",
        json!({ "requisition": kits.0 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually("the card to say approved in Coupa", || async {
        card_text(&demo, "UDANIEL", &ts)
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
    let (status, body) = post(&demo, "/demo/api/home", json!({ "user": "UDANIEL" })).await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    eventually("Daniel's App Home", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
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
    let (ts, ..) = eventually("Daniel's offsite card", || async {
        card_buttons(&demo, "UDANIEL", "Platform team offsite")
    })
    .await;
    post(&demo, "/demo/api/home", json!({ "user": "UDANIEL" })).await;
    let (block_id, value) = eventually("an offsite Approve button on App Home", || async {
        let home = demo.state.slack.home_of("UDANIEL")?;
        let blocks = home["blocks"].as_array()?.clone();
        let title = blocks
            .iter()
            .position(|b| b.to_string().contains("Platform team offsite"))?;
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
            "user": "UDANIEL", "in_home": true, "block_id": block_id,
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
        card_text(&demo, "UDANIEL", &ts)
            .contains("Approved")
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

/// The bot's card in `user`'s Teams chat whose text contains `title`: its activity id and the
/// data of its `Action.Execute` with `verb`, as the page reads them from the card.
fn teams_card(demo: &RunningDemo, user: &str, title: &str, verb: &str) -> Option<(String, Value)> {
    let person = demo.state.people.iter().find(|p| p.slack_id == user)?;
    let member = demo.state.teams.member(person)?;
    let conversation = demo.state.teams.conversation_of(member)?;
    demo.state
        .teams
        .connector
        .activities(&conversation)
        .into_iter()
        .find(|a| !a.deleted && a.activity.to_string().contains(title))
        .and_then(|a| Some((a.id.clone(), action_data(&a.activity, verb)?)))
}

async fn teams_html(demo: &RunningDemo, user: &str) -> Value {
    get_json(demo, &format!("/demo/api/teams/conversation?user={user}")).await
}

#[tokio::test]
async fn sofia_gets_her_cards_in_teams_as_adaptive_cards_and_daniel_his_in_slack() {
    let demo = start_demo().await;
    let data = eventually("Sofia's cards in Teams", || async {
        let data = teams_html(&demo, "USOFIA").await;
        (data["cards"].as_u64() >= Some(3)).then_some(data)
    })
    .await;
    assert_eq!(data["platform"], "teams", "{data}");
    assert_eq!(data["installed"], true, "{data}");
    let html = data["html"].as_str().unwrap();
    assert!(html.contains("RustConf tickets"), "{html}");
    assert!(html.contains("Figma Organization renewal"), "{html}");
    assert!(
        html.contains("data-kind=\"execute\" data-verb=\"approve\""),
        "{html}"
    );
    assert!(!html.contains("ac-unsupported"), "{html}");
    assert!(
        demo.state.slack.conversation("USOFIA").is_empty(),
        "Sofia's cards are in Teams only"
    );
    let slack = get_json(&demo, "/demo/api/conversation?user=USOFIA").await;
    assert_eq!(
        slack["platform"], "teams",
        "the Slack pane says where: {slack}"
    );

    // The group approval: Daniel, the other member, has it in Slack and no chat in Teams.
    eventually("Daniel's Figma card in Slack", || async {
        card_buttons(&demo, "UDANIEL", "Figma Organization renewal")
    })
    .await;
    let daniel = teams_html(&demo, "UDANIEL").await;
    assert_eq!(daniel["platform"], "slack", "{daniel}");
    assert_eq!(daniel["installed"], false, "{daniel}");
    assert!(
        daniel["html"]
            .as_str()
            .unwrap()
            .contains("has not installed"),
        "{daniel}"
    );
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn approve_in_the_teams_view_is_a_signed_invoke_whose_answer_replaces_the_card() {
    let demo = start_demo().await;
    let (activity, data) = eventually("Sofia's RustConf card", || async {
        teams_card(&demo, "USOFIA", "RustConf tickets", "approve")
    })
    .await;
    let (status, body) = post(
        &demo,
        "/demo/api/teams/action",
        json!({ "user": "USOFIA", "activity_id": activity, "kind": "execute", "verb": "approve", "data": data }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["invoke_status"], 200, "{body}");
    assert_eq!(body["card"], true, "{body}");
    let rustconf = demo.state.coupa.requisition_ids()[5];
    assert_eq!(
        demo.state.coupa.requisition_status(rustconf).as_deref(),
        Some("approved")
    );
    assert_eq!(demo.state.coupa.count_calls("PUT", "/api/approvals/"), 1);
    let data = teams_html(&demo, "USOFIA").await;
    let html = data["html"].as_str().unwrap();
    let card = &html[html.find(&format!("data-activity=\"{activity}\"")).unwrap()..];
    let card = &card[..card.find("</article>").unwrap()];
    assert!(
        card.contains("Approved</strong> by Sofia Berg in Teams"),
        "{card}"
    );
    assert!(
        !card.contains("data-verb=\"approve\""),
        "no Approve left: {card}"
    );
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn deny_in_the_teams_view_sends_the_forms_reason_and_a_blank_one_is_refused_on_the_card() {
    let demo = start_demo().await;
    let (activity, data) = eventually("Sofia's coffee card", || async {
        teams_card(&demo, "USOFIA", "Coffee beans", "deny")
    })
    .await;
    let deny = |reason: &str| {
        json!({
            "user": "USOFIA", "activity_id": activity, "kind": "execute", "verb": "deny",
            "data": data, "inputs": { "reason": reason },
        })
    };
    let (status, body) = post(&demo, "/demo/api/teams/action", deny("   ")).await;
    assert_eq!(
        (status, body["card"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let html = teams_html(&demo, "USOFIA").await["html"].to_string();
    assert!(html.contains("Please give a reason"), "{html}");
    assert_eq!(demo.state.coupa.count_calls("PUT", "/api/approvals/"), 0);

    let coffee = demo.state.coupa.requisition_ids()[6];
    let approval = demo.state.coupa.current_approval(coffee).unwrap();
    let (status, body) = post(
        &demo,
        "/demo/api/teams/action",
        deny("We still have beans until January"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually("the rejection in Coupa", || async {
        demo.state
            .coupa
            .approval_note(approval)
            .filter(|note| note.ends_with(": We still have beans until January"))
    })
    .await;
    eventually("the reason on the card", || async {
        teams_html(&demo, "USOFIA").await["html"]
            .as_str()?
            .contains("We still have beans until January")
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn whats_pending_typed_in_teams_is_shown_and_answered_with_the_list_card() {
    let demo = start_demo().await;
    eventually("Sofia's chat", || async {
        (teams_html(&demo, "USOFIA").await["installed"] == true).then_some(())
    })
    .await;
    let (status, body) = post(
        &demo,
        "/demo/api/teams/say",
        json!({ "user": "USOFIA", "text": "what's pending" }),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    let html = eventually("the list in Sofia's chat", || async {
        let html = teams_html(&demo, "USOFIA").await["html"]
            .as_str()?
            .to_owned();
        html.contains("waiting for your approval").then_some(html)
    })
    .await;
    let asked = html
        .find("what&#39;s pending")
        .expect("the typed message is shown");
    assert!(
        asked < html.find("waiting for your approval").unwrap(),
        "{html}"
    );
    assert!(
        html.contains("data-kind=\"submit\""),
        "the list's buttons: {html}"
    );
    let (status, _) = post(
        &demo,
        "/demo/api/teams/say",
        json!({ "user": "USOFIA", "text": "  " }),
    )
    .await;
    assert_eq!(status, 400, "an empty message is refused");
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn moving_daniel_to_teams_installs_the_app_and_his_next_card_arrives_there() {
    let demo = start_demo().await;
    eventually("Daniel's cards in Slack", || async {
        card_buttons(&demo, "UDANIEL", "Platform team offsite")
    })
    .await;
    let (status, body) = post(
        &demo,
        "/demo/api/teams/platform",
        json!({ "user": "UDANIEL", "platform": "teams" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let data = eventually("the bot's greeting in Daniel's Teams chat", || async {
        let data = teams_html(&demo, "UDANIEL").await;
        data["html"]
            .as_str()?
            .contains("I bring your Coupa approvals to Teams")
            .then_some(data)
    })
    .await;
    assert_eq!(data["platform"], "teams", "{data}");

    // Li approves the first step of the desks chain in Coupa; Daniel's step comes next.
    let desks = demo.state.coupa.requisition_ids()[0];
    let (status, body) = post(
        &demo,
        "/demo/api/coupa/approve",
        json!({ "requisition": desks.0 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually("the desks card in Daniel's Teams chat", || async {
        teams_card(
            &demo,
            "UDANIEL",
            "Standing desks for the Lisbon office",
            "approve",
        )
    })
    .await;
    assert!(
        card_buttons(&demo, "UDANIEL", "Standing desks").is_none(),
        "not in Slack too"
    );
    assert!(
        card_buttons(&demo, "UDANIEL", "Platform team offsite").is_some(),
        "cards already delivered stay in Slack"
    );

    let (status, body) = post(
        &demo,
        "/demo/api/teams/platform",
        json!({ "user": "UDANIEL", "platform": "slack" }),
    )
    .await;
    assert_eq!((status, body["platform"].as_str()), (200, Some("slack")));
    assert_eq!(teams_html(&demo, "UDANIEL").await["platform"], "slack");
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn the_teams_endpoints_refuse_strangers_malformed_actions_and_unknown_platforms() {
    let demo = start_demo().await;
    let (activity, data) = eventually("Sofia's RustConf card", || async {
        teams_card(&demo, "USOFIA", "RustConf tickets", "approve")
    })
    .await;
    let unknown = reqwest::get(format!(
        "http://{}/demo/api/teams/conversation?user=UNOBODY",
        demo.addr
    ))
    .await
    .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let cases = [
        (
            "/demo/api/teams/platform",
            json!({ "user": "USOFIA", "platform": "fax" }),
            400,
        ),
        (
            "/demo/api/teams/action",
            json!({ "user": "USOFIA", "activity_id": activity, "kind": "click", "data": data }),
            400,
        ),
        (
            "/demo/api/teams/action",
            json!({ "user": "USOFIA", "activity_id": activity, "kind": "execute", "verb": " ", "data": data }),
            400,
        ),
        (
            "/demo/api/teams/action",
            json!({ "user": "USOFIA", "activity_id": activity, "kind": "execute", "verb": "approve", "data": [1] }),
            400,
        ),
        (
            "/demo/api/teams/action",
            json!({ "user": "USOFIA", "activity_id": "999", "kind": "execute", "verb": "approve", "data": data }),
            404,
        ),
        (
            "/demo/api/teams/say",
            json!({ "user": "UDANIEL", "text": "help" }),
            404,
        ),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = post(&demo, path, body.clone()).await;
        assert_eq!(status, expected, "{path} {body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    assert_eq!(demo.state.coupa.count_calls("PUT", "/api/approvals/"), 0);
    demo.stop().await.unwrap();
}

/// The data of the list's `Action.Submit` titled `title` for `approval`, anywhere in `card`.
fn list_submit(card: &Value, approval: u64, title: &str) -> Option<Value> {
    match card {
        Value::Object(map) => {
            if map.get("type") == Some(&json!("Action.Submit"))
                && map.get("title") == Some(&json!(title))
                && map["data"]["a"].as_u64() == Some(approval)
            {
                return Some(map["data"].clone());
            }
            map.values().find_map(|v| list_submit(v, approval, title))
        }
        Value::Array(items) => items.iter().find_map(|v| list_submit(v, approval, title)),
        _ => None,
    }
}

#[tokio::test]
async fn approve_on_the_teams_pending_list_is_a_submitted_message_and_the_outcome_is_told_in_the_chat()
 {
    let demo = start_demo().await;
    let rustconf = demo.state.coupa.requisition_ids()[5];
    let approval = demo.state.coupa.current_approval(rustconf).unwrap();
    eventually("Sofia's RustConf card", || async {
        teams_card(&demo, "USOFIA", "RustConf tickets", "approve")
    })
    .await;
    post(
        &demo,
        "/demo/api/teams/say",
        json!({ "user": "USOFIA", "text": "what's pending" }),
    )
    .await;
    let (list, data) = eventually("the list's Approve for RustConf", || async {
        let person = demo.state.people.iter().find(|p| p.slack_id == "USOFIA")?;
        let member = demo.state.teams.member(person)?;
        let conversation = demo.state.teams.conversation_of(member)?;
        demo.state
            .teams
            .connector
            .activities(&conversation)
            .into_iter()
            .find_map(|a| {
                Some((
                    a.id.clone(),
                    list_submit(&a.activity, approval.0, "Approve")?,
                ))
            })
    })
    .await;
    let (status, body) = post(
        &demo,
        "/demo/api/teams/action",
        json!({ "user": "USOFIA", "activity_id": list, "kind": "submit", "data": data }),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    eventually("the approval in Coupa", || async {
        (demo.state.coupa.requisition_status(rustconf).as_deref() == Some("approved")).then_some(())
    })
    .await;
    eventually("the outcome told in Sofia's chat", || async {
        teams_html(&demo, "USOFIA").await["html"]
            .as_str()?
            .contains("Approved in Coupa.")
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn a_chain_crosses_platforms_and_confirm_on_anas_teams_card_approves_the_last_step() {
    let demo = start_demo().await;
    eventually("Daniel's build servers card in Slack", || async {
        card_buttons(&demo, "UDANIEL", "Build servers refresh")
    })
    .await;
    // Daniel's step is approved (here in Coupa); the last step is Ana's, on Teams.
    let servers = demo.state.coupa.requisition_ids()[4];
    let (status, body) = post(
        &demo,
        "/demo/api/coupa/approve",
        json!({ "requisition": servers.0 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (activity, data) = eventually("the build servers card in Ana's Teams chat", || async {
        teams_card(&demo, "UANA", "Build servers refresh", "approve")
    })
    .await;
    let html = teams_html(&demo, "UANA").await["html"].to_string();
    assert!(
        html.contains(">Confirm</button>"),
        "above 10,000 Approve asks first: {html}"
    );
    let (status, body) = post(
        &demo,
        "/demo/api/teams/action",
        json!({ "user": "UANA", "activity_id": activity, "kind": "execute", "verb": "approve", "data": data }),
    )
    .await;
    assert_eq!(
        (status, body["invoke_status"].as_u64()),
        (200, Some(200)),
        "{body}"
    );
    assert_eq!(
        demo.state.coupa.requisition_status(servers).as_deref(),
        Some("approved")
    );
    assert!(
        demo.state.slack.conversation("UANA").is_empty(),
        "Ana's cards are in Teams only"
    );
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn skip_ahead_a_day_moves_the_apps_clock_to_a_working_morning_and_each_waiting_person_gets_one_reminder()
 {
    let demo = start_demo().await;
    // Daniel's cards are in Slack, Sofia's in Teams.
    eventually("Daniel's cards", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
        (data["cards"].as_u64() >= Some(4)).then_some(())
    })
    .await;
    eventually("Sofia's cards in Teams", || async {
        let data = teams_html(&demo, "USOFIA").await;
        (data["cards"].as_u64() >= Some(3)).then_some(())
    })
    .await;
    let reminders_of_daniel = || {
        demo.state
            .slack
            .conversation("UDANIEL")
            .into_iter()
            .filter(|m| m.text.starts_with("Reminder:"))
            .count()
    };
    let reminders_of_sofia = || async {
        let html = teams_html(&demo, "USOFIA").await["html"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        html.matches("Reminder:").count()
    };
    assert_eq!(reminders_of_daniel(), 0);
    assert_eq!(reminders_of_sofia().await, 0);

    let before = jiff::Timestamp::now();
    let (status, body) = post(&demo, "/demo/api/skip-day", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["now"].as_str().is_some_and(|n| n.contains("09:30")),
        "{body}"
    );
    let ahead = demo.state.clock.now().duration_since(before);
    assert!(
        ahead.as_hours() >= 24,
        "the clock moved a day or more: {ahead:?}"
    );

    eventually("Daniel's reminder in Slack", || async {
        (reminders_of_daniel() == 1).then_some(())
    })
    .await;
    eventually("Sofia's reminder in Teams", || async {
        (reminders_of_sofia().await == 1).then_some(())
    })
    .await;
    let page = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
    let html = page["html"].as_str().unwrap();
    assert!(html.contains("Reminder:"), "the page shows it: {html}");
    // The sync loop keeps running on the moved clock: no second reminder that day.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(reminders_of_daniel(), 1);
    assert_eq!(reminders_of_sofia().await, 1);

    // Another skip: the next working day, one more each.
    let (status, body) = post(&demo, "/demo/api/skip-day", json!({})).await;
    assert_eq!(status, 200, "{body}");
    eventually("Daniel's second reminder", || async {
        (reminders_of_daniel() == 2).then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn a_bulk_upload_in_the_coupa_panel_reaches_daniel_as_one_digest_and_the_newest_three_as_cards()
 {
    let demo = start_demo().await;
    eventually("Daniel's first cards", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
        (data["cards"].as_u64() >= Some(4)).then_some(())
    })
    .await;
    let (status, body) = post(&demo, "/demo/api/coupa/bulk", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["submitted"].as_array().map(Vec::len),
        Some(8),
        "{body}"
    );

    let digest = eventually("the digest", || async {
        demo.state
            .slack
            .conversation("UDANIEL")
            .into_iter()
            .find(|m| m.blocks[0]["type"] == "section" && m.text.contains("5 requisitions"))
    })
    .await;
    let blocks = digest.blocks.to_string();
    assert!(
        blocks.contains("*5 requisitions* arrived for your approval at once"),
        "{blocks}"
    );
    for oldest in [
        "Printer toner",
        "Whiteboard markers",
        "USB-C docking stations",
        "Ergonomic keyboards",
        "Conference room webcam",
    ] {
        assert!(blocks.contains(oldest), "{oldest} in {blocks}");
    }
    assert_eq!(blocks.matches("\"action_id\":\"approve\"").count(), 5);
    for newest in ["Noise-cancelling headsets", "Laptop stands", "Monitor arms"] {
        assert!(!blocks.contains(newest), "{newest} comes as a card");
        eventually("the newest as cards", || async {
            card_buttons(&demo, "UDANIEL", newest).map(|_| ())
        })
        .await;
    }
    let page = get_json(&demo, "/demo/api/conversation?user=UDANIEL").await;
    assert!(
        page["html"]
            .as_str()
            .unwrap_or_default()
            .contains("arrived for your approval at once"),
        "the page draws the digest"
    );
    demo.stop().await.unwrap();
}

#[tokio::test]
async fn approve_selected_in_the_demo_opens_the_confirmation_and_approves_what_was_ticked() {
    let demo = start_demo().await;
    post(
        &demo,
        "/demo/api/say",
        json!({ "user": "ULI", "text": "what's pending" }),
    )
    .await;
    let (ts, option) = eventually("Li's list with its selection", || async {
        demo.state
            .slack
            .conversation("ULI")
            .into_iter()
            .filter(|m| m.text.contains("waiting for your approval"))
            .find_map(|m| {
                let option = m
                    .blocks
                    .as_array()?
                    .iter()
                    .find(|b| b["block_id"] == "approve_several")?["elements"][0]["options"][0]
                    .clone();
                option.is_object().then_some((m.ts, option))
            })
    })
    .await;
    let (status, _) = post(
        &demo,
        "/demo/api/click",
        json!({
            "user": "ULI", "message_ts": ts, "block_id": "approve_several",
            "action_id": "approve_selected", "value": "selected", "text": "Approve selected",
            "ticked": [{ "block_id": "approve_several", "action_id": "selected",
                         "value": option["value"], "text": option["text"]["text"] }],
        }),
    )
    .await;
    assert_eq!(status, 200);
    let trigger = eventually("the confirmation", || async {
        let data = get_json(&demo, "/demo/api/conversation?user=ULI").await;
        data["modal_trigger"].as_str().map(str::to_owned)
    })
    .await;
    let (status, accepted) = post(
        &demo,
        "/demo/api/deny",
        json!({ "user": "ULI", "trigger_id": trigger, "values": {} }),
    )
    .await;
    assert_eq!(
        (status, accepted["status"].as_u64()),
        (200, Some(200)),
        "{accepted}"
    );
    eventually("the reply saying it was approved", || async {
        demo.state
            .slack
            .conversation("ULI")
            .into_iter()
            .any(|m| m.only_for.is_some() && m.text == "Approved 1 of 1 requisition")
            .then_some(())
    })
    .await;
    demo.stop().await.unwrap();
}
