//! The Markdown subset Teams renders in an Adaptive Card's TextBlocks and facts → HTML:
//! `**bold**`, `_italic_` and `*italic*`, links `[text](https://…)`, `- ` and `1. ` lists,
//! paragraphs and line breaks, a backslash before a character showing it as typed, and the
//! `{{DATE(…)}}` and `{{TIME(…)}}` functions (written here in UTC, where Teams uses the reader's
//! zone). Pure.
//!
//! Everything that reaches the HTML is escaped here: a link is made only for `http(s)` addresses,
//! and any other markup shows as typed.

use jiff::Timestamp;

use super::mrkdwn::escape_html;

/// `text` (a TextBlock's or a fact's) as HTML.
pub fn to_html(text: &str) -> String {
    let text = functions(text);
    text.split("\n\n")
        .filter(|paragraph| !paragraph.is_empty())
        .map(paragraph)
        .collect::<Vec<_>>()
        .join("")
}

/// One paragraph: a list when every line is an item, else lines joined by breaks.
fn paragraph(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.iter().all(|l| bullet(l).is_some()) {
        let items: String = lines
            .iter()
            .filter_map(|l| bullet(l))
            .map(|item| format!("<li>{}</li>", inline(item)))
            .collect();
        return format!("<ul>{items}</ul>");
    }
    if lines.iter().all(|l| numbered(l).is_some()) {
        let items: String = lines
            .iter()
            .filter_map(|l| numbered(l))
            .map(|item| format!("<li>{}</li>", inline(item)))
            .collect();
        return format!("<ol>{items}</ol>");
    }
    let body: Vec<String> = lines.iter().map(|l| inline(l)).collect();
    format!("<p>{}</p>", body.join("<br>"))
}

fn bullet(line: &str) -> Option<&str> {
    line.strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| line.strip_prefix("+ "))
}

fn numbered(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    line[digits..].strip_prefix(". ")
}

/// Emphasis, links and escapes within one line.
fn inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.push_str(&escape_html(&chars[i + 1].to_string()));
                i += 2;
            }
            '*' if chars.get(i + 1) == Some(&'*') => match find(&chars, i + 2, "**") {
                Some(end) if end > i + 2 => {
                    let inner: String = chars[i + 2..end].iter().collect();
                    out.push_str(&format!("<strong>{}</strong>", inline(&inner)));
                    i = end + 2;
                }
                _ => {
                    out.push_str("**");
                    i += 2;
                }
            },
            '*' | '_' => match find(&chars, i + 1, &c.to_string()) {
                Some(end) if end > i + 1 && !chars[i + 1].is_whitespace() => {
                    let inner: String = chars[i + 1..end].iter().collect();
                    out.push_str(&format!("<em>{}</em>", inline(&inner)));
                    i = end + 1;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            },
            '[' => match link(&chars, i) {
                Some((label, url, end)) => {
                    out.push_str(&format!(
                        "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{}</a>",
                        escape_html(&url),
                        inline(&label)
                    ));
                    i = end;
                }
                None => {
                    out.push('[');
                    i += 1;
                }
            },
            c => {
                out.push_str(&escape_html(&c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// The index where `marker` next starts at or after `from`, skipping escaped characters.
fn find(chars: &[char], from: usize, marker: &str) -> Option<usize> {
    let marker: Vec<char> = marker.chars().collect();
    let mut j = from;
    while j + marker.len() <= chars.len() {
        if chars[j] == '\\' {
            j += 2;
            continue;
        }
        if chars[j..j + marker.len()] == marker[..] {
            return Some(j);
        }
        j += 1;
    }
    None
}

/// `[label](url)` starting at `start`: its label, its address (only `http(s)`), and where it
/// ends.
fn link(chars: &[char], start: usize) -> Option<(String, String, usize)> {
    let close = find(chars, start + 1, "](")?;
    let end = (close + 2..chars.len()).find(|&j| chars[j] == ')')?;
    let label: String = chars[start + 1..close].iter().collect();
    let url: String = chars[close + 2..end].iter().collect();
    let lower = url.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    (web && !url.contains(char::is_whitespace)).then_some((label, url, end + 1))
}

/// Replaces each `{{DATE(iso, FORMAT)}}` and `{{TIME(iso)}}` with the date or time it names;
/// anything else in braces stays as written.
fn functions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after
            .find("}}")
            .and_then(|end| Some((end, function(&after[..end])?)))
        {
            Some((end, written)) => {
                out.push_str(&written);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One function's result, or `None` when it is not one Teams knows.
fn function(call: &str) -> Option<String> {
    let (name, args) = call.split_once('(')?;
    let args = args.strip_suffix(')')?;
    let mut args = args.split(',').map(str::trim);
    let at: Timestamp = args.next()?.parse().ok()?;
    match name.trim() {
        "DATE" => {
            let format = match args.next().unwrap_or("COMPACT") {
                "SHORT" => "%a, %b %-d, %Y",
                "LONG" => "%A, %B %-d, %Y",
                _ => "%-m/%-d/%Y",
            };
            Some(at.strftime(format).to_string())
        }
        "TIME" => Some(format!("{} UTC", at.strftime("%-I:%M %p"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_italic_and_a_web_link_are_rendered() {
        assert_eq!(
            to_html("**Approved** by _Daniel_ [Coupa](https://coupa.example/r/1)"),
            "<p><strong>Approved</strong> by <em>Daniel</em> <a href=\"https://coupa.example/r/1\" target=\"_blank\" rel=\"noopener noreferrer\">Coupa</a></p>"
        );
    }

    #[test]
    fn escaped_markup_shows_as_typed_and_html_is_escaped() {
        assert_eq!(
            to_html(r"\[Log in\](https://evil) \*x\* <b>&amp;</b>"),
            "<p>[Log in](https://evil) *x* &lt;b&gt;&amp;amp;&lt;/b&gt;</p>"
        );
    }

    #[test]
    fn a_link_to_anything_but_the_web_is_not_a_link() {
        let html = to_html("[click](javascript:alert(1))");
        assert!(!html.contains("<a "), "{html}");
        assert!(html.contains("[click](javascript:alert(1))"), "{html}");
    }

    #[test]
    fn paragraphs_line_breaks_and_lists() {
        assert_eq!(
            to_html("one\ntwo\n\nthree"),
            "<p>one<br>two</p><p>three</p>"
        );
        assert_eq!(to_html("- a\n- b"), "<ul><li>a</li><li>b</li></ul>");
        assert_eq!(to_html("1. a\n2. b"), "<ol><li>a</li><li>b</li></ol>");
        assert_eq!(to_html(r"12\. not a list"), "<p>12. not a list</p>");
    }

    #[test]
    fn date_and_time_functions_are_written_and_others_stay() {
        assert_eq!(
            to_html("on {{DATE(2026-11-20T17:21:00Z, SHORT)}} at {{TIME(2026-11-20T17:21:00Z)}}"),
            "<p>on Fri, Nov 20, 2026 at 5:21 PM UTC</p>"
        );
        assert_eq!(to_html("{{\u{200B}not}}"), "<p>{{\u{200B}not}}</p>");
        assert_eq!(to_html("{{NOW()}}"), "<p>{{NOW()}}</p>");
    }

    #[test]
    fn an_unclosed_marker_is_kept() {
        assert_eq!(to_html("2 * 3 and **x"), "<p>2 * 3 and **x</p>");
    }
}
