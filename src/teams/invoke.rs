//! Card clicks in, answers out. Pure.
//!
//! A click on a card arrives one of two ways: as an `invoke` named [`CARD_ACTION`] (an
//! `Action.Execute`, or a card's automatic refresh) whose `value.action` holds the verb and the
//! data, or, from a client without Universal Actions, as a `message` whose `value` is the data of
//! the `Action.Submit` fallback (the verb inside it as `v`). [`card_action`] reads either into a
//! [`CardAction`], and refuses ([`NotOurs`]) anything that is not a click on one of the bot's own
//! actions, including an Approve, Deny or Hold that did not come from a person's click.
//!
//! An invoke is answered in the HTTP response with an [`InvokeResponse`]: the card that replaces
//! the clicked one, a message, or an error. Messages and cards the bot sends on its own are
//! activities built by [`message_activity`] and [`card_activity`].

use serde::Serialize;
use serde_json::{Value, json};

use super::activity::{Activity, ActivityType};
use super::card::{
    self, APPROVE, ActionData, DENY, HOLD, HOLD_REASON_INPUT, REASON_INPUT, REFRESH, Rendered,
};

/// The name of the invoke an `Action.Execute` (or a card's refresh) sends.
pub const CARD_ACTION: &str = "adaptiveCard/action";

/// The content type of an Adaptive Card, in an attachment and in an invoke's answer.
pub const ADAPTIVE_CARD: &str = "application/vnd.microsoft.card.adaptive";

/// The content type of an invoke's answer that is a message to show.
pub const MESSAGE: &str = "application/vnd.microsoft.activity.message";

/// The content type of an invoke's answer that is an error.
pub const ERROR: &str = "application/vnd.microsoft.error";

/// What a click on one of the bot's card actions asks for. The data is only what the card
/// carried: the engine checks every claim in it before acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardAction {
    /// Approve (or Confirm).
    Approve(ActionData),
    /// Deny, with the reason typed in the form, as typed (check it with
    /// [`card::validate_reason`]).
    Deny {
        /// What the Deny action carried.
        data: ActionData,
        /// The reason field's text, if it was sent.
        reason: Option<String>,
    },
    /// A client asks for the current card (the card's automatic refresh).
    Refresh(ActionData),
    /// Hold, with the reason typed in the hold form, as typed (check it with
    /// [`card::validate_reason`]).
    Hold {
        /// What the Hold action carried.
        data: ActionData,
        /// The reason field's text, if it was sent.
        reason: Option<String>,
    },
}

/// Why an activity is not a click on one of the bot's card actions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotOurs {
    /// Neither a card action invoke nor a message carrying a submitted card's data.
    #[error("the activity is not a card action")]
    NotAnAction,
    /// The action's data is not what the bot's cards carry.
    #[error("the card action carries no data the bot's cards carry")]
    UnreadableData,
    /// The verb is not one of the bot's.
    #[error("the card action's verb {verb:?} is not one of the bot's")]
    UnknownVerb {
        /// The verb it named.
        verb: String,
    },
    /// The action names one verb and its data another: the data was not issued with it.
    #[error("the card action's verb {action:?} is not the verb its data carries ({data:?})")]
    VerbMismatch {
        /// The action's verb.
        action: String,
        /// The verb in its data.
        data: String,
    },
    /// Approve, Deny or Hold without a person's click (an automatic trigger): never decided.
    #[error("a {verb} action arrived without a click (automatic trigger)")]
    NotClicked {
        /// The verb.
        verb: String,
    },
}

/// The click `activity` carries, or why it carries none of the bot's.
pub fn card_action(activity: &Activity) -> Result<CardAction, NotOurs> {
    let value = activity.value.as_ref().ok_or(NotOurs::NotAnAction)?;
    let (verb, data, automatic) = match &activity.kind {
        ActivityType::Invoke if activity.name.as_deref() == Some(CARD_ACTION) => {
            let action = value.get("action").ok_or(NotOurs::NotAnAction)?;
            let data = action.get("data").ok_or(NotOurs::UnreadableData)?;
            let automatic = value.get("trigger").and_then(Value::as_str) == Some("automatic");
            (action.get("verb").and_then(Value::as_str), data, automatic)
        }
        // The `Action.Submit` fallback: the data is the value, and only a click sends it.
        ActivityType::Message if value.is_object() => (None, value, false),
        _ => return Err(NotOurs::NotAnAction),
    };
    let action = ActionData::decode(data).ok_or(NotOurs::UnreadableData)?;
    if let Some(verb) = verb.filter(|verb| *verb != action.verb) {
        return Err(NotOurs::VerbMismatch {
            action: verb.to_owned(),
            data: action.verb,
        });
    }
    let decides = action.verb == APPROVE || action.verb == DENY || action.verb == HOLD;
    if decides && automatic {
        return Err(NotOurs::NotClicked { verb: action.verb });
    }
    match action.verb.as_str() {
        APPROVE => Ok(CardAction::Approve(action)),
        DENY => {
            let reason = reason(data, &action);
            Ok(CardAction::Deny {
                data: action,
                reason,
            })
        }
        REFRESH => Ok(CardAction::Refresh(action)),
        HOLD => {
            let reason = data
                .get(HOLD_REASON_INPUT)
                .and_then(Value::as_str)
                .map(str::to_owned);
            Ok(CardAction::Hold {
                data: action,
                reason,
            })
        }
        _ => Err(NotOurs::UnknownVerb { verb: action.verb }),
    }
}

/// The reason typed in a deny form: under [`REASON_INPUT`] on an approval's own card, under
/// [`card::reason_input_for`] on a list (where each item has its own form).
fn reason(data: &Value, action: &ActionData) -> Option<String> {
    data.get(card::reason_input_for(action.approval))
        .or_else(|| data.get(REASON_INPUT))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The answer to an `adaptiveCard/action` invoke, sent as the body of an HTTP 200.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeResponse {
    status_code: u16,
    #[serde(rename = "type")]
    kind: &'static str,
    value: Value,
}

impl InvokeResponse {
    /// Show `rendered`'s card in place of the clicked one (to the clicking person only).
    pub fn card(rendered: &Rendered) -> Self {
        Self {
            status_code: 200,
            kind: ADAPTIVE_CARD,
            value: rendered.card.clone(),
        }
    }

    /// Show `text` to the clicking person; the card stays as it is.
    pub fn message(text: &str) -> Self {
        Self {
            status_code: 200,
            kind: MESSAGE,
            value: Value::String(text.to_owned()),
        }
    }

    /// The request was not one the bot can act on (400): `code` for the log, `message` for the
    /// person.
    pub fn bad_request(code: &str, message: &str) -> Self {
        Self::error(400, code, message)
    }

    /// The bot could not answer (500): `code` for the log, `message` for the person.
    pub fn failed(code: &str, message: &str) -> Self {
        Self::error(500, code, message)
    }

    fn error(status_code: u16, code: &str, message: &str) -> Self {
        Self {
            status_code,
            kind: ERROR,
            value: json!({ "code": code, "message": message }),
        }
    }

    /// The status the answer carries (the HTTP status is 200 regardless).
    pub fn status_code(&self) -> u16 {
        self.status_code
    }

    /// The answer's content type ([`ADAPTIVE_CARD`], [`MESSAGE`] or [`ERROR`]).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The card, text or error it carries.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The answer as JSON.
    pub fn to_json(&self) -> Value {
        json!({ "statusCode": self.status_code, "type": self.kind, "value": self.value })
    }
}

/// A plain-text message (no Markdown, so nothing in `text` can format or link).
pub fn message_activity(text: &str) -> Value {
    json!({ "type": "message", "text": text, "textFormat": "plain" })
}

/// A message holding `rendered`'s card, with its summary for notifications.
pub fn card_activity(rendered: &Rendered) -> Value {
    json!({
        "type": "message",
        "attachments": [{ "contentType": ADAPTIVE_CARD, "content": rendered.card }],
        "summary": rendered.summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApprovalId, Fingerprint, RequisitionId};

    fn data(verb: &str) -> ActionData {
        ActionData {
            verb: verb.to_owned(),
            approval: ApprovalId(90_211),
            requisition: RequisitionId(4_812),
            fingerprint: Fingerprint("f1".into()),
            issued_at: 1_795_195_260,
        }
    }

    fn with(data: &ActionData, extra: &[(&str, Value)]) -> Value {
        let mut value = serde_json::to_value(data).unwrap();
        for (key, field) in extra {
            value[*key] = field.clone();
        }
        value
    }

    fn activity(kind: &str, name: Option<&str>, value: Value) -> Activity {
        let mut body = json!({
            "type": kind,
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "channelId": "msteams",
            "from": { "id": "29:1jane" },
            "value": value,
        });
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        Activity::parse(body.to_string().as_bytes()).unwrap()
    }

    fn execute(verb: &str, data: Value, trigger: &str) -> Activity {
        activity(
            "invoke",
            Some(CARD_ACTION),
            json!({
                "action": { "type": "Action.Execute", "verb": verb, "data": data },
                "trigger": trigger,
            }),
        )
    }

    #[test]
    fn an_execute_click_is_read_with_its_data() {
        let approve = execute(APPROVE, with(&data(APPROVE), &[]), "manual");
        assert_eq!(
            card_action(&approve),
            Ok(CardAction::Approve(data(APPROVE)))
        );

        let refresh = execute(REFRESH, with(&data(REFRESH), &[]), "automatic");
        assert_eq!(
            card_action(&refresh),
            Ok(CardAction::Refresh(data(REFRESH)))
        );
    }

    #[test]
    fn a_deny_carries_the_reason_typed_beside_its_data() {
        let deny = execute(
            DENY,
            with(&data(DENY), &[(REASON_INPUT, json!("Over budget"))]),
            "manual",
        );
        assert_eq!(
            card_action(&deny),
            Ok(CardAction::Deny {
                data: data(DENY),
                reason: Some("Over budget".into())
            })
        );
        let from_a_list = execute(
            DENY,
            with(
                &data(DENY),
                &[(&card::reason_input_for(ApprovalId(90_211)), json!("Later"))],
            ),
            "manual",
        );
        assert!(matches!(
            card_action(&from_a_list),
            Ok(CardAction::Deny { reason: Some(r), .. }) if r == "Later"
        ));
        let without = execute(DENY, with(&data(DENY), &[]), "manual");
        assert!(matches!(
            card_action(&without),
            Ok(CardAction::Deny { reason: None, .. })
        ));
    }

    #[test]
    fn the_submit_fallback_arrives_as_a_message_with_the_data_as_its_value() {
        let submit = activity(
            "message",
            None,
            with(&data(DENY), &[(REASON_INPUT, json!("Duplicate"))]),
        );
        assert_eq!(
            card_action(&submit),
            Ok(CardAction::Deny {
                data: data(DENY),
                reason: Some("Duplicate".into())
            })
        );
        let approve = activity("message", None, with(&data(APPROVE), &[]));
        assert_eq!(
            card_action(&approve),
            Ok(CardAction::Approve(data(APPROVE)))
        );
    }

    #[test]
    fn a_decision_without_a_click_is_refused() {
        for verb in [APPROVE, DENY] {
            let automatic = execute(verb, with(&data(verb), &[]), "automatic");
            assert_eq!(
                card_action(&automatic),
                Err(NotOurs::NotClicked {
                    verb: verb.to_owned()
                })
            );
        }
    }

    #[test]
    fn an_action_whose_verb_disagrees_with_its_data_is_refused() {
        let edited = execute(APPROVE, with(&data(DENY), &[]), "manual");
        assert_eq!(
            card_action(&edited),
            Err(NotOurs::VerbMismatch {
                action: APPROVE.into(),
                data: DENY.into()
            })
        );
    }

    #[test]
    fn anything_else_is_not_ours() {
        let text = Activity::parse(
            json!({
                "type": "message", "text": "pending",
                "serviceUrl": "https://s/", "channelId": "msteams",
            })
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(card_action(&text), Err(NotOurs::NotAnAction));
        let other_invoke = activity("invoke", Some("task/fetch"), json!({ "data": {} }));
        assert_eq!(card_action(&other_invoke), Err(NotOurs::NotAnAction));
        let no_action = activity("invoke", Some(CARD_ACTION), json!({ "trigger": "manual" }));
        assert_eq!(card_action(&no_action), Err(NotOurs::NotAnAction));
        let foreign = execute(APPROVE, json!({ "approve": true }), "manual");
        assert_eq!(card_action(&foreign), Err(NotOurs::UnreadableData));
        let submitted_text = activity("message", None, json!("approve"));
        assert_eq!(card_action(&submitted_text), Err(NotOurs::NotAnAction));
        let unknown = execute("delete", with(&data("delete"), &[]), "manual");
        assert_eq!(
            card_action(&unknown),
            Err(NotOurs::UnknownVerb {
                verb: "delete".into()
            })
        );
    }

    #[test]
    fn invoke_answers_have_the_shapes_teams_reads() {
        let rendered = Rendered {
            card: json!({ "type": "AdaptiveCard", "version": "1.5" }),
            summary: "s".into(),
        };
        assert_eq!(
            serde_json::to_value(InvokeResponse::card(&rendered)).unwrap(),
            json!({
                "statusCode": 200,
                "type": "application/vnd.microsoft.card.adaptive",
                "value": { "type": "AdaptiveCard", "version": "1.5" },
            })
        );
        assert_eq!(
            serde_json::to_value(InvokeResponse::message("Approved in Coupa.")).unwrap(),
            json!({
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": "Approved in Coupa.",
            })
        );
        let refused = InvokeResponse::bad_request("NotOurs", "This card is not one of mine.");
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            json!({
                "statusCode": 400,
                "type": "application/vnd.microsoft.error",
                "value": { "code": "NotOurs", "message": "This card is not one of mine." },
            })
        );
        assert_eq!(refused.to_json(), serde_json::to_value(&refused).unwrap());
        assert_eq!(
            InvokeResponse::failed("Busy", "Try again.").status_code(),
            500
        );
    }

    #[test]
    fn outgoing_activities_are_plain_text_or_one_adaptive_card() {
        assert_eq!(
            message_activity("*not bold*"),
            json!({ "type": "message", "text": "*not bold*", "textFormat": "plain" })
        );
        let rendered = Rendered {
            card: json!({ "type": "AdaptiveCard" }),
            summary: "Approval needed".into(),
        };
        assert_eq!(
            card_activity(&rendered),
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": { "type": "AdaptiveCard" },
                }],
                "summary": "Approval needed",
            })
        );
    }
}
