//! Text helpers for Slack messages: dates, ages, Slack's date tokens, escaping, truncation; money
//! and quantities as every platform writes them come from [`crate::chat::format`]. Pure.

use jiff::Timestamp;

pub use crate::chat::format::{amount, minor_units, money, quantity, utc};

/// Slack's date token: each reader sees the time in their own time zone; the fallback is UTC.
pub fn slack_date(at: Timestamp) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} at {{time}}|{}>",
        at.as_second(),
        utc(at)
    )
}

/// How long before `now` `then` was, in its largest whole unit: `just now`, `1 minute ago`,
/// `5 hours ago`, `3 days ago`. A `then` after `now` (clocks that disagree) is `just now`.
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let (count, unit) = match now.as_second().saturating_sub(then.as_second()) {
        seconds if seconds < 60 => return "just now".to_owned(),
        seconds if seconds < 3_600 => (seconds / 60, "minute"),
        seconds if seconds < 86_400 => (seconds / 3_600, "hour"),
        seconds => (seconds / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
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
    fn an_age_is_said_in_its_largest_whole_unit() {
        let now = Timestamp::from_second(1_763_659_240).unwrap();
        let ago = |seconds: i64| {
            age(
                Timestamp::from_second(1_763_659_240 - seconds).unwrap(),
                now,
            )
        };
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(59), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(40 * 60), "40 minutes ago");
        assert_eq!(ago(3_600), "1 hour ago");
        assert_eq!(ago(29 * 3_600), "1 day ago");
        assert_eq!(ago(3 * 86_400 + 5), "3 days ago");
        assert_eq!(ago(-120), "just now", "a time in the future");
    }

    #[test]
    fn the_most_distant_times_have_an_age_without_panicking() {
        assert!(age(Timestamp::MIN, Timestamp::MAX).ends_with("days ago"));
        assert_eq!(age(Timestamp::MAX, Timestamp::MIN), "just now");
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
