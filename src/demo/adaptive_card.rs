//! Adaptive Card JSON → HTML, as Teams lays out the elements the bot's cards use (see
//! [`crate::teams::card`]): TextBlock (size, weight, color, subtle, wrap, heading, the Markdown
//! of [`super::card_markdown`]), FactSet, Container, ColumnSet and Column, ActionSet, Input.Text
//! (label, required, maximum length, placeholder, multiline, its error message), and the actions
//! Action.Execute (or its fallback when it has no verb), Action.Submit, Action.ShowCard (its card
//! inline, opened by the page's script) and Action.OpenUrl (a link, only to `http(s)`). Any other
//! element or action shows as a visible "unsupported" note, never silently dropped, unless it
//! names its own fallback. Pure.
//!
//! Every text and attribute is escaped here. What an action sends is kept on its button as data
//! attributes (`data-kind`, `data-verb`, `data-data`) for the page's script to post back.

use serde_json::Value;

use super::card_markdown;
use super::mrkdwn::escape_html;

/// The card's HTML: its body, then its actions.
pub fn card(card: &Value) -> String {
    if card["type"] != "AdaptiveCard" {
        return unsupported("card", kind(card));
    }
    let body: String = items(&card["body"]);
    let actions = action_set(&card["actions"]);
    format!("<div class=\"ac-card\">{body}{actions}</div>")
}

fn kind(value: &Value) -> &str {
    value["type"].as_str().unwrap_or("(no type)")
}

fn unsupported(what: &str, kind: &str) -> String {
    format!(
        "<div class=\"ac-unsupported\">Unsupported {what}: {}</div>",
        escape_html(kind)
    )
}

fn items(items: &Value) -> String {
    items
        .as_array()
        .map(|items| items.iter().map(element).collect())
        .unwrap_or_default()
}

/// One of `allowed` (compared case-insensitively), or `default`: only known words become class
/// names.
fn choice<'a>(value: &Value, allowed: &[&'a str], default: &'a str) -> &'a str {
    value
        .as_str()
        .and_then(|v| allowed.iter().find(|a| a.eq_ignore_ascii_case(v)))
        .copied()
        .unwrap_or(default)
}

/// The classes every element takes: its separator and spacing, and whether it is hidden.
fn common(element: &Value) -> String {
    let mut classes = String::new();
    if element["separator"] == true {
        classes.push_str(" ac-separator");
    }
    let spacing = choice(
        &element["spacing"],
        &[
            "none",
            "small",
            "default",
            "medium",
            "large",
            "extraLarge",
            "padding",
        ],
        "default",
    );
    if spacing != "default" {
        classes.push_str(&format!(" ac-spacing-{}", spacing.to_ascii_lowercase()));
    }
    classes
}

fn hidden(element: &Value) -> &'static str {
    if element["isVisible"] == false {
        " hidden"
    } else {
        ""
    }
}

fn element(element: &Value) -> String {
    match kind(element) {
        "TextBlock" => text_block(element),
        "FactSet" => fact_set(element),
        "Container" => format!(
            "<div class=\"ac-container ac-style-{style}{common}\"{hidden}>{items}</div>",
            style = choice(
                &element["style"],
                &[
                    "default",
                    "emphasis",
                    "good",
                    "attention",
                    "warning",
                    "accent"
                ],
                "default"
            ),
            common = common(element),
            hidden = hidden(element),
            items = items(&element["items"]),
        ),
        "ColumnSet" => {
            let columns: String = element["columns"]
                .as_array()
                .map(|columns| columns.iter().map(column).collect())
                .unwrap_or_default();
            format!(
                "<div class=\"ac-columns{}\"{}>{columns}</div>",
                common(element),
                hidden(element)
            )
        }
        "ActionSet" => format!(
            "<div class=\"ac-actionset-element{}\"{}>{}</div>",
            common(element),
            hidden(element),
            action_set(&element["actions"])
        ),
        "Input.Text" => input_text(element),
        "Input.ChoiceSet" if element["isMultiSelect"] == true => choice_set(element),
        other => match &element["fallback"] {
            Value::Object(_) => self::element(&element["fallback"]),
            // The card's author asked for nothing in its place.
            Value::String(drop) if drop == "drop" => String::new(),
            _ => unsupported("element", other),
        },
    }
}

fn text_block(block: &Value) -> String {
    let size = choice(
        &block["size"],
        &["small", "default", "medium", "large", "extraLarge"],
        "default",
    );
    let weight = choice(
        &block["weight"],
        &["lighter", "default", "bolder"],
        "default",
    );
    let color = choice(
        &block["color"],
        &[
            "default",
            "dark",
            "light",
            "accent",
            "good",
            "warning",
            "attention",
        ],
        "default",
    );
    let mut classes = format!(
        "ac-text ac-size-{} ac-weight-{weight} ac-color-{color}",
        size.to_ascii_lowercase()
    );
    if block["isSubtle"] == true {
        classes.push_str(" ac-subtle");
    }
    if block["wrap"] != true {
        classes.push_str(" ac-nowrap");
    }
    classes.push_str(&common(block));
    let role = if block["style"] == "heading" {
        " role=\"heading\""
    } else {
        ""
    };
    let text = block["text"].as_str().unwrap_or_default();
    format!(
        "<div class=\"{classes}\"{role}{}>{}</div>",
        hidden(block),
        card_markdown::to_html(text)
    )
}

fn fact_set(set: &Value) -> String {
    let facts: String = set["facts"]
        .as_array()
        .map(|facts| {
            facts
                .iter()
                .map(|fact| {
                    format!(
                        "<dt>{}</dt><dd>{}</dd>",
                        card_markdown::to_html(fact["title"].as_str().unwrap_or_default()),
                        card_markdown::to_html(fact["value"].as_str().unwrap_or_default()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "<dl class=\"ac-facts{}\"{}>{facts}</dl>",
        common(set),
        hidden(set)
    )
}

fn column(column: &Value) -> String {
    if kind(column) != "Column" && !column["type"].is_null() {
        return unsupported("column", kind(column));
    }
    // `auto` fits the content, `stretch` takes what is left, a number is a share of it, and
    // `120px` is a fixed width.
    let width = match &column["width"] {
        Value::Number(n) => format!(" style=\"flex: {} 1 0\"", n.as_f64().unwrap_or(1.0)),
        Value::String(w) if w.eq_ignore_ascii_case("auto") => " style=\"flex: 0 0 auto\"".into(),
        Value::String(w) => match w.strip_suffix("px").and_then(|n| n.parse::<u32>().ok()) {
            Some(px) => format!(" style=\"flex: 0 0 {px}px\""),
            None => " style=\"flex: 1 1 0\"".into(),
        },
        _ => " style=\"flex: 1 1 0\"".into(),
    };
    format!(
        "<div class=\"ac-column{}\"{width}{}>{}</div>",
        common(column),
        hidden(column),
        items(&column["items"])
    )
}

/// A multi-select as checkboxes; the script sends the checked values joined by commas, as a
/// Teams client does.
fn choice_set(input: &Value) -> String {
    let choices: String = input["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|choice| {
            format!(
                "<label class=\"ac-choice\"><input type=\"checkbox\" value=\"{}\"> {}</label>",
                escape_html(choice["value"].as_str().unwrap_or_default()),
                escape_html(choice["title"].as_str().unwrap_or_default())
            )
        })
        .collect();
    format!(
        "<div class=\"ac-choices\" data-input-id=\"{}\" data-choices=\"\"><div class=\"ac-label\">{}</div>{choices}</div>",
        escape_html(input["id"].as_str().unwrap_or_default()),
        escape_html(input["label"].as_str().unwrap_or_default())
    )
}

fn input_text(input: &Value) -> String {
    let id = input["id"].as_str().unwrap_or_default();
    let required = input["isRequired"] == true;
    let mut attributes = format!(
        " name=\"{id}\" data-input-id=\"{id}\"",
        id = escape_html(id)
    );
    if required {
        attributes.push_str(" required");
    }
    if let Some(max) = input["maxLength"].as_u64() {
        attributes.push_str(&format!(" maxlength=\"{max}\""));
    }
    if let Some(placeholder) = input["placeholder"].as_str() {
        attributes.push_str(&format!(" placeholder=\"{}\"", escape_html(placeholder)));
    }
    if let Some(error) = input["errorMessage"].as_str() {
        attributes.push_str(&format!(" data-error=\"{}\"", escape_html(error)));
    }
    let value = input["value"].as_str().unwrap_or_default();
    let field = if input["isMultiline"] == true {
        format!(
            "<textarea class=\"ac-input\" rows=\"3\"{attributes}>{}</textarea>",
            escape_html(value)
        )
    } else {
        format!(
            "<input class=\"ac-input\" type=\"text\" value=\"{}\"{attributes}>",
            escape_html(value)
        )
    };
    let label = input["label"]
        .as_str()
        .map(|label| {
            let mark = if required {
                "<span class=\"ac-required\">*</span>"
            } else {
                ""
            };
            format!(
                "<span class=\"ac-label\">{}{mark}</span>",
                escape_html(label)
            )
        })
        .unwrap_or_default();
    format!(
        "<label class=\"ac-input-text{}\"{}>{label}{field}<span class=\"ac-error\" hidden></span></label>",
        common(input),
        hidden(input)
    )
}

/// A row of actions; the cards of its `Action.ShowCard`s follow it, closed.
fn action_set(actions: &Value) -> String {
    let Some(actions) = actions.as_array().filter(|a| !a.is_empty()) else {
        return String::new();
    };
    let mut buttons = String::new();
    let mut cards = String::new();
    for (index, action) in actions.iter().enumerate() {
        buttons.push_str(&self::action(action, index, &mut cards));
    }
    format!("<div class=\"ac-actionset\"><div class=\"ac-actions\">{buttons}</div>{cards}</div>")
}

fn action(action: &Value, index: usize, cards: &mut String) -> String {
    let title = escape_html(action["title"].as_str().unwrap_or_default());
    let style = choice(
        &action["style"],
        &["default", "positive", "destructive"],
        "default",
    );
    let sends = |kind: &str, verb: Option<&str>| {
        let verb = verb
            .map(|v| format!(" data-verb=\"{}\"", escape_html(v)))
            .unwrap_or_default();
        let data = if action["data"].is_null() {
            "{}".to_owned()
        } else {
            action["data"].to_string()
        };
        format!(
            "<button type=\"button\" class=\"ac-action ac-style-{style}\" data-kind=\"{kind}\"{verb} data-data=\"{}\">{title}</button>",
            escape_html(&data)
        )
    };
    match kind(action) {
        "Action.Execute" => match action["verb"].as_str().filter(|v| !v.is_empty()) {
            Some(verb) => sends("execute", Some(verb)),
            // Without a verb the action is invalid; a client uses its fallback instead.
            None => match &action["fallback"] {
                Value::Object(_) => self::action(&action["fallback"], index, cards),
                _ => unsupported("action", "Action.Execute without a verb"),
            },
        },
        "Action.Submit" => sends("submit", None),
        "Action.ShowCard" => {
            cards.push_str(&format!(
                "<div class=\"ac-showcard\" data-index=\"{index}\" hidden>{}</div>",
                card(&action["card"])
            ));
            format!(
                "<button type=\"button\" class=\"ac-action ac-style-{style}\" data-kind=\"showcard\" data-index=\"{index}\" aria-expanded=\"false\">{title}</button>"
            )
        }
        "Action.OpenUrl" => {
            let url = action["url"].as_str().unwrap_or_default();
            let lower = url.to_ascii_lowercase();
            if lower.starts_with("https://") || lower.starts_with("http://") {
                format!(
                    "<a class=\"ac-action ac-link\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{title}</a>",
                    escape_html(url)
                )
            } else {
                unsupported("link", url)
            }
        }
        other => match &action["fallback"] {
            Value::Object(_) => self::action(&action["fallback"], index, cards),
            Value::String(drop) if drop == "drop" => String::new(),
            _ => unsupported("action", other),
        },
    }
}

#[cfg(test)]
mod tests;
