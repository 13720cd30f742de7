//! [`RedisStore`]: the durable store every replica shares.
//!
//! Every key lives under `{prefix}:`. Operations two replicas could race on are single atomic
//! commands (`SET NX PX`) or Lua scripts (compare-the-owner-then-act). Every call is bounded by
//! [`CALL_TIMEOUT`]; the connection manager reconnects by itself when Redis comes back.
//!
//! Contacts (how to reach each Teams user, and the lookups that find them) are in [`contacts`];
//! proactive installations of the Teams app in [`installs`]; reminders in [`reminders`];
//! digests' items in [`digests`].

mod contacts;
mod digests;
mod holds;
mod installs;
mod reminders;

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    AUDIT_LOG_LIMIT, CALL_TIMEOUT, Claim, ClaimToken, Deliveries, Lease, LeaseOwner,
    PERSON_AUDIT_LIMIT, Store, StoreError, normalize_contact, sort_cards,
};
use crate::domain::conversation::ConversationRef;
use crate::domain::hold::Hold;
use crate::domain::records::{
    AuditEntry, ChatContact, ClaimOutcome, DecisionInDoubt, DeliveredCard, DigestId,
    DirectoryEntry, FailedInstall, PendingDelivery, PendingSnapshot, SettledCards,
    UnmappedApprover,
};
use crate::domain::{ApprovalId, ChatUserId, normalize_email};

/// Claims an approval if nobody has: returns `{1, ""}` when won, else `{0, outcome-or-""}`.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 1 then
            return {0, redis.call('HGET', KEYS[1], 'outcome') or ''}
        end
        redis.call('HSET', KEYS[1], 'token', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return {1, ''}
        ",
    )
});

/// Extends the claim if the caller's token holds it and no outcome is recorded yet.
static RENEW_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('HGET', KEYS[1], 'token') == ARGV[1]
            and redis.call('HEXISTS', KEYS[1], 'outcome') == 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
        end
        return 0
        ",
    )
});

/// Records the outcome, and how long to keep it, if the caller's token still holds the claim.
static FINISH_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
            redis.call('HSET', KEYS[1], 'outcome', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
        end
        return 0
        ",
    )
});

/// Deletes the claim if the caller's token holds it.
static RELEASE_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        ",
    )
});

/// Deletes a decision in doubt from the index if the claim token it carries is the caller's.
static FORGET_DOUBT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local doubt = redis.call('HGET', KEYS[1], ARGV[1])
        if doubt and cjson.decode(doubt)['claim'] == ARGV[2] then
            return redis.call('HDEL', KEYS[1], ARGV[1])
        end
        return 0
        ",
    )
});

/// Takes the lease if free, or refreshes it if the caller already holds it.
static ACQUIRE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local holder = redis.call('GET', KEYS[1])
        if not holder or holder == ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
        end
        return 0
        ",
    )
});

/// Extends the lease only for its holder.
static RENEW_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        ",
    )
});

/// Deletes the lease only for its holder.
static RELEASE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        ",
    )
});

/// Forgets an approval's cards and their index entries: `KEYS[1]` its cards hash, `KEYS[2]` the
/// set of approvals with cards, `KEYS[3]` the unexpired cards by send time; `ARGV[1]` the approval,
/// `ARGV[2]` the key prefix of the per-recipient sets (their names come from the hash, so they
/// cannot be passed in `KEYS`; the store runs on one Redis node, not a cluster).
static DELETE_CARDS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local recipients = redis.call('HKEYS', KEYS[1])
        for _, recipient in ipairs(recipients) do
            redis.call('ZREM', KEYS[3], ARGV[1] .. ':' .. recipient)
            redis.call('SREM', ARGV[2] .. recipient, ARGV[1])
        end
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        return #recipients
        ",
    )
});

/// Adds one card to the indexes if the hash still holds exactly the value read (so a card
/// replaced or deleted meanwhile is not indexed from a stale read): `KEYS` as for `put_card`
/// (cards hash, unexpired cards, recipient's set); `ARGV[1]` recipient, `ARGV[2]` the JSON read,
/// `ARGV[3]` approval, `ARGV[4]` send time in ms or "" when expired.
static INDEX_CARD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
            return 0
        end
        redis.call('SADD', KEYS[3], ARGV[3])
        if ARGV[4] ~= '' then
            redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[3] .. ':' .. ARGV[1])
        end
        return 1
        ",
    )
});

/// Begins a delivery if the recipient's pending attempt is the one expected: `KEYS[1]` the
/// approval's pending deliveries; `ARGV[1]` recipient, `ARGV[2]` the attempt replaced ("" for
/// none), `ARGV[3]` the new pending delivery's JSON, `ARGV[4]` how long to keep them, in ms.
static BEGIN_DELIVERY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        local attempt = ''
        if current then
            attempt = cjson.decode(current).attempt or ''
        end
        if attempt ~= ARGV[2] then
            return 0
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        ",
    )
});

/// Records a delivered card while its attempt is still the pending one, as `put_card` records
/// one, and ends that pending delivery; else answers whether the card is recorded already.
/// `KEYS[1]` pending deliveries, `KEYS[2..5]` as for `put_card` (cards hash, approvals with cards,
/// unexpired cards, recipient's set); `ARGV[1]` recipient, `ARGV[2]` attempt, `ARGV[3]` the card's
/// JSON, `ARGV[4]` approval, `ARGV[5]` send time in ms, `ARGV[6]` channel, `ARGV[7]` ts.
static RECORD_DELIVERY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current and cjson.decode(current).attempt == ARGV[2] then
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
            redis.call('SADD', KEYS[3], ARGV[4])
            redis.call('ZADD', KEYS[4], ARGV[5], ARGV[4] .. ':' .. ARGV[1])
            redis.call('SADD', KEYS[5], ARGV[4])
            redis.call('HDEL', KEYS[1], ARGV[1])
            return 1
        end
        local recorded = redis.call('HGET', KEYS[2], ARGV[1])
        if recorded then
            local card = cjson.decode(recorded)
            if card.channel == ARGV[6] and card.ts == ARGV[7] then
                return 1
            end
        end
        return 0
        ",
    )
});

/// Ends a pending delivery if it is still the given attempt: `KEYS[1]` pending deliveries;
/// `ARGV[1]` recipient, `ARGV[2]` attempt.
static DROP_DELIVERY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current and cjson.decode(current).attempt == ARGV[2] then
            return redis.call('HDEL', KEYS[1], ARGV[1])
        end
        return 0
        ",
    )
});

/// The shared store on Redis.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    audit_limit: usize,
    /// Set once this process has made sure cards recorded before the indexes existed are in them.
    indexed: std::sync::Arc<tokio::sync::OnceCell<()>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: show only the namespace.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Sets `key` for `ttl` unless it exists (`SET NX PX`): `true` for the one caller that set it.
    /// Claims of one thing by two replicas racing are decided here.
    pub(super) async fn set_if_absent(
        &self,
        key: String,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let set: Option<String> = self
            .call(|mut c| async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg("claimed")
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(set.is_some())
    }

    /// Prepares a store on `url` with every key under `prefix`.
    ///
    /// The connection is made on first use and remade whenever it breaks, so the service can
    /// start (and report not-ready) while Redis is still coming up. A `rediss://` URL is checked
    /// against this host's trusted CA certificates; a password in the URL (`redis://:pass@host`,
    /// or `rediss://user:pass@host` for an ACL user) is sent with `AUTH` on every connection.
    pub fn new(url: &SecretString, prefix: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url.expose_secret())
            .map_err(|e| StoreError::BadUrl(Box::new(e)))?;
        Self::with_client(client, prefix)
    }

    /// Like [`RedisStore::new`], but a `rediss://` server's certificate must chain to one of the
    /// PEM certificates in `root_ca` (a private CA) instead of this host's trusted ones.
    pub fn with_root_ca(
        url: &SecretString,
        prefix: &str,
        root_ca: Vec<u8>,
    ) -> Result<Self, StoreError> {
        let certificates = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_ca),
        };
        let client = redis::Client::build_with_tls(url.expose_secret(), certificates)
            .map_err(|e| StoreError::BadUrl(Box::new(e)))?;
        Self::with_client(client, prefix)
    }

    fn with_client(client: redis::Client, prefix: &str) -> Result<Self, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(1_500)))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            audit_limit: AUDIT_LOG_LIMIT,
            indexed: std::sync::Arc::default(),
        })
    }

    /// Keeps only the newest `limit` audit entries instead of [`AUDIT_LOG_LIMIT`].
    pub fn with_audit_limit(mut self, limit: usize) -> Self {
        self.audit_limit = limit;
        self
    }

    fn key(&self, parts: std::fmt::Arguments<'_>) -> String {
        format!("{}:{}", self.prefix, parts)
    }

    fn claim_key(&self, approval: ApprovalId) -> String {
        self.key(format_args!("claim:{approval}"))
    }

    fn doubts_key(&self) -> String {
        self.key(format_args!("decisions:in-doubt"))
    }

    fn lease_key(&self, lease: Lease) -> String {
        self.key(format_args!("lease:{}", lease.name()))
    }

    fn cards_key(&self, approval: ApprovalId) -> String {
        self.key(format_args!("cards:{approval}"))
    }

    /// Deliveries begun and not recorded: field recipient, value a [`PendingDelivery`].
    fn deliveries_key(&self, approval: ApprovalId) -> String {
        self.key(format_args!("deliveries:{approval}"))
    }

    fn settled_key(&self, approval: ApprovalId) -> String {
        self.key(format_args!("settled:{approval}"))
    }

    fn cards_index_key(&self) -> String {
        self.key(format_args!("cards-index"))
    }

    /// Unexpired cards by send time: member `{approval}:{recipient}`, score `sent_at` in ms.
    fn unexpired_cards_key(&self) -> String {
        self.key(format_args!("cards-unexpired"))
    }

    /// The approvals a recipient has cards for, without the recipient (see [`DELETE_CARDS`]).
    fn cards_to_prefix(&self) -> String {
        self.key(format_args!("cards-to:"))
    }

    fn email_key(&self, email: &str) -> String {
        self.key(format_args!("directory:email:{}", normalize_email(email)))
    }

    fn user_key(&self, user: &ChatUserId) -> String {
        self.key(format_args!("directory:user:{user}"))
    }

    /// Indexes cards recorded by versions that kept no index (once per Redis: a marker key says
    /// it is done), so that expiry and "what's pending" still find them after an upgrade.
    async fn ensure_indexed(&self) -> Result<(), StoreError> {
        self.indexed
            .get_or_try_init(|| async {
                let marker = self.key(format_args!("cards-indexed"));
                let done: bool = self
                    .call(|mut c| {
                        let marker = marker.clone();
                        async move { c.exists(marker).await }
                    })
                    .await?;
                if !done {
                    for approval in self.approvals_with_cards().await? {
                        let key = self.cards_key(approval);
                        let raw: Vec<(String, String)> = self
                            .call(|mut c| {
                                let key = key.clone();
                                async move { c.hgetall(key).await }
                            })
                            .await?;
                        for (recipient, json) in raw {
                            let card: DeliveredCard = from_json(&key, &json)?;
                            self.index_card(approval, &recipient, &json, &card).await?;
                        }
                    }
                    self.call(|mut c| async move { c.set::<_, _, ()>(marker, 1).await })
                        .await?;
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    /// Indexes one card whose hash field `recipient` held `json` when read.
    async fn index_card(
        &self,
        approval: ApprovalId,
        recipient: &str,
        json: &str,
        card: &DeliveredCard,
    ) -> Result<(), StoreError> {
        let key = self.cards_key(approval);
        let unexpired = self.unexpired_cards_key();
        let to_recipient = format!("{}{recipient}", self.cards_to_prefix());
        let sent = if card.expired {
            String::new()
        } else {
            card.sent_at.as_millisecond().to_string()
        };
        let _: i64 = self
            .call(|mut c| {
                let mut invocation = INDEX_CARD.key(&key);
                invocation
                    .key(&unexpired)
                    .key(&to_recipient)
                    .arg(recipient)
                    .arg(json)
                    .arg(approval.0)
                    .arg(&sent);
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        Ok(())
    }

    /// Runs a compare-and-act script on `key` that answers 1 when it acted, 0 when not.
    async fn script_acted(
        &self,
        script: &Script,
        key: &str,
        args: &[&str],
    ) -> Result<bool, StoreError> {
        let mut invocation = script.key(key);
        for arg in args {
            invocation.arg(*arg);
        }
        let acted: i64 = self
            .call(|mut c| async move { invocation.invoke_async(&mut c).await })
            .await?;
        Ok(acted == 1)
    }

    /// The JSON value stored under `key`, read back.
    async fn get_json<T: DeserializeOwned>(&self, key: String) -> Result<Option<T>, StoreError> {
        let value: Option<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.get(key).await }
            })
            .await?;
        value.map(|v| from_json(&key, &v)).transpose()
    }

    /// Every JSON value in the hash under `key`, read back.
    /// The timestamp stored under `key`, if any.
    async fn get_timestamp(&self, key: String) -> Result<Option<Timestamp>, StoreError> {
        let value: Option<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.get(key).await }
            })
            .await?;
        value
            .map(|v| {
                v.parse::<Timestamp>().map_err(|e| StoreError::Corrupt {
                    key: key.clone(),
                    source: Box::new(e),
                })
            })
            .transpose()
    }

    async fn hash_values<T: DeserializeOwned>(&self, key: String) -> Result<Vec<T>, StoreError> {
        let values: Vec<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.hvals(key).await }
            })
            .await?;
        values.iter().map(|v| from_json(&key, v)).collect()
    }

    /// Runs one Redis call with a fresh handle on the shared connection, bounded in time.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(CALL_TIMEOUT, f(self.conn.clone())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.kind() == redis::ErrorKind::AuthenticationFailed => {
                Err(StoreError::AuthenticationFailed(Box::new(e)))
            }
            Ok(Err(e)) => Err(StoreError::Unavailable(Box::new(e))),
            Err(_) => Err(StoreError::Timeout),
        }
    }
}

fn millis(ttl: Duration) -> u64 {
    // Redis rejects a zero expiry; a sub-millisecond TTL means "expire at once" anyway.
    (ttl.as_millis() as u64).max(1)
}

/// How long a person's own audit list outlives their last entry: far longer than the history
/// it serves reaches back.
const PERSON_AUDIT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail (no maps with non-string keys, no custom
    // serialisers that error), so fall back to an empty object rather than unwrap.
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

fn from_json<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        key: key.to_owned(),
        source: Box::new(e),
    })
}

#[async_trait]
impl Store for RedisStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.call(|mut c| async move { redis::cmd("PING").query_async::<()>(&mut c).await })
            .await
    }

    fn is_embedded(&self) -> bool {
        false
    }

    async fn claim(&self, approval: ApprovalId, ttl: Duration) -> Result<Claim, StoreError> {
        let key = self.claim_key(approval);
        let token = ClaimToken::new();
        let (won, outcome): (i64, String) = self
            .call(|mut c| {
                let mut invocation = CLAIM.key(&key);
                invocation.arg(&token.0).arg(millis(ttl));
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        if won == 1 {
            return Ok(Claim::Won(token));
        }
        let outcome = if outcome.is_empty() {
            None
        } else {
            Some(from_json::<ClaimOutcome>(&key, &outcome)?)
        };
        Ok(Claim::Taken { outcome })
    }

    async fn claim_outcome(
        &self,
        approval: ApprovalId,
    ) -> Result<Option<ClaimOutcome>, StoreError> {
        let key = self.claim_key(approval);
        let outcome: Option<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.hget(key, "outcome").await }
            })
            .await?;
        outcome.map(|o| from_json(&key, &o)).transpose()
    }

    async fn renew_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let ttl = millis(ttl).to_string();
        self.script_acted(&RENEW_CLAIM, &self.claim_key(approval), &[&token.0, &ttl])
            .await
    }

    async fn finish_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
        outcome: &ClaimOutcome,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        let outcome = to_json(outcome);
        let keep = millis(keep).to_string();
        self.script_acted(
            &FINISH_CLAIM,
            &self.claim_key(approval),
            &[&token.0, &outcome, &keep],
        )
        .await
    }

    async fn release_claim(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
    ) -> Result<bool, StoreError> {
        self.script_acted(&RELEASE_CLAIM, &self.claim_key(approval), &[&token.0])
            .await
    }

    async fn record_doubt(
        &self,
        doubt: &DecisionInDoubt,
    ) -> Result<Option<DecisionInDoubt>, StoreError> {
        let key = self.doubts_key();
        let approval = doubt.approval.0;
        let (earlier,): (Option<String>,) = self
            .call(|mut c| {
                let key = key.clone();
                async move {
                    redis::pipe()
                        .atomic()
                        .hget(&key, approval)
                        .hset(&key, approval, to_json(doubt))
                        .ignore()
                        .query_async(&mut c)
                        .await
                }
            })
            .await?;
        earlier.map(|text| from_json(&key, &text)).transpose()
    }

    async fn doubts(&self) -> Result<Vec<DecisionInDoubt>, StoreError> {
        let mut doubts: Vec<DecisionInDoubt> = self.hash_values(self.doubts_key()).await?;
        doubts.sort_by_key(|d| d.approval);
        Ok(doubts)
    }

    async fn forget_doubt(
        &self,
        approval: ApprovalId,
        token: &ClaimToken,
    ) -> Result<bool, StoreError> {
        let field = approval.0.to_string();
        self.script_acted(&FORGET_DOUBT, &self.doubts_key(), &[&field, &token.0])
            .await
    }

    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError> {
        let key = self.key(format_args!("event:{event_id}"));
        self.set_if_absent(key, ttl).await
    }

    async fn acquire_lease(
        &self,
        lease: Lease,
        owner: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let ttl = millis(ttl).to_string();
        self.script_acted(&ACQUIRE_LEASE, &self.lease_key(lease), &[&owner.0, &ttl])
            .await
    }

    async fn renew_lease(
        &self,
        lease: Lease,
        owner: &LeaseOwner,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let ttl = millis(ttl).to_string();
        self.script_acted(&RENEW_LEASE, &self.lease_key(lease), &[&owner.0, &ttl])
            .await
    }

    async fn release_lease(&self, lease: Lease, owner: &LeaseOwner) -> Result<bool, StoreError> {
        self.script_acted(&RELEASE_LEASE, &self.lease_key(lease), &[&owner.0])
            .await
    }

    async fn cards(&self, approval: ApprovalId) -> Result<Vec<DeliveredCard>, StoreError> {
        let mut cards: Vec<DeliveredCard> = self.hash_values(self.cards_key(approval)).await?;
        sort_cards(&mut cards);
        Ok(cards)
    }

    async fn put_card(&self, approval: ApprovalId, card: &DeliveredCard) -> Result<(), StoreError> {
        let key = self.cards_key(approval);
        let index = self.cards_index_key();
        let unexpired = self.unexpired_cards_key();
        let to_recipient = format!("{}{}", self.cards_to_prefix(), card.recipient);
        let member = format!("{approval}:{}", card.recipient);
        self.call(|mut c| async move {
            let mut pipe = redis::pipe();
            pipe.atomic()
                .hset(&key, card.recipient.as_str(), to_json(card))
                .ignore()
                .sadd(&index, approval.0)
                .ignore()
                .sadd(&to_recipient, approval.0)
                .ignore();
            if card.expired {
                pipe.zrem(&unexpired, &member).ignore();
            } else {
                pipe.zadd(&unexpired, &member, card.sent_at.as_millisecond())
                    .ignore();
            }
            pipe.query_async::<()>(&mut c).await
        })
        .await
    }

    async fn deliveries(&self, approval: ApprovalId) -> Result<Deliveries, StoreError> {
        let cards_key = self.cards_key(approval);
        let pending_key = self.deliveries_key(approval);
        let hold_key = self.hold_key(approval);
        let (cards, pending, hold): (Vec<String>, Vec<String>, Option<String>) = self
            .call(|mut c| {
                let mut pipe = redis::pipe();
                pipe.hvals(&cards_key).hvals(&pending_key).get(&hold_key);
                async move { pipe.query_async(&mut c).await }
            })
            .await?;
        let mut cards = cards
            .iter()
            .map(|v| from_json(&cards_key, v))
            .collect::<Result<Vec<DeliveredCard>, _>>()?;
        sort_cards(&mut cards);
        let mut pending = pending
            .iter()
            .map(|v| from_json(&pending_key, v))
            .collect::<Result<Vec<PendingDelivery>, _>>()?;
        pending.sort_by(|a, b| a.recipient.cmp(&b.recipient));
        let hold = hold.map(|v| from_json(&hold_key, &v)).transpose()?;
        Ok(Deliveries {
            cards,
            pending,
            hold,
        })
    }

    async fn begin_delivery(
        &self,
        approval: ApprovalId,
        replacing: Option<&str>,
        pending: &PendingDelivery,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        let json = to_json(pending);
        let keep = millis(keep).to_string();
        self.script_acted(
            &BEGIN_DELIVERY,
            &self.deliveries_key(approval),
            &[
                pending.recipient.as_str(),
                replacing.unwrap_or_default(),
                &json,
                &keep,
            ],
        )
        .await
    }

    async fn record_delivery(
        &self,
        approval: ApprovalId,
        attempt: &str,
        card: &DeliveredCard,
    ) -> Result<bool, StoreError> {
        let pending = self.deliveries_key(approval);
        let key = self.cards_key(approval);
        let index = self.cards_index_key();
        let unexpired = self.unexpired_cards_key();
        let to_recipient = format!("{}{}", self.cards_to_prefix(), card.recipient);
        let recorded: i64 = self
            .call(|mut c| {
                let mut invocation = RECORD_DELIVERY.key(&pending);
                invocation
                    .key(&key)
                    .key(&index)
                    .key(&unexpired)
                    .key(&to_recipient)
                    .arg(card.recipient.as_str())
                    .arg(attempt)
                    .arg(to_json(card))
                    .arg(approval.0)
                    .arg(card.sent_at.as_millisecond())
                    .arg(card.message.conversation().as_str())
                    .arg(card.message.id());
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        Ok(recorded == 1)
    }

    async fn drop_delivery(
        &self,
        approval: ApprovalId,
        recipient: &ChatUserId,
        attempt: &str,
    ) -> Result<(), StoreError> {
        self.script_acted(
            &DROP_DELIVERY,
            &self.deliveries_key(approval),
            &[recipient.as_str(), attempt],
        )
        .await
        .map(|_| ())
    }

    async fn delete_cards(&self, approval: ApprovalId) -> Result<(), StoreError> {
        let key = self.cards_key(approval);
        let index = self.cards_index_key();
        let unexpired = self.unexpired_cards_key();
        let to_prefix = self.cards_to_prefix();
        let _: i64 = self
            .call(|mut c| {
                let mut invocation = DELETE_CARDS.key(&key);
                invocation
                    .key(&index)
                    .key(&unexpired)
                    .arg(approval.0)
                    .arg(&to_prefix);
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        Ok(())
    }

    async fn settle_cards(
        &self,
        approval: ApprovalId,
        settled: &SettledCards,
        keep: Duration,
    ) -> Result<(), StoreError> {
        // Kept first: if forgetting the cards then fails, they are settled again next sync.
        let key = self.settled_key(approval);
        self.call(|mut c| async move {
            c.pset_ex::<_, _, ()>(key, to_json(settled), millis(keep))
                .await
        })
        .await?;
        self.delete_cards(approval).await
    }

    async fn settled_cards(
        &self,
        approval: ApprovalId,
    ) -> Result<Option<SettledCards>, StoreError> {
        self.get_json(self.settled_key(approval)).await
    }

    async fn put_hold(
        &self,
        approval: ApprovalId,
        hold: &Hold,
        keep: Duration,
    ) -> Result<(), StoreError> {
        holds::put(self, approval, hold, keep).await
    }

    async fn hold(&self, approval: ApprovalId) -> Result<Option<Hold>, StoreError> {
        self.get_json(self.hold_key(approval)).await
    }

    async fn forget_hold(&self, approval: ApprovalId) -> Result<bool, StoreError> {
        holds::forget(self, approval).await
    }

    async fn approvals_with_cards(&self) -> Result<Vec<ApprovalId>, StoreError> {
        let index = self.cards_index_key();
        let mut ids: Vec<u64> = self
            .call(|mut c| async move { c.smembers(index).await })
            .await?;
        ids.sort_unstable();
        Ok(ids.into_iter().map(ApprovalId).collect())
    }

    async fn approvals_with_cards_sent_by(
        &self,
        cutoff: Timestamp,
    ) -> Result<Vec<ApprovalId>, StoreError> {
        self.ensure_indexed().await?;
        let key = self.unexpired_cards_key();
        let members: Vec<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.zrangebyscore(key, "-inf", cutoff.as_millisecond()).await }
            })
            .await?;
        let mut ids = members
            .iter()
            .map(|member| {
                member
                    .split_once(':')
                    .and_then(|(approval, _)| approval.parse::<u64>().ok())
                    .map(ApprovalId)
                    .ok_or_else(|| StoreError::Corrupt {
                        key: key.clone(),
                        source: format!("member {member:?} is not approval:recipient").into(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    async fn approvals_carded_to(&self, user: &ChatUserId) -> Result<Vec<ApprovalId>, StoreError> {
        self.ensure_indexed().await?;
        let key = format!("{}{user}", self.cards_to_prefix());
        let mut ids: Vec<u64> = self
            .call(|mut c| async move { c.smembers(key).await })
            .await?;
        ids.sort_unstable();
        Ok(ids.into_iter().map(ApprovalId).collect())
    }

    async fn directory_entry(&self, email: &str) -> Result<Option<DirectoryEntry>, StoreError> {
        self.get_json(self.email_key(email)).await
    }

    async fn remember_directory_entry(
        &self,
        email: &str,
        entry: &DirectoryEntry,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let email_key = self.email_key(email);
        let user_key = match entry {
            DirectoryEntry::Found(user) => Some(self.user_key(user)),
            DirectoryEntry::NotFound => None,
        };
        let email = normalize_email(email);
        self.call(|mut c| async move {
            let mut pipe = redis::pipe();
            pipe.atomic()
                .pset_ex(&email_key, to_json(entry), millis(ttl))
                .ignore();
            if let Some(user_key) = &user_key {
                pipe.pset_ex(user_key, &email, millis(ttl)).ignore();
            }
            pipe.query_async::<()>(&mut c).await
        })
        .await
    }

    async fn email_of(&self, user: &ChatUserId) -> Result<Option<String>, StoreError> {
        let key = self.user_key(user);
        self.call(|mut c| async move { c.get(key).await }).await
    }

    async fn note_unmapped(&self, email: &str, name: &str) -> Result<(), StoreError> {
        let key = self.key(format_args!("directory:unmapped"));
        let email = normalize_email(email);
        let approver = UnmappedApprover {
            email: email.clone(),
            name: name.to_owned(),
            noticed_at: Timestamp::now(),
        };
        self.call(|mut c| async move { c.hset(key, email, to_json(&approver)).await })
            .await
    }

    async fn forget_unmapped(&self, email: &str) -> Result<(), StoreError> {
        let key = self.key(format_args!("directory:unmapped"));
        let email = normalize_email(email);
        self.call(|mut c| async move { c.hdel(key, email).await })
            .await
    }

    async fn unmapped(&self) -> Result<Vec<UnmappedApprover>, StoreError> {
        let key = self.key(format_args!("directory:unmapped"));
        let mut approvers: Vec<UnmappedApprover> = self.hash_values(key).await?;
        approvers.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(approvers)
    }

    async fn mark_reachable(&self, email: &str, ttl: Duration) -> Result<(), StoreError> {
        let key = self.key(format_args!(
            "directory:reachable:{}",
            normalize_email(email)
        ));
        self.call(|mut c| async move { c.pset_ex(key, 1, millis(ttl)).await })
            .await
    }

    async fn marked_reachable(&self, email: &str) -> Result<bool, StoreError> {
        let key = self.key(format_args!(
            "directory:reachable:{}",
            normalize_email(email)
        ));
        self.call(|mut c| async move { c.exists(key).await }).await
    }

    async fn remember_contact(&self, contact: &ChatContact) -> Result<(), StoreError> {
        contacts::remember(self, &normalize_contact(contact)).await
    }

    async fn contact(&self, user: &ChatUserId) -> Result<Option<ChatContact>, StoreError> {
        contacts::get(self, user).await
    }

    async fn contact_by_email(&self, email: &str) -> Result<Option<ChatContact>, StoreError> {
        let email = normalize_email(email);
        if email.is_empty() {
            return Ok(None);
        }
        contacts::by_email(self, &email).await
    }

    async fn contact_in(
        &self,
        conversation: &ConversationRef,
    ) -> Result<Option<ChatContact>, StoreError> {
        if conversation.as_str().is_empty() {
            return Ok(None);
        }
        contacts::in_conversation(self, conversation).await
    }

    async fn contacts_count(&self) -> Result<usize, StoreError> {
        contacts::count(self).await
    }

    async fn claim_install(&self, email: &str, hold: Duration) -> Result<bool, StoreError> {
        installs::claim(self, &normalize_email(email), hold).await
    }

    async fn install_done(&self, email: &str) -> Result<(), StoreError> {
        installs::done(self, &normalize_email(email)).await
    }

    async fn install_failed(
        &self,
        failed: &FailedInstall,
        retry_after: Duration,
    ) -> Result<(), StoreError> {
        let mut failed = failed.clone();
        failed.email = normalize_email(&failed.email);
        installs::failed(self, &failed, retry_after).await
    }

    async fn failed_installs(&self) -> Result<Vec<FailedInstall>, StoreError> {
        installs::failures(self).await
    }

    async fn claim_reminder(
        &self,
        user: &ChatUserId,
        day: &str,
        keep: Duration,
    ) -> Result<bool, StoreError> {
        reminders::claim(self, user, day, keep).await
    }

    async fn release_reminder(&self, user: &ChatUserId, day: &str) -> Result<(), StoreError> {
        reminders::release(self, user, day).await
    }

    async fn set_reminders_on(&self, user: &ChatUserId, on: bool) -> Result<(), StoreError> {
        reminders::set_on(self, user, on).await
    }

    async fn reminders_on(&self, user: &ChatUserId) -> Result<bool, StoreError> {
        reminders::on(self, user).await
    }

    async fn save_pending(
        &self,
        user: &ChatUserId,
        snapshot: &PendingSnapshot,
    ) -> Result<(), StoreError> {
        let key = self.key(format_args!("pending:{user}"));
        // A week-old list is no use as a fallback; let it go.
        let ttl = Duration::from_secs(7 * 24 * 3600);
        self.call(|mut c| async move { c.pset_ex(key, to_json(snapshot), millis(ttl)).await })
            .await
    }

    async fn last_pending(&self, user: &ChatUserId) -> Result<Option<PendingSnapshot>, StoreError> {
        let key = self.key(format_args!("pending:{user}"));
        self.get_json(key).await
    }

    async fn watermark(&self) -> Result<Option<Timestamp>, StoreError> {
        self.get_timestamp(self.key(format_args!("sync:watermark")))
            .await
    }

    async fn set_watermark(&self, at: Timestamp) -> Result<(), StoreError> {
        let key = self.key(format_args!("sync:watermark"));
        self.call(|mut c| async move { c.set(key, at.to_string()).await })
            .await
    }

    async fn last_sync_success(&self) -> Result<Option<Timestamp>, StoreError> {
        self.get_timestamp(self.key(format_args!("sync:last-success")))
            .await
    }

    async fn set_last_sync_success(&self, at: Timestamp) -> Result<(), StoreError> {
        let key = self.key(format_args!("sync:last-success"));
        self.call(|mut c| async move { c.set(key, at.to_string()).await })
            .await
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let key = self.key(format_args!("audit"));
        let own = self.key(format_args!("audit:of:{}", entry.actor));
        let keep = self.audit_limit.max(1) as isize;
        let json = to_json(entry);
        self.call(|mut c| async move {
            redis::pipe()
                .atomic()
                .lpush(&key, &json)
                .ignore()
                .ltrim(&key, 0, keep - 1)
                .ignore()
                .lpush(&own, &json)
                .ignore()
                .ltrim(&own, 0, PERSON_AUDIT_LIMIT as isize - 1)
                .ignore()
                // Someone who stops deciding leaves nothing behind for long.
                .expire(&own, PERSON_AUDIT_TTL.as_secs() as i64)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    async fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let key = self.key(format_args!("audit"));
        let values: Vec<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.lrange(key, 0, limit as isize - 1).await }
            })
            .await?;
        values.iter().map(|v| from_json(&key, v)).collect()
    }

    async fn audit_of(
        &self,
        actor: &ChatUserId,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let key = self.key(format_args!("audit:of:{actor}"));
        let values: Vec<String> = self
            .call(|mut c| {
                let key = key.clone();
                async move { c.lrange(key, 0, limit as isize - 1).await }
            })
            .await?;
        values.iter().map(|v| from_json(&key, v)).collect()
    }

    async fn remember_card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
        view: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let key = self.key(format_args!("card-view:{approval}:{user}"));
        let view = view.to_owned();
        self.call(|mut c| async move { c.pset_ex(key, view, millis(ttl)).await })
            .await
    }

    async fn card_view(
        &self,
        approval: ApprovalId,
        user: &ChatUserId,
    ) -> Result<Option<String>, StoreError> {
        let key = self.key(format_args!("card-view:{approval}:{user}"));
        self.call(|mut c| async move { c.get(key).await }).await
    }

    async fn put_digest_items(
        &self,
        digest: &DigestId,
        items: &[(ApprovalId, String)],
        keep: Duration,
    ) -> Result<(), StoreError> {
        digests::put(self, digest, items, keep).await
    }

    async fn digest_items(
        &self,
        digest: &DigestId,
    ) -> Result<Vec<(ApprovalId, String)>, StoreError> {
        digests::items(self, digest).await
    }

    async fn remove_digest_item(
        &self,
        digest: &DigestId,
        approval: ApprovalId,
    ) -> Result<(), StoreError> {
        digests::remove(self, digest, approval).await
    }
}
