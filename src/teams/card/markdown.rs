//! Coupa's words made safe for the Markdown subset Adaptive Card TextBlocks and facts render, and
//! cut to length. Pure.

/// Cuts `text` to at most `max` characters, ending in `…` when cut. Cut before escaping, so no
/// escape is ever split.
pub(super) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Escapes text for the Markdown subset an Adaptive Card renders, so it shows as typed: a
/// backslash before each character Markdown acts on anywhere (emphasis, links, code, autolinks),
/// before an `&` that would start an entity, before a list, heading or quote marker that starts
/// a line, and an invisible break inside `{{`, which would otherwise start a date or time
/// function. Characters that need no escape are left alone, so `Pens & paper` stays as it is.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut line_start = true;
    let mut chars = text.chars().peekable();
    // Digits at the start of a line so far: `12.` or `12)` would start a numbered list.
    let mut leading_digits = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' | '*' | '_' | '[' | ']' | '`' | '~' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '&' if starts_entity(chars.clone()) => {
                out.push('\\');
                out.push(c);
            }
            '{' if chars.peek() == Some(&'{') => {
                out.push('{');
                out.push('\u{200B}');
            }
            '-' | '+' | '#' | '>' if line_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if leading_digits => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        leading_digits = if c.is_ascii_digit() {
            line_start || leading_digits
        } else {
            false
        };
        line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
    }
    out
}

/// Whether the text after an `&` reads as an entity (`amp;`, `#60;`, `#x3C;`).
fn starts_entity(rest: impl Iterator<Item = char>) -> bool {
    // Entity names are short; a longer run is not one.
    for (length, c) in rest.take(33).enumerate() {
        if c == ';' {
            return length > 0;
        }
        if !(c.is_ascii_alphanumeric() || c == '#') {
            return false;
        }
    }
    false
}
