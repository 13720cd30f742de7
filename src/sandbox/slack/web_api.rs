//! A stateful stand-in for the Slack Web API, served in-process by `demo` and used by the
//! end-to-end tests: the methods the bot calls (posting, editing and deleting messages, reading a
//! conversation's history, people, modals, App Home), with Slack's request and response shapes,
//! recording every message so a page or a test can show what each person sees.
//!
//! Requests must carry the configured bot token. Optionally `chat.postMessage` is rate limited as
//! Slack limits it, answering 429 with `Retry-After`: per channel (about one message a second) and
//! for the whole workspace (a token bucket of messages per second; see
//! [`FakeSlack::limit_posts_per_workspace`]).

//!
//! The HTTP side (the Web API methods and `response_url`s) is in `methods`.

mod methods;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use serde_json::{Value, json};

use crate::sandbox::served::Served;

/// The workspace's team id in every answer.
pub const TEAM_ID: &str = "T0DEMO";
/// The bot's own user id.
pub const BOT_USER_ID: &str = "U0BOT";

/// A person in the fake workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    /// `U…` id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email (what `users.lookupByEmail` matches).
    pub email: String,
    /// IANA time zone.
    pub tz: String,
}

/// A message as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeMessage {
    /// Conversation id (`D…` for DMs).
    pub channel: String,
    /// Message id.
    pub ts: String,
    /// Fallback text.
    pub text: String,
    /// Block Kit blocks.
    pub blocks: Value,
    /// Shown only to this user (an ephemeral message).
    pub only_for: Option<String>,
    /// How many times it was edited.
    pub edits: u32,
    /// Sent by a person (not the bot).
    pub from_user: Option<String>,
}

/// A modal the bot opened.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeModal {
    /// The trigger id it was opened with.
    pub trigger_id: String,
    /// The view JSON as the bot sent it.
    pub view: Value,
}

#[derive(Default)]
struct Inner {
    token: String,
    users: BTreeMap<String, FakeUser>,
    messages: Vec<FakeMessage>,
    modals: Vec<FakeModal>,
    homes: HashMap<String, Value>,
    responses: Vec<(String, Value)>,
    calls: Vec<String>,
    scopes: String,
    next_ts: u64,
    per_channel_gap: Option<Duration>,
    last_post: HashMap<String, tokio::time::Instant>,
    workspace_budget: Option<WorkspaceBudget>,
    post_times: Vec<tokio::time::Instant>,
    rate_limited: u64,
}

/// A token bucket of posts: holds at most `per_second` tokens, refills at `per_second` a second,
/// starts full; each accepted post takes one.
struct WorkspaceBudget {
    per_second: f64,
    tokens: f64,
    refilled: tokio::time::Instant,
}

impl WorkspaceBudget {
    /// Takes one post from the budget, or says how long until a token is back.
    fn take(&mut self, now: tokio::time::Instant) -> Result<(), Duration> {
        let elapsed = (now - self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64(
            (1.0 - self.tokens) / self.per_second,
        ))
    }
}

/// The fake Slack Web API. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct FakeSlack {
    inner: Arc<Mutex<Inner>>,
}

/// A fake Slack served on a local port.
pub struct RunningFakeSlack {
    /// The fake, for inspection.
    pub slack: FakeSlack,
    /// Where it listens.
    pub addr: SocketAddr,
    _served: Served,
}

impl RunningFakeSlack {
    /// The `SLACK_API_URL` to configure: `http://127.0.0.1:PORT/api`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }
}

/// Scopes the fake reports as granted (`x-oauth-scopes`), matching the app manifest.
pub const GRANTED_SCOPES: &str =
    "chat:write,im:write,im:history,users:read,users:read.email,app_mentions:read,commands";

/// The bot token a [`FakeSlack::default`] accepts.
pub const BOT_TOKEN: &str = "xoxb-sandbox";

impl Default for FakeSlack {
    /// A workspace accepting [`BOT_TOKEN`], with no users yet.
    fn default() -> Self {
        Self::new(BOT_TOKEN)
    }
}

impl FakeSlack {
    /// A workspace accepting `bot_token`, with no users yet.
    pub fn new(bot_token: &str) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                token: bot_token.to_owned(),
                scopes: GRANTED_SCOPES.to_owned(),
                next_ts: 1,
                ..Inner::default()
            })),
        }
    }

    /// The state, even after a panic elsewhere poisoned the lock (it holds no invariants).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves the fake on `127.0.0.1` at a free port.
    pub async fn serve(self) -> std::io::Result<RunningFakeSlack> {
        let served = Served::start(self.router()).await?;
        Ok(RunningFakeSlack {
            slack: self,
            addr: served.addr(),
            _served: served,
        })
    }

    /// The routes: `/api/{method}` and `/response/{id}` (for `response_url`s).
    pub fn router(&self) -> Router {
        methods::router(self)
    }

    /// The bot token it accepts.
    pub fn bot_token(&self) -> String {
        self.lock().token.clone()
    }

    /// Adds a person.
    pub fn add_user(&self, id: &str, name: &str, email: &str) {
        self.lock().users.insert(
            id.to_owned(),
            FakeUser {
                id: id.to_owned(),
                name: name.to_owned(),
                email: email.to_owned(),
                tz: "Europe/Lisbon".to_owned(),
            },
        );
    }

    /// Sets the IANA time zone `users.info` reports for `id` (every person starts in
    /// `Europe/Lisbon`); nothing happens for someone not in the workspace.
    pub fn set_time_zone(&self, id: &str, tz: &str) {
        if let Some(user) = self.lock().users.get_mut(id) {
            user.tz = tz.to_owned();
        }
    }

    /// Changes the scopes `auth.test` reports.
    pub fn set_scopes(&self, scopes: &str) {
        self.lock().scopes = scopes.to_owned();
    }

    /// Enforces a workspace budget on `chat.postMessage`, as a token bucket: it holds at most
    /// `per_second` posts (a second's worth, so a burst of `per_second` is allowed), refills
    /// continuously at `per_second` a second, and starts full. A post with no token left is
    /// refused with 429 and `Retry-After` set to the time until the next token, rounded up to
    /// whole seconds as Slack sends it (so 1). Refused posts take no token, and a post the
    /// per-channel limit refuses (checked first) takes none either. Sustained, the workspace
    /// accepts `per_second` posts a second; `n` posts need at least `(n - per_second) /
    /// per_second` seconds.
    pub fn limit_posts_per_workspace(&self, per_second: u32) {
        let per_second = f64::from(per_second.max(1));
        self.lock().workspace_budget = Some(WorkspaceBudget {
            per_second,
            tokens: per_second,
            refilled: tokio::time::Instant::now(),
        });
    }

    /// Enforces at most one `chat.postMessage` per channel per `gap` (429 beyond it).
    pub fn limit_posts_per_channel(&self, gap: Duration) {
        self.lock().per_channel_gap = Some(gap);
    }

    /// Records a message a person wrote (for the demo page's conversation view).
    pub fn record_user_message(&self, user: &str, text: &str) {
        let mut inner = self.lock();
        let ts = inner.fresh_ts();
        inner.messages.push(FakeMessage {
            channel: dm_channel(user),
            ts,
            text: text.to_owned(),
            blocks: Value::Null,
            only_for: None,
            edits: 0,
            from_user: Some(user.to_owned()),
        });
    }

    /// Every person.
    pub fn users(&self) -> Vec<FakeUser> {
        self.lock().users.values().cloned().collect()
    }

    /// The conversation between the bot and `user`, oldest first (ephemerals for them included).
    pub fn conversation(&self, user: &str) -> Vec<FakeMessage> {
        let channel = dm_channel(user);
        self.lock()
            .messages
            .iter()
            .filter(|m| m.channel == channel && m.only_for.as_deref().is_none_or(|u| u == user))
            .cloned()
            .collect()
    }

    /// Every message posted (not ephemeral), across channels.
    pub fn posted(&self) -> Vec<FakeMessage> {
        self.lock()
            .messages
            .iter()
            .filter(|m| m.only_for.is_none() && m.from_user.is_none())
            .cloned()
            .collect()
    }

    /// Ephemeral texts shown to `user`.
    pub fn ephemerals_for(&self, user: &str) -> Vec<String> {
        self.lock()
            .messages
            .iter()
            .filter(|m| m.only_for.as_deref() == Some(user))
            .map(|m| m.text.clone())
            .collect()
    }

    /// Modals opened so far.
    pub fn modals(&self) -> Vec<FakeModal> {
        self.lock().modals.clone()
    }

    /// The App Home view last published for `user`.
    pub fn home_of(&self, user: &str) -> Option<Value> {
        self.lock().homes.get(user).cloned()
    }

    /// Messages sent through `response_url`s, with the URL id.
    pub fn responses(&self) -> Vec<(String, Value)> {
        self.lock().responses.clone()
    }

    /// Names of the Web API methods called, in order.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    /// When each `chat.postMessage` was accepted, in order.
    pub fn post_times(&self) -> Vec<tokio::time::Instant> {
        self.lock().post_times.clone()
    }

    /// How many calls were answered 429.
    pub fn rate_limited(&self) -> u64 {
        self.lock().rate_limited
    }
}

/// The DM conversation id the fake gives the bot's DM with `user`.
pub fn dm_channel(user: &str) -> String {
    format!("D{}", user.trim_start_matches('U'))
}

impl Inner {
    fn fresh_ts(&mut self) -> String {
        self.next_ts += 1;
        format!("1700000000.{:06}", self.next_ts)
    }

    fn user_json(user: &FakeUser) -> Value {
        json!({
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name.to_lowercase().replace(' ', "."),
            "real_name": user.name,
            "tz": user.tz,
            "deleted": false,
            "is_bot": false,
            "profile": { "email": user.email, "real_name": user.name, "display_name": user.name },
        })
    }
}
