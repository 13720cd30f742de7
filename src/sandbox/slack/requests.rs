//! The requests Slack would send the app when a person clicks, submits a modal or writes to the
//! bot, in Slack's own shapes. Pure: [`super::SlackSender`] signs and sends them.

use serde_json::{Value, json};

use super::web_api::{BOT_USER_ID, FakeMessage, TEAM_ID};

/// The app's id in every payload.
pub const APP_ID: &str = "A0DEMO";
/// The deprecated verification token Slack still puts in payloads (the app ignores it).
pub const VERIFICATION_TOKEN: &str = "sandbox-verification-token";
/// The workspace's domain in every payload.
pub const TEAM_DOMAIN: &str = "demo";

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `U…` id.
    pub id: String,
    /// Display name.
    pub name: String,
}

impl Actor {
    /// `id`, displayed as `name`.
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }

    /// A person known by id alone, displayed as it.
    pub fn from_id(id: &str) -> Self {
        Self::new(id, id)
    }

    fn user(&self) -> Value {
        json!({
            "id": self.id,
            "team_id": TEAM_ID,
            "username": self.name.to_lowercase().replace(' ', "."),
            "name": self.name.to_lowercase().replace(' ', "."),
        })
    }
}

fn team() -> Value {
    json!({ "id": TEAM_ID, "domain": TEAM_DOMAIN })
}

/// A button as clicked: which, in which block, carrying what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    /// `action_id`.
    pub action_id: String,
    /// `block_id` of the actions block.
    pub block_id: String,
    /// The button's `value`.
    pub value: String,
    /// The button's label.
    pub text: String,
}

impl Click {
    /// The `action_id` button of `message` as Slack reports a click on it: its value, its label
    /// and its block's id (`b{index}`, Slack's own, when the bot gave the block none). `None`
    /// when the message has no such button.
    pub fn on(message: &FakeMessage, action_id: &str) -> Option<Self> {
        let blocks = message.blocks.as_array()?;
        blocks.iter().enumerate().find_map(|(index, block)| {
            let button = block["elements"]
                .as_array()?
                .iter()
                .find(|e| e["type"] == "button" && e["action_id"] == action_id)?;
            Some(Self {
                action_id: action_id.to_owned(),
                block_id: block["block_id"]
                    .as_str()
                    .map_or_else(|| format!("b{index}"), str::to_owned),
                value: button["value"].as_str().unwrap_or_default().to_owned(),
                text: button["text"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
    }
}

/// The message the clicked button is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickedMessage {
    /// Conversation id (`D…`).
    pub channel: String,
    /// Message `ts`.
    pub ts: String,
    /// Its fallback text.
    pub text: String,
    /// Its blocks, which Slack includes with every click.
    pub blocks: Value,
}

impl From<&FakeMessage> for ClickedMessage {
    fn from(message: &FakeMessage) -> Self {
        Self {
            channel: message.channel.clone(),
            ts: message.ts.clone(),
            text: message.text.clone(),
            blocks: message.blocks.clone(),
        }
    }
}

/// A trigger id as Slack issues one per click: unique, and naming the second it was made.
pub fn trigger_id() -> String {
    format!(
        "{}.{}",
        jiff::Timestamp::now().as_second(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Now, as Slack's `action_ts` and event times count: Unix seconds with a fraction.
pub fn now() -> f64 {
    jiff::Timestamp::now().as_millisecond() as f64 / 1000.0
}

/// A `block_actions` interaction.
pub fn block_actions(
    actor: &Actor,
    message: &ClickedMessage,
    click: &Click,
    trigger_id: &str,
    response_url: &str,
    now: f64,
) -> Value {
    let mut payload = json!({
        "type": "block_actions",
        "team": team(),
        "user": actor.user(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": message.channel,
            "is_ephemeral": false,
        },
        "trigger_id": trigger_id,
        "channel": { "id": message.channel, "name": "directmessage" },
        "message": {
            "type": "message",
            "ts": message.ts,
            "text": message.text,
            "user": BOT_USER_ID,
            "blocks": message.blocks,
        },
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": click.action_id,
            "block_id": click.block_id,
            "value": click.value,
            "action_ts": format!("{now:.6}"),
            "text": { "type": "plain_text", "text": click.text },
        }],
    });
    // A message without blocks is sent without the key, as Slack does for a plain-text message.
    if message.blocks.is_null()
        && let Some(message) = payload["message"].as_object_mut()
    {
        message.remove("blocks");
    }
    payload
}

/// `block_actions` for `actor` clicking the `action_id` button of `message` now, with a fresh
/// trigger id; `None` when the message has no such button.
pub fn click_on(
    actor: &Actor,
    message: &FakeMessage,
    action_id: &str,
    response_url: &str,
) -> Option<Value> {
    let click = Click::on(message, action_id)?;
    Some(block_actions(
        actor,
        &ClickedMessage::from(message),
        &click,
        &trigger_id(),
        response_url,
        now(),
    ))
}

/// A `view_submission` of `view` (as the bot opened it) with the inputs' `values`, given as
/// (`block_id`, `action_id`, value).
pub fn view_submission(
    actor: &Actor,
    view: &Value,
    view_id: &str,
    trigger_id: &str,
    values: &[(String, String, String)],
) -> Value {
    let mut state = serde_json::Map::new();
    for (block_id, action_id, value) in values {
        let block = state
            .entry(block_id.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        block[action_id.as_str()] = json!({ "type": "plain_text_input", "value": value });
    }
    json!({
        "type": "view_submission",
        "team": team(),
        "user": actor.user(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": { "values": state },
            "hash": "1",
            "title": view["title"],
            "blocks": [],
        },
    })
}

/// A `block_actions` interaction from a button on the App Home tab (a view, not a message).
pub fn block_actions_in_home(
    actor: &Actor,
    view_id: &str,
    click: &Click,
    trigger_id: &str,
    now: f64,
) -> Value {
    json!({
        "type": "block_actions",
        "team": team(),
        "user": actor.user(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": { "type": "view", "view_id": view_id },
        "trigger_id": trigger_id,
        "view": { "id": view_id, "team_id": TEAM_ID, "type": "home", "blocks": [], "hash": "1" },
        "actions": [{
            "type": "button",
            "action_id": click.action_id,
            "block_id": click.block_id,
            "value": click.value,
            "action_ts": format!("{now:.6}"),
            "text": { "type": "plain_text", "text": click.text },
        }],
    })
}

/// An Events API `event_callback` for `actor` opening the bot's App Home tab.
pub fn app_home_opened(actor: &Actor, channel: &str, event_id: &str, event_time: i64) -> Value {
    event_callback(
        event_id,
        event_time,
        json!({
            "type": "app_home_opened",
            "user": actor.id,
            "channel": channel,
            "tab": "home",
            "event_ts": format!("{event_time}.000000"),
        }),
    )
}

/// An Events API `event_callback` for a direct message from `actor`.
pub fn direct_message(
    actor: &Actor,
    channel: &str,
    text: &str,
    ts: &str,
    event_id: &str,
    event_time: i64,
) -> Value {
    event_callback(
        event_id,
        event_time,
        json!({
            "type": "message",
            "channel_type": "im",
            "channel": channel,
            "user": actor.id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
        }),
    )
}

/// The Events API envelope Slack wraps every event in.
fn event_callback(event_id: &str, event_time: i64, event: Value) -> Value {
    json!({
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "event": event,
    })
}

/// An interaction as Slack posts it: form-encoded, the JSON in `payload`.
pub fn form_body(payload: &Value) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

#[cfg(test)]
mod tests {
    use slack_morphism::prelude::*;

    use super::*;

    fn marta() -> Actor {
        Actor {
            id: "UMARTA".into(),
            name: "Marta Kowalski".into(),
        }
    }

    #[test]
    fn a_click_reads_as_slack_block_actions() {
        let payload = block_actions(
            &marta(),
            &ClickedMessage {
                channel: "DMARTA".into(),
                ts: "1700000000.000002".into(),
                text: "Approval needed".into(),
                blocks: json!([]),
            },
            &Click {
                action_id: "approve".into(),
                block_id: "b7".into(),
                value: "{\"a\":1}".into(),
                text: "Approve".into(),
            },
            "T-1",
            "http://127.0.0.1:1/response/1",
            1_700_000_000.5,
        );
        let event: SlackInteractionEvent = serde_json::from_value(payload).unwrap();
        let SlackInteractionEvent::BlockActions(event) = event else {
            panic!("not block_actions: {event:?}");
        };
        assert_eq!(event.user.unwrap().id.to_string(), "UMARTA");
        let action = &event.actions.unwrap()[0];
        assert_eq!(action.action_id.to_string(), "approve");
        assert_eq!(action.value.as_deref(), Some("{\"a\":1}"));
        assert_eq!(event.trigger_id.to_string(), "T-1");
    }

    #[test]
    fn a_modal_submission_reads_as_slack_view_submission_with_its_state() {
        let view = json!({
            "type": "modal", "callback_id": "deny_reason", "private_metadata": "{}",
            "title": { "type": "plain_text", "text": "Deny requisition" }, "blocks": []
        });
        let payload = view_submission(
            &marta(),
            &view,
            "V1",
            "T-2",
            &[("reason".into(), "reason_input".into(), "Too much".into())],
        );
        let event: SlackInteractionEvent = serde_json::from_value(payload).unwrap();
        let SlackInteractionEvent::ViewSubmission(event) = event else {
            panic!("not view_submission: {event:?}");
        };
        let value = event
            .view
            .state_params
            .state
            .as_ref()
            .and_then(|s| s.values.get(&"reason".into()))
            .and_then(|b| b.get(&"reason_input".into()))
            .and_then(|i| i.value.clone());
        assert_eq!(value.as_deref(), Some("Too much"));
    }

    #[test]
    fn a_direct_message_reads_as_a_slack_message_event() {
        let payload = direct_message(
            &marta(),
            "DMARTA",
            "what's pending",
            "1.2",
            "Ev1",
            1_700_000_000,
        );
        let event: SlackPushEvent = serde_json::from_value(payload).unwrap();
        let SlackPushEvent::EventCallback(callback) = event else {
            panic!("not an event callback");
        };
        let SlackEventCallbackBody::Message(message) = callback.event else {
            panic!("not a message event");
        };
        assert_eq!(message.sender.user.unwrap().to_string(), "UMARTA");
        assert_eq!(
            message.content.unwrap().text.as_deref(),
            Some("what's pending")
        );
    }

    #[test]
    fn opening_app_home_and_clicking_there_read_as_slack_sends_them() {
        let opened = app_home_opened(&marta(), "DMARTA", "Ev2", 1_700_000_000);
        let SlackPushEvent::EventCallback(callback) = serde_json::from_value(opened).unwrap()
        else {
            panic!("not an event callback");
        };
        let SlackEventCallbackBody::AppHomeOpened(home) = callback.event else {
            panic!("not app_home_opened");
        };
        assert_eq!(home.tab.as_deref(), Some("home"));
        let click = Click {
            action_id: "approve".into(),
            block_id: "b3".into(),
            value: "v".into(),
            text: "Approve".into(),
        };
        let payload = block_actions_in_home(&marta(), "V0DEMO", &click, "T-3", 1.0);
        let SlackInteractionEvent::BlockActions(event) = serde_json::from_value(payload).unwrap()
        else {
            panic!("not block_actions");
        };
        assert!(event.channel.is_none() && event.message.is_none());
        assert_eq!(event.actions.unwrap()[0].action_id.to_string(), "approve");
    }

    #[test]
    fn a_click_on_a_card_carries_its_button_and_message() {
        let card = FakeMessage {
            channel: "DMARTA".into(),
            ts: "1700000000.000002".into(),
            text: "Approval needed".into(),
            blocks: json!([
                { "type": "header", "text": { "type": "plain_text", "text": "Desks" } },
                { "type": "actions", "elements": [
                    { "type": "button", "action_id": "approve", "value": "v1",
                      "text": { "type": "plain_text", "text": "Approve" } },
                    { "type": "button", "action_id": "deny", "value": "v2",
                      "text": { "type": "plain_text", "text": "Deny" } },
                ] },
            ]),
            only_for: None,
            edits: 0,
            from_user: None,
        };
        let click = Click::on(&card, "deny").unwrap();
        assert_eq!(
            (
                click.block_id.as_str(),
                click.value.as_str(),
                click.text.as_str()
            ),
            ("b1", "v2", "Deny")
        );
        assert_eq!(Click::on(&card, "hold"), None);

        let payload = click_on(&marta(), &card, "approve", "http://127.0.0.1:9/r").unwrap();
        let SlackInteractionEvent::BlockActions(event) = serde_json::from_value(payload).unwrap()
        else {
            panic!("not block_actions");
        };
        assert_eq!(event.actions.unwrap()[0].value.as_deref(), Some("v1"));
        assert_eq!(
            event.message.map(|m| m.origin.ts.to_string()),
            Some(card.ts)
        );
    }

    #[test]
    fn a_click_on_a_message_without_blocks_sends_none() {
        let message = ClickedMessage {
            channel: "DMARTA".into(),
            ts: "1.2".into(),
            text: "card".into(),
            blocks: Value::Null,
        };
        let click = Click {
            action_id: "approve".into(),
            block_id: "b1".into(),
            value: "v".into(),
            text: "Approve".into(),
        };
        let payload = block_actions(&marta(), &message, &click, "T-4", "http://x/r", 1.0);
        assert!(payload["message"].get("blocks").is_none(), "{payload}");
    }

    #[test]
    fn an_interaction_body_is_form_encoded_json() {
        let body = form_body(&json!({ "type": "block_actions" }));
        assert_eq!(body, "payload=%7B%22type%22%3A%22block_actions%22%7D");
    }
}
