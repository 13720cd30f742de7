//! What a person asked for, from a direct message or a mention (Slack or Teams) or
//! `/approvals [text]`. Pure, and the same on every platform.
//!
//! Case, punctuation and mentions do not matter (Slack's `<@U123>` tokens, and Teams' `<at>…</at>`
//! markup with the name it wraps, which may be several words); anything not understood is
//! answered with help.

/// What the person wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Their pending approvals.
    Pending,
    /// Their own decisions made through the bot lately ("what did I approve this week").
    History,
    /// How to use the bot.
    Help,
    /// No more daily reminders ("stop reminders").
    StopReminders,
    /// Daily reminders again ("start reminders").
    StartReminders,
    /// Not understood (answered with help).
    Unknown,
}

/// Reads an intent from message text. An empty `/approvals` means "what's pending".
pub fn parse(text: &str) -> Intent {
    let text = without_teams_mentions(text);
    // Mentions (`<@U123>`) and channel or link tokens are not words.
    let tokens: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !(w.starts_with('<') && w.ends_with('>')))
        .collect();
    if tokens.is_empty() {
        return Intent::Pending;
    }
    let words: Vec<String> = tokens
        .iter()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    // Before everything else: "stop reminding me of pending approvals" names other intents' words.
    if let Some(intent) = reminders(&words) {
        return intent;
    }
    if has("help") || has("usage") || has("commands") || has("how") {
        return Intent::Help;
    }
    // What is still to come is pending whatever verb comes with it: "what still needs to be
    // approved", "requisitions waiting to be approved".
    const WAITING: &[&str] = &[
        "pending",
        "waiting",
        "outstanding",
        "todo",
        "queue",
        "inbox",
        "need",
        "needs",
    ];
    if words.iter().any(|w| WAITING.contains(&w.as_str())) {
        return Intent::Pending;
    }
    // Before the other pending words: "what did I approve" names the verb they include.
    const HISTORY: &[&str] = &[
        "history",
        "decisions",
        "decision",
        "decided",
        "approved",
        "rejected",
        "denied",
    ];
    const DECIDING: &[&str] = &["approve", "deny", "reject", "decide"];
    if words.iter().any(|w| HISTORY.contains(&w.as_str()))
        || (has("did") && words.iter().any(|w| DECIDING.contains(&w.as_str())))
    {
        return Intent::History;
    }
    const PENDING: &[&str] = &[
        "pending",
        "approvals",
        "approval",
        "approve",
        "list",
        "queue",
        "inbox",
        "waiting",
        "requisitions",
        "requests",
        "todo",
        "outstanding",
        "open",
        "ls",
    ];
    if words.iter().any(|w| PENDING.contains(&w.as_str())) {
        return Intent::Pending;
    }
    if has("whats") && (has("up") || has("new") || has("there")) {
        return Intent::Pending;
    }
    Intent::Unknown
}

/// "stop reminders", "start reminders" and their phrasings: a word about reminders and a word
/// saying which way; `None` when the text is not about reminders or does not say which way.
fn reminders(words: &[String]) -> Option<Intent> {
    const REMINDERS: &[&str] = &["reminder", "reminders", "remind", "reminding", "nudges"];
    const STOP: &[&str] = &[
        "stop",
        "off",
        "pause",
        "disable",
        "mute",
        "unsubscribe",
        "dont",
        "no",
        "cancel",
        "quiet",
    ];
    const START: &[&str] = &[
        "start",
        "on",
        "resume",
        "enable",
        "unmute",
        "subscribe",
        "restart",
    ];
    if !words.iter().any(|w| REMINDERS.contains(&w.as_str())) {
        return None;
    }
    let stop = words.iter().any(|w| STOP.contains(&w.as_str()));
    let start = words.iter().any(|w| START.contains(&w.as_str()));
    match (stop, start) {
        (true, false) => Some(Intent::StopReminders),
        (false, true) => Some(Intent::StartReminders),
        _ => None,
    }
}

/// `text` without Teams' mentions: each `<at>…</at>` (its tag in any case) becomes a space, so
/// that a bot named "Approvals Help" is not read as asking for help. An `<at>` never closed is
/// left as it is.
fn without_teams_mentions(text: &str) -> String {
    const OPEN: &str = "<at>";
    const CLOSE: &str = "</at>";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_ignoring_case(rest, OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(end) = find_ignoring_case(after, CLOSE) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &after[end + CLOSE.len()..];
    }
    out.push_str(rest);
    out
}

/// Where `needle` (ASCII) first occurs in `haystack`, ignoring ASCII case.
fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrasings_map_to_intents() {
        let table = [
            ("what's pending", Intent::Pending),
            ("What is pending?", Intent::Pending),
            ("pending", Intent::Pending),
            ("PENDING!!!", Intent::Pending),
            ("my approvals", Intent::Pending),
            ("anything to approve?", Intent::Pending),
            ("list", Intent::Pending),
            ("<@U0BOT> what's pending?", Intent::Pending),
            ("show me my queue", Intent::Pending),
            ("Do I have approvals waiting", Intent::Pending),
            ("whats new", Intent::Pending),
            ("what’s pending", Intent::Pending),
            ("requisitions to approve", Intent::Pending),
            ("", Intent::Pending),
            ("   ", Intent::Pending),
            ("<@U0BOT>", Intent::Pending),
            ("help", Intent::Help),
            ("Help!", Intent::Help),
            ("how does this work?", Intent::Help),
            ("<@U0BOT> help", Intent::Help),
            ("commands", Intent::Help),
            ("what did I approve this week?", Intent::History),
            ("What did I decide this week", Intent::History),
            ("<@U0BOT> my decisions", Intent::History),
            ("history", Intent::History),
            ("what have I approved?", Intent::History),
            ("did I deny anything", Intent::History),
            ("what still needs to be approved?", Intent::Pending),
            ("requisitions waiting to be approved", Intent::Pending),
            ("anything pending that I haven't decided", Intent::Pending),
            ("hello", Intent::Unknown),
            ("thanks!", Intent::Unknown),
            ("what's the weather", Intent::Unknown),
            ("🙂", Intent::Unknown),
        ];
        for (text, intent) in table {
            assert_eq!(parse(text), intent, "{text:?}");
        }
    }

    #[test]
    fn stop_and_start_reminders_are_read_before_any_other_intent() {
        let table = [
            ("stop reminders", Intent::StopReminders),
            ("Stop reminders!", Intent::StopReminders),
            ("<@U0BOT> stop reminders", Intent::StopReminders),
            ("/approvals stop reminders", Intent::StopReminders),
            ("reminders off", Intent::StopReminders),
            (
                "please don't remind me about pending approvals",
                Intent::StopReminders,
            ),
            ("how do I stop the reminders?", Intent::StopReminders),
            (
                "<at>Approvals Help</at> stop reminders",
                Intent::StopReminders,
            ),
            ("start reminders", Intent::StartReminders),
            ("Reminders on", Intent::StartReminders),
            ("resume reminders please", Intent::StartReminders),
            (
                "remind me of my pending approvals again, start",
                Intent::StartReminders,
            ),
            // About reminders but not which way: help says how.
            ("reminders", Intent::Unknown),
            ("stop or start reminders?", Intent::Help),
            // Not about reminders: the other intents as before.
            ("stop", Intent::Unknown),
            ("what's pending", Intent::Pending),
        ];
        for (text, intent) in table {
            let got = parse(text);
            match intent {
                // Either way is help: the person is told how to use the bot.
                Intent::Unknown | Intent::Help => {
                    assert!(
                        matches!(got, Intent::Unknown | Intent::Help),
                        "{text:?}: {got:?}"
                    )
                }
                _ => assert_eq!(got, intent, "{text:?}"),
            }
        }
    }

    #[test]
    fn teams_mentions_are_not_read_as_words() {
        let table = [
            ("<at>Coupa Approvals</at> hello", Intent::Unknown),
            ("<at>Coupa Approvals</at>", Intent::Pending),
            ("<at>Approvals Help</at> what's pending?", Intent::Pending),
            ("<AT>Approvals Help</AT> pending", Intent::Pending),
            ("<at>Pending Bot</at> help", Intent::Help),
            ("what's <at>Coupa Approvals</at> pending", Intent::Pending),
            (
                "<at>Approvals</at><at>Help Desk</at> thanks",
                Intent::Unknown,
            ),
            // Never closed: not a mention, so its words count.
            ("<at>Coupa help", Intent::Help),
        ];
        for (text, intent) in table {
            assert_eq!(parse(text), intent, "{text:?}");
        }
    }

    #[test]
    fn only_whole_mentions_are_removed() {
        assert_eq!(without_teams_mentions("a<at>B c</at>d"), "a d");
        assert_eq!(without_teams_mentions("<at>x</at> é <at>y"), "  é <at>y");
        assert_eq!(without_teams_mentions("no mentions"), "no mentions");
        assert_eq!(without_teams_mentions("ü<at>"), "ü<at>");
    }
}
