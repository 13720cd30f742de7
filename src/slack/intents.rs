//! What a person asked for, from a DM, a mention or `/approvals [text]`. Pure.
//!
//! Case, punctuation and mentions do not matter; anything not understood is answered with help.

/// What the person wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Their pending approvals.
    Pending,
    /// How to use the bot.
    Help,
    /// Not understood (answered with help).
    Unknown,
}

/// Reads an intent from message text. An empty `/approvals` means "what's pending".
pub fn parse(text: &str) -> Intent {
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
    if has("help") || has("usage") || has("commands") || has("how") {
        return Intent::Help;
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
            ("hello", Intent::Unknown),
            ("thanks!", Intent::Unknown),
            ("what's the weather", Intent::Unknown),
            ("🙂", Intent::Unknown),
        ];
        for (text, intent) in table {
            assert_eq!(parse(text), intent, "{text:?}");
        }
    }
}
