//! The Coupa HTTP client: typed calls, paging, retries, the rate limit, telemetry.
//!
//! One [`CoupaClient`] serves the whole process: clones share the HTTP connection pool and the
//! access token ([`super::auth`]), so build one at start-up and clone it. The rate limiter is
//! shared even between separately built clients of the same instance ([`RateLimiter::shared`]).
//! A clone from [`CoupaClient::for_decisions`] is the same client whose calls the limiter grants
//! before waiting routine ones ([`Priority`]); only the engine's decisions use it.
//!
//! What is retried, and why:
//!
//! - **Reads** (GET) are idempotent, so connection failures, timeouts and 429, 500, 502, 503, 504
//!   are retried with exponential backoff and full jitter, at most [`RetryPolicy::max_attempts`]
//!   times, waiting as long as `Retry-After` asks when Coupa sends it. 500 is included on purpose:
//!   Coupa answers 500 for passing trouble (lock timeouts, a busy worker) as often as 503, and
//!   repeating a read cannot change anything.
//! - **Decisions** (PUT approve/reject/hold) change money and are never repeated blindly. They are
//!   retried only when Coupa cannot have acted: the connection was never made, Coupa answered 429
//!   (refused before processing), or 401 (refused before processing; one token renewal). After
//!   anything else that may have reached Coupa (a timeout, a broken connection, a 5xx), the
//!   approval is read again to learn whether the decision took effect; only when that read fails
//!   too is the outcome [`CoupaError::Unknown`].
//!
//! Answers are read up to [`MAX_ANSWER_BYTES`] ([`super::body`]): a read whose answer is larger
//! fails with [`CoupaError::TooLarge`] and is not retried; a decision whose success answer is
//! larger is settled by re-reading the approval, like any unreadable answer.
//!
//! Every attempt records a `coupa.request` span (method, path, endpoint, status, attempt,
//! duration; never the token) and the metrics `coupa_requests_total{endpoint,status}` and
//! `coupa_request_duration_seconds{endpoint}`, where `endpoint` is a template such as
//! `/api/approvals/:id/approve`, never a raw id.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::auth::{BearerToken, TokenSource};
use super::body::{MAX_ANSWER_BYTES, ReadError, read_capped, size_words};
use super::error::CoupaError;
use super::model::{
    self, RawApproval, RawDelegation, RawErrors, RawParty, RawRequisition, RawUserGroup, UserGroup,
};
use super::rate_limit::{Priority, RateLimiter};
use super::transport::{RetryPolicy, record_call, retry_after, shorten};
use crate::config::CoupaSettings;
use crate::domain::delegate::Delegate;
use crate::domain::{
    Approval, ApprovalId, ApprovalStatus, CoupaUserId, Decision, GroupId, MAX_REASON_CHARS, Person,
    Requisition, RequisitionId, normalize_email,
};
use crate::transport_cause::{Timeouts, TransportCause};

/// Records per page; Coupa never returns more than 50.
pub const PAGE_SIZE: usize = 50;

/// How far before the watermark an incremental poll starts. Coupa's timestamps have one-second
/// precision and come from its own clock, so polls overlap and callers de-duplicate.
pub const WATERMARK_OVERLAP: Duration = Duration::from_secs(5);

/// Paging stops with an error past this many pages (100,000 records): a server that ignores
/// `offset` must not keep a sync looping forever.
const MAX_PAGES: usize = 2_000;

/// Default connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default timeout for a whole request, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

// `fields=` lists: only what cards and decisions need. Coupa's documented examples spell the field
// names in snake_case (its responses use kebab-case keys).
const USER_FIELDS: &str = r#""id","login","email","firstname","lastname","fullname","active""#;

fn approval_fields() -> String {
    format!(
        r#"["id","status","position","approvable_type","approvable_id","approver_type","approval_date","note","holdable","updated_at",{{"approver":[{USER_FIELDS},"name",{{"users":[{USER_FIELDS}]}}]}},{{"approved_by":[{USER_FIELDS}]}},{{"delegate":[{USER_FIELDS},"name",{{"users":[{USER_FIELDS}]}}]}}]"#
    )
}

fn delegation_fields() -> String {
    format!(
        r#"["id","delegator_id","start_date","end_date","approval_delegate",{{"delegator":[{USER_FIELDS}]}},{{"delegate":[{USER_FIELDS}]}}]"#
    )
}

fn requisition_fields() -> String {
    let approval = approval_fields();
    format!(
        r#"["id","req_title","status","total","justification","need_by_date","submitted_at","updated_at","line_count",{{"currency":["code"]}},{{"department":["name"]}},{{"requested_by":[{USER_FIELDS}]}},{{"requisition_lines":["id","line_num","description","quantity","unit_price","total",{{"currency":["code"]}},{{"uom":["name"]}},{{"supplier":["name"]}},{{"account":["name","code"]}}]}},{{"current_approval":{approval}}},{{"current_parallel_approvals":{approval}}},{{"approvals":{approval}}}]"#
    )
}

fn user_fields() -> String {
    format!("[{USER_FIELDS}]")
}

fn group_fields() -> String {
    format!(r#"["id","name","active",{{"users":[{USER_FIELDS}]}}]"#)
}

/// What can be done to a pending approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `PUT /api/approvals/{id}/approve`.
    Approve,
    /// `PUT /api/approvals/{id}/reject`.
    Reject,
    /// `PUT /api/approvals/{id}/hold` (only when the approval is `holdable`).
    Hold,
}

impl Action {
    /// The path segment and the word used in messages.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Hold => "hold",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Action::Approve => "/api/approvals/:id/approve",
            Action::Reject => "/api/approvals/:id/reject",
            Action::Hold => "/api/approvals/:id/hold",
        }
    }

    /// Whether an approval in `status` shows that this action took effect.
    fn took_effect(self, status: &ApprovalStatus) -> bool {
        match (self, status) {
            (Action::Approve, ApprovalStatus::Approved) => true,
            (Action::Reject, ApprovalStatus::Rejected) => true,
            // Coupa's word for a held approval is not documented; any status naming a hold counts.
            (Action::Hold, ApprovalStatus::Other(word)) => word.contains("hold"),
            _ => false,
        }
    }
}

impl From<Decision> for Action {
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Approve => Action::Approve,
            Decision::Reject => Action::Reject,
            Decision::Hold => Action::Hold,
        }
    }
}

/// The reason as sent to Coupa, which stores it in the approval's note: trimmed, and cut to
/// [`MAX_REASON_CHARS`] characters, ending in `…`.
pub fn limit_reason(reason: &str) -> String {
    let reason = reason.trim();
    if reason.chars().count() <= MAX_REASON_CHARS {
        reason.to_owned()
    } else {
        shorten(reason, MAX_REASON_CHARS - 1)
    }
}

/// The longest `reason` the client puts in a decision's URL, in bytes: [`MAX_REASON_CHARS`]
/// characters of up to four UTF-8 bytes each, every byte percent-encoded as three (`%E6`).
///
/// Coupa documents the reason only as a query parameter (`PUT …/approve?reason=…`), so it stays
/// there. A reason in a Latin script stays near its length in characters, but one in Chinese or
/// Japanese takes 9 bytes a character (9,000 for 1,000 characters) and emoji 12: a proxy in front
/// of Coupa that refuses request lines over 8 KiB (nginx's default) would refuse the longest of
/// those with 414, which the bot reports like any refused decision; nothing is cut silently.
pub const MAX_REASON_QUERY_BYTES: usize = MAX_REASON_CHARS * 4 * 3;

/// Builds a [`CoupaClient`]; every knob has a production default.
#[derive(Debug)]
pub struct CoupaClientBuilder {
    settings: CoupaSettings,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    max_rps: u32,
}

impl CoupaClientBuilder {
    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for a whole request, body included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How reads are retried (default: 4 attempts, 250 ms doubling up to 8 s).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Calls per second for the whole client (default `settings.max_rps`).
    pub fn max_rps(mut self, rps: u32) -> Self {
        self.max_rps = rps;
        self
    }

    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<CoupaClient, CoupaError> {
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            // A redirect would carry a decision somewhere we did not send it.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("coupa-approvals/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoupaError::Setup(format!("HTTP client: {e}")))?;
        let timeouts = Timeouts {
            connect: Some(self.connect_timeout),
            total: Some(self.request_timeout),
        };
        let limiter = RateLimiter::shared(&self.settings.instance_url, self.max_rps);
        let auth = TokenSource::new(&self.settings, http.clone(), timeouts, limiter.clone());
        Ok(CoupaClient {
            inner: Arc::new(Inner {
                http,
                timeouts,
                base: self.settings.instance_url,
                auth,
                limiter,
                retry: self.retry,
            }),
            priority: Priority::Routine,
        })
    }
}

/// A typed client for the parts of Coupa's Core API this bot uses. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CoupaClient {
    inner: Arc<Inner>,
    /// Where this handle's calls queue for the rate limiter; retries keep it.
    priority: Priority,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// The limits `http` was built with, for saying how long a timed-out request waited.
    timeouts: Timeouts,
    base: Url,
    auth: TokenSource,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
}

/// One request, described once and sent as many times as the retry rules allow.
struct Call {
    method: Method,
    endpoint: &'static str,
    url: Url,
    /// What is asked for, for `NotFound` (`approval 90211`).
    what: String,
}

/// Requisitions matching some filters, read page by page by keyset on `updated_at` (see
/// [`CoupaClient::requisitions_by_update`] for why not by offset).
pub struct RequisitionPages<'a> {
    client: &'a CoupaClient,
    filters: Vec<(&'static str, &'static str)>,
    since: Option<Timestamp>,
    offset: usize,
    pages: usize,
    done: bool,
    /// `updated_at` of every record returned, so that a record re-read at a page boundary is
    /// returned again only if it changed.
    returned: HashMap<RequisitionId, Timestamp>,
}

impl<'a> RequisitionPages<'a> {
    fn new(
        client: &'a CoupaClient,
        filters: &[(&'static str, &'static str)],
        since: Option<Timestamp>,
    ) -> Self {
        Self {
            client,
            filters: filters.to_vec(),
            since,
            offset: 0,
            pages: 0,
            done: false,
            returned: HashMap::new(),
        }
    }

    /// The next page's requisitions not returned before (or changed since), oldest change
    /// first; `None` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Requisition>>, CoupaError> {
        let endpoint = "/api/requisitions";
        if self.done {
            return Ok(None);
        }
        if self.pages >= MAX_PAGES {
            return Err(CoupaError::Decode {
                endpoint,
                reason: format!("more than {MAX_PAGES} pages; are `updated_at` filters ignored?"),
            });
        }
        self.pages += 1;
        let fields = requisition_fields();
        let limit = PAGE_SIZE.to_string();
        let since_text = self.since.map(|t| t.to_string());
        let offset_text = self.offset.to_string();
        let mut query = self.filters.clone();
        if let Some(since) = &since_text {
            query.push(("updated_at[gt_or_eq]", since.as_str()));
        }
        query.extend([
            ("order_by", "updated_at"),
            ("dir", "asc"),
            ("fields", fields.as_str()),
            ("limit", limit.as_str()),
            ("offset", offset_text.as_str()),
        ]);
        let client = self.client;
        let call = client.call(Method::GET, endpoint, endpoint, &query, endpoint.to_owned());
        let page: Vec<serde_json::Value> = client.get_json(&call).await?;
        let count = page.len();
        let mut newest: Option<Timestamp> = None;
        let mut requisitions = Vec::with_capacity(count);
        for value in page {
            if let Ok(key) = model::RawKey::deserialize(&value) {
                newest = newest.max(key.updated_at);
            }
            let Some(requisition) = convert_record(endpoint, value, RawRequisition::into_domain)
            else {
                continue;
            };
            if self.returned.get(&requisition.id) == Some(&requisition.updated_at) {
                continue;
            }
            self.returned.insert(requisition.id, requisition.updated_at);
            requisitions.push(requisition);
        }
        if count < PAGE_SIZE {
            self.done = true;
        } else {
            match newest {
                Some(newest) if self.since.is_none_or(|since| newest > since) => {
                    self.since = Some(newest);
                    self.offset = 0;
                }
                // The whole page shares one second: step through it by offset.
                _ => self.offset += count,
            }
        }
        Ok(Some(requisitions))
    }
}

/// A complete answer (body read), whatever its status.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    /// Empty when `oversized`.
    body: Vec<u8>,
    /// The body was larger than [`MAX_ANSWER_BYTES`] and was not read to its end.
    oversized: bool,
}

impl CoupaClient {
    /// A builder with the defaults (connect 5 s, request 30 s, 4 attempts, `settings.max_rps`).
    pub fn builder(settings: &CoupaSettings) -> CoupaClientBuilder {
        CoupaClientBuilder {
            settings: settings.clone(),
            connect_timeout: CONNECT_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            max_rps: settings.max_rps,
        }
    }

    /// The same client (pool, token, limiter), its calls granted a rate-limit slot before any
    /// waiting routine call: for the calls a decision someone just clicked waits on.
    pub fn for_decisions(&self) -> CoupaClient {
        CoupaClient {
            inner: self.inner.clone(),
            priority: Priority::Decision,
        }
    }

    /// The OAuth scopes Coupa granted this client (obtaining a token if needed); `None` when the
    /// token response did not list them. `check` compares them with what the bot needs.
    pub async fn granted_scopes(&self) -> Result<Option<Vec<String>>, CoupaError> {
        self.inner.auth.granted_scopes().await
    }

    /// Requisitions changed since `watermark` (any status), oldest change first, every page.
    ///
    /// Asks for `updated_at[gt_or_eq]` = `watermark` − [`WATERMARK_OVERLAP`], so the result
    /// overlaps the previous poll: the caller de-duplicates, and takes the next watermark from
    /// the `updated_at` values returned, never from its own clock.
    pub async fn requisitions_changed_since(
        &self,
        watermark: Timestamp,
    ) -> Result<Vec<Requisition>, CoupaError> {
        let overlap = i64::try_from(WATERMARK_OVERLAP.as_secs()).unwrap_or(0);
        let since = Timestamp::from_second(watermark.as_second().saturating_sub(overlap))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        self.requisitions_by_update(&[], Some(since)).await
    }

    /// Every requisition pending approval, for a full reconciliation, every page. Pages are read
    /// by keyset on `updated_at` rather than by offset alone, so that an approval made while the
    /// pages are read cannot hide another requisition.
    pub async fn pending_requisitions(&self) -> Result<Vec<Requisition>, CoupaError> {
        self.requisitions_by_update(&[("status", "pending_approval")], None)
            .await
    }

    /// Pages through requisitions matching `filters`, oldest change first, by keyset rather than
    /// by offset alone.
    ///
    /// Offset paging is not a snapshot: a requisition approved or edited while the pages are read
    /// leaves its place, the ones after it shift forward, and one is never seen — a missed card,
    /// or a reconciliation that wrongly concludes "no longer pending". So each next page starts
    /// at the last `updated_at` seen (`updated_at[gt_or_eq]`), re-reading the few records of that
    /// second (dropped by id; the later copy wins). A change moves a record to the end, where it
    /// is read again, and nothing shifts before the read position. Only when a whole page shares
    /// one second does `offset` advance within it.
    async fn requisitions_by_update(
        &self,
        filters: &[(&'static str, &'static str)],
        since: Option<Timestamp>,
    ) -> Result<Vec<Requisition>, CoupaError> {
        let mut pages = RequisitionPages::new(self, filters, since);
        let mut records: Vec<Requisition> = Vec::new();
        let mut position: HashMap<RequisitionId, usize> = HashMap::new();
        while let Some(page) = pages.next_page().await? {
            for requisition in page {
                match position.get(&requisition.id) {
                    Some(&index) => records[index] = requisition,
                    None => {
                        position.insert(requisition.id, records.len());
                        records.push(requisition);
                    }
                }
            }
        }
        Ok(records)
    }

    /// Every requisition pending approval, a page at a time, for a full reconciliation that
    /// should not hold all of them in memory at once. The same keyset paging as
    /// [`Self::pending_requisitions`]; a record read again unchanged is not returned twice.
    pub fn pending_requisition_pages(&self) -> RequisitionPages<'_> {
        RequisitionPages::new(self, &[("status", "pending_approval")], None)
    }

    /// One requisition with its lines and approvals.
    pub async fn requisition(&self, id: RequisitionId) -> Result<Requisition, CoupaError> {
        let fields = requisition_fields();
        let call = self.call(
            Method::GET,
            "/api/requisitions/:id",
            &format!("/api/requisitions/{id}"),
            &[("fields", fields.as_str())],
            format!("requisition {id}"),
        );
        let raw: RawRequisition = self.get_json(&call).await?;
        raw.into_domain().map_err(|e| decode(&call, e))
    }

    /// One approval, read fresh.
    pub async fn approval(&self, id: ApprovalId) -> Result<Approval, CoupaError> {
        let fields = approval_fields();
        let call = self.call(
            Method::GET,
            "/api/approvals/:id",
            &format!("/api/approvals/{id}"),
            &[("fields", fields.as_str())],
            format!("approval {id}"),
        );
        let raw: RawApproval = self.get_json(&call).await?;
        raw.into_domain().map_err(|e| decode(&call, e))
    }

    /// Requisition approvals waiting for the Coupa user `approver` (as the named approver; group
    /// approvals are found through the requisitions). Read by offset: a hint for "what's
    /// pending", not proof of what is not; decisions always re-read the approval.
    pub async fn pending_approvals_for(
        &self,
        approver: CoupaUserId,
    ) -> Result<Vec<Approval>, CoupaError> {
        let approver = approver.to_string();
        let fields = approval_fields();
        self.get_all(
            "/api/approvals",
            "/api/approvals",
            &[
                ("status", "pending_approval"),
                ("approvable_type", "RequisitionHeader"),
                ("approver_id", approver.as_str()),
                ("order_by", "id"),
                ("dir", "asc"),
                ("fields", fields.as_str()),
            ],
            |raw: RawApproval| raw.into_domain(),
        )
        .await
    }

    /// The Coupa user whose email is `email` (compared as [`normalize_email`] writes them), or
    /// `None`. Inactive users are returned with `active: false`; an active match is preferred
    /// over an inactive one.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<Person>, CoupaError> {
        let email = email.trim();
        let fields = user_fields();
        let call = self.call(
            Method::GET,
            "/api/users",
            "/api/users",
            &[("email", email), ("fields", fields.as_str())],
            // Errors are logged: name the user without writing the address.
            format!("the user with email {}", crate::telemetry::email(email)),
        );
        let users: Vec<RawParty> = self.get_json(&call).await?;
        let mut matches = Vec::new();
        for user in users {
            let person = user.into_person("a user").map_err(|e| decode(&call, e))?;
            // Coupa's filter is exact already; checking again guards against a partial match.
            if person
                .email
                .as_deref()
                .is_some_and(|e| normalize_email(e) == normalize_email(email))
            {
                matches.push(person);
            }
        }
        matches.sort_by_key(|p| !p.active);
        Ok(matches.into_iter().next())
    }

    /// Who stands in for the Coupa user `delegator` on approvals (`/api/delegations`), active or
    /// not: each delegation carries its dates, and [`Delegate::active_at`] says whether it holds.
    /// Delegations for something else (receiving, reviews) are left out.
    pub async fn approval_delegates_of(
        &self,
        delegator: CoupaUserId,
    ) -> Result<Vec<Delegate>, CoupaError> {
        let id = delegator.to_string();
        let fields = delegation_fields();
        let delegates = self
            .get_all(
                "/api/delegations",
                "/api/delegations",
                &[
                    ("delegator_id", id.as_str()),
                    ("order_by", "id"),
                    ("dir", "asc"),
                    ("fields", fields.as_str()),
                ],
                // Should the filter be ignored, another user's delegations are still not theirs.
                |raw: RawDelegation| {
                    let theirs = raw
                        .delegator_id
                        .or(raw.delegator.as_ref().and_then(|d| d.id))
                        == Some(delegator.0);
                    if theirs {
                        raw.into_delegate()
                    } else {
                        Ok(None)
                    }
                },
            )
            .await?;
        Ok(delegates.into_iter().flatten().collect())
    }

    /// Every delegation of approvals that ends after `after` (or has no end), whoever the
    /// approver: one paged read that serves a whole sync, however many approvers it meets. Each
    /// delegate says whom they stand in for ([`Delegate::for_id`]); one whose approver Coupa did
    /// not name is left out.
    pub async fn approval_delegations_ending_after(
        &self,
        after: Timestamp,
    ) -> Result<Vec<Delegate>, CoupaError> {
        let after_text = after.to_string();
        let fields = delegation_fields();
        let delegates = self
            .get_all(
                "/api/delegations",
                "/api/delegations",
                &[
                    ("end_date[gt]", after_text.as_str()),
                    ("order_by", "id"),
                    ("dir", "asc"),
                    ("fields", fields.as_str()),
                ],
                |raw: RawDelegation| raw.into_delegate(),
            )
            .await?;
        // Should the filter be ignored, ended delegations are still left out.
        Ok(delegates
            .into_iter()
            .flatten()
            .filter(|d| d.for_id.is_some() && d.ends.is_none_or(|ends| ends > after))
            .collect())
    }

    /// A user group with its active members.
    pub async fn user_group(&self, id: GroupId) -> Result<UserGroup, CoupaError> {
        let fields = group_fields();
        let call = self.call(
            Method::GET,
            "/api/user_groups/:id",
            &format!("/api/user_groups/{id}"),
            &[("fields", fields.as_str())],
            format!("user group {id}"),
        );
        let raw: RawUserGroup = self.get_json(&call).await?;
        raw.into_domain().map_err(|e| decode(&call, e))
    }

    /// Approves `id` with `reason` (see [`CoupaClient::decide`]).
    pub async fn approve(&self, id: ApprovalId, reason: &str) -> Result<Approval, CoupaError> {
        self.decide(id, Action::Approve, reason).await
    }

    /// Rejects `id` with `reason` (see [`CoupaClient::decide`]).
    pub async fn reject(&self, id: ApprovalId, reason: &str) -> Result<Approval, CoupaError> {
        self.decide(id, Action::Reject, reason).await
    }

    /// Puts `id` on hold with `reason` (see [`CoupaClient::decide`]).
    pub async fn hold(&self, id: ApprovalId, reason: &str) -> Result<Approval, CoupaError> {
        self.decide(id, Action::Hold, reason).await
    }

    /// Executes `action` on approval `id`, sending `reason` (trimmed, at most
    /// [`MAX_REASON_CHARS`] characters) as a URL-encoded query parameter, the only place Coupa
    /// documents for it. Returns the approval as
    /// Coupa shows it afterwards.
    ///
    /// - 400 for an approval that is no longer pending → [`CoupaError::NotPending`] with Coupa's
    ///   message; 404 → [`CoupaError::NotFound`].
    /// - A failure that proves the request never reached Coupa (no connection was made, after
    ///   the allowed attempts; 429 or 401 refused before processing) is returned as it is: the
    ///   caller may try again.
    /// - After any other failure (a timeout, a broken connection, a 5xx) the approval is re-read:
    ///   if it shows the decision, this returns `Ok`; if it was decided otherwise, `NotPending`;
    ///   if it is still pending or cannot be read, [`CoupaError::Unknown`]: Coupa may still be
    ///   applying the request, so only a later read can tell.
    pub async fn decide(
        &self,
        id: ApprovalId,
        action: Action,
        reason: &str,
    ) -> Result<Approval, CoupaError> {
        let reason = limit_reason(reason);
        let call = self.call(
            Method::PUT,
            action.endpoint(),
            &format!("/api/approvals/{id}/{}", action.verb()),
            &[("reason", reason.as_str())],
            format!("approval {id}"),
        );
        let policy = &self.inner.retry;
        let mut token = self.inner.auth.token().await?;
        let mut renewed = false;
        let mut attempt = 0;
        let mut retries = 0;
        loop {
            attempt += 1;
            match self.exchange(&call, &token, attempt).await {
                Ok(answer) if answer.status.is_success() => {
                    let parsed = if answer.oversized {
                        Err(model::ModelError(format!(
                            "larger than {}",
                            size_words(MAX_ANSWER_BYTES)
                        )))
                    } else {
                        model::parse::<RawApproval>(&answer.body)
                    };
                    return match parsed.and_then(RawApproval::into_domain) {
                        Ok(approval) => Ok(approval),
                        // Coupa accepted it; only the answer was unreadable. Read the approval
                        // instead, and never report a failure for a decision that was made.
                        Err(unreadable) => self.approval(id).await.map_err(|read| {
                            CoupaError::Unknown {
                                id,
                                action: action.verb(),
                                cause: format!(
                                    "Coupa answered {} with an unreadable body ({unreadable}) and re-reading the approval failed: {read}",
                                    answer.status.as_u16()
                                ),
                            }
                        }),
                    };
                }
                Ok(answer) if answer.status == StatusCode::UNAUTHORIZED && !renewed => {
                    // Refused before anything happened: safe to send again with a new token.
                    renewed = true;
                    token = self.inner.auth.renew_after_rejection(&token).await?;
                }
                Ok(answer) if answer.status == StatusCode::TOO_MANY_REQUESTS => {
                    // Rate limiting refuses a request before it is processed: safe to repeat.
                    let delay = answer
                        .retry_after
                        .unwrap_or_else(|| policy.backoff(retries + 1));
                    if retries + 1 >= policy.max_attempts || delay > policy.max_retry_after {
                        return Err(self.status_error(&call, answer, attempt));
                    }
                    retries += 1;
                    tokio::time::sleep(delay).await;
                }
                Ok(answer) if answer.status == StatusCode::BAD_REQUEST => {
                    return Err(self.refused_decision(&call, id, &answer).await);
                }
                Ok(answer) if answer.status.is_server_error() => {
                    let cause = self.status_error(&call, answer, attempt);
                    return self.resolve(id, action, cause).await;
                }
                Ok(answer) => return Err(self.status_error(&call, answer, attempt)),
                Err(error) if error.is_connect() => {
                    // The connection was never made, so Coupa never saw the request.
                    if retries + 1 >= policy.max_attempts {
                        return Err(self.transport_error(&call, error, attempt));
                    }
                    retries += 1;
                    tokio::time::sleep(policy.backoff(retries)).await;
                }
                Err(error) => {
                    let cause = self.transport_error(&call, error, attempt);
                    return self.resolve(id, action, cause).await;
                }
            }
        }
    }

    /// A 400 on a decision: `NotPending` when Coupa says so, or when a fresh read shows the
    /// approval is no longer actionable; otherwise `BadRequest` with Coupa's message.
    async fn refused_decision(&self, call: &Call, id: ApprovalId, answer: &Answer) -> CoupaError {
        let message = error_message(&answer.body)
            .unwrap_or_else(|| "Coupa refused the decision (HTTP 400)".to_owned());
        if message.to_ascii_lowercase().contains("pending") {
            return CoupaError::NotPending { id, message };
        }
        match self.approval(id).await {
            Ok(approval) if !approval.status.is_actionable() => {
                CoupaError::NotPending { id, message }
            }
            _ => CoupaError::BadRequest {
                endpoint: call.endpoint,
                message,
            },
        }
    }

    /// Settles an ambiguous decision by reading the approval again.
    async fn resolve(
        &self,
        id: ApprovalId,
        action: Action,
        cause: CoupaError,
    ) -> Result<Approval, CoupaError> {
        tracing::warn!(
            approval = %id,
            action = action.verb(),
            error = %cause,
            "decision may have reached Coupa; re-reading the approval"
        );
        match self.approval(id).await {
            Ok(approval) if action.took_effect(&approval.status) => {
                tracing::info!(approval = %id, action = action.verb(), "the decision took effect");
                Ok(approval)
            }
            // Still waiting, as of now: a request that reached Coupa may yet be applied (a
            // timed-out or 5xx request can still be running there), so this proves nothing.
            Ok(approval) if approval.status.is_actionable() => Err(CoupaError::Unknown {
                id,
                action: action.verb(),
                cause: format!("{cause}; the approval still shows pending"),
            }),
            Ok(approval) => Err(CoupaError::NotPending {
                id,
                message: format!("Coupa now shows it as {}", status_word(&approval.status)),
            }),
            Err(read) => Err(CoupaError::Unknown {
                id,
                action: action.verb(),
                cause: format!("{cause}; re-reading the approval failed: {read}"),
            }),
        }
    }

    /// Pages through a list by offset, [`PAGE_SIZE`] at a time, until a short page.
    ///
    /// Offset paging is not a snapshot (see [`Self::requisitions_by_update`]); it serves only the
    /// short list of one user's pending approvals, which callers treat as a hint, never as proof
    /// that something is no longer pending.
    ///
    /// A record that cannot be converted is skipped with a warning and counted in
    /// `coupa_records_skipped_total`, so one odd record cannot stop every card from being sent.
    async fn get_all<R, T>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        convert: impl Fn(R) -> Result<T, model::ModelError>,
    ) -> Result<Vec<T>, CoupaError>
    where
        R: DeserializeOwned,
    {
        let limit = PAGE_SIZE.to_string();
        let mut records = Vec::new();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let offset_text = offset.to_string();
            let mut page_query = query.to_vec();
            page_query.push(("limit", limit.as_str()));
            page_query.push(("offset", offset_text.as_str()));
            let call = self.call(
                Method::GET,
                endpoint,
                path,
                &page_query,
                endpoint.to_owned(),
            );
            let page: Vec<serde_json::Value> = self.get_json(&call).await?;
            let count = page.len();
            records.extend(
                page.into_iter()
                    .filter_map(|value| convert_record(endpoint, value, &convert)),
            );
            if count < PAGE_SIZE {
                return Ok(records);
            }
            offset += count;
        }
        Err(CoupaError::Decode {
            endpoint,
            reason: format!("more than {MAX_PAGES} pages; is `offset` ignored?"),
        })
    }

    /// GETs `call` and parses the JSON body.
    async fn get_json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, CoupaError> {
        let body = self.get(call).await?;
        model::parse(&body).map_err(|e| decode(call, e))
    }

    /// GETs `call` with the read retry rules; returns the body of a 2xx answer.
    async fn get(&self, call: &Call) -> Result<Vec<u8>, CoupaError> {
        let policy = &self.inner.retry;
        let mut token = self.inner.auth.token().await?;
        let mut renewed = false;
        let mut attempt = 0;
        let mut retries = 0;
        loop {
            attempt += 1;
            let result = self.exchange(call, &token, attempt).await;
            let (error, retry_after) = match result {
                // Asking again would get the same answer.
                Ok(answer) if answer.status.is_success() && answer.oversized => {
                    return Err(CoupaError::TooLarge {
                        endpoint: call.endpoint,
                        limit_bytes: MAX_ANSWER_BYTES,
                    });
                }
                Ok(answer) if answer.status.is_success() => return Ok(answer.body),
                Ok(answer) if answer.status == StatusCode::UNAUTHORIZED && !renewed => {
                    renewed = true;
                    token = self.inner.auth.renew_after_rejection(&token).await?;
                    continue;
                }
                Ok(answer) if retryable_read(answer.status) => {
                    let retry_after = answer.retry_after;
                    (self.status_error(call, answer, attempt), retry_after)
                }
                Ok(answer) => return Err(self.status_error(call, answer, attempt)),
                Err(error) if error.is_builder() => {
                    return Err(self.transport_error(call, error, attempt));
                }
                Err(error) => (self.transport_error(call, error, attempt), None),
            };
            if retries + 1 >= policy.max_attempts {
                return Err(error);
            }
            let delay = match retry_after {
                Some(delay) if delay > policy.max_retry_after => return Err(error),
                Some(delay) => delay,
                None => policy.backoff(retries + 1),
            };
            retries += 1;
            tracing::debug!(endpoint = call.endpoint, error = %error, ?delay, "retrying Coupa read");
            tokio::time::sleep(delay).await;
        }
    }

    /// Sends `call` once (after the rate limiter, in this handle's place in line) and reads the
    /// whole answer, inside a span.
    async fn exchange(
        &self,
        call: &Call,
        token: &BearerToken,
        attempt: u32,
    ) -> Result<Answer, reqwest::Error> {
        self.inner.limiter.acquire(self.priority).await;
        let span = tracing::info_span!(
            "coupa.request",
            method = call.method.as_str(),
            path = call.url.path(),
            endpoint = call.endpoint,
            attempt,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let authorization = token.header_value();
            let result: Result<Answer, reqwest::Error> = async {
                let response = self
                    .inner
                    .http
                    .request(call.method.clone(), call.url.clone())
                    .header(AUTHORIZATION, authorization)
                    .header(ACCEPT, "application/json")
                    .send()
                    .await?;
                let status = response.status();
                let retry_after = retry_after(response.headers());
                // An error status's body only matters for its message, so an oversized one still
                // counts as that status; an oversized success is refused by the caller.
                let (body, oversized) = match read_capped(response, MAX_ANSWER_BYTES).await {
                    Ok(body) => (body, false),
                    Err(ReadError::TooLarge) => (Vec::new(), true),
                    Err(ReadError::Transport(error)) => return Err(error),
                };
                Ok(Answer {
                    status,
                    retry_after,
                    body,
                    oversized,
                })
            }
            .await;
            let elapsed = started.elapsed();
            let label = match &result {
                Ok(answer) => answer.status.as_str().to_owned(),
                Err(e) if e.is_timeout() => "timeout".to_owned(),
                Err(e) if e.is_connect() => "connect_error".to_owned(),
                Err(_) => "error".to_owned(),
            };
            let span = tracing::Span::current();
            span.record("status", label.as_str());
            span.record(
                "duration_ms",
                u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            );
            record_call(call.endpoint, &label, elapsed);
            tracing::debug!("Coupa answered");
            result
        }
        .instrument(span)
        .await
    }

    fn call(
        &self,
        method: Method,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
        what: String,
    ) -> Call {
        let mut url = self.inner.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        url.set_query(None);
        if !query.is_empty() {
            // Form encoding: `&`, `#`, `+`, quotes and non-ASCII text all arrive intact.
            url.query_pairs_mut().extend_pairs(query);
        }
        Call {
            method,
            endpoint,
            url,
            what,
        }
    }

    /// A request that got no answer, with its cause named (while the error still has its URL).
    fn transport_error(&self, call: &Call, error: reqwest::Error, attempts: u32) -> CoupaError {
        let cause = TransportCause::of(&error, self.inner.timeouts);
        if error.is_timeout() {
            CoupaError::Timeout {
                endpoint: call.endpoint,
                attempts,
                cause,
            }
        } else {
            CoupaError::Connection {
                endpoint: call.endpoint,
                attempts,
                cause,
                source: error.without_url(),
            }
        }
    }

    fn status_error(&self, call: &Call, answer: Answer, attempts: u32) -> CoupaError {
        let endpoint = call.endpoint;
        match answer.status {
            StatusCode::BAD_REQUEST => CoupaError::BadRequest {
                endpoint,
                message: error_message(&answer.body)
                    .unwrap_or_else(|| "HTTP 400 without a message".to_owned()),
            },
            StatusCode::UNAUTHORIZED => CoupaError::Unauthorized { endpoint },
            StatusCode::FORBIDDEN => CoupaError::Forbidden { endpoint },
            StatusCode::NOT_FOUND => CoupaError::NotFound {
                what: call.what.clone(),
            },
            StatusCode::TOO_MANY_REQUESTS => CoupaError::RateLimited {
                endpoint,
                attempts,
                retry_after: answer.retry_after,
            },
            status if status.is_server_error() => CoupaError::Server {
                endpoint,
                status: status.as_u16(),
                attempts,
            },
            status => CoupaError::UnexpectedStatus {
                endpoint,
                status: status.as_u16(),
            },
        }
    }
}

/// Converts one list entry; an unreadable one is logged, counted and skipped.
fn convert_record<R: DeserializeOwned, T>(
    endpoint: &'static str,
    value: serde_json::Value,
    convert: impl Fn(R) -> Result<T, model::ModelError>,
) -> Option<T> {
    match model::record(value, convert) {
        Ok(record) => Some(record),
        Err(error) => {
            tracing::warn!(endpoint, error = %error, "skipping an unreadable Coupa record");
            metrics::counter!("coupa_records_skipped_total", "endpoint" => endpoint).increment(1);
            None
        }
    }
}

/// Statuses worth repeating a read for.
fn retryable_read(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

fn decode(call: &Call, error: model::ModelError) -> CoupaError {
    CoupaError::Decode {
        endpoint: call.endpoint,
        reason: shorten(&error.0, 300),
    }
}

/// Coupa's validation messages from a 400 body, shortened for logs and users.
fn error_message(body: &[u8]) -> Option<String> {
    model::parse::<RawErrors>(body)
        .ok()?
        .message()
        .map(|m| shorten(&m, 500))
}

fn status_word(status: &ApprovalStatus) -> &str {
    match status {
        ApprovalStatus::PendingApproval => "pending_approval",
        ApprovalStatus::Waiting => "pending",
        ApprovalStatus::Approved => "approved",
        ApprovalStatus::Rejected => "rejected",
        ApprovalStatus::Other(word) => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_trimmed_and_cut_to_the_documented_maximum() {
        assert_eq!(limit_reason("  ok  "), "ok");
        let exact = "é".repeat(MAX_REASON_CHARS);
        assert_eq!(limit_reason(&exact), exact);
        let long = "é".repeat(MAX_REASON_CHARS + 10);
        let sent = limit_reason(&long);
        assert_eq!(sent.chars().count(), MAX_REASON_CHARS);
        assert!(sent.ends_with('…'));
    }

    #[test]
    fn the_longest_reason_fits_the_documented_url_bound() {
        for widest in ["é", "承", "😀"] {
            let reason = limit_reason(&widest.repeat(5_000));
            let encoded: String = url::form_urlencoded::byte_serialize(reason.as_bytes()).collect();
            assert!(
                encoded.len() <= MAX_REASON_QUERY_BYTES,
                "{widest}: {} bytes",
                encoded.len()
            );
        }
        let cjk = limit_reason(&"承".repeat(MAX_REASON_CHARS));
        let encoded: String = url::form_urlencoded::byte_serialize(cjk.as_bytes()).collect();
        assert_eq!(encoded.len(), 9_000);
    }

    #[test]
    fn field_lists_are_valid_json() {
        for fields in [
            approval_fields(),
            requisition_fields(),
            user_fields(),
            group_fields(),
        ] {
            let parsed: serde_json::Value = serde_json::from_str(&fields).unwrap();
            assert!(parsed.is_array());
        }
        assert!(requisition_fields().contains(r#"{"current_parallel_approvals":["id""#));
    }

    #[test]
    fn decisions_know_what_success_looks_like() {
        assert!(Action::Approve.took_effect(&ApprovalStatus::Approved));
        assert!(!Action::Approve.took_effect(&ApprovalStatus::Rejected));
        assert!(Action::Reject.took_effect(&ApprovalStatus::Rejected));
        assert!(Action::Hold.took_effect(&ApprovalStatus::Other("on_hold".into())));
        assert!(!Action::Hold.took_effect(&ApprovalStatus::PendingApproval));
        assert_eq!(Action::from(Decision::Reject), Action::Reject);
    }
}
