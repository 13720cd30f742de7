//! The page's JSON endpoints for its Teams client, under `/demo/api/teams/`: a person's 1:1 chat
//! with the bot as HTML, a click on a card's action, a typed message, and moving a person between
//! Slack and Teams. Clicks and messages become activities signed by the world's own token
//! authority and posted to the app's `POST /api/messages`, as Teams sends them: an
//! `Action.Execute` as an `adaptiveCard/action` invoke (its answer's card then shows in place of
//! the clicked one), an `Action.Submit` and a typed message as message activities.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{ApiError, SayRequest, UserQuery, person, version};
use super::server::DemoState;
use super::teams_chat;
use crate::config::ChatPlatform;
use crate::sandbox::people::Person;
use crate::sandbox::teams::{FakeMember, TeamsAnswer};
use crate::teams::invoke::{ADAPTIVE_CARD, MESSAGE};

fn platform_name(platform: ChatPlatform) -> &'static str {
    match platform {
        ChatPlatform::Slack => "slack",
        ChatPlatform::Teams => "teams",
    }
}

fn member<'a>(state: &'a DemoState, person: &Person) -> Result<&'a FakeMember, ApiError> {
    state
        .teams
        .member(person)
        .ok_or_else(|| ApiError::UnknownPerson(person.slack_id.clone()))
}

/// `person`'s 1:1 chat with the bot in Teams.
fn chat_of(state: &DemoState, person: &Person) -> Result<(FakeMember, String), ApiError> {
    let member = member(state, person)?.clone();
    let conversation = state
        .teams
        .conversation_of(&member)
        .ok_or_else(|| ApiError::NoTeamsChat(person.name.clone()))?;
    Ok((member, conversation))
}

/// `GET /demo/api/teams/conversation?user=U…`: the person's chat in Teams as HTML, and where
/// their next cards go.
pub async fn conversation(
    State(state): State<DemoState>,
    Query(query): Query<UserQuery>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &query.user)?;
    let member = member(&state, person)?;
    let platform = state.teams.receives_on(person).await?;
    let conversation = state.teams.conversation_of(member);
    let (html, cards) = match &conversation {
        Some(conversation) => {
            let entries = state.teams.chat(conversation);
            let html = teams_chat::html(&entries);
            (html, teams_chat::cards(&entries))
        }
        None => (teams_chat::not_installed(&person.name), 0),
    };
    let platform = platform_name(platform);
    Ok(Json(json!({
        "user": person.slack_id,
        "name": person.name,
        "email": person.email,
        "platform": platform,
        "installed": conversation.is_some(),
        "html": html,
        "cards": cards,
        "version": version(&[&html, platform]),
    })))
}

/// A click on an action of one of the bot's cards.
#[derive(Debug, Deserialize)]
pub struct ActionRequest {
    /// Who clicks.
    pub user: String,
    /// The bot's activity holding the card.
    pub activity_id: String,
    /// `execute` (an `Action.Execute`) or `submit` (an `Action.Submit`).
    pub kind: String,
    /// The `Action.Execute`'s verb.
    #[serde(default)]
    pub verb: String,
    /// The action's data.
    #[serde(default)]
    pub data: Value,
    /// The card's inputs the action gathers, by id.
    #[serde(default)]
    pub inputs: HashMap<String, String>,
}

/// `POST /demo/api/teams/action`: the click, signed and sent to `/api/messages`. An invoke's
/// answer comes back: a card (then shown in place of the clicked one) or a message to show.
pub async fn action(
    State(state): State<DemoState>,
    Json(request): Json<ActionRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let (member, conversation) = chat_of(&state, person)?;
    if !state
        .teams
        .has_activity(&conversation, &request.activity_id)
    {
        return Err(ApiError::UnknownMessage);
    }
    let mut data = match request.data {
        Value::Object(data) => data,
        Value::Null => serde_json::Map::new(),
        _ => return Err(ApiError::BadAction("its data is not an object")),
    };
    // As a Teams client does, the inputs the action gathers travel beside its data.
    for (id, value) in request.inputs {
        data.insert(id, Value::String(value));
    }
    let data = Value::Object(data);
    let teams = &state.teams;
    match request.kind.as_str() {
        "execute" => {
            let verb = request.verb.trim();
            if verb.is_empty() {
                return Err(ApiError::BadAction("an Action.Execute needs a verb"));
            }
            let activity =
                teams
                    .sender
                    .invoke_activity(&member, Some(&request.activity_id), verb, data);
            let answer = teams.sender.post(&activity).await?;
            let body = answer.json().unwrap_or(Value::Null);
            if body["type"] == ADAPTIVE_CARD && answer.invoke_status() == Some(200) {
                teams.record_answer(&conversation, &request.activity_id, body["value"].clone());
            }
            Ok(invoke_answer(&answer, &body))
        }
        "submit" => {
            let answer = teams.sender.submit(&member, data).await?;
            Ok(Json(json!({ "status": answer.status })))
        }
        _ => Err(ApiError::BadAction(
            "the kind is neither execute nor submit",
        )),
    }
}

/// What the page learns of an invoke's answer: the status, and the text to show when the answer
/// is a message or an error rather than a card.
fn invoke_answer(answer: &TeamsAnswer, body: &Value) -> Json<Value> {
    let message = if body["type"] == MESSAGE {
        body["value"].as_str().map(str::to_owned)
    } else if body["type"] == ADAPTIVE_CARD {
        None
    } else {
        body["value"]["message"].as_str().map(str::to_owned)
    };
    Json(json!({
        "status": answer.status,
        "invoke_status": answer.invoke_status(),
        "card": body["type"] == ADAPTIVE_CARD,
        "message": message,
    }))
}

/// `POST /demo/api/teams/say`: shows the message in the chat and sends it to `/api/messages`.
pub async fn say(
    State(state): State<DemoState>,
    Json(request): Json<SayRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let text = request.text.trim();
    if text.is_empty() {
        return Err(ApiError::Empty);
    }
    let (member, conversation) = chat_of(&state, person)?;
    state.teams.record_typed(&conversation, text);
    let answer = state.teams.sender.message(&member, text).await?;
    Ok(Json(json!({ "status": answer.status })))
}

/// Where a person's next cards go.
#[derive(Debug, Deserialize)]
pub struct PlatformRequest {
    /// Who.
    pub user: String,
    /// `slack` or `teams`.
    pub platform: String,
}

/// `POST /demo/api/teams/platform`: sends the person's next cards to Slack or to Teams
/// (installing the app for them in Teams first if they have not).
pub async fn platform(
    State(state): State<DemoState>,
    Json(request): Json<PlatformRequest>,
) -> Result<Json<Value>, ApiError> {
    let person = person(&state, &request.user)?;
    let platform = match request.platform.trim().to_ascii_lowercase().as_str() {
        "slack" => ChatPlatform::Slack,
        "teams" => ChatPlatform::Teams,
        _ => return Err(ApiError::UnknownPlatform(request.platform)),
    };
    state.teams.move_to(person, platform).await?;
    Ok(Json(
        json!({ "user": person.slack_id, "platform": platform_name(platform) }),
    ))
}
