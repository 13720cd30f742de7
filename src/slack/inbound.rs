//! Reading the bodies Slack posts: interaction forms (`payload=` JSON) and Events API JSON.
//! Pure, so the HTTP routes, the benchmarks and the fuzz targets all read requests one way.
//!
//! An interaction is read in two passes over the JSON: a skim for its `type`, then the full
//! typed parse only for the types the bot handles. Both are cheaper than building a generic
//! JSON tree first, and a click is the request that arrives in bursts.

use std::borrow::Cow;

use serde::Deserialize;
use slack_morphism::prelude::*;

/// Interaction types the bot handles; others are acknowledged and ignored.
pub const HANDLED_INTERACTIONS: &[&str] = &["block_actions", "view_submission"];

/// Why a body is not a Slack request the bot can read. The route answers 400.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// An interaction form without its `payload` field.
    #[error("no payload field")]
    NoPayload,
    /// JSON that is not what Slack sends.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// An interaction the bot handles, or the type of one it ignores.
#[derive(Debug)]
pub enum Interaction {
    /// One of [`HANDLED_INTERACTIONS`].
    Handled(Box<SlackInteractionEvent>),
    /// Any other type: acknowledged, nothing done.
    Ignored(String),
}

#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

/// Reads an interaction form body (`application/x-www-form-urlencoded`, `payload=<json>`).
pub fn interaction(body: &str) -> Result<Interaction, InboundError> {
    let payload = url::form_urlencoded::parse(body.as_bytes())
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value)
        .ok_or(InboundError::NoPayload)?;
    interaction_json(&payload)
}

/// Reads an interaction's JSON (the `payload` field, or a Socket Mode envelope's payload).
pub fn interaction_json(payload: &str) -> Result<Interaction, InboundError> {
    let kind = serde_json::from_str::<Kind>(payload)?
        .kind
        .unwrap_or_default()
        .into_owned();
    if !HANDLED_INTERACTIONS.contains(&kind.as_str()) {
        return Ok(Interaction::Ignored(kind));
    }
    Ok(Interaction::Handled(Box::new(serde_json::from_str(
        payload,
    )?)))
}

/// Reads an Events API body.
pub fn event(body: &str) -> Result<SlackPushEvent, InboundError> {
    Ok(serde_json::from_str(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(payload: &str) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", payload)
            .finish()
    }

    #[test]
    fn a_form_without_a_payload_is_refused() {
        assert!(matches!(
            interaction("token=x&team_id=T1"),
            Err(InboundError::NoPayload)
        ));
    }

    #[test]
    fn a_payload_that_is_not_json_is_refused() {
        assert!(matches!(
            interaction(&form("{not json")),
            Err(InboundError::Json(_))
        ));
    }

    #[test]
    fn an_unhandled_or_missing_type_is_ignored_not_refused() {
        for payload in [r#"{"type":"shortcut","x":[1,{"y":2}]}"#, "{}"] {
            assert!(matches!(
                interaction(&form(payload)),
                Ok(Interaction::Ignored(_))
            ));
        }
    }

    #[test]
    fn a_handled_type_with_the_wrong_shape_is_refused() {
        assert!(matches!(
            interaction(&form(r#"{"type":"block_actions","user":42}"#)),
            Err(InboundError::Json(_))
        ));
    }
}
