//! Slack's request bodies read into slack-morphism's types: Events API JSON, form-encoded
//! interactions and slash commands. Pure: the HTTP routes call these after the signature check,
//! and anything Slack (or anyone else) sends gets a value or a [`MalformedRequest`], never a panic.

use std::collections::HashMap;

use slack_morphism::prelude::*;

/// Interaction types the bot handles; others are acknowledged and ignored.
pub const HANDLED_INTERACTIONS: &[&str] = &["block_actions", "view_submission"];

/// Why a request body is not what Slack sends.
#[derive(Debug, thiserror::Error)]
pub enum MalformedRequest {
    /// An interaction body without its `payload=` field.
    #[error("no payload field")]
    NoPayload,
    /// The JSON does not parse, or is not the shape Slack documents.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A slash command without one of the fields Slack always sends.
    #[error("required fields missing")]
    MissingFields,
    /// A slash command whose `response_url` does not parse.
    #[error("response_url is not a URL")]
    BadResponseUrl,
}

/// A form-encoded body as a map (interactions and slash commands arrive this way).
fn form(body: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// An Events API body (`url_verification`, `event_callback`, `app_rate_limited`).
pub fn parse_event(body: &str) -> Result<SlackPushEvent, MalformedRequest> {
    Ok(serde_json::from_str(body)?)
}

/// An interaction body (`payload=<JSON>`): `None` for an interaction type the bot does not
/// handle, which is acknowledged and ignored rather than refused.
///
/// Clicks arrive in bursts, so this reads the JSON twice rather than once into a generic tree:
/// a skim for `type`, then the typed parse of that type's struct, only for the types the bot
/// handles ([`HANDLED_INTERACTIONS`]). Both passes together cost less than building the tree.
pub fn parse_interaction(body: &str) -> Result<Option<SlackInteractionEvent>, MalformedRequest> {
    let payload = url::form_urlencoded::parse(body.as_bytes())
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value)
        .ok_or(MalformedRequest::NoPayload)?;
    let kind = serde_json::from_str::<InteractionType>(&payload)?.kind;
    let kind = kind.as_deref().unwrap_or_default();
    // Knowing the type, read the variant's struct directly: the tagged enum would first copy
    // the whole payload into an intermediate tree to find its tag.
    let event = match kind {
        "block_actions" => SlackInteractionEvent::BlockActions(serde_json::from_str(&payload)?),
        "view_submission" => SlackInteractionEvent::ViewSubmission(serde_json::from_str(&payload)?),
        _ => {
            tracing::debug!(%kind, "interaction type ignored");
            return Ok(None);
        }
    };
    Ok(Some(event))
}

/// Just the `type` of an interaction; every other field is skipped.
#[derive(serde::Deserialize)]
struct InteractionType<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
}

/// A slash command body: `None` for Slack's `ssl_check` probe, which only needs a 200.
pub fn parse_command(body: &str) -> Result<Option<SlackCommandEvent>, MalformedRequest> {
    let form = form(body);
    if form.get("ssl_check").map(String::as_str) == Some("1") {
        return Ok(None);
    }
    let field = |name: &str| form.get(name).cloned();
    let (Some(team), Some(channel), Some(user), Some(command), Some(response_url), Some(trigger)) = (
        field("team_id"),
        field("channel_id"),
        field("user_id"),
        field("command"),
        field("response_url"),
        field("trigger_id"),
    ) else {
        return Err(MalformedRequest::MissingFields);
    };
    let response_url =
        url::Url::parse(&response_url).map_err(|_| MalformedRequest::BadResponseUrl)?;
    Ok(Some(
        SlackCommandEvent::new(
            team.into(),
            channel.into(),
            user.into(),
            command.into(),
            response_url.into(),
            trigger.into(),
        )
        .opt_text(field("text")),
    ))
}

/// The `api_app_id` a slash command body names, if any (slack-morphism's command type has no
/// field for it).
pub fn command_app(body: &str) -> Option<String> {
    form(body).remove("api_app_id").filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interaction_without_a_payload_is_malformed() {
        assert!(matches!(
            parse_interaction("token=x"),
            Err(MalformedRequest::NoPayload)
        ));
    }

    #[test]
    fn an_unhandled_interaction_type_is_ignored_not_refused() {
        let body = "payload=%7B%22type%22%3A%22shortcut%22%7D";
        assert!(matches!(parse_interaction(body), Ok(None)));
    }

    #[test]
    fn a_handled_interaction_with_the_wrong_shape_is_malformed() {
        let body = "payload=%7B%22type%22%3A%22block_actions%22%7D";
        assert!(matches!(
            parse_interaction(body),
            Err(MalformedRequest::Json(_))
        ));
    }

    #[test]
    fn a_payload_that_is_not_json_or_has_no_type_is_refused_or_ignored() {
        assert!(matches!(
            parse_interaction("payload=%7Bnot+json"),
            Err(MalformedRequest::Json(_))
        ));
        assert!(matches!(parse_interaction("payload=%7B%7D"), Ok(None)));
        assert!(matches!(
            parse_interaction(
                "payload=%7B%22type%22%3A%22shortcut%22%2C%22x%22%3A%5B1%2C%7B%7D%5D%7D"
            ),
            Ok(None)
        ));
    }

    #[test]
    fn a_url_verification_event_parses() {
        let event = parse_event(r#"{"type":"url_verification","challenge":"abc","token":"t"}"#);
        assert!(matches!(event, Ok(SlackPushEvent::UrlVerification(v)) if v.challenge == "abc"));
    }

    #[test]
    fn a_command_needs_its_fields_and_a_response_url() {
        assert!(matches!(
            parse_command("team_id=T"),
            Err(MalformedRequest::MissingFields)
        ));
        let body =
            "team_id=T&channel_id=C&user_id=U&command=%2Fapprovals&response_url=nope&trigger_id=1";
        assert!(matches!(
            parse_command(body),
            Err(MalformedRequest::BadResponseUrl)
        ));
        assert!(matches!(parse_command("ssl_check=1"), Ok(None)));
    }
}
