//! [`FakeGraph`]: a stand-in for the two Microsoft Graph calls of proactive installation, served
//! over HTTP so the bot's real client talks to it, under `/v1.0` as Graph's own address has them.
//!
//! - `GET /v1.0/users/{upn}` finds a member of the [`FakeConnector`] (the tenant's people) by
//!   sign-in name (their email unless [`FakeGraph::set_sign_in_name`] gave another), whatever its
//!   case, and answers `{"id": <Azure AD object id>}`; 404 `Request_ResourceNotFound` for anyone
//!   else. `GET /v1.0/users?$filter=mail eq '{email}'` lists the members with that email.
//! - `POST /v1.0/users/{id}/teamwork/installedApps` with `teamsApp@odata.bind` naming an app of
//!   its catalog installs it for that person: 201 Created, then, like Teams, an
//!   `installationUpdate` (`add`) from that person is delivered to the app the world registered
//!   ([`FakeGraph::deliver_installs_to`]), signed by the world's token authority (or before the
//!   answer, [`FakeGraph::deliver_events_before_answering`]). 409 `Conflict`
//!   when installed already, 404 for an app not in the catalog or an unknown user.
//! - Tokens are the fake Azure AD's Graph tokens ([`FakeConnector::grant_graph_roles`] scripts
//!   their `roles`): a missing or unknown one is 401, and a call whose permission the token's
//!   roles lack is 403 `Authorization_RequestDenied`, as Graph answers.
//!
//! Every call is recorded ([`ConnectorCall`]), and faults are scripted like the connector's: the
//! next N calls whose path contains some text answer with a chosen status.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::super::served::Served;
use super::connector::{ConnectorCall, FakeConnector, FakeMember};
use super::faults::ScriptedFaults;
use super::sender::TeamsSender;
use crate::teams::graph::{INSTALL_FOR_USER, INSTALL_SELF_FOR_USER, USER_READ_ALL};

/// The id of the bot's app in the sandbox's app catalog (not its Microsoft App ID).
pub const SANDBOX_CATALOG_APP_ID: &str = "00000000-0000-4000-8000-00000000ca7a";

/// How long after answering an installation Teams' `installationUpdate` reaches the app: Teams
/// delivers it on its own, after the installation is answered.
pub const INSTALL_EVENT_DELAY: Duration = Duration::from_millis(200);

#[derive(Default)]
struct Inner {
    calls: Vec<ConnectorCall>,
    catalog: BTreeSet<String>,
    /// Azure AD object ids of the people the app is installed for.
    installed: BTreeSet<String>,
    faults: ScriptedFaults,
    deliver_to: Option<TeamsSender>,
    /// Whether an installation's event is delivered before the installation is answered.
    event_first: bool,
    /// Sign-in names that are not the member's email, by Azure AD object id.
    sign_in_names: HashMap<String, String>,
}

/// The fake Microsoft Graph. Clones share state.
#[derive(Clone)]
pub struct FakeGraph {
    connector: FakeConnector,
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for FakeGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGraph").finish_non_exhaustive()
    }
}

/// A [`FakeGraph`] served on a loopback port; dropping it stops the server.
pub struct RunningFakeGraph {
    /// The fake, for scripting and inspection.
    pub graph: FakeGraph,
    served: Served,
}

impl RunningFakeGraph {
    /// The Graph address to give the bot: `http://127.0.0.1:PORT/v1.0`.
    pub fn url(&self) -> String {
        format!("{}/v1.0", self.served.url())
    }
}

impl FakeGraph {
    /// A Graph for the tenant of `connector` (its members are the people, its Azure AD issues
    /// the tokens), whose catalog holds [`SANDBOX_CATALOG_APP_ID`].
    pub fn new(connector: FakeConnector) -> Self {
        let graph = Self {
            connector,
            inner: Arc::default(),
        };
        graph
            .lock()
            .catalog
            .insert(SANDBOX_CATALOG_APP_ID.to_owned());
        graph
    }

    /// Serves the fake on `127.0.0.1` at a free port.
    pub async fn serve(&self) -> std::io::Result<RunningFakeGraph> {
        let served = Served::start(self.router()).await?;
        Ok(RunningFakeGraph {
            graph: self.clone(),
            served,
        })
    }

    /// The routes, under `/v1.0`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1.0/users", get(users))
            .route("/v1.0/users/{user}", get(user))
            .route("/v1.0/users/{user}/teamwork/installedApps", post(install))
            .with_state(self.clone())
    }

    /// Delivers the `installationUpdate` of each installation through `sender` (to the app it
    /// signs for), replacing the app told before.
    pub fn deliver_installs_to(&self, sender: TeamsSender) {
        self.lock().deliver_to = Some(sender);
    }

    /// Delivers each installation's event before answering the installation, rather than
    /// [`INSTALL_EVENT_DELAY`] after: the order Teams may also take.
    pub fn deliver_events_before_answering(&self) {
        self.lock().event_first = true;
    }

    /// Answers the next `n` calls whose raw path contains `path_contains` with `status` (and
    /// `Retry-After` when given).
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

    /// Gives the member with `aad_object_id` the sign-in name `upn` instead of their email: they
    /// are then found by email only through a `mail` filter.
    pub fn set_sign_in_name(&self, aad_object_id: &str, upn: &str) {
        self.lock()
            .sign_in_names
            .insert(aad_object_id.to_owned(), upn.to_owned());
    }

    /// Every call so far, in the order they arrived.
    pub fn calls(&self) -> Vec<ConnectorCall> {
        self.lock().calls.clone()
    }

    /// The installations asked for (`POST …/installedApps`), answered or not.
    pub fn install_calls(&self) -> Vec<ConnectorCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == "POST" && c.path.ends_with("/installedApps"))
            .collect()
    }

    /// Whether the app is installed for the member with Azure AD object id `aad_object_id`.
    pub fn is_installed_for(&self, aad_object_id: &str) -> bool {
        self.lock().installed.contains(aad_object_id)
    }

    /// The state, even after a panic elsewhere poisoned the lock (it holds no invariants).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a call, then answers it with a scripted fault, a 401 or a 403 if one applies;
    /// `None` means it goes on to its endpoint. `permissions`: any one of them will do.
    fn enter(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        permissions: &[&str],
    ) -> Option<Response> {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let refusal = self.refusal(uri.path(), authorization.as_deref(), permissions);
        self.lock().calls.push(ConnectorCall {
            method: method.to_string(),
            path: uri.path().to_owned(),
            body: serde_json::from_slice(body).ok(),
            authorization,
            at: tokio::time::Instant::now(),
            refused: refusal.as_ref().map(|r| r.status().as_u16()),
        });
        refusal
    }

    /// The answer to a call to `path` with `authorization` when it does not reach its endpoint: a
    /// scripted fault, a 401 for no token the fake issued, or a 403 for none of `permissions`.
    fn refusal(
        &self,
        path: &str,
        authorization: Option<&str>,
        permissions: &[&str],
    ) -> Option<Response> {
        let mut inner = self.lock();
        if let Some(scripted) = inner.faults.take(path) {
            return Some(scripted.with_retry_after(graph_error(
                scripted.status,
                "Scripted",
                "Scripted by the sandbox.",
            )));
        }
        drop(inner);
        let roles = authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .and_then(|token| self.connector.graph_token_roles(token));
        let Some(roles) = roles else {
            return Some(graph_error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "Access token validation failure.",
            ));
        };
        if !permissions.iter().any(|p| roles.iter().any(|r| r == p)) {
            return Some(graph_error(
                StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ));
        }
        None
    }
}

impl FakeGraph {
    /// Installs the catalog app `catalog_id` for `aad_object_id`: who to tell and when, or the
    /// refusal (an app not in the catalog, or installed already).
    fn record_install(
        &self,
        catalog_id: &str,
        aad_object_id: &str,
    ) -> Result<(Option<TeamsSender>, bool), Box<Response>> {
        let mut inner = self.lock();
        if !inner.catalog.contains(catalog_id) {
            return Err(Box::new(graph_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                "The requested teamsApp was not found in the app catalog.",
            )));
        }
        if !inner.installed.insert(aad_object_id.to_owned()) {
            return Err(Box::new(graph_error(
                StatusCode::CONFLICT,
                "Conflict",
                "The app is already installed for this user.",
            )));
        }
        Ok((inner.deliver_to.clone(), inner.event_first))
    }
}

/// Graph's error: `status` with `{"error":{"code","message"}}`.
fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

fn no_such_user(user: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{user}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

async fn user(
    State(fake): State<FakeGraph>,
    Path(user): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body, &[USER_READ_ALL]) {
        return early;
    }
    let sign_in_name = |member: &FakeMember| {
        fake.lock()
            .sign_in_names
            .get(&member.aad_object_id)
            .cloned()
            .unwrap_or_else(|| member.email.clone())
    };
    let found = fake
        .connector
        .member_by_email(&user)
        .filter(|m| sign_in_name(m).eq_ignore_ascii_case(&user))
        .or_else(|| fake.connector.member_by_aad_object_id(&user));
    match found {
        Some(member) => axum::Json(json!({ "id": member.aad_object_id })).into_response(),
        None => no_such_user(&user),
    }
}

/// `GET /v1.0/users?$filter=mail eq '…'`: the members with that email (a filter on anything
/// else is refused, as this fake understands no other).
async fn users(
    State(fake): State<FakeGraph>,
    Query(query): Query<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(early) = fake.enter(&method, &uri, &headers, &body, &[USER_READ_ALL]) {
        return early;
    }
    let filter = query.get("$filter").map(String::as_str).unwrap_or_default();
    let Some(mail) = filter
        .strip_prefix("mail eq '")
        .and_then(|rest| rest.strip_suffix('\''))
    else {
        return graph_error(StatusCode::BAD_REQUEST, "BadRequest", "Unsupported query.");
    };
    let mail = mail.replace("''", "'");
    let found: Vec<Value> = fake
        .connector
        .member_by_email(&mail)
        .into_iter()
        .map(|member| json!({ "id": member.aad_object_id }))
        .collect();
    axum::Json(json!({ "value": found })).into_response()
}

async fn install(
    State(fake): State<FakeGraph>,
    Path(user): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let permissions = [INSTALL_FOR_USER, INSTALL_SELF_FOR_USER];
    if let Some(early) = fake.enter(&method, &uri, &headers, &body, &permissions) {
        return early;
    }
    let Some(member) = fake.connector.member_by_aad_object_id(&user) else {
        return no_such_user(&user);
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let bound = request["teamsApp@odata.bind"].as_str().unwrap_or_default();
    let catalog_id = bound
        .rsplit_once("/appCatalogs/teamsApps/")
        .map(|(_, id)| id)
        .unwrap_or_default();
    let (sender, event_first) = match fake.record_install(catalog_id, &member.aad_object_id) {
        Ok(delivery) => delivery,
        Err(refused) => return *refused,
    };
    if let Some(sender) = sender {
        let deliver = async move {
            if let Err(err) = sender.install(&member).await {
                tracing::warn!(error = %err, "the fake Graph could not deliver an installation event");
            }
        };
        if event_first {
            deliver.await;
        } else {
            tokio::spawn(async move {
                tokio::time::sleep(INSTALL_EVENT_DELAY).await;
                deliver.await;
            });
        }
    }
    StatusCode::CREATED.into_response()
}
