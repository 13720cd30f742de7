//! Text helpers for Slack messages: dates, ages, Slack's date tokens, escaping, truncation; money
//! and quantities as every platform writes them come from [`crate::chat::format`]. Pure.

use jiff::Timestamp;

pub use crate::chat::format::{age, amount, minor_units, money, quantity, utc};

/// Slack's date token: each reader sees the time in their own time zone; the fallback is UTC.
pub fn slack_date(at: Timestamp) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} at {{time}}|{}>",
        at.as_second(),
        utc(at)
    )
}

/// Escapes the three characters Slack's mrkdwn treats as control characters.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Cuts `text` to at most `max` characters, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    // Never leave half an escape sequence (`&am…`) behind.
    if let Some(amp) = cut.rfind('&')
        && !cut[amp..].contains(';')
    {
        cut.truncate(amp);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_marks_the_cut_and_respects_the_limit() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
        assert_eq!(truncate("ünïcödé", 4).chars().count(), 4);
        assert_eq!(truncate("ab &amp; cd", 5), "ab …");
    }

    #[test]
    fn escaping_neutralises_slack_control_characters() {
        assert_eq!(
            escape("<@U1> & <!channel>"),
            "&lt;@U1&gt; &amp; &lt;!channel&gt;"
        );
    }

    #[test]
    fn slack_dates_fall_back_to_utc() {
        let at = Timestamp::from_second(1_763_659_240).unwrap();
        assert_eq!(
            slack_date(at),
            "<!date^1763659240^{date_short_pretty} at {time}|2025-11-20 17:20 UTC>"
        );
    }
}
