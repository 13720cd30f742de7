//! A person's DM conversation with the bot as HTML: their own messages as text, the bot's as
//! the Block Kit it sent (see [`super::block_kit`]), with Slack's "edited" and "only visible to
//! you" marks. Pure.

use super::block_kit;
use super::mrkdwn::{escape_html, plain_to_html, to_html};
use crate::sandbox::slack::FakeMessage;

/// The bot's display name on the page.
pub const BOT_NAME: &str = "Coupa Approvals";

/// The conversation, oldest first.
pub fn html(messages: &[FakeMessage], user_name: &str) -> String {
    if messages.is_empty() {
        return "<div class=\"empty\">No messages yet. The bot sends a card when something waits for this person's approval (the first sync runs within seconds).</div>".to_owned();
    }
    messages.iter().map(|m| message(m, user_name)).collect()
}

fn message(message: &FakeMessage, user_name: &str) -> String {
    let from_person = message.from_user.is_some();
    let (name, initials, class) = if from_person {
        (user_name, initials(user_name), "msg from-person")
    } else {
        (BOT_NAME, "CA".to_owned(), "msg from-bot")
    };
    let body = if from_person {
        plain_to_html(&message.text)
    } else if message.blocks.as_array().is_some_and(|b| !b.is_empty()) {
        block_kit::blocks(&message.blocks)
    } else {
        to_html(&message.text)
    };
    let mut marks = String::new();
    if !from_person {
        marks.push_str("<span class=\"app-tag\">APP</span>");
    }
    if message.edits > 0 {
        marks.push_str("<span class=\"edited\">(edited)</span>");
    }
    let ephemeral = if message.only_for.is_some() {
        "<div class=\"ephemeral\">Only visible to you</div>"
    } else {
        ""
    };
    format!(
        "<article class=\"{class}{card}\" data-ts=\"{ts}\"><div class=\"avatar\">{initials}</div><div class=\"msg-main\">{ephemeral}<div class=\"msg-head\"><b>{name}</b>{marks}</div><div class=\"msg-body\">{body}</div></div></article>",
        card = if is_card(message) { " card" } else { "" },
        ts = escape_html(&message.ts),
        initials = escape_html(&initials),
        name = escape_html(name),
    )
}

/// A card is a bot message that starts with a header (lists and notices do not).
fn is_card(message: &FakeMessage) -> bool {
    message.blocks[0]["type"] == "header"
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn bot(blocks: Value, edits: u32) -> FakeMessage {
        FakeMessage {
            channel: "DDANIEL".into(),
            ts: "1.1".into(),
            text: "fallback".into(),
            blocks,
            only_for: None,
            edits,
            from_user: None,
        }
    }

    #[test]
    fn a_card_is_marked_and_an_edit_is_shown() {
        let html = html(
            &[bot(
                json!([{ "type": "header", "text": { "type": "plain_text", "text": "Desks" } }]),
                1,
            )],
            "Daniel Okafor",
        );
        assert!(
            html.contains("class=\"msg from-bot card\" data-ts=\"1.1\""),
            "{html}"
        );
        assert!(html.contains("(edited)"), "{html}");
        assert!(html.contains(BOT_NAME));
    }

    #[test]
    fn a_persons_message_is_escaped_text_under_their_name() {
        let mut message = bot(Value::Null, 0);
        message.from_user = Some("UDANIEL".into());
        message.text = "what's <b>pending</b>".into();
        let html = html(&[message], "Daniel Okafor");
        assert!(
            html.contains("what&#39;s &lt;b&gt;pending&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains("<div class=\"avatar\">DO</div>"), "{html}");
        assert!(html.contains("<b>Daniel Okafor</b>"), "{html}");
    }

    #[test]
    fn no_messages_says_why() {
        assert!(html(&[], "Ana").contains("No messages yet"));
    }
}
