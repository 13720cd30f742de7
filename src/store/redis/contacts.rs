//! Contacts on Redis: how to reach each Teams user, with lookups by email and by conversation.
//!
//! Three hashes under the prefix, none with an expiry: `contacts` (user → the contact's JSON),
//! `contacts:by-email` (normalised email → user) and `contacts:by-conversation` (conversation →
//! user). A contact and its lookups are written by one script, which also drops the lookups by
//! an email or conversation the user no longer has; a lookup is read with its contact in one
//! script and answered only if the contact still has that email or conversation, so an entry
//! left behind by an older version or a hand edit never names the wrong person.

use std::sync::LazyLock;

use redis::{AsyncCommands, Script};

use super::{RedisStore, from_json, to_json};
use crate::domain::ChatUserId;
use crate::domain::conversation::ConversationRef;
use crate::domain::records::ChatContact;
use crate::store::StoreError;

/// Replaces a contact and keeps its lookups true: `KEYS[1]` contacts, `KEYS[2]` by email,
/// `KEYS[3]` by conversation; `ARGV[1]` user, `ARGV[2]` the contact's JSON, `ARGV[3]` its email
/// ("" for none), `ARGV[4]` its conversation ("" for none). A lookup by the user's earlier email
/// or conversation is dropped only while it still names this user (someone else may have it
/// now).
static REMEMBER_CONTACT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local earlier = redis.call('HGET', KEYS[1], ARGV[1])
        if earlier then
            local ok, contact = pcall(cjson.decode, earlier)
            if ok and type(contact) == 'table' then
                local email = contact.email
                if type(email) == 'string' and email ~= ARGV[3]
                    and redis.call('HGET', KEYS[2], email) == ARGV[1] then
                    redis.call('HDEL', KEYS[2], email)
                end
                local conversation = contact.conversation
                if type(conversation) == 'string' and conversation ~= ARGV[4]
                    and redis.call('HGET', KEYS[3], conversation) == ARGV[1] then
                    redis.call('HDEL', KEYS[3], conversation)
                end
            end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        if ARGV[3] ~= '' then
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
        end
        if ARGV[4] ~= '' then
            redis.call('HSET', KEYS[3], ARGV[4], ARGV[1])
        end
        return 1
        ",
    )
});

/// The contact a lookup names, in one read: `KEYS[1]` the lookup hash, `KEYS[2]` contacts;
/// `ARGV[1]` the email or conversation. Answers the contact's JSON, or nil.
static LOOK_UP_CONTACT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local user = redis.call('HGET', KEYS[1], ARGV[1])
        if not user then
            return false
        end
        return redis.call('HGET', KEYS[2], user)
        ",
    )
});

impl RedisStore {
    fn contacts_key(&self) -> String {
        self.key(format_args!("contacts"))
    }

    fn contacts_by_email_key(&self) -> String {
        self.key(format_args!("contacts:by-email"))
    }

    fn contacts_by_conversation_key(&self) -> String {
        self.key(format_args!("contacts:by-conversation"))
    }

    /// The contact the lookup hash `index` names under `field`, as stored.
    async fn looked_up_contact(
        &self,
        index: String,
        field: &str,
    ) -> Result<Option<ChatContact>, StoreError> {
        let contacts = self.contacts_key();
        let json: Option<String> = self
            .call(|mut c| {
                let mut invocation = LOOK_UP_CONTACT.key(&index);
                invocation.key(&contacts).arg(field);
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        json.map(|json| from_json(&contacts, &json)).transpose()
    }
}

/// Writes `contact` (already normalised) and its lookups.
pub(super) async fn remember(store: &RedisStore, contact: &ChatContact) -> Result<(), StoreError> {
    let contacts = store.contacts_key();
    let by_email = store.contacts_by_email_key();
    let by_conversation = store.contacts_by_conversation_key();
    let _: i64 = store
        .call(|mut c| {
            let mut invocation = REMEMBER_CONTACT.key(&contacts);
            invocation
                .key(&by_email)
                .key(&by_conversation)
                .arg(contact.user.as_str())
                .arg(to_json(contact))
                .arg(contact.email.as_deref().unwrap_or_default())
                .arg(
                    contact
                        .conversation
                        .as_ref()
                        .map(ConversationRef::as_str)
                        .unwrap_or_default(),
                );
            async move { invocation.invoke_async(&mut c).await }
        })
        .await?;
    Ok(())
}

/// The contact for `user`.
pub(super) async fn get(
    store: &RedisStore,
    user: &ChatUserId,
) -> Result<Option<ChatContact>, StoreError> {
    let key = store.contacts_key();
    let json: Option<String> = store
        .call(|mut c| {
            let key = key.clone();
            async move { c.hget(key, user.as_str()).await }
        })
        .await?;
    json.map(|json| from_json(&key, &json)).transpose()
}

/// The contact whose current email is `email` (normalised, not empty).
pub(super) async fn by_email(
    store: &RedisStore,
    email: &str,
) -> Result<Option<ChatContact>, StoreError> {
    let contact = store
        .looked_up_contact(store.contacts_by_email_key(), email)
        .await?;
    Ok(contact.filter(|contact| contact.email.as_deref() == Some(email)))
}

/// The contact whose current 1:1 conversation is `conversation`.
pub(super) async fn in_conversation(
    store: &RedisStore,
    conversation: &ConversationRef,
) -> Result<Option<ChatContact>, StoreError> {
    let contact = store
        .looked_up_contact(store.contacts_by_conversation_key(), conversation.as_str())
        .await?;
    Ok(contact.filter(|contact| contact.conversation.as_ref() == Some(conversation)))
}

/// How many contacts there are.
pub(super) async fn count(store: &RedisStore) -> Result<usize, StoreError> {
    let key = store.contacts_key();
    store.call(|mut c| async move { c.hlen(key).await }).await
}
