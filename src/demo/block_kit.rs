//! Block Kit JSON → HTML, for the demo page: the blocks the bot actually sent, drawn roughly as
//! Slack draws them. Pure.
//!
//! Covers what the bot sends — header, section (text, fields), context, divider, actions
//! (buttons with styles, link buttons, confirm dialogs) and, in modals, input blocks — and shows
//! anything else as a note rather than dropping it silently. Buttons carry what a click needs
//! (`action_id`, `block_id`, `value`, text, confirm dialog) in `data-` attributes for the script.

use serde_json::Value;

use super::mrkdwn::{escape_html, plain_to_html, to_html};

/// A text object (`plain_text` or `mrkdwn`) as HTML.
pub fn text_object(text: &Value) -> String {
    let body = text["text"].as_str().unwrap_or_default();
    match text["type"].as_str() {
        Some("mrkdwn") => to_html(body),
        _ => plain_to_html(body),
    }
}

fn attr(value: &str) -> String {
    escape_html(value)
}

/// The blocks of a message or view as HTML; `block_ids` of unlabelled blocks are numbered so a
/// click can name its block.
pub fn blocks(blocks: &Value) -> String {
    let mut html = String::new();
    for (index, block) in blocks.as_array().into_iter().flatten().enumerate() {
        let block_id = block["block_id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("b{index}"));
        html.push_str(&self::block(block, &block_id));
    }
    html
}

fn block(block: &Value, block_id: &str) -> String {
    match block["type"].as_str().unwrap_or_default() {
        "header" => format!(
            "<h3 class=\"bk-header\">{}</h3>",
            text_object(&block["text"])
        ),
        "divider" => "<hr class=\"bk-divider\">".to_owned(),
        "section" => {
            let mut html = String::from("<div class=\"bk-section\">");
            if block["text"].is_object() {
                html.push_str(&format!(
                    "<div class=\"bk-text\">{}</div>",
                    text_object(&block["text"])
                ));
            }
            if let Some(fields) = block["fields"].as_array() {
                html.push_str("<div class=\"bk-fields\">");
                for field in fields {
                    html.push_str(&format!(
                        "<div class=\"bk-field\">{}</div>",
                        text_object(field)
                    ));
                }
                html.push_str("</div>");
            }
            if block["accessory"]["type"] == "button" {
                html.push_str(&button(&block["accessory"], block_id));
            }
            html.push_str("</div>");
            html
        }
        "context" => {
            let elements: Vec<String> = block["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| match e["type"].as_str() {
                    Some("image") => format!(
                        "<span class=\"bk-image\" title=\"{}\"></span>",
                        attr(e["alt_text"].as_str().unwrap_or_default())
                    ),
                    _ => format!("<span>{}</span>", text_object(e)),
                })
                .collect();
            format!("<div class=\"bk-context\">{}</div>", elements.join(" "))
        }
        "actions" => {
            let buttons: Vec<String> = block["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| match e["type"].as_str() {
                    Some("button") => button(e, block_id),
                    Some("checkboxes") => checkboxes(e, block_id),
                    other => unsupported(other.unwrap_or("element")),
                })
                .collect();
            format!("<div class=\"bk-actions\">{}</div>", buttons.join(""))
        }
        "input" => input(block, block_id),
        other => unsupported(other),
    }
}

fn unsupported(kind: &str) -> String {
    format!(
        "<div class=\"bk-unsupported\">[{} not shown in the demo]</div>",
        escape_html(kind)
    )
}

fn button(button: &Value, block_id: &str) -> String {
    let label = plain_to_html(button["text"]["text"].as_str().unwrap_or_default());
    let style = match button["style"].as_str() {
        Some("primary") => " primary",
        Some("danger") => " danger",
        _ => "",
    };
    if let Some(url) = button["url"].as_str() {
        // A link button: the browser opens the link (Slack also tells the app; the bot ignores it).
        let href = if url.starts_with("http://") || url.starts_with("https://") {
            url
        } else {
            "#"
        };
        return format!(
            "<a class=\"bk-button{style}\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{label} ↗</a>",
            attr(href)
        );
    }
    let mut html = format!(
        "<button type=\"button\" class=\"bk-button{style}\" data-action-id=\"{}\" data-block-id=\"{}\" data-value=\"{}\" data-text=\"{}\"",
        attr(button["action_id"].as_str().unwrap_or_default()),
        attr(block_id),
        attr(button["value"].as_str().unwrap_or_default()),
        attr(button["text"]["text"].as_str().unwrap_or_default()),
    );
    let confirm = &button["confirm"];
    if confirm.is_object() {
        // The dialog's HTML is built (and escaped) here; the script only places it.
        html.push_str(&format!(
            " data-confirm-title=\"{}\" data-confirm-text=\"{}\" data-confirm-ok=\"{}\" data-confirm-cancel=\"{}\"",
            attr(&plain_to_html(confirm["title"]["text"].as_str().unwrap_or("Are you sure?"))),
            attr(&text_object(&confirm["text"])),
            attr(&plain_to_html(confirm["confirm"]["text"].as_str().unwrap_or("Yes"))),
            attr(&plain_to_html(confirm["deny"]["text"].as_str().unwrap_or("Cancel"))),
        ));
    }
    html.push('>');
    html.push_str(&label);
    html.push_str("</button>");
    html
}

/// Checkboxes; a button's click sends the ticked ones of its message as Slack's `state` does.
fn checkboxes(element: &Value, block_id: &str) -> String {
    let action_id = attr(element["action_id"].as_str().unwrap_or_default());
    let options: String = element["options"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|option| {
            format!(
                "<label class=\"bk-checkbox\"><input type=\"checkbox\" data-checkbox-block=\"{}\" data-checkbox-action=\"{action_id}\" value=\"{}\" data-text=\"{}\"> {}</label>",
                attr(block_id),
                attr(option["value"].as_str().unwrap_or_default()),
                attr(option["text"]["text"].as_str().unwrap_or_default()),
                text_object(&option["text"]),
            )
        })
        .collect();
    format!("<div class=\"bk-checkboxes\">{options}</div>")
}

fn input(block: &Value, block_id: &str) -> String {
    let element = &block["element"];
    let action_id = element["action_id"].as_str().unwrap_or("input");
    let name = attr(&format!("{block_id}.{action_id}"));
    let placeholder = attr(element["placeholder"]["text"].as_str().unwrap_or_default());
    let max = element["max_length"]
        .as_u64()
        .map(|m| format!(" maxlength=\"{m}\""))
        .unwrap_or_default();
    let control = if element["multiline"] == true {
        format!(
            "<textarea name=\"{name}\" rows=\"4\" placeholder=\"{placeholder}\"{max}></textarea>"
        )
    } else {
        format!("<input type=\"text\" name=\"{name}\" placeholder=\"{placeholder}\"{max}>")
    };
    format!(
        "<label class=\"bk-input\" data-block-id=\"{}\"><span class=\"bk-label\">{}</span>{control}<span class=\"bk-error\"></span></label>",
        attr(block_id),
        text_object(&block["label"]),
    )
}

/// A modal view as a form: title, blocks, and its submit and close buttons.
pub fn modal(view: &Value, trigger_id: &str) -> String {
    format!(
        "<form class=\"modal\" data-trigger-id=\"{}\"><h3 class=\"modal-title\">{}</h3>{}<div class=\"modal-buttons\"><button type=\"button\" class=\"bk-button modal-close\">{}</button><button type=\"submit\" class=\"bk-button primary modal-submit\">{}</button></div></form>",
        attr(trigger_id),
        text_object(&view["title"]),
        blocks(&view["blocks"]),
        plain_to_html(view["close"]["text"].as_str().unwrap_or("Cancel")),
        plain_to_html(view["submit"]["text"].as_str().unwrap_or("Submit")),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_card_renders_header_fields_context_divider_and_styled_buttons() {
        let html = blocks(&json!([
            { "type": "header", "text": { "type": "plain_text", "text": "Desks <for> Lisbon" } },
            { "type": "section", "fields": [{ "type": "mrkdwn", "text": "*Total*\n$7,420.50" }] },
            { "type": "divider" },
            { "type": "context", "elements": [{ "type": "mrkdwn", "text": "Requisition #101" }] },
            { "type": "actions", "block_id": "act", "elements": [
                { "type": "button", "action_id": "approve", "style": "primary", "value": "{\"a\":1}",
                  "text": { "type": "plain_text", "text": "Approve" } },
                { "type": "button", "action_id": "deny", "style": "danger", "value": "v",
                  "text": { "type": "plain_text", "text": "Deny" } },
                { "type": "button", "action_id": "open_in_coupa", "url": "https://coupa.test/r/1",
                  "text": { "type": "plain_text", "text": "View in Coupa" } }
            ]}
        ]));
        assert!(
            html.contains("<h3 class=\"bk-header\">Desks &lt;for&gt; Lisbon</h3>"),
            "{html}"
        );
        assert!(
            html.contains("<strong>Total</strong><br>$7,420.50"),
            "{html}"
        );
        assert!(html.contains("<hr class=\"bk-divider\">"));
        assert!(html.contains("class=\"bk-button primary\" data-action-id=\"approve\" data-block-id=\"act\" data-value=\"{&quot;a&quot;:1}\""), "{html}");
        assert!(
            html.contains("class=\"bk-button danger\" data-action-id=\"deny\""),
            "{html}"
        );
        assert!(html.contains("href=\"https://coupa.test/r/1\""), "{html}");
    }

    #[test]
    fn a_confirm_dialog_travels_with_its_button() {
        let html = blocks(&json!([{ "type": "actions", "elements": [{
            "type": "button", "action_id": "approve", "value": "v",
            "text": { "type": "plain_text", "text": "Approve" },
            "confirm": {
                "title": { "type": "plain_text", "text": "Approve this requisition?" },
                "text": { "type": "mrkdwn", "text": "You are approving *Servers*." },
                "confirm": { "type": "plain_text", "text": "Approve" },
                "deny": { "type": "plain_text", "text": "Cancel" }
            }
        }]}]));
        assert!(
            html.contains("data-confirm-title=\"Approve this requisition?\""),
            "{html}"
        );
        assert!(
            html.contains(
                "data-confirm-text=\"You are approving &lt;strong&gt;Servers&lt;/strong&gt;.\""
            ),
            "{html}"
        );
        assert!(html.contains("data-block-id=\"b0\""), "{html}");
    }

    #[test]
    fn the_deny_modal_becomes_a_form_with_a_named_textarea() {
        let html = modal(
            &json!({
                "type": "modal",
                "title": { "type": "plain_text", "text": "Deny requisition" },
                "submit": { "type": "plain_text", "text": "Deny" },
                "close": { "type": "plain_text", "text": "Cancel" },
                "blocks": [
                    { "type": "section", "text": { "type": "mrkdwn", "text": "Denying *X*." } },
                    { "type": "input", "block_id": "reason",
                      "label": { "type": "plain_text", "text": "Reason" },
                      "element": { "type": "plain_text_input", "action_id": "reason_input", "multiline": true, "max_length": 1000 } }
                ]
            }),
            "T1",
        );
        assert!(
            html.contains("<form class=\"modal\" data-trigger-id=\"T1\">"),
            "{html}"
        );
        assert!(
            html.contains("<textarea name=\"reason.reason_input\""),
            "{html}"
        );
        assert!(html.contains("maxlength=\"1000\""), "{html}");
        assert!(html.contains(">Deny</button>"), "{html}");
    }

    #[test]
    fn unknown_blocks_are_named_not_dropped() {
        assert!(blocks(&json!([{ "type": "video" }])).contains("[video not shown in the demo]"));
    }

    #[test]
    fn checkboxes_render_with_the_values_a_click_sends_as_state() {
        let html = blocks(
            &json!([{ "type": "actions", "block_id": "approve_several", "elements": [
            { "type": "checkboxes", "action_id": "selected", "options": [
                { "text": { "type": "plain_text", "text": "#1 <Desks>" }, "value": "1:2:ab:3:4.00:USD" }
            ] },
            { "type": "button", "action_id": "approve_selected", "value": "selected",
              "text": { "type": "plain_text", "text": "Approve selected" } }
        ] }]),
        );
        assert!(
            html.contains("data-checkbox-block=\"approve_several\" data-checkbox-action=\"selected\" value=\"1:2:ab:3:4.00:USD\""),
            "{html}"
        );
        assert!(html.contains("&lt;Desks&gt;"), "{html}");
        assert!(!html.contains("not shown in the demo"), "{html}");
    }
}
