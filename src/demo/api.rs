//! The page's JSON endpoints under `/demo/api/`. Clicks, modal submissions and messages become
//! Slack-shaped requests signed and sent to the app's own `/slack/*` routes; the Coupa panel acts
//! on the sandbox directly; reads return HTML rendered here, with a version so the page redraws
//! only what changed.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::ChatPlatform;
use crate::domain::RequisitionId;

use super::block_kit;
use super::conversation;
use super::coupa_panel::{self, CoupaPanelError};
use super::server::DemoState;
use super::teams::MoveError;
use crate::sandbox::people::Person;
use crate::sandbox::slack::dm_channel;
use crate::sandbox::slack::requests::{self as slack_requests, Actor, Click, ClickedMessage, now};
use crate::sandbox::slack::{AppAnswer, SendError};
use crate::sandbox::teams::TeamsSendError;
use crate::store::StoreError;

/// Why an endpoint refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Not one of the demo's people.
    #[error("no demo person has the Slack id {0}")]
    UnknownPerson(String),
    /// The message clicked is not in the person's conversation.
    #[error("that message is not in this person's conversation")]
    UnknownMessage,
    /// The modal is not open for this person.
    #[error("that form is no longer open")]
    UnknownModal,
    /// The text was empty.
    #[error("type something to send")]
    Empty,
    /// A total that is not a number.
    #[error("`{0}` is not an amount")]
    NotAnAmount(String),
    /// The Coupa panel refused.
    #[error(transparent)]
    Coupa(#[from] CoupaPanelError),
    /// The app could not be reached.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The person has no chat with the bot in Teams.
    #[error("{0} has no chat with the bot in Teams yet; move them to Teams first")]
    NoTeamsChat(String),
    /// A card action the page sent is malformed.
    #[error("that action cannot be sent: {0}")]
    BadAction(&'static str),
    /// A platform the demo does not know.
    #[error("`{0}` is not a chat platform; use slack or teams")]
    UnknownPlatform(String),
    /// The activity did not reach the app.
    #[error(transparent)]
    TeamsSend(#[from] TeamsSendError),
    /// Moving a person between platforms failed.
    #[error(transparent)]
    Move(#[from] MoveError),
    /// The store did not say where a person's cards go.
    #[error("the demo's store failed: {0}")]
    Store(#[from] StoreError),
    /// The reminder pass could not run.
    #[error("the reminders could not be sent: {0}")]
    Engine(#[source] crate::engine::EngineError),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::UnknownPerson(_)
            | ApiError::UnknownMessage
            | ApiError::UnknownModal
            | ApiError::NoTeamsChat(_) => StatusCode::NOT_FOUND,
            ApiError::Empty
            | ApiError::NotAnAmount(_)
            | ApiError::Coupa(_)
            | ApiError::BadAction(_)
            | ApiError::UnknownPlatform(_) => StatusCode::BAD_REQUEST,
            ApiError::Send(_) | ApiError::TeamsSend(_) | ApiError::Move(_) => {
                StatusCode::BAD_GATEWAY
            }
            ApiError::Store(_) | ApiError::Engine(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::BAD_GATEWAY {
            tracing::warn!(error = %self, "demo could not reach its app");
        }
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// The id the fake Slack gives every view it opens or publishes.
const VIEW_ID: &str = "V0DEMO";

pub(super) fn version(parts: &[&str]) -> String {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

pub(super) fn person<'a>(state: &'a DemoState, user: &str) -> Result<&'a Person, ApiError> {
    state
        .person(user)
        .ok_or_else(|| ApiError::UnknownPerson(user.to_owned()))
}

fn actor(person: &Person) -> Actor {
    Actor::new(&person.slack_id, &person.name)
}

fn answer(answer: &AppAnswer) -> Json<Value> {
    Json(json!({ "status": answer.status }))
}

/// `?user=U…`
#[derive(Debug, Deserialize)]
pub struct UserQuery {
    /// Slack id.
    pub user: String,
}

/// `GET /demo/api/conversation?user=U…`: the conversation and the open modal, as HTML.
pub async fn conversation(
    State(state): State<DemoState>,
    Query(query): Query<UserQuery>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &query.user)?;
    let messages = state.slack.conversation(&person.slack_id);
    let html = conversation::html(&messages, &person.name);
    let cards = messages
        .iter()
        .filter(|m| m.blocks[0]["type"] == "header")
        .count();
    let home = state
        .slack
        .home_of(&person.slack_id)
        .map(|view| block_kit::blocks(&view["blocks"]));
    let modal = open_modal(&state, &person.slack_id);
    // Someone whose cards go to Teams has few or none here: the page says where they are.
    let platform = match state.teams.receives_on(person).await {
        Ok(ChatPlatform::Teams) => Some("teams"),
        Ok(ChatPlatform::Slack) => Some("slack"),
        Err(err) => {
            tracing::warn!(error = %err, "demo could not read where a person's cards go");
            None
        }
    };
    let (trigger, modal_html) = match &modal {
        Some((trigger, view)) => (Some(trigger.clone()), Some(block_kit::modal(view, trigger))),
        None => (None, None),
    };
    Ok(Json(json!({
        "user": person.slack_id,
        "name": person.name,
        "email": person.email,
        "html": html,
        "cards": cards,
        "modal_trigger": trigger,
        "modal_html": modal_html,
        "home_html": home,
        "platform": platform,
        "version": version(&[
            &html,
            trigger.as_deref().unwrap_or_default(),
            home.as_deref().unwrap_or_default(),
        ]),
    })))
}

/// The latest modal the bot opened for `user` that the page has not closed.
fn open_modal(state: &DemoState, user: &str) -> Option<(String, Value)> {
    let modals = state.slack.modals();
    let book = state.modals();
    modals
        .into_iter()
        .rev()
        .find(|m| book.owner(&m.trigger_id) == Some(user) && book.is_open(&m.trigger_id))
        .map(|m| (m.trigger_id, m.view))
}

/// A click on a button of a message, or of the App Home tab.
#[derive(Debug, Deserialize)]
pub struct ClickRequest {
    /// Who clicks.
    pub user: String,
    /// The message's `ts`; empty for a button on App Home.
    #[serde(default)]
    pub message_ts: String,
    /// The button is on the App Home tab.
    #[serde(default)]
    pub in_home: bool,
    /// The button's `action_id`.
    pub action_id: String,
    /// Its block's id.
    pub block_id: String,
    /// Its value.
    pub value: String,
    /// Its label.
    #[serde(default)]
    pub text: String,
    /// The checkboxes ticked in the same message, sent as Slack's `state`.
    #[serde(default)]
    pub ticked: Vec<Ticked>,
}

/// A ticked checkbox.
#[derive(Debug, Deserialize)]
pub struct Ticked {
    /// Its block's id.
    pub block_id: String,
    /// The checkboxes' `action_id`.
    pub action_id: String,
    /// The option's value.
    pub value: String,
    /// The option's text.
    #[serde(default)]
    pub text: String,
}

/// Slack's `state` of a message whose checkboxes are `ticked`.
fn state_of(ticked: &[Ticked]) -> Value {
    let mut values = serde_json::Map::new();
    for tick in ticked {
        let block = values
            .entry(tick.block_id.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        let element = block
            .as_object_mut()
            .map(|b| {
                b.entry(tick.action_id.clone()).or_insert_with(
                    || serde_json::json!({ "type": "checkboxes", "selected_options": [] }),
                )
            })
            .and_then(|e| e["selected_options"].as_array_mut());
        if let Some(options) = element {
            options.push(serde_json::json!({
                "text": { "type": "plain_text", "text": tick.text },
                "value": tick.value,
            }));
        }
    }
    serde_json::json!({ "values": values })
}

/// `POST /demo/api/click`: a `block_actions` interaction to `/slack/interactions`.
pub async fn click(
    State(state): State<DemoState>,
    Json(request): Json<ClickRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    // Like Slack's, a trigger id names one click; the modal it opens belongs to this person.
    let trigger_id = slack_requests::trigger_id();
    let click = Click {
        action_id: request.action_id,
        block_id: request.block_id,
        value: request.value,
        text: request.text,
    };
    if request.in_home {
        state
            .slack
            .home_of(&person.slack_id)
            .ok_or(ApiError::UnknownMessage)?;
        state.modals().issued(&trigger_id, &person.slack_id);
        let payload = slack_requests::block_actions_in_home(
            &actor(person),
            VIEW_ID,
            &click,
            &trigger_id,
            now(),
        );
        return Ok(answer(&state.sender.interaction(&payload).await?));
    }
    let message = state
        .slack
        .conversation(&person.slack_id)
        .into_iter()
        .find(|m| m.ts == request.message_ts && m.from_user.is_none())
        .ok_or(ApiError::UnknownMessage)?;
    state.modals().issued(&trigger_id, &person.slack_id);
    let mut payload = slack_requests::block_actions(
        &actor(person),
        &ClickedMessage {
            channel: message.channel,
            ts: message.ts,
            text: message.text,
            blocks: message.blocks,
        },
        &click,
        &trigger_id,
        &format!(
            "{}/response/{}",
            state.slack_base,
            uuid::Uuid::new_v4().simple()
        ),
        now(),
    );
    if !request.ticked.is_empty() {
        payload["state"] = state_of(&request.ticked);
    }
    Ok(answer(&state.sender.interaction(&payload).await?))
}

/// A modal's form, submitted.
#[derive(Debug, Deserialize)]
pub struct SubmitRequest {
    /// Who submits.
    pub user: String,
    /// The trigger id the modal was opened with.
    pub trigger_id: String,
    /// Inputs by `block_id.action_id`.
    #[serde(default)]
    pub values: HashMap<String, String>,
}

/// `POST /demo/api/deny`: the deny modal's `view_submission` to `/slack/interactions`. Field
/// errors the app returns keep the form open and are passed back to show on it.
pub async fn deny(
    State(state): State<DemoState>,
    Json(request): Json<SubmitRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let (trigger_id, view) = open_modal(&state, &person.slack_id)
        .filter(|(trigger, _)| *trigger == request.trigger_id)
        .ok_or(ApiError::UnknownModal)?;
    let values: Vec<(String, String, String)> = request
        .values
        .into_iter()
        .filter_map(|(name, value)| {
            let (block, action) = name.split_once('.')?;
            Some((block.to_owned(), action.to_owned(), value))
        })
        .collect();
    let payload =
        slack_requests::view_submission(&actor(person), &view, VIEW_ID, &trigger_id, &values);
    let reply = state.sender.interaction(&payload).await?;
    let body: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    if body["response_action"] == "errors" {
        return Ok(Json(
            json!({ "status": reply.status, "errors": body["errors"] }),
        ));
    }
    if reply.status == 200 {
        state.modals().close(&trigger_id);
    }
    Ok(answer(&reply))
}

/// A modal closed without submitting.
#[derive(Debug, Deserialize)]
pub struct CloseRequest {
    /// Whose.
    pub user: String,
    /// Which.
    pub trigger_id: String,
}

/// `POST /demo/api/close`: the person pressed Cancel (the bot does not ask to hear about it).
pub async fn close(
    State(state): State<DemoState>,
    Json(request): Json<CloseRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let mut book = state.modals();
    if book.owner(&request.trigger_id) != Some(person.slack_id.as_str()) {
        return Err(ApiError::UnknownModal);
    }
    book.close(&request.trigger_id);
    Ok(Json(json!({ "closed": true })))
}

/// A message typed to the bot, in Slack or in Teams.
#[derive(Debug, Deserialize)]
pub struct SayRequest {
    /// Who writes.
    pub user: String,
    /// What.
    pub text: String,
}

/// `POST /demo/api/say`: shows the message in the conversation and sends the `message.im`
/// event to `/slack/events`.
pub async fn say(
    State(state): State<DemoState>,
    Json(request): Json<SayRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let text = request.text.trim();
    if text.is_empty() {
        return Err(ApiError::Empty);
    }
    state.slack.record_user_message(&person.slack_id, text);
    let now = now();
    let payload = slack_requests::direct_message(
        &actor(person),
        &dm_channel(&person.slack_id),
        text,
        &format!("{now:.6}"),
        &format!("Ev{}", uuid::Uuid::new_v4().simple()),
        now as i64,
    );
    Ok(answer(&state.sender.event(&payload).await?))
}

/// `POST /demo/api/home`: the person opened the App Home tab; the `app_home_opened` event goes
/// to `/slack/events` and the bot publishes the view.
pub async fn home(
    State(state): State<DemoState>,
    Json(request): Json<UserQuery>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let payload = slack_requests::app_home_opened(
        &actor(person),
        &dm_channel(&person.slack_id),
        &format!("Ev{}", uuid::Uuid::new_v4().simple()),
        now() as i64,
    );
    Ok(answer(&state.sender.event(&payload).await?))
}

/// `GET /demo/api/coupa`: the Coupa panel.
pub async fn coupa(State(state): State<DemoState>) -> Json<Value> {
    let html = coupa_panel::html(&coupa_panel::rows(&state.coupa));
    Json(json!({ "version": version(&[&html]), "html": html }))
}

/// A requisition to act on in Coupa.
#[derive(Debug, Deserialize)]
pub struct CoupaRequest {
    /// Requisition id.
    pub requisition: u64,
    /// The new total, for `/total`.
    #[serde(default)]
    pub total: Option<String>,
}

/// `POST /demo/api/coupa/approve`: approve the current step in Coupa, outside the bot.
pub async fn coupa_approve(
    State(state): State<DemoState>,
    Json(request): Json<CoupaRequest>,
) -> Result<Json<Value>, ApiError> {
    coupa_panel::approve(&state.coupa, RequisitionId(request.requisition))?;
    Ok(Json(json!({ "approved": request.requisition })))
}

/// `POST /demo/api/coupa/release`: release the hold on the current step in Coupa, outside the
/// bot.
pub async fn coupa_release(
    State(state): State<DemoState>,
    Json(request): Json<CoupaRequest>,
) -> Result<Json<Value>, ApiError> {
    coupa_panel::release(&state.coupa, RequisitionId(request.requisition))?;
    Ok(Json(json!({ "released": request.requisition })))
}

/// `POST /demo/api/coupa/bulk`: submit several requisitions for one approver at once in Coupa,
/// so that the next sync sends them a digest.
pub async fn coupa_bulk(State(state): State<DemoState>) -> Result<Json<Value>, ApiError> {
    let submitted = coupa_panel::bulk_upload(&state.coupa)?;
    let ids: Vec<u64> = submitted.iter().map(|id| id.0).collect();
    Ok(Json(
        json!({ "submitted": ids, "for": coupa_panel::BULK_APPROVER }),
    ))
}

/// `POST /demo/api/coupa/total`: change the total in Coupa, outside the bot.
pub async fn coupa_total(
    State(state): State<DemoState>,
    Json(request): Json<CoupaRequest>,
) -> Result<Json<Value>, ApiError> {
    let text = request.total.unwrap_or_default();
    let total: Decimal = text
        .trim()
        .replace(',', "")
        .parse()
        .map_err(|_| ApiError::NotAnAmount(text.clone()))?;
    coupa_panel::set_total(&state.coupa, RequisitionId(request.requisition), total)?;
    Ok(Json(
        json!({ "requisition": request.requisition, "total": total.to_string() }),
    ))
}
