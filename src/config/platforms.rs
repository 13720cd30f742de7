//! Which chat platforms the service serves, and in which order a person's platforms are tried
//! (`CHAT_PLATFORMS`). A platform is configured by its own variables (see `slack.rs` and
//! `teams.rs`); at least one must be, and an explicit `CHAT_PLATFORMS` must not leave a
//! configured one out, since it would then never be used.

use std::fmt;

use super::reader::Reader;

/// The order of the platforms when `CHAT_PLATFORMS` is not set.
pub const DEFAULT_CHAT_PLATFORMS: &str = "slack,teams";

/// What the configuration problem says when no platform is configured; stands where a variable
/// name stands, since either of two sets of variables fixes it.
pub const NO_CHAT_PLATFORM: &str = "chat platform";

/// A chat platform the service can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatPlatform {
    /// Slack.
    Slack,
    /// Microsoft Teams.
    Teams,
}

impl ChatPlatform {
    /// Every platform, in the default order.
    pub const ALL: [ChatPlatform; 2] = [ChatPlatform::Slack, ChatPlatform::Teams];

    /// Its name in `CHAT_PLATFORMS`.
    pub fn name(self) -> &'static str {
        match self {
            ChatPlatform::Slack => "slack",
            ChatPlatform::Teams => "teams",
        }
    }

    /// The variables that configure it, as an admin is told to set them.
    fn how_to_configure(self) -> &'static str {
        match self {
            ChatPlatform::Slack => "SLACK_BOT_TOKEN",
            ChatPlatform::Teams => {
                "MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID"
            }
        }
    }
}

impl fmt::Display for ChatPlatform {
    /// The name people know it by.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChatPlatform::Slack => "Slack",
            ChatPlatform::Teams => "Microsoft Teams",
        })
    }
}

/// What one platform's variables amount to.
pub(super) enum Section<T> {
    /// None of the variables that turn it on is set.
    Absent,
    /// Turned on, and every variable valid.
    Ready(T),
    /// Turned on, with its problems reported.
    Broken,
}

impl<T> Section<T> {
    /// Whether the admin set it up, well or not.
    fn configured(&self) -> bool {
        !matches!(self, Section::Absent)
    }

    /// Its settings for a configuration without problems (`Some(None)` when absent); `None`
    /// when broken, which was reported.
    pub(super) fn settings(self) -> Option<Option<T>> {
        match self {
            Section::Absent => Some(None),
            Section::Ready(settings) => Some(Some(settings)),
            Section::Broken => None,
        }
    }
}

/// Reads `CHAT_PLATFORMS` against what is configured: the configured platforms in the order it
/// gives, or `None` with the problems reported.
pub(super) fn read<S, T>(
    r: &mut Reader<'_>,
    slack: &Section<S>,
    teams: &Section<T>,
) -> Option<Vec<ChatPlatform>> {
    let configured = |platform: ChatPlatform| match platform {
        ChatPlatform::Slack => slack.configured(),
        ChatPlatform::Teams => teams.configured(),
    };
    let mut fine = true;
    if !ChatPlatform::ALL.into_iter().any(configured) {
        r.problem(
            NO_CHAT_PLATFORM,
            format!(
                "none is configured; set {} for Slack, or {} for Microsoft Teams",
                ChatPlatform::Slack.how_to_configure(),
                ChatPlatform::Teams.how_to_configure()
            ),
        );
        fine = false;
    }
    let explicit = r.get("CHAT_PLATFORMS");
    let order = match parse(explicit.as_deref().unwrap_or(DEFAULT_CHAT_PLATFORMS)) {
        Ok(order) => order,
        Err(expected) => {
            r.problem("CHAT_PLATFORMS", expected);
            return None;
        }
    };
    if explicit.is_some() {
        for left_out in ChatPlatform::ALL
            .into_iter()
            .filter(|p| configured(*p) && !order.contains(p))
        {
            r.problem(
                "CHAT_PLATFORMS",
                format!(
                    "leaves out `{name}`, yet {left_out} is configured (by {how}) and would never be used; add `{name}`, or unset those variables",
                    name = left_out.name(),
                    how = left_out.how_to_configure(),
                ),
            );
            fine = false;
        }
    }
    fine.then(|| order.into_iter().filter(|p| configured(*p)).collect())
}

/// The platforms `value` names, in its order, or what is wrong with it. Names are
/// case-insensitive and may have spaces around them.
fn parse(value: &str) -> Result<Vec<ChatPlatform>, String> {
    let expected = "must list `slack` and/or `teams`, comma-separated, in the order a person's platforms are tried (like `slack,teams`)";
    let mut order = Vec::new();
    for name in value.split(',').map(str::trim) {
        let platform = ChatPlatform::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name));
        match platform {
            _ if name.is_empty() => return Err(format!("{expected}; it has an empty name")),
            None => return Err(format!("{expected}; `{name}` is not one")),
            Some(platform) if order.contains(&platform) => {
                return Err(format!("{expected}; `{}` is named twice", platform.name()));
            }
            Some(platform) => order.push(platform),
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_in_order_whatever_their_case_and_spacing() {
        assert_eq!(
            parse(" Teams , SLACK").unwrap(),
            vec![ChatPlatform::Teams, ChatPlatform::Slack]
        );
        assert_eq!(parse("teams").unwrap(), vec![ChatPlatform::Teams]);
        assert_eq!(
            parse(DEFAULT_CHAT_PLATFORMS).unwrap(),
            ChatPlatform::ALL.to_vec()
        );
    }

    #[test]
    fn unknown_repeated_and_empty_names_are_refused() {
        for (value, said) in [
            ("slack,discord", "`discord` is not one"),
            ("slack, Slack", "`slack` is named twice"),
            ("slack,,teams", "empty name"),
            (",", "empty name"),
            ("teams,", "empty name"),
        ] {
            let err = parse(value).unwrap_err();
            assert!(err.contains(said), "{value}: {err}");
            assert!(err.contains("like `slack,teams`"), "{value}: {err}");
        }
    }
}
