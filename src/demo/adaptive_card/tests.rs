//! Each element, escaping, the unsupported note, and the bot's own approval and list cards.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::chat::card::{Card, CardState};
use crate::coupa::model::{RawRequisition, parse};
use crate::domain::records::{PendingItem, PendingSnapshot};
use crate::domain::{
    Approval, ApprovalId, ChatUserId, Fingerprint, MAX_REASON_CHARS, Money, RequisitionId,
};
use crate::sandbox::fixtures::Coupa;
use crate::teams::card::{self as teams_card, ListOptions};

fn one(element: Value) -> String {
    card(&json!({ "type": "AdaptiveCard", "version": "1.5", "body": [element] }))
}

#[test]
fn a_text_block_takes_its_size_weight_color_subtlety_and_wrap() {
    let html = one(json!({
        "type": "TextBlock", "text": "Hi", "size": "large", "weight": "bolder",
        "color": "attention", "isSubtle": true, "separator": true, "style": "heading",
    }));
    assert!(
        html.contains("<div class=\"ac-text ac-size-large ac-weight-bolder ac-color-attention ac-subtle ac-nowrap ac-separator\" role=\"heading\"><p>Hi</p></div>"),
        "{html}"
    );
    let wrapped = one(json!({ "type": "TextBlock", "text": "Hi", "wrap": true }));
    assert!(!wrapped.contains("ac-nowrap"), "{wrapped}");
}

#[test]
fn an_unknown_size_or_color_becomes_the_default_never_a_class_of_its_own() {
    let html = one(json!({
        "type": "TextBlock", "text": "x", "size": "\" onclick=\"x", "color": "<red>",
    }));
    assert!(html.contains("ac-size-default"), "{html}");
    assert!(html.contains("ac-color-default"), "{html}");
    assert!(!html.contains("onclick"), "{html}");
}

#[test]
fn every_text_and_attribute_is_escaped() {
    let html = card(&json!({
        "type": "AdaptiveCard",
        "body": [
            { "type": "TextBlock", "text": "<script>alert(1)</script>" },
            { "type": "FactSet", "facts": [{ "title": "<i>", "value": "\"&\"" }] },
            { "type": "Input.Text", "id": "r\"><b", "placeholder": "\"<", "label": "<L>" },
        ],
        "actions": [{ "type": "Action.Submit", "title": "<Go>", "data": { "x": "\"><script>" } }],
    }));
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<i>"), "{html}");
    assert!(!html.contains("<L>") && !html.contains("<Go>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("<dt><p>&lt;i&gt;</p></dt><dd><p>&quot;&amp;&quot;</p></dd>"),
        "{html}"
    );
    assert!(html.contains("name=\"r&quot;&gt;&lt;b\""), "{html}");
    assert!(
        html.contains("data-data=\"{&quot;x&quot;:&quot;\\&quot;&gt;&lt;script&gt;&quot;}\""),
        "{html}"
    );
}

#[test]
fn a_fact_set_is_a_list_of_titles_and_values() {
    let html = one(json!({
        "type": "FactSet",
        "facts": [{ "title": "Total", "value": "USD 7,420.50" }, { "title": "Step", "value": "**1** of 3" }],
    }));
    assert!(
        html.contains("<dl class=\"ac-facts\"><dt><p>Total</p></dt><dd><p>USD 7,420.50</p></dd><dt><p>Step</p></dt><dd><p><strong>1</strong> of 3</p></dd></dl>"),
        "{html}"
    );
}

#[test]
fn containers_and_columns_hold_their_items() {
    let html = one(json!({
        "type": "Container", "style": "emphasis", "separator": true,
        "items": [{
            "type": "ColumnSet",
            "columns": [
                { "type": "Column", "width": "auto", "items": [{ "type": "TextBlock", "text": "left" }] },
                { "type": "Column", "width": 2, "items": [{ "type": "TextBlock", "text": "right" }] },
                { "type": "Column", "width": "80px", "items": [] },
            ],
        }],
    }));
    assert!(
        html.contains("<div class=\"ac-container ac-style-emphasis ac-separator\">"),
        "{html}"
    );
    assert!(html.contains("<div class=\"ac-columns\">"), "{html}");
    assert!(
        html.contains("<div class=\"ac-column\" style=\"flex: 0 0 auto\"><div class=\"ac-text"),
        "{html}"
    );
    assert!(html.contains("style=\"flex: 2 1 0\""), "{html}");
    assert!(html.contains("style=\"flex: 0 0 80px\""), "{html}");
    let left = html.find("left").unwrap();
    assert!(left < html.find("right").unwrap(), "{html}");
}

#[test]
fn an_input_text_keeps_required_max_length_placeholder_and_multiline() {
    let html = one(json!({
        "type": "Input.Text", "id": "reason", "label": "Reason", "isMultiline": true,
        "isRequired": true, "maxLength": 500, "placeholder": "Why?", "errorMessage": "Please give a reason.",
    }));
    assert!(
        html.contains("<span class=\"ac-label\">Reason<span class=\"ac-required\">*</span></span>"),
        "{html}"
    );
    assert!(
        html.contains("<textarea class=\"ac-input\" rows=\"3\" name=\"reason\" data-input-id=\"reason\" required maxlength=\"500\" placeholder=\"Why?\" data-error=\"Please give a reason.\"></textarea>"),
        "{html}"
    );
    let single = one(json!({ "type": "Input.Text", "id": "q" }));
    assert!(
        single.contains("<input class=\"ac-input\" type=\"text\" value=\"\" name=\"q\""),
        "{single}"
    );
    assert!(!single.contains("required"), "{single}");
}

#[test]
fn execute_and_submit_carry_their_verb_and_data_and_open_url_is_a_link() {
    let html = card(&json!({
        "type": "AdaptiveCard",
        "body": [],
        "actions": [
            { "type": "Action.Execute", "title": "Approve", "verb": "approve", "style": "positive", "data": { "a": 1 },
              "fallback": { "type": "Action.Submit", "title": "Approve", "data": { "a": 1, "v": "approve" } } },
            { "type": "Action.Submit", "title": "Deny", "style": "destructive", "data": { "a": 2 } },
            { "type": "Action.OpenUrl", "title": "View in Coupa", "url": "https://acme.coupahost.com/requisition_headers/1" },
        ],
    }));
    assert!(
        html.contains("<button type=\"button\" class=\"ac-action ac-style-positive\" data-kind=\"execute\" data-verb=\"approve\" data-data=\"{&quot;a&quot;:1}\">Approve</button>"),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"button\" class=\"ac-action ac-style-destructive\" data-kind=\"submit\" data-data=\"{&quot;a&quot;:2}\">Deny</button>"),
        "{html}"
    );
    assert!(
        html.contains("<a class=\"ac-action ac-link\" href=\"https://acme.coupahost.com/requisition_headers/1\" target=\"_blank\" rel=\"noopener noreferrer\">View in Coupa</a>"),
        "{html}"
    );
}

#[test]
fn an_execute_without_a_verb_falls_back_and_a_link_elsewhere_than_the_web_is_not_made() {
    let html = card(&json!({
        "type": "AdaptiveCard",
        "body": [{ "type": "ActionSet", "actions": [
            { "type": "Action.Execute", "title": "Go", "fallback": { "type": "Action.Submit", "title": "Go", "data": { "v": "go" } } },
            { "type": "Action.OpenUrl", "title": "Run", "url": "javascript:alert(1)" },
        ] }],
    }));
    assert!(html.contains("data-kind=\"submit\""), "{html}");
    assert!(!html.contains("data-kind=\"execute\""), "{html}");
    assert!(!html.contains("href=\"javascript"), "{html}");
    assert!(
        html.contains("Unsupported link: javascript:alert(1)"),
        "{html}"
    );
}

#[test]
fn show_card_opens_its_card_inline_below_the_actions() {
    let html = card(&json!({
        "type": "AdaptiveCard",
        "body": [],
        "actions": [
            { "type": "Action.OpenUrl", "title": "Coupa", "url": "https://c.example" },
            { "type": "Action.ShowCard", "title": "Deny", "card": {
                "type": "AdaptiveCard",
                "body": [{ "type": "Input.Text", "id": "reason", "isRequired": true }],
                "actions": [{ "type": "Action.Execute", "title": "Deny", "verb": "deny", "data": {} }],
            } },
        ],
    }));
    assert!(
        html.contains("<button type=\"button\" class=\"ac-action ac-style-default\" data-kind=\"showcard\" data-index=\"1\" aria-expanded=\"false\">Deny</button></div><div class=\"ac-showcard\" data-index=\"1\" hidden><div class=\"ac-card\">"),
        "{html}"
    );
    let form = html.find("ac-showcard").unwrap();
    assert!(html[form..].contains("data-input-id=\"reason\""), "{html}");
    assert!(html[form..].contains("data-verb=\"deny\""), "{html}");
}

#[test]
fn an_unknown_element_or_action_is_shown_as_unsupported_unless_it_names_a_fallback() {
    let html = card(&json!({
        "type": "AdaptiveCard",
        "body": [
            { "type": "Image", "url": "https://x/y.png" },
            { "type": "Media", "fallback": { "type": "TextBlock", "text": "no video" } },
            { "type": "Rating", "fallback": "drop" },
        ],
        "actions": [{ "type": "Action.ToggleVisibility", "title": "More" }],
    }));
    assert!(
        html.contains("<div class=\"ac-unsupported\">Unsupported element: Image</div>"),
        "{html}"
    );
    assert!(html.contains("no video"), "{html}");
    assert!(!html.contains("Rating"), "{html}");
    assert!(
        html.contains("Unsupported action: Action.ToggleVisibility"),
        "{html}"
    );
    assert_eq!(
        super::card(&json!({ "type": "HeroCard" })),
        "<div class=\"ac-unsupported\">Unsupported card: HeroCard</div>"
    );
}

/// The bot's approval card for requisition 4812 of the Coupa fixture, pending, above the
/// confirmation threshold when `confirm`.
fn approval_card(confirm: bool) -> Value {
    let requisition = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
        .unwrap()
        .into_domain()
        .unwrap();
    let approval: Approval = requisition
        .approvals
        .iter()
        .find(|a| a.id == ApprovalId(90_211))
        .cloned()
        .unwrap();
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let mut card = Card::new(
        &requisition,
        &approval,
        CardState::Pending,
        &coupa,
        None,
        Timestamp::from_second(1_795_195_260).unwrap(),
    );
    card.confirm_approve = confirm;
    teams_card::card(&card, &[ChatUserId("29:1jane".into())]).card
}

#[test]
fn the_bots_approval_card_shows_its_figures_approve_deny_form_and_link() {
    let html = card(&approval_card(false));
    assert!(
        html.contains("Standing desks for the Lisbon office"),
        "{html}"
    );
    assert!(
        html.contains("<dt><p>Total</p></dt><dd><p>USD 7,420.50</p></dd>"),
        "{html}"
    );
    assert!(
        html.contains("data-kind=\"execute\" data-verb=\"approve\""),
        "{html}"
    );
    assert!(html.contains("data-kind=\"showcard\""), "{html}");
    assert!(html.contains("data-verb=\"deny\""), "{html}");
    let reason = format!("data-input-id=\"reason\" required maxlength=\"{MAX_REASON_CHARS}\"");
    assert!(html.contains(&reason), "{html}");
    assert!(html.contains(">View in Coupa</a>"), "{html}");
    assert!(!html.contains("ac-unsupported"), "{html}");
    assert!(!html.contains("**"), "no Markdown left unrendered: {html}");
}

#[test]
fn the_bots_confirm_form_is_behind_approve() {
    let html = card(&approval_card(true));
    assert!(!html.contains("data-verb=\"approve\">Approve<"), "{html}");
    let showcards = html.matches("data-kind=\"showcard\"").count();
    assert_eq!(showcards, 2, "Approve and Deny each open a form: {html}");
    assert!(
        html.contains("data-verb=\"approve\" data-data"),
        "Confirm approves: {html}"
    );
    assert!(html.contains(">Confirm</button>"), "{html}");
}

#[test]
fn the_bots_pending_list_shows_each_item_with_submit_buttons_and_its_own_reason_field() {
    let item = |n: u64, title: &str| PendingItem {
        approval: ApprovalId(90_000 + n),
        requisition: RequisitionId(4_800 + n),
        fingerprint: Fingerprint(format!("fingerprint-{n}")),
        title: title.to_owned(),
        total: Money::new(Decimal::new(123_450, 2), "USD"),
        requester: Some("Jane Doe".into()),
        submitted_at: Some(Timestamp::from_second(1_795_195_260 - 3 * 86_400).unwrap()),
        delegate_for: None,
    };
    let coupa = url::Url::parse("https://acme.coupahost.com").unwrap();
    let snapshot = PendingSnapshot {
        as_of: Timestamp::from_second(1_795_195_260).unwrap(),
        items: vec![item(1, "Desks"), item(2, "Chairs *now*")],
    };
    let list = teams_card::pending_list(
        &snapshot,
        false,
        &ListOptions {
            issued_at: Timestamp::from_second(1_795_195_260).unwrap(),
            confirm_above: None,
            coupa: &coupa,
            shown: 10,
        },
    );
    let html = card(&list.card);
    assert!(html.contains("waiting for your approval"), "{html}");
    assert!(
        html.contains("Desks") && html.contains("Chairs *now*"),
        "{html}"
    );
    assert_eq!(html.matches("data-kind=\"submit\"").count(), 4, "{html}");
    assert!(html.contains("data-input-id=\"reason-90001\""), "{html}");
    assert!(html.contains("data-input-id=\"reason-90002\""), "{html}");
    assert!(html.contains("3 days ago"), "{html}");
    assert!(!html.contains("ac-unsupported"), "{html}");
}

#[test]
fn a_multi_select_renders_as_checkboxes_gathered_under_its_id() {
    let html = element(&json!({
        "type": "Input.ChoiceSet", "id": "several", "isMultiSelect": true, "label": "Pick",
        "choices": [{ "title": "#1 <Desks>", "value": "1:2:ab:3:4.00:USD" }],
    }));
    assert!(
        html.contains("data-input-id=\"several\" data-choices"),
        "{html}"
    );
    assert!(html.contains("value=\"1:2:ab:3:4.00:USD\""), "{html}");
    assert!(html.contains("&lt;Desks&gt;"), "{html}");
}
