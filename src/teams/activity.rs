//! The parts of a Bot Framework activity the bot uses, read from the body of `POST /api/messages`
//! once its token is verified. Pure.
//!
//! Reading is lenient where the Bot Framework varies: fields the bot does not use are ignored,
//! optional ones may be missing, an activity type the bot does not know is kept as
//! [`ActivityType::Other`], and a timestamp it cannot read is left out. What it cannot do without
//! is required: `type`, `serviceUrl` (where replies go, checked against the token) and
//! `channelId`. A body that is not an activity is an [`ActivityError`] (the route answers 400).

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::domain::ChatUserId;
use crate::domain::conversation::ConversationRef;

/// What an activity is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityType {
    /// Someone wrote to the bot, or clicked an `Action.Submit` (then `value` holds its data).
    Message,
    /// A request that expects an answer in the HTTP response: a card's `Action.Execute` or
    /// refresh (named `adaptiveCard/action`), among others.
    Invoke,
    /// The app was installed or uninstalled for someone (`action` says which).
    InstallationUpdate,
    /// Members joined or left a conversation with the bot.
    ConversationUpdate,
    /// Any other type (typing, reactions, message updates, …), kept by name and ignored.
    Other(String),
}

impl ActivityType {
    /// The type as the Bot Framework names it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Message => "message",
            Self::Invoke => "invoke",
            Self::InstallationUpdate => "installationUpdate",
            Self::ConversationUpdate => "conversationUpdate",
            Self::Other(name) => name,
        }
    }

    /// The type as a metrics label: one of the known names, or `other`, so that a sender cannot
    /// grow the number of label values.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Invoke => "invoke",
            Self::InstallationUpdate => "installationUpdate",
            Self::ConversationUpdate => "conversationUpdate",
            Self::Other(_) => "other",
        }
    }
}

impl<'de> Deserialize<'de> for ActivityType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(match name.as_str() {
            "message" => Self::Message,
            "invoke" => Self::Invoke,
            "installationUpdate" => Self::InstallationUpdate,
            "conversationUpdate" => Self::ConversationUpdate,
            _ => Self::Other(name),
        })
    }
}

/// A person or bot in a conversation (`from`, `recipient`, `membersAdded`, …).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelAccount {
    /// Their Teams id: `29:…` for a person, `28:<app id>` for a bot.
    pub id: String,
    /// Their display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Their Azure AD object id (people only).
    #[serde(default)]
    pub aad_object_id: Option<String>,
}

impl ChannelAccount {
    /// The account as a chat user.
    pub fn user(&self) -> ChatUserId {
        ChatUserId(self.id.clone())
    }
}

/// The conversation an activity belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationAccount {
    /// The conversation id (`a:…` for a one-to-one chat with the bot).
    pub id: String,
    /// `personal`, `groupChat` or `channel`.
    #[serde(default)]
    pub conversation_type: Option<String>,
    /// The tenant the conversation is in.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Whether more than two take part.
    #[serde(default)]
    pub is_group: Option<bool>,
}

impl ConversationAccount {
    /// The conversation as the engine refers to it.
    pub fn reference(&self) -> ConversationRef {
        ConversationRef::new(self.id.clone())
    }
}

/// Teams' own fields of an activity, those the bot reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ChannelData {
    /// The tenant the activity comes from.
    #[serde(default)]
    pub tenant: Option<TenantInfo>,
}

/// A tenant, as `channelData` names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TenantInfo {
    /// The tenant id.
    pub id: String,
}

/// An activity the Bot Framework posted to the bot.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: ActivityType,
    /// Its id (a reply or an update names it).
    #[serde(default)]
    pub id: Option<String>,
    /// When it was sent; left out when missing or unreadable.
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub timestamp: Option<Timestamp>,
    /// The Bot Connector endpoint replies to it go to; the token vouched for it.
    pub service_url: String,
    /// The channel it comes through (`msteams`).
    pub channel_id: String,
    /// Who sent it.
    #[serde(default)]
    pub from: Option<ChannelAccount>,
    /// Whom it is for (the bot).
    #[serde(default)]
    pub recipient: Option<ChannelAccount>,
    /// The conversation it belongs to.
    #[serde(default)]
    pub conversation: Option<ConversationAccount>,
    /// Teams' own fields.
    #[serde(default)]
    pub channel_data: Option<ChannelData>,
    /// A message's text (mentions appear in it as `<at>Name</at>`).
    #[serde(default)]
    pub text: Option<String>,
    /// An invoke's payload, or the data of an `Action.Submit` on a message.
    #[serde(default)]
    pub value: Option<Value>,
    /// An invoke's name (`adaptiveCard/action`).
    #[serde(default)]
    pub name: Option<String>,
    /// An installation update's action: `add`, `remove` (or `add-upgrade`, `remove-upgrade`).
    #[serde(default)]
    pub action: Option<String>,
    /// Who joined (a conversation update).
    #[serde(default)]
    pub members_added: Vec<ChannelAccount>,
    /// Who left (a conversation update).
    #[serde(default)]
    pub members_removed: Vec<ChannelAccount>,
    /// What the activity carries besides (mentions, the sender's client: its `clientInfo`
    /// entity). Kept as JSON: only the client's time zone is read, and an entity the bot does not
    /// know must never make an activity unreadable.
    #[serde(default)]
    pub entities: Option<Value>,
}

/// The longest time zone name kept: IANA names are far shorter (`America/Argentina/ComodRivadavia`
/// is 32 characters).
const MAX_TIME_ZONE_LEN: usize = 64;

/// Why a body is not an activity.
#[derive(Debug, thiserror::Error)]
#[error("the body is not a Bot Framework activity: {0}")]
pub struct ActivityError(#[source] serde_json::Error);

impl Activity {
    /// Reads an activity from a request body.
    pub fn parse(body: &[u8]) -> Result<Self, ActivityError> {
        serde_json::from_slice(body).map_err(ActivityError)
    }

    /// The sender's time zone as their Teams client reports it (`timezone` of the `clientInfo`
    /// entity, an IANA name such as `Europe/Berlin`); `None` when it is missing or does not look
    /// like a zone name.
    pub fn time_zone(&self) -> Option<&str> {
        self.entities
            .as_ref()?
            .as_array()?
            .iter()
            .find(|entity| entity["type"] == "clientInfo")?["timezone"]
            .as_str()
            .map(str::trim)
            .filter(|zone| {
                !zone.is_empty()
                    && zone.len() <= MAX_TIME_ZONE_LEN
                    && zone
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
            })
    }

    /// The tenant it comes from: the conversation's, or else Teams' `channelData`.
    pub fn tenant(&self) -> Option<&str> {
        self.conversation
            .as_ref()
            .and_then(|c| c.tenant_id.as_deref())
            .or_else(|| {
                self.channel_data
                    .as_ref()
                    .and_then(|d| d.tenant.as_ref())
                    .map(|t| t.id.as_str())
            })
            .filter(|tenant| !tenant.is_empty())
    }

    /// Whether it comes from a one-to-one chat with the bot.
    pub fn is_personal(&self) -> bool {
        self.conversation
            .as_ref()
            .and_then(|c| c.conversation_type.as_deref())
            == Some("personal")
    }

    /// Who sent it, as a chat user.
    pub fn sender(&self) -> Option<ChatUserId> {
        self.from.as_ref().map(ChannelAccount::user)
    }
}

/// A timestamp, or `None` when it is missing or not one (the bot can do without it).
fn lenient_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|text| text.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A message as Teams sends it in a one-to-one chat (abridged from a real one).
    fn teams_message() -> Value {
        json!({
            "text": "<at>Coupa Approvals</at> what's pending?",
            "textFormat": "plain",
            "type": "message",
            "timestamp": "2026-11-20T17:21:04.1234567Z",
            "localTimestamp": "2026-11-20T18:21:04.1234567+01:00",
            "id": "1763659264123",
            "channelId": "msteams",
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "from": {
                "id": "29:1jane",
                "name": "Jane Doe",
                "aadObjectId": "6b0c3f51-1f3a-4e0c-9d4b-0f5f4a1b2c3d"
            },
            "conversation": {
                "conversationType": "personal",
                "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                "id": "a:1x2y3z"
            },
            "recipient": { "id": "28:0b5e8c1d-7a3f-4e21-9c6b-2d8f1a4e7b30", "name": "Coupa Approvals" },
            "entities": [{ "type": "clientInfo", "locale": "en-US", "timezone": "Europe/Berlin" }],
            "channelData": { "tenant": { "id": "72f988bf-86f1-41af-91ab-2d7cd011db47" } },
            "locale": "en-US"
        })
    }

    fn parse(value: &Value) -> Result<Activity, ActivityError> {
        Activity::parse(value.to_string().as_bytes())
    }

    #[test]
    fn the_senders_time_zone_is_read_from_client_info_and_anything_odd_is_ignored() {
        assert_eq!(
            parse(&teams_message()).unwrap().time_zone(),
            Some("Europe/Berlin")
        );
        for entities in [
            json!(null),
            json!("clientInfo"),
            json!([{ "type": "mention", "timezone": "Europe/Paris" }]),
            json!([{ "type": "clientInfo", "timezone": 3 }]),
            json!([{ "type": "clientInfo", "timezone": "  " }]),
            json!([{ "type": "clientInfo", "timezone": "<script>alert(1)</script>" }]),
            json!([{ "type": "clientInfo", "timezone": "A/".repeat(40) }]),
        ] {
            let mut message = teams_message();
            message["entities"] = entities.clone();
            let activity = parse(&message).expect("odd entities never make an activity unreadable");
            assert_eq!(activity.time_zone(), None, "{entities}");
        }
        let mut message = teams_message();
        message.as_object_mut().unwrap().remove("entities");
        assert_eq!(parse(&message).unwrap().time_zone(), None);
    }

    #[test]
    fn a_teams_message_is_read_with_everything_the_bot_uses() {
        let activity = parse(&teams_message()).unwrap();
        assert_eq!(activity.kind, ActivityType::Message);
        assert_eq!(activity.id.as_deref(), Some("1763659264123"));
        assert_eq!(
            activity.timestamp,
            Some("2026-11-20T17:21:04.1234567Z".parse().unwrap())
        );
        assert_eq!(
            activity.service_url,
            "https://smba.trafficmanager.net/emea/"
        );
        assert_eq!(activity.channel_id, "msteams");
        let from = activity.from.as_ref().unwrap();
        assert_eq!(from.name.as_deref(), Some("Jane Doe"));
        assert_eq!(
            from.aad_object_id.as_deref(),
            Some("6b0c3f51-1f3a-4e0c-9d4b-0f5f4a1b2c3d")
        );
        assert_eq!(activity.sender(), Some(ChatUserId("29:1jane".into())));
        let conversation = activity.conversation.as_ref().unwrap();
        assert_eq!(conversation.reference(), ConversationRef::new("a:1x2y3z"));
        assert!(activity.is_personal());
        assert_eq!(
            activity.tenant(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(
            activity.text.as_deref(),
            Some("<at>Coupa Approvals</at> what's pending?")
        );
        assert!(activity.members_added.is_empty());
    }

    #[test]
    fn the_tenant_comes_from_channel_data_when_the_conversation_has_none() {
        let mut message = teams_message();
        message["conversation"]
            .as_object_mut()
            .unwrap()
            .remove("tenantId");
        message["channelData"]["tenant"]["id"] = json!("tenant-from-channel-data");
        let activity = parse(&message).unwrap();
        assert_eq!(activity.tenant(), Some("tenant-from-channel-data"));

        message.as_object_mut().unwrap().remove("channelData");
        assert_eq!(parse(&message).unwrap().tenant(), None);
    }

    #[test]
    fn a_group_chat_is_not_personal() {
        let mut message = teams_message();
        message["conversation"]["conversationType"] = json!("groupChat");
        message["conversation"]["isGroup"] = json!(true);
        let activity = parse(&message).unwrap();
        assert!(!activity.is_personal());
        assert_eq!(activity.conversation.unwrap().is_group, Some(true));
    }

    #[test]
    fn the_smallest_activity_needs_only_its_type_service_url_and_channel() {
        let activity = parse(&json!({
            "type": "typing",
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "channelId": "msteams",
        }))
        .unwrap();
        assert_eq!(activity.kind, ActivityType::Other("typing".into()));
        assert_eq!(activity.kind.label(), "other");
        assert_eq!(activity.kind.as_str(), "typing");
        assert_eq!(activity.from, None);
        assert_eq!(activity.tenant(), None);
        assert!(!activity.is_personal());
    }

    #[test]
    fn an_installation_and_a_conversation_update_carry_their_action_and_members() {
        let mut install = teams_message();
        install["type"] = json!("installationUpdate");
        install["action"] = json!("add");
        let activity = parse(&install).unwrap();
        assert_eq!(activity.kind, ActivityType::InstallationUpdate);
        assert_eq!(activity.action.as_deref(), Some("add"));

        let mut update = teams_message();
        update["type"] = json!("conversationUpdate");
        update["membersAdded"] = json!([{ "id": "29:1li", "aadObjectId": "aad-li" }]);
        update["membersRemoved"] = json!([{ "id": "29:1old" }]);
        let activity = parse(&update).unwrap();
        assert_eq!(activity.kind, ActivityType::ConversationUpdate);
        assert_eq!(
            activity.members_added[0].user(),
            ChatUserId("29:1li".into())
        );
        assert_eq!(
            activity.members_added[0].aad_object_id.as_deref(),
            Some("aad-li")
        );
        assert_eq!(activity.members_removed[0].id, "29:1old");
    }

    #[test]
    fn an_invoke_keeps_its_name_and_raw_value() {
        let mut invoke = teams_message();
        invoke["type"] = json!("invoke");
        invoke["name"] = json!("adaptiveCard/action");
        invoke["value"] = json!({ "action": { "type": "Action.Execute", "verb": "approve" } });
        let activity = parse(&invoke).unwrap();
        assert_eq!(activity.kind, ActivityType::Invoke);
        assert_eq!(activity.name.as_deref(), Some("adaptiveCard/action"));
        assert_eq!(activity.value.unwrap()["action"]["verb"], "approve");
    }

    #[test]
    fn an_unreadable_timestamp_is_left_out() {
        for timestamp in [json!("yesterday"), json!(12), Value::Null] {
            let mut message = teams_message();
            message["timestamp"] = timestamp.clone();
            assert_eq!(parse(&message).unwrap().timestamp, None, "{timestamp}");
        }
    }

    #[test]
    fn a_body_that_is_not_an_activity_is_refused_saying_why() {
        let mut no_service_url = teams_message();
        no_service_url.as_object_mut().unwrap().remove("serviceUrl");
        let mut from_is_text = teams_message();
        from_is_text["from"] = json!("Jane");
        for body in [
            b"not json".to_vec(),
            b"[1, 2]".to_vec(),
            b"{}".to_vec(),
            no_service_url.to_string().into_bytes(),
            from_is_text.to_string().into_bytes(),
        ] {
            let err = Activity::parse(&body).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("the body is not a Bot Framework activity: "),
                "{err}"
            );
        }
    }
}
