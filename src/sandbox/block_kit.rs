//! Block Kit limits, checked on rendered JSON with the limits the bot itself declares
//! ([`crate::slack::blocks::limits`]): what the property tests and the fuzzers assert of every
//! card, list and modal. A failed check panics like any assertion, which a test reports as a
//! failure and a fuzzer as a crash.

use crate::slack::blocks::{Rendered, limits};
use serde_json::Value;

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

/// A text object's text: present, non-empty, at most `max` characters.
pub fn assert_text(what: &str, object: &Value, max: usize) {
    let n = chars(&object["text"]);
    assert!(n >= 1, "{what} is empty: {object}");
    assert!(n <= max, "{what} has {n} > {max} characters");
}

/// Every block and element inside Block Kit's limits, and at most `max_blocks` blocks.
pub fn assert_blocks_within_limits(blocks: &Value, max_blocks: usize) {
    let blocks = blocks.as_array().expect("blocks are a list");
    assert!(blocks.len() <= max_blocks, "{} blocks", blocks.len());
    for block in blocks {
        if let Some(id) = block["block_id"].as_str() {
            assert!(id.chars().count() <= 255, "block_id too long");
        }
        match block["type"].as_str().unwrap_or_default() {
            "header" => assert_text("header", &block["text"], limits::HEADER),
            "section" => {
                if !block["text"].is_null() {
                    assert_text("section", &block["text"], limits::SECTION_TEXT);
                }
                if let Some(fields) = block["fields"].as_array() {
                    assert!(fields.len() <= limits::FIELDS, "{} fields", fields.len());
                    for field in fields {
                        assert_text("field", field, limits::FIELD_TEXT);
                    }
                }
                assert!(
                    !block["text"].is_null() || !block["fields"].is_null(),
                    "a section with neither text nor fields"
                );
            }
            "context" => {
                let elements = block["elements"].as_array().expect("context elements");
                assert!(!elements.is_empty() && elements.len() <= limits::CONTEXT_ELEMENTS);
                for element in elements {
                    assert_text("context", element, limits::SECTION_TEXT);
                }
            }
            "actions" => {
                let elements = block["elements"].as_array().expect("action elements");
                assert!(!elements.is_empty() && elements.len() <= 25);
                for button in elements {
                    if button["type"] == "checkboxes" {
                        assert_checkboxes(button);
                        continue;
                    }
                    assert_text("button", &button["text"], limits::BUTTON_TEXT);
                    assert!(chars(&button["action_id"]) <= 255);
                    assert!(chars(&button["value"]) <= limits::BUTTON_VALUE);
                    assert!(chars(&button["url"]) <= 3_000, "button URL too long");
                    if !button["confirm"].is_null() {
                        let confirm = &button["confirm"];
                        assert_text("confirm title", &confirm["title"], limits::CONFIRM_TITLE);
                        assert_text("confirm text", &confirm["text"], limits::CONFIRM_TEXT);
                        assert_text("confirm", &confirm["confirm"], limits::CONFIRM_BUTTON);
                        assert_text("deny", &confirm["deny"], limits::CONFIRM_BUTTON);
                    }
                }
            }
            "divider" | "input" => {}
            other => panic!("unexpected block type {other}"),
        }
    }
}

/// A `checkboxes` element: 1 to 10 options, each with a text of at most 75 characters and a
/// value of at most 150.
fn assert_checkboxes(element: &Value) {
    use crate::slack::several::{MAX_OPTIONS, OPTION_TEXT};
    let options = element["options"].as_array().expect("checkbox options");
    assert!(
        !options.is_empty() && options.len() <= MAX_OPTIONS,
        "{} checkbox options",
        options.len()
    );
    assert!(chars(&element["action_id"]) <= 255);
    for option in options {
        assert_text("checkbox option", &option["text"], OPTION_TEXT);
        let value = chars(&option["value"]);
        assert!(
            (1..=crate::chat::selection::MAX_VALUE_CHARS).contains(&value),
            "a checkbox value of {value} characters"
        );
    }
}

/// A message: non-empty fallback text within its limit, blocks that serialise and keep every
/// limit.
pub fn assert_message_within_limits(rendered: &Rendered, max_blocks: usize) {
    assert!(!rendered.text.trim().is_empty(), "no fallback text");
    assert!(rendered.text.chars().count() <= limits::FALLBACK_TEXT);
    let json = serde_json::to_value(&rendered.blocks).expect("blocks serialise");
    serde_json::to_string(&json).expect("JSON text");
    assert_blocks_within_limits(&json, max_blocks);
}

/// A modal view: title, submit and close labels within their limit, metadata within 3,000
/// characters, blocks within the view limits.
pub fn assert_modal_within_limits(view: &Value) {
    assert_text("modal title", &view["title"], limits::MODAL_TITLE);
    assert_text("modal submit", &view["submit"], limits::MODAL_TITLE);
    assert_text("modal close", &view["close"], limits::MODAL_TITLE);
    assert!(
        chars(&view["private_metadata"]) <= 3_000,
        "private_metadata too long"
    );
    assert_blocks_within_limits(&view["blocks"], limits::VIEW_BLOCKS);
}
