//! [`FakeConnector`]: a stand-in for the Bot Connector (Teams' API for bots) and for the Azure AD
//! token endpoint the bot gets its token from, served over HTTP so the bot's real client talks to
//! it.
//!
//! It answers as the real services do: `POST /v3/conversations` opens (or finds) a 1:1
//! conversation with a known member, activities are posted, replaced and deleted under
//! `/v3/conversations/{id}/activities`, a member's profile is read under `…/members/{userId}`,
//! refusals come as `{"error":{"code","message"}}` (`ConversationNotFound`, `MessageSizeTooBig`,
//! `BotNotInConversationRoster`), and a missing or unknown bearer token is refused with 401.
//! The connector endpoints are served under `/teams`, as Microsoft's public service URL
//! (`https://smba.trafficmanager.net/teams/`) has them; the token endpoint is
//! `POST /{tenant}/oauth2/v2.0/token` at the root, answering client credentials like Azure AD
//! (AADSTS7000215 for a wrong secret, AADSTS700016 for an unknown app, AADSTS90002 for an
//! unknown tenant).
//!
//! Every call is recorded ([`ConnectorCall`]: method, raw path, JSON body, `Authorization`,
//! when it arrived) and every conversation keeps its activities, so a test can read the card a
//! person sees now. Faults are scripted: the next N calls, or the next N whose path contains
//! some text, answer with a chosen status (429 with `Retry-After`, 412, 503, …). Microsoft's
//! published rate limits are kept once asked ([`FakeConnector::enforce_limits`], [`limits`]): a
//! request beyond them is answered 429 with `Retry-After`.

mod azure_ad;
pub mod limits;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use serde_json::{Value, json};

use self::limits::{ConnectorLimits, Limiter, Spend};
use super::super::served::Served;
use super::faults::ScriptedFaults;

/// The bot's Microsoft App ID in the sandbox.
pub const SANDBOX_APP_ID: &str = "00000000-0000-4000-8000-00000000b07a";

/// The tenant of the sandbox's people and bot.
pub const SANDBOX_TENANT: &str = "00000000-0000-4000-8000-0000000c0a57";

/// The app password the sandbox's token endpoint accepts (a throwaway).
pub const SANDBOX_APP_PASSWORD: &str = "sandbox-app-password";

/// The largest activity the connector accepts, as Teams does (about 100 KB); more is 413
/// `MessageSizeTooBig`.
pub const MAX_ACTIVITY_BYTES: usize = 100 * 1024;

/// A member the fake knows: someone in the tenant who has the bot installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeMember {
    /// The Teams user id (`29:…`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email (also the user principal name).
    pub email: String,
    /// Azure AD object id.
    pub aad_object_id: String,
    /// Tenant id.
    pub tenant: String,
    /// The time zone their Teams client reports in each activity (`clientInfo`), if any.
    pub time_zone: Option<String>,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct ConnectorCall {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: String,
    /// The path as sent, percent-encoding included.
    pub path: String,
    /// The body, when it was JSON (the token endpoint's form, as an object, without the secret).
    pub body: Option<Value>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// When it arrived.
    pub at: tokio::time::Instant,
    /// The status it was refused with before reaching its endpoint (a scripted fault, a rate
    /// limit, a missing or unknown token); `None` when it went on to its endpoint.
    pub refused: Option<u16>,
}

/// An activity posted in a conversation, as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeActivity {
    /// Its id.
    pub id: String,
    /// The latest body sent for it (by a send or an update).
    pub activity: Value,
    /// How many times it was replaced.
    pub updates: usize,
    /// Whether it was deleted.
    pub deleted: bool,
}

#[derive(Debug)]
struct Conversation {
    member: String,
    activities: Vec<FakeActivity>,
}

#[derive(Debug, Default)]
struct Inner {
    calls: Vec<ConnectorCall>,
    members: HashMap<String, FakeMember>,
    conversations: BTreeMap<String, Conversation>,
    /// Tokens issued and not revoked.
    tokens: Vec<String>,
    tokens_issued: usize,
    /// Microsoft Graph tokens issued and not revoked, with the roles each carries.
    graph_tokens: Vec<(String, Vec<String>)>,
    /// The application permissions granted to the bot's app registration for Graph, carried in
    /// the `roles` of the Graph tokens it issues; `None` for both that proactive installation
    /// needs.
    graph_roles: Option<Vec<String>>,
    faults: ScriptedFaults,
    next_id: u64,
    /// Microsoft's rate limits, once asked to keep them.
    limits: Option<Limiter>,
    /// Requests refused for a rate limit.
    rate_limited: usize,
}

/// The fake Bot Connector and Azure AD token endpoint. Clones share state.
#[derive(Debug, Clone)]
pub struct FakeConnector {
    app_id: String,
    tenant: String,
    app_password: String,
    inner: Arc<Mutex<Inner>>,
}

impl Default for FakeConnector {
    /// The bot [`SANDBOX_APP_ID`] of [`SANDBOX_TENANT`], password [`SANDBOX_APP_PASSWORD`].
    fn default() -> Self {
        Self::new(SANDBOX_APP_ID, SANDBOX_TENANT, SANDBOX_APP_PASSWORD)
    }
}

/// A [`FakeConnector`] served on a loopback port; dropping it stops the server.
pub struct RunningFakeConnector {
    /// The fake, for scripting and inspection.
    pub connector: FakeConnector,
    served: Served,
}

impl RunningFakeConnector {
    /// The service URL to give the bot: `http://127.0.0.1:PORT/teams/`.
    pub fn service_url(&self) -> String {
        format!("{}/teams/", self.served.url())
    }

    /// The Azure AD authority to give the bot's token source: `http://127.0.0.1:PORT`.
    pub fn authority(&self) -> String {
        self.served.url()
    }
}

impl FakeConnector {
    /// A connector for the bot `app_id` registered in `tenant` with password `app_password`.
    pub fn new(app_id: &str, tenant: &str, app_password: &str) -> Self {
        Self {
            app_id: app_id.to_owned(),
            tenant: tenant.to_owned(),
            app_password: app_password.to_owned(),
            inner: Arc::new(Mutex::new(Inner {
                next_id: 1,
                ..Inner::default()
            })),
        }
    }

    /// Serves the fake on `127.0.0.1` at a free port.
    pub async fn serve(&self) -> std::io::Result<RunningFakeConnector> {
        let served = Served::start(self.router()).await?;
        Ok(RunningFakeConnector {
            connector: self.clone(),
            served,
        })
    }

    /// The routes: the connector under `/teams/v3/…`, the token endpoint at the root.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/teams/v3/conversations", post(create_conversation))
            .route(
                "/teams/v3/conversations/{conversation}/activities",
                post(send),
            )
            .route(
                "/teams/v3/conversations/{conversation}/activities/{activity}",
                put(update).delete(delete),
            )
            .route(
                "/teams/v3/conversations/{conversation}/members/{user}",
                axum::routing::get(member),
            )
            .route("/{tenant}/oauth2/v2.0/token", post(azure_ad::token))
            .with_state(self.clone())
    }

    /// The bot's own Teams id, `28:<app id>`.
    pub fn bot_id(&self) -> String {
        format!("28:{}", self.app_id)
    }

    /// Adds a person the bot may open a conversation with.
    pub fn add_member(
        &self,
        user_id: &str,
        name: &str,
        email: &str,
        aad_object_id: &str,
        tenant: &str,
    ) {
        self.lock().members.insert(
            user_id.to_owned(),
            FakeMember {
                id: user_id.to_owned(),
                name: name.to_owned(),
                email: email.to_owned(),
                aad_object_id: aad_object_id.to_owned(),
                tenant: tenant.to_owned(),
                time_zone: None,
            },
        );
    }

    /// Answers the next `n` connector calls with `status` (and `Retry-After` when given).
    pub fn fail_next(&self, n: usize, status: u16, retry_after: Option<&str>) {
        self.lock().faults.push(None, n, status, retry_after);
    }

    /// Answers the next `n` connector calls whose raw path contains `path_contains` with
    /// `status` (and `Retry-After` when given).
    pub fn fail_matching(
        &self,
        path_contains: &str,
        n: usize,
        status: u16,
        retry_after: Option<&str>,
    ) {
        self.lock()
            .faults
            .push(Some(path_contains), n, status, retry_after);
    }

    /// Answers the next `n` connector calls with 429 and `Retry-After: {seconds}`.
    pub fn rate_limit_next(&self, n: usize, seconds: u64) {
        self.fail_next(n, 429, Some(&seconds.to_string()));
    }

    /// Keeps `limits` from now on (counting from now): a request beyond them is answered 429
    /// `TooManyRequests` with `Retry-After`. See [`limits`] for what counts.
    pub fn enforce_limits(&self, limits: ConnectorLimits) {
        self.lock().limits = Some(Limiter::new(limits));
    }

    /// How many requests were refused with 429 for a rate limit (scripted ones not counted).
    pub fn rate_limited(&self) -> usize {
        self.lock().rate_limited
    }

    /// Forgets every token issued so far: the next call with one is refused with 401.
    pub fn revoke_tokens(&self) {
        let mut inner = self.lock();
        inner.tokens.clear();
        inner.graph_tokens.clear();
    }

    /// Grants the bot's app registration exactly `roles` in Microsoft Graph (application
    /// permissions with admin consent): the `roles` claim of the Graph tokens issued from now.
    /// Unless told, both that proactive installation needs are granted.
    pub fn grant_graph_roles(&self, roles: &[&str]) {
        self.lock().graph_roles = Some(roles.iter().map(|r| (*r).to_owned()).collect());
    }

    /// The roles a Graph token issued by the fake carries, or `None` if it issued no such token
    /// (or revoked it).
    pub fn graph_token_roles(&self, token: &str) -> Option<Vec<String>> {
        self.lock()
            .graph_tokens
            .iter()
            .find(|(issued, _)| issued == token)
            .map(|(_, roles)| roles.clone())
    }

    /// How many tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        self.lock().tokens_issued
    }

    /// Every call so far, in the order they arrived.
    pub fn calls(&self) -> Vec<ConnectorCall> {
        self.lock().calls.clone()
    }

    /// The calls whose raw path contains `path_contains`.
    pub fn calls_to(&self, path_contains: &str) -> Vec<ConnectorCall> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.path.contains(path_contains))
            .cloned()
            .collect()
    }

    /// The activities of `conversation`, in the order they were posted (deleted ones marked).
    pub fn activities(&self, conversation: &str) -> Vec<FakeActivity> {
        self.lock()
            .conversations
            .get(conversation)
            .map(|c| c.activities.clone())
            .unwrap_or_default()
    }

    /// One activity as it is now.
    pub fn activity(&self, conversation: &str, id: &str) -> Option<FakeActivity> {
        self.activities(conversation)
            .into_iter()
            .find(|a| a.id == id)
    }

    /// The 1:1 conversation opened with `user`, if any.
    pub fn conversation_with(&self, user: &str) -> Option<String> {
        self.lock()
            .conversations
            .iter()
            .find(|(_, c)| c.member == user)
            .map(|(id, _)| id.clone())
    }

    /// The 1:1 conversation of `user` with the bot, opened now unless it already is: the id
    /// Teams puts in `conversation.id` of that person's activities, and the one the bot's own
    /// `POST /v3/conversations` for them returns (whichever comes first opens it). Not recorded
    /// as a call: it is the person's side, not the bot's.
    pub fn conversation_for(&self, user: &str) -> String {
        Self::find_or_open(&mut self.lock(), user).0
    }

    /// A member the fake knows, by Teams id.
    pub fn member(&self, user: &str) -> Option<FakeMember> {
        self.lock().members.get(user).cloned()
    }

    /// The member whose email is `email`, compared case-insensitively (as Graph finds people).
    pub fn member_by_email(&self, email: &str) -> Option<FakeMember> {
        self.lock()
            .members
            .values()
            .find(|m| m.email.eq_ignore_ascii_case(email.trim()))
            .cloned()
    }

    /// The member whose Azure AD object id is `aad_object_id`.
    pub fn member_by_aad_object_id(&self, aad_object_id: &str) -> Option<FakeMember> {
        self.lock()
            .members
            .values()
            .find(|m| m.aad_object_id == aad_object_id)
            .cloned()
    }

    /// The tenant of the bot's app registration (its token endpoint answers only there).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The bot's Microsoft App ID.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The password the token endpoint accepts for the bot.
    pub fn app_password(&self) -> &str {
        &self.app_password
    }

    /// The state, even after a panic elsewhere poisoned the lock (it holds no invariants).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a connector call, then answers it with a scripted fault, a 401 or a 429 for a
    /// rate limit if one applies; `None` means the call goes on to its endpoint.
    fn enter(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<Response> {
        let mut inner = self.lock();
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let path = uri.path().to_owned();
        inner.calls.push(ConnectorCall {
            method: method.to_string(),
            path: path.clone(),
            body: serde_json::from_slice(body).ok(),
            authorization: authorization.clone(),
            at: tokio::time::Instant::now(),
            refused: None,
        });
        if let Some(scripted) = inner.faults.take(&path) {
            let status = scripted.status;
            // The connector received it: it spends its share of the limits all the same.
            let (spend, conversation) = spending(method, &path, body);
            if let Some(limiter) = inner.limits.as_mut() {
                limiter.spend(spend, &conversation, tokio::time::Instant::now());
            }
            let response = scripted.with_retry_after(if status == StatusCode::UNAUTHORIZED {
                unauthorized()
            } else {
                refusal(status, fault_code(status), "Scripted by the sandbox.")
            });
            return Some(inner.refuse(response));
        }
        let known = authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|token| inner.tokens.iter().any(|t| t == token));
        if !known {
            return Some(inner.refuse(unauthorized()));
        }
        let now = tokio::time::Instant::now();
        let (spend, conversation) = spending(method, &path, body);
        let wait = match inner.limits.as_mut() {
            Some(limiter) => limiter.admit(spend, &conversation, now).err(),
            None => None,
        };
        if let Some(wait) = wait {
            inner.rate_limited += 1;
            return Some(inner.refuse(too_many_requests(wait)));
        }
        None
    }

    /// The 1:1 conversation with `user`: the one already open, or a new one (then `true`).
    fn find_or_open(inner: &mut Inner, user: &str) -> (String, bool) {
        if let Some((id, _)) = inner.conversations.iter().find(|(_, c)| c.member == user) {
            return (id.clone(), false);
        }
        let id = format!("a:1sandbox-{}", FakeConnector::fresh_id(inner));
        inner.conversations.insert(
            id.clone(),
            Conversation {
                member: user.to_owned(),
                activities: Vec::new(),
            },
        );
        (id, true)
    }

    fn fresh_id(inner: &mut Inner) -> u64 {
        let id = inner.next_id;
        inner.next_id += 1;
        id
    }
}

impl Inner {
    /// Notes on the latest call that it was refused with `response`'s status, and returns it.
    fn refuse(&mut self, response: Response) -> Response {
        if let Some(call) = self.calls.last_mut() {
            call.refused = Some(response.status().as_u16());
        }
        response
    }
}

/// What a connector request spends of the rate limits, and in which conversation: a create
/// spends the 1:1 conversation of the person it names (it has no id yet), a member read the
/// conversation's reads, anything else its writes.
fn spending(method: &Method, path: &str, body: &[u8]) -> (Spend, String) {
    let below = path.strip_prefix("/teams/v3/conversations").unwrap_or(path);
    let Some(rest) = below.strip_prefix('/') else {
        let member = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|b| b["members"][0]["id"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return (Spend::Write, format!("with {member}"));
    };
    let conversation = rest.split('/').next().unwrap_or_default().to_owned();
    let spend = if *method == Method::GET {
        Spend::Read
    } else {
        Spend::Write
    };
    (spend, conversation)
}

/// The refusal of a request beyond a rate limit, asking to wait `wait` (in whole seconds, as
/// `Retry-After` has them, rounded up).
fn too_many_requests(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = refusal(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "Too many requests for this bot; retry after the time given.",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(seconds.max(1)),
    );
    response
}

/// The code the connector gives with a status a test scripted.
fn fault_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "TooManyRequests",
        412 => "PreconditionFailed",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "ServiceError",
    }
}

/// The refusal of a missing or unknown token, as the connector's front door words it.
fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({ "message": "Authorization has been denied for this request." })),
    )
        .into_response()
}

/// A connector refusal: `status` with `{"error":{"code","message"}}`.
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

async fn create_conversation(
    State(fake): State<FakeConnector>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body) {
        return early;
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "BadSyntax",
            "The body is not JSON.",
        );
    };
    if request["bot"]["id"].as_str() != Some(fake.bot_id().as_str()) {
        return refusal(StatusCode::BAD_REQUEST, "BadArgument", "Invalid bot id.");
    }
    let members = request["members"].as_array().cloned().unwrap_or_default();
    let [user] = members.as_slice() else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "BadArgument",
            "A 1:1 conversation has one member.",
        );
    };
    let user = user["id"].as_str().unwrap_or_default();
    let tenant = request["channelData"]["tenant"]["id"]
        .as_str()
        .or_else(|| request["tenantId"].as_str());
    let mut inner = fake.lock();
    let Some(member) = inner.members.get(user).cloned() else {
        return refusal(
            StatusCode::FORBIDDEN,
            "BotNotInConversationRoster",
            "The bot is not part of the conversation roster.",
        );
    };
    if tenant != Some(member.tenant.as_str()) {
        return refusal(
            StatusCode::BAD_REQUEST,
            "BadArgument",
            "The tenant is not the member's.",
        );
    }
    let (id, opened) = FakeConnector::find_or_open(&mut inner, user);
    let status = if opened {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, axum::Json(json!({ "id": id }))).into_response()
}

fn conversation_not_found() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "ConversationNotFound",
        "Conversation not found.",
    )
}

/// The activity a send or an update carries, or the connector's refusal of it: too large, or
/// not JSON.
fn posted_activity(body: &Bytes) -> Result<Value, Box<Response>> {
    if body.len() > MAX_ACTIVITY_BYTES {
        return Err(Box::new(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "MessageSizeTooBig",
            "Message size too big.",
        )));
    }
    serde_json::from_slice::<Value>(body).map_err(|_| {
        Box::new(refusal(
            StatusCode::BAD_REQUEST,
            "BadSyntax",
            "The body is not JSON.",
        ))
    })
}

async fn send(
    State(fake): State<FakeConnector>,
    Path(conversation): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body) {
        return early;
    }
    let activity = match posted_activity(&body) {
        Ok(activity) => activity,
        Err(refused) => return *refused,
    };
    let mut inner = fake.lock();
    let id = (1_700_000_000_000 + FakeConnector::fresh_id(&mut inner)).to_string();
    let Some(conversation) = inner.conversations.get_mut(&conversation) else {
        return conversation_not_found();
    };
    conversation.activities.push(FakeActivity {
        id: id.clone(),
        activity,
        updates: 0,
        deleted: false,
    });
    (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response()
}

async fn update(
    State(fake): State<FakeConnector>,
    Path((conversation, activity_id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body) {
        return early;
    }
    let activity = match posted_activity(&body) {
        Ok(activity) => activity,
        Err(refused) => return *refused,
    };
    let mut inner = fake.lock();
    let Some(conversation) = inner.conversations.get_mut(&conversation) else {
        return conversation_not_found();
    };
    let Some(posted) = conversation
        .activities
        .iter_mut()
        .find(|a| a.id == activity_id && !a.deleted)
    else {
        return refusal(
            StatusCode::NOT_FOUND,
            "ActivityNotFound",
            "Activity not found.",
        );
    };
    posted.activity = activity;
    posted.updates += 1;
    axum::Json(json!({ "id": activity_id })).into_response()
}

async fn delete(
    State(fake): State<FakeConnector>,
    Path((conversation, activity_id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body) {
        return early;
    }
    let mut inner = fake.lock();
    let Some(conversation) = inner.conversations.get_mut(&conversation) else {
        return conversation_not_found();
    };
    let Some(posted) = conversation
        .activities
        .iter_mut()
        .find(|a| a.id == activity_id && !a.deleted)
    else {
        return refusal(
            StatusCode::NOT_FOUND,
            "ActivityNotFound",
            "Activity not found.",
        );
    };
    posted.deleted = true;
    StatusCode::OK.into_response()
}

async fn member(
    State(fake): State<FakeConnector>,
    Path((conversation, user)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body) {
        return early;
    }
    let inner = fake.lock();
    let Some(conversation) = inner.conversations.get(&conversation) else {
        return conversation_not_found();
    };
    let found = (conversation.member == user)
        .then(|| inner.members.get(&user))
        .flatten();
    let Some(member) = found else {
        return refusal(
            StatusCode::NOT_FOUND,
            "MemberNotFoundInConversation",
            "The member is not in the conversation.",
        );
    };
    axum::Json(json!({
        "id": member.id,
        "name": member.name,
        "aadObjectId": member.aad_object_id,
        "email": member.email,
        "userPrincipalName": member.email,
        "tenantId": member.tenant,
        "userRole": "user",
    }))
    .into_response()
}
