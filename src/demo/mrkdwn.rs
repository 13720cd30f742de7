//! Slack mrkdwn → HTML, minimally: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, links
//! `<url|text>`, dates `<!date^…|fallback>` (the fallback is shown), `>` quotes, newlines, and
//! the handful of emoji codes the bot uses. Pure.
//!
//! Everything that reaches the HTML is escaped here: the text comes from Coupa (titles,
//! justifications, reasons) and a demo visitor can type into it.

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes Slack's own escaping (`&amp;`, `&lt;`, `&gt;`) so the text can be escaped for HTML
/// once, not twice.
fn unescape_slack(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Plain text (a `plain_text` object) as HTML: escaped, newlines kept.
pub fn plain_to_html(text: &str) -> String {
    escape_html(text).replace('\n', "<br>")
}

/// Slack mrkdwn as HTML.
pub fn to_html(text: &str) -> String {
    let mut html = String::new();
    let mut in_quote = false;
    for (index, line) in text.split('\n').enumerate() {
        let quoted = line
            .strip_prefix("&gt;")
            .or_else(|| line.strip_prefix('>'))
            .map(|rest| rest.strip_prefix(' ').unwrap_or(rest));
        match (quoted.is_some(), in_quote) {
            (true, false) => html.push_str("<blockquote>"),
            (false, true) => html.push_str("</blockquote>"),
            _ if index > 0 => html.push_str("<br>"),
            _ => {}
        }
        in_quote = quoted.is_some();
        html.push_str(&line_to_html(quoted.unwrap_or(line)));
    }
    if in_quote {
        html.push_str("</blockquote>");
    }
    html
}

/// Placeholders for already-rendered pieces (links, dates) while emphasis is applied around
/// them, so a `_` in a URL is never taken for italics. Private-use characters never occur in
/// the escaped text.
const HOLE_OPEN: char = '\u{E000}';
const HOLE_CLOSE: char = '\u{E001}';

fn line_to_html(line: &str) -> String {
    let mut holes: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        text.push_str(&escape_html(&unescape_slack(&rest[..start])));
        let inner = &rest[start + 1..start + len];
        text.push(HOLE_OPEN);
        text.push_str(&holes.len().to_string());
        text.push(HOLE_CLOSE);
        holes.push(control_to_html(inner));
        rest = &rest[start + len + 1..];
    }
    text.push_str(&escape_html(&unescape_slack(rest)));

    let mut html = emoji(&text);
    for (marker, tag) in [('`', "code"), ('*', "strong"), ('_', "em"), ('~', "s")] {
        html = emphasis(&html, marker, tag);
    }
    for (index, hole) in holes.iter().enumerate() {
        html = html.replace(&format!("{HOLE_OPEN}{index}{HOLE_CLOSE}"), hole);
    }
    html
}

/// One `<…>` sequence: a link, a date, a mention.
fn control_to_html(inner: &str) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(label)),
        None => (inner, None),
    };
    if target.starts_with("!date^") {
        // `<!date^1700000000^{date_short}|Nov 14, 2023>`: the fallback is what we can show.
        let fallback = inner.rsplit_once('|').map(|(_, f)| f).unwrap_or_default();
        return format!("<time>{}</time>", escape_html(&unescape_slack(fallback)));
    }
    if let Some(special) = target.strip_prefix('!') {
        return format!("@{}", escape_html(label.unwrap_or(special)));
    }
    if let Some(user) = target.strip_prefix('@') {
        return format!(
            "<span class=\"mention\">@{}</span>",
            escape_html(label.unwrap_or(user))
        );
    }
    if let Some(channel) = target.strip_prefix('#') {
        return format!("#{}", escape_html(label.unwrap_or(channel)));
    }
    let url = unescape_slack(target);
    let label = escape_html(&unescape_slack(label.unwrap_or(target)));
    if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("mailto:") {
        format!(
            "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{label}</a>",
            escape_html(&url)
        )
    } else {
        // Not a scheme a browser should follow from here (`javascript:` and the like).
        label
    }
}

/// Wraps `marker`-delimited runs in `<tag>`. A run opens at a marker not preceded by a letter or
/// digit and followed by a non-space, and closes at the next marker preceded by a non-space and
/// not followed by a letter or digit — roughly Slack's rule, so `snake_case` stays as it is.
fn emphasis(text: &str, marker: char, tag: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == marker && opens(&chars, i) {
            let close = (i + 2..chars.len()).find(|&j| chars[j] == marker && closes(&chars, j));
            if let Some(j) = close {
                let inner: String = chars[i + 1..j].iter().collect();
                out.push_str(&format!("<{tag}>{inner}</{tag}>"));
                i = j + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn opens(chars: &[char], i: usize) -> bool {
    let before_ok = i == 0 || !chars[i - 1].is_alphanumeric();
    let after_ok = chars.get(i + 1).is_some_and(|c| !c.is_whitespace());
    before_ok && after_ok
}

fn closes(chars: &[char], j: usize) -> bool {
    let before_ok = !chars[j - 1].is_whitespace();
    let after_ok = chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric());
    before_ok && after_ok
}

/// The emoji codes the bot uses, as symbols that ordinary text fonts have (a headless browser
/// or a bare Linux desktop often has no colour-emoji font); others stay as their `:code:`.
fn emoji(text: &str) -> String {
    const CODES: &[(&str, &str, &str)] = &[
        (":white_check_mark:", "✔", "ok"),
        (":x:", "✖", "no"),
        (":information_source:", "ℹ", "info"),
        (":hourglass:", "⌛", "info"),
        (":pencil2:", "✎", "info"),
        (":warning:", "⚠", "warn"),
        (":tada:", "★", "ok"),
        (":no_entry:", "⛔", "no"),
        (":lock:", "⚿", "info"),
    ];
    let mut text = text.to_owned();
    for (code, glyph, kind) in CODES {
        text = text.replace(
            code,
            &format!("<span class=\"emoji {kind}\">{glyph}</span>"),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_italic_and_newlines_become_tags() {
        assert_eq!(
            to_html("*Total*\n$7,420.50 _approx_"),
            "<strong>Total</strong><br>$7,420.50 <em>approx</em>"
        );
    }

    #[test]
    fn html_in_the_text_is_escaped_not_interpreted() {
        let html = to_html("<script>alert(1)</script> &lt;b&gt; \"q\" & 'a'");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(html.contains("&quot;q&quot; &amp; &#39;a&#39;"), "{html}");
    }

    #[test]
    fn links_show_their_text_and_unsafe_schemes_are_not_links() {
        assert_eq!(
            to_html("<https://x.test/a_b_c?d=1&amp;e=2|See it>"),
            "<a href=\"https://x.test/a_b_c?d=1&amp;e=2\" target=\"_blank\" rel=\"noopener noreferrer\">See it</a>"
        );
        assert_eq!(to_html("<javascript:alert(1)|click>"), "click");
    }

    #[test]
    fn a_date_shows_its_fallback() {
        assert_eq!(
            to_html("submitted <!date^1763659240^{date_short_pretty}|Nov 20, 2025>"),
            "submitted <time>Nov 20, 2025</time>"
        );
    }

    #[test]
    fn quoted_lines_become_one_blockquote() {
        assert_eq!(
            to_html("❌ *Denied*\n>Too expensive\n>Ask again in Q2"),
            "❌ <strong>Denied</strong><blockquote>Too expensive<br>Ask again in Q2</blockquote>"
        );
    }

    #[test]
    fn underscores_inside_words_and_emoji_codes_render_sensibly() {
        assert_eq!(to_html("snake_case_name"), "snake_case_name");
        assert_eq!(
            to_html(":white_check_mark: done"),
            "<span class=\"emoji ok\">✔</span> done"
        );
    }
}
