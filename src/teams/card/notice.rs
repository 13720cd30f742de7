//! Short cards that are not about one approval: a notice (why a list cannot be shown, for
//! example) and help. Pure.

use serde_json::json;

use super::markdown::cut;
use super::{Rendered, escape, finish, text, wording};

/// The longest summary a notification shows.
const SUMMARY_CHARS: usize = 300;

/// A card saying `plain` (plain text: it is escaped, so an email address or a name in it shows
/// as typed).
pub fn notice(plain: &str) -> Rendered {
    finish(
        vec![text(&escape(plain))],
        Vec::new(),
        None,
        cut(plain, SUMMARY_CHARS),
    )
}

/// What the bot does, what to ask it, and where its cards come from.
pub fn help() -> Rendered {
    let mut body = vec![json!({
        "type": "TextBlock", "text": wording::HELP_TITLE, "size": "medium", "weight": "bolder",
        "wrap": true, "style": "heading",
    })];
    body.extend(wording::HELP.iter().map(|paragraph| text(paragraph)));
    let summary = wording::HELP
        .first()
        .copied()
        .unwrap_or(wording::HELP_TITLE);
    finish(body, Vec::new(), None, cut(summary, SUMMARY_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_shows_its_text_as_typed() {
        let rendered = notice("No Coupa user has the email *x*@acme.com.");
        assert_eq!(
            rendered.card["body"][0]["text"],
            r"No Coupa user has the email \*x\*@acme.com."
        );
        assert_eq!(
            rendered.summary,
            "No Coupa user has the email *x*@acme.com."
        );
        assert_eq!(rendered.card["actions"], json!([]));
    }

    #[test]
    fn help_says_what_to_ask_and_where_cards_come_from() {
        let rendered = help();
        let json = rendered.card.to_string();
        assert!(json.contains("**what's pending**"), "{json}");
        assert!(json.contains("**help**"), "{json}");
        assert!(json.contains("The cards come from Coupa"), "{json}");
        assert!(
            rendered
                .summary
                .starts_with("I bring your Coupa approvals to Teams.")
        );
    }
}
