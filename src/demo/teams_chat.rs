//! A person's 1:1 chat with the bot in Teams as HTML: the bot's messages on the left under its
//! name and avatar (cards drawn by [`super::adaptive_card`], text as sent), the person's own on
//! the right, with Teams' "Edited" and "This message has been deleted." marks. Pure.

use serde_json::Value;

use super::adaptive_card;
use super::card_markdown;
use super::conversation::BOT_NAME;
use super::mrkdwn::{escape_html, plain_to_html};
use super::teams::ChatEntry;
use crate::teams::invoke::ADAPTIVE_CARD;

/// The chat, oldest first.
pub fn html(entries: &[ChatEntry]) -> String {
    if entries.is_empty() {
        return "<div class=\"empty\">No messages yet. The bot writes here when something waits for this person's approval and their cards go to Teams.</div>".to_owned();
    }
    entries.iter().map(entry).collect()
}

/// How many of the bot's messages hold a card.
pub fn cards(entries: &[ChatEntry]) -> usize {
    entries
        .iter()
        .filter(|e| match e {
            ChatEntry::Bot {
                activity, deleted, ..
            } => !deleted && activity["attachments"][0]["contentType"] == ADAPTIVE_CARD,
            ChatEntry::Person(_) => false,
        })
        .count()
}

/// What a person with no chat with the bot in Teams sees.
pub fn not_installed(name: &str) -> String {
    format!(
        "<div class=\"empty\">{} has not installed Coupa Approvals in Teams. Move them to Teams to install it: the bot greets them here and sends their next cards here.</div>",
        escape_html(name)
    )
}

fn entry(entry: &ChatEntry) -> String {
    match entry {
        ChatEntry::Person(text) => format!(
            "<article class=\"tm-msg tm-mine\"><div class=\"tm-bubble\">{}</div></article>",
            plain_to_html(text)
        ),
        ChatEntry::Bot {
            id,
            activity,
            edited,
            deleted,
        } => {
            let (body, is_card) = if *deleted {
                (
                    "<div class=\"tm-deleted\">This message has been deleted.</div>".to_owned(),
                    false,
                )
            } else {
                bot_body(activity)
            };
            let edited = if *edited && !*deleted {
                "<span class=\"tm-edited\">Edited</span>"
            } else {
                ""
            };
            format!(
                "<article class=\"tm-msg tm-bot{card}\" data-activity=\"{id}\"><div class=\"tm-avatar\" aria-hidden=\"true\">CA</div><div class=\"tm-main\"><div class=\"tm-head\"><b>{name}</b>{edited}</div><div class=\"tm-bubble\">{body}</div></div></article>",
                card = if is_card { " tm-card" } else { "" },
                id = escape_html(id),
                name = escape_html(BOT_NAME),
            )
        }
    }
}

/// A bot message's content: its text, then its cards; and whether it holds a card.
fn bot_body(activity: &Value) -> (String, bool) {
    let mut html = String::new();
    if let Some(text) = activity["text"].as_str().filter(|t| !t.is_empty()) {
        // `plain` text shows as typed; otherwise Teams reads it as Markdown.
        if activity["textFormat"] == "plain" {
            html.push_str(&format!("<p>{}</p>", plain_to_html(text)));
        } else {
            html.push_str(&card_markdown::to_html(text));
        }
    }
    let mut is_card = false;
    for attachment in activity["attachments"].as_array().into_iter().flatten() {
        if attachment["contentType"] == ADAPTIVE_CARD {
            is_card = true;
            html.push_str(&adaptive_card::card(&attachment["content"]));
        } else {
            html.push_str(&format!(
                "<div class=\"ac-unsupported\">Unsupported attachment: {}</div>",
                escape_html(attachment["contentType"].as_str().unwrap_or("(none)"))
            ));
        }
    }
    (html, is_card)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bot(activity: Value) -> ChatEntry {
        ChatEntry::Bot {
            id: "1700000000001".into(),
            activity,
            edited: false,
            deleted: false,
        }
    }

    #[test]
    fn a_card_is_drawn_under_the_bots_name_and_marked_as_a_card() {
        let html = html(&[bot(json!({
            "type": "message",
            "attachments": [{ "contentType": ADAPTIVE_CARD, "content": {
                "type": "AdaptiveCard", "body": [{ "type": "TextBlock", "text": "Desks" }],
            } }],
        }))]);
        assert!(
            html.starts_with(
                "<article class=\"tm-msg tm-bot tm-card\" data-activity=\"1700000000001\">"
            ),
            "{html}"
        );
        assert!(html.contains("<b>Coupa Approvals</b>"), "{html}");
        assert!(html.contains("<p>Desks</p>"), "{html}");
    }

    #[test]
    fn plain_text_shows_as_typed_and_the_persons_message_is_escaped_on_the_right() {
        let html = html(&[
            ChatEntry::Person("what's <b>pending</b>".into()),
            bot(json!({ "type": "message", "text": "**#12**: done", "textFormat": "plain" })),
        ]);
        assert!(
            html.contains("<article class=\"tm-msg tm-mine\"><div class=\"tm-bubble\">what&#39;s &lt;b&gt;pending&lt;/b&gt;</div></article>"),
            "{html}"
        );
        assert!(html.contains("<p>**#12**: done</p>"), "{html}");
    }

    #[test]
    fn edits_and_deletions_are_marked_and_other_attachments_noted() {
        let html = html(&[
            ChatEntry::Bot {
                id: "1".into(),
                activity: json!({ "text": "x" }),
                edited: true,
                deleted: false,
            },
            ChatEntry::Bot {
                id: "2".into(),
                activity: json!({ "text": "gone" }),
                edited: true,
                deleted: true,
            },
            bot(
                json!({ "attachments": [{ "contentType": "application/vnd.microsoft.card.hero" }] }),
            ),
        ]);
        assert_eq!(html.matches("tm-edited").count(), 1, "{html}");
        assert!(html.contains("This message has been deleted."), "{html}");
        assert!(!html.contains("gone"), "{html}");
        assert!(
            html.contains("Unsupported attachment: application/vnd.microsoft.card.hero"),
            "{html}"
        );
    }

    #[test]
    fn an_empty_chat_says_why() {
        assert!(html(&[]).contains("No messages yet"));
        assert!(not_installed("Ana <Ribeiro>").contains("Ana &lt;Ribeiro&gt; has not installed"));
    }
}
