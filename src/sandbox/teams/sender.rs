//! Sends simulated Teams activities to an app's `POST /api/messages`, shaped as the Bot Framework
//! sends them and signed by the sandbox's [`TokenAuthority`] (audience the bot's app id, the
//! fake connector's service URL, a key endorsed for Teams), over real HTTP, so they pass through
//! the same verification and routes as Microsoft's.
//!
//! Every activity comes from a person's 1:1 chat with the bot: `channelId` `msteams`, the fake
//! connector's `serviceUrl`, a `personal` conversation whose id is the one the
//! [`FakeConnector`] has for that person (so the conversation an installation names and the one
//! the bot opens itself are the same), the tenant, `from` the person, `recipient` the bot
//! (`28:<app id>`), a fresh `id` and the `timestamp`. Clicks can be read off the card the fake
//! holds ([`TeamsSender::approve`], [`TeamsSender::deny`]), carrying exactly the data the card's
//! `Action.Execute` carries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::connector::{FakeActivity, FakeConnector, FakeMember};
use super::token_authority::TokenAuthority;
use crate::teams::auth::TEAMS_CHANNEL;
use crate::teams::card::{APPROVE, DENY, HOLD, HOLD_REASON_INPUT, REASON_INPUT};
use crate::teams::invoke::CARD_ACTION;
use crate::teams::routes::MESSAGES_PATH;

/// Why an activity did not reach the app.
#[derive(Debug, thiserror::Error)]
pub enum TeamsSendError {
    /// The card holds no `Action.Execute` with this verb (a decided card has none).
    #[error("the card has no {verb:?} action")]
    NoAction {
        /// The verb looked for.
        verb: String,
    },
    /// The app did not answer.
    #[error("the app did not answer: {0}")]
    Http(#[from] reqwest::Error),
}

/// The app's answer to an activity: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamsAnswer {
    /// HTTP status.
    pub status: u16,
    /// Body text (empty for an accepted activity).
    pub body: String,
}

impl TeamsAnswer {
    /// The body as JSON (an invoke's answer), or `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// An invoke answer's `statusCode` (200 for a card or a message, 400 or 500 for an error).
    pub fn invoke_status(&self) -> Option<u64> {
        self.json()?.get("statusCode")?.as_u64()
    }
}

/// Posts signed activities to one app, on behalf of the fake connector's members.
#[derive(Clone)]
pub struct TeamsSender {
    base: String,
    app_id: String,
    service_url: String,
    authority: Arc<TokenAuthority>,
    connector: FakeConnector,
    http: reqwest::Client,
    next_id: Arc<AtomicU64>,
}

impl TeamsSender {
    /// Sends to the app at `base` (like `http://127.0.0.1:PORT`) for the bot `app_id`, with
    /// activities naming `service_url` (the fake `connector`'s) and tokens from `authority`.
    pub fn new(
        base: &str,
        app_id: &str,
        service_url: &str,
        authority: Arc<TokenAuthority>,
        connector: FakeConnector,
    ) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            service_url: service_url.to_owned(),
            authority,
            connector,
            // Teams gives a bot about 15 s to answer an invoke; the sender waits a little longer.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// The service URL the activities name (and their tokens vouch for).
    pub fn service_url(&self) -> &str {
        &self.service_url
    }

    /// The 1:1 conversation of `user` with the bot (opened in the fake if it was not yet).
    pub fn conversation_of(&self, user: &FakeMember) -> String {
        self.connector.conversation_for(&user.id)
    }

    /// A valid token for an activity to this app: what Teams puts after `Bearer `.
    pub fn token(&self) -> String {
        self.authority.token(&self.app_id, &self.service_url).sign()
    }

    /// An activity of type `kind` from `user` in their 1:1 chat with the bot, with every field
    /// Teams sends; add the type's own fields before [`post`](Self::post).
    pub fn activity(&self, user: &FakeMember, kind: &str) -> Value {
        let conversation = self.conversation_of(user);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        personal_activity(
            &Personal {
                user,
                conversation: &conversation,
                app_id: &self.app_id,
                service_url: &self.service_url,
            },
            kind,
            id,
        )
    }

    /// `user` installs the bot (personal scope): `installationUpdate`, action `add`.
    pub async fn install(&self, user: &FakeMember) -> Result<TeamsAnswer, TeamsSendError> {
        let mut activity = self.activity(user, "installationUpdate");
        activity["action"] = json!("add");
        self.post(&activity).await
    }

    /// `user` writes `text` to the bot.
    pub async fn message(
        &self,
        user: &FakeMember,
        text: &str,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        let mut activity = self.activity(user, "message");
        activity["text"] = json!(text);
        activity["textFormat"] = json!("plain");
        self.post(&activity).await
    }

    /// `user` clicks an `Action.Execute` with `verb` and `data` (the action's data with the
    /// card's inputs beside it): an invoke named `adaptiveCard/action`.
    pub async fn invoke_action(
        &self,
        user: &FakeMember,
        verb: &str,
        data: Value,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        self.post(&self.invoke_activity(user, None, verb, data))
            .await
    }

    /// `user` clicks an `Action.Submit` carrying `data`, as a client without Universal Actions
    /// sends it: a message whose `value` is the data.
    pub async fn submit(
        &self,
        user: &FakeMember,
        data: Value,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        let mut activity = self.activity(user, "message");
        activity["value"] = data;
        self.post(&activity).await
    }

    /// `user` clicks Approve (or Confirm) on `card` as it is now.
    pub async fn approve(
        &self,
        user: &FakeMember,
        card: &FakeActivity,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        let data = action_data(&card.activity, APPROVE).ok_or_else(|| no_action(APPROVE))?;
        self.post(&self.invoke_activity(user, Some(&card.id), APPROVE, data))
            .await
    }

    /// `user` types `reason` in the deny form of `card` as it is now and clicks Deny.
    pub async fn deny(
        &self,
        user: &FakeMember,
        card: &FakeActivity,
        reason: &str,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        let mut data = action_data(&card.activity, DENY).ok_or_else(|| no_action(DENY))?;
        data[REASON_INPUT] = json!(reason);
        self.post(&self.invoke_activity(user, Some(&card.id), DENY, data))
            .await
    }

    /// `user` types `reason` in the hold form of `card` as it is now and clicks Hold.
    pub async fn hold(
        &self,
        user: &FakeMember,
        card: &FakeActivity,
        reason: &str,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        let mut data = action_data(&card.activity, HOLD).ok_or_else(|| no_action(HOLD))?;
        data[HOLD_REASON_INPUT] = json!(reason);
        self.post(&self.invoke_activity(user, Some(&card.id), HOLD, data))
            .await
    }

    /// An `adaptiveCard/action` invoke from `user` on the message `reply_to` (when known).
    pub fn invoke_activity(
        &self,
        user: &FakeMember,
        reply_to: Option<&str>,
        verb: &str,
        data: Value,
    ) -> Value {
        card_action(
            self.activity(user, "invoke"),
            reply_to,
            verb,
            data,
            "manual",
        )
    }

    /// Posts `activity` with a fresh valid token.
    pub async fn post(&self, activity: &Value) -> Result<TeamsAnswer, TeamsSendError> {
        self.post_with_token(activity, &self.token()).await
    }

    /// Posts `activity` with `Authorization: Bearer {token}` (a flawed token, say).
    pub async fn post_with_token(
        &self,
        activity: &Value,
        token: &str,
    ) -> Result<TeamsAnswer, TeamsSendError> {
        let response = self
            .http
            .post(format!("{}{MESSAGES_PATH}", self.base))
            .bearer_auth(token)
            .json(activity)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok(TeamsAnswer { status, body })
    }
}

/// Where an activity comes from: a person's 1:1 chat with the bot `app_id`, reached at
/// `service_url`.
#[derive(Debug, Clone, Copy)]
pub struct Personal<'a> {
    /// The person.
    pub user: &'a FakeMember,
    /// Their 1:1 conversation with the bot.
    pub conversation: &'a str,
    /// The bot's Microsoft App ID.
    pub app_id: &'a str,
    /// The service URL Teams names (and its token vouches for).
    pub service_url: &'a str,
}

/// An activity of type `kind` from `from`, with every field Teams sends and an id made unique by
/// `n` (see the module docs).
pub fn personal_activity(from: &Personal<'_>, kind: &str, n: u64) -> Value {
    let user = from.user;
    let now = jiff::Timestamp::now();
    json!({
        "type": kind,
        "id": format!("{}{n:03}", now.as_millisecond()),
        "timestamp": now.to_string(),
        "localTimestamp": now.to_string(),
        "channelId": TEAMS_CHANNEL,
        "serviceUrl": from.service_url,
        "from": { "id": user.id, "name": user.name, "aadObjectId": user.aad_object_id },
        "recipient": { "id": format!("28:{}", from.app_id), "name": "Coupa Approvals" },
        "conversation": {
            "conversationType": "personal",
            "tenantId": user.tenant,
            "id": from.conversation,
        },
        "channelData": { "tenant": { "id": user.tenant } },
        "entities": [client_info(user)],
        "locale": "en-US",
    })
}

/// `activity` (an `invoke`) made an `adaptiveCard/action` with `verb` and `data` on the message
/// `reply_to` (when known); `trigger` is `manual` for a click, `automatic` for a card's refresh.
pub fn card_action(
    mut activity: Value,
    reply_to: Option<&str>,
    verb: &str,
    data: Value,
    trigger: &str,
) -> Value {
    activity["name"] = json!(CARD_ACTION);
    activity["value"] = json!({
        "action": { "type": "Action.Execute", "verb": verb, "data": data },
        "trigger": trigger,
    });
    if let Some(reply_to) = reply_to {
        activity["replyToId"] = json!(reply_to);
    }
    activity
}

fn no_action(verb: &str) -> TeamsSendError {
    TeamsSendError::NoAction {
        verb: verb.to_owned(),
    }
}

/// The card of a posted message: its first attachment's content.
pub fn card_of(activity: &Value) -> Option<&Value> {
    activity.get("attachments")?.get(0)?.get("content")
}

/// The data of the first `Action.Execute` with `verb` in the card of `activity` (looked for
/// everywhere in it: the deny action sits in the card an `Action.ShowCard` opens, Confirm too).
pub fn action_data(activity: &Value, verb: &str) -> Option<Value> {
    find_execute(card_of(activity)?, verb)
}

fn find_execute(value: &Value, verb: &str) -> Option<Value> {
    match value {
        Value::Object(object) => {
            let is_it = object.get("type").and_then(Value::as_str) == Some("Action.Execute")
                && object.get("verb").and_then(Value::as_str) == Some(verb);
            if is_it {
                return Some(object.get("data").cloned().unwrap_or(Value::Null));
            }
            object.values().find_map(|v| find_execute(v, verb))
        }
        Value::Array(items) => items.iter().find_map(|v| find_execute(v, verb)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

/// The `clientInfo` entity a Teams client puts in each activity: its locale and platform, and the
/// user's time zone when the member has one.
fn client_info(user: &FakeMember) -> Value {
    let mut info = json!({ "type": "clientInfo", "locale": "en-US", "platform": "Web" });
    if let Some(zone) = &user.time_zone {
        info["timezone"] = json!(zone);
    }
    info
}
