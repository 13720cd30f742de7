//! Who is who: Coupa users map to chat users by email (trimmed, case-insensitive), through the
//! chat platform's directory, cached in the store — found for 24 h, not found for 1 h, so an
//! unmapped approver costs at most one lookup an hour and never breaks a sync.
//!
//! Someone who becomes reachable while a lookup of theirs is under way (the installation event a
//! lookup's proactive installation causes can arrive before that lookup has noted "nobody") is
//! not left unmapped for the hour: each side first leaves a mark, then reads the other's result
//! ([`Directory::became_reachable`]), so at least one of them sees the other.

use std::sync::Arc;
use std::time::Duration;

use crate::chat::port::ChatPort;
use crate::domain::records::DirectoryEntry;
use crate::domain::{ChatUserId, Person, normalize_email};
use crate::store::Store;
use crate::telemetry;

use super::error::EngineError;

/// How long a found mapping is trusted.
pub const FOUND_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long "no chat user has this email" is trusted.
pub const NOT_FOUND_TTL: Duration = Duration::from_secs(3600);
/// How long the mark that someone became reachable is kept: far longer than a lookup can take.
pub const REACHABLE_MARK_TTL: Duration = Duration::from_secs(10 * 60);

/// The email ↔ chat user directory.
#[derive(Clone)]
pub struct Directory {
    store: Arc<dyn Store>,
    chat: Arc<dyn ChatPort>,
}

impl Directory {
    /// A directory over the store's cache and the chat platform's lookup.
    pub fn new(store: Arc<dyn Store>, chat: Arc<dyn ChatPort>) -> Self {
        Self { store, chat }
    }

    /// The chat user for a Coupa person, or `None` when they have no email or no chat account.
    pub async fn chat_user_for(&self, person: &Person) -> Result<Option<ChatUserId>, EngineError> {
        let Some(email) = person.email.as_deref().map(normalize_email) else {
            metrics::counter!("unmapped_approvers_total", "reason" => "no_email").increment(1);
            return Ok(None);
        };
        if email.is_empty() {
            return Ok(None);
        }
        match self.store.directory_entry(&email).await? {
            Some(DirectoryEntry::Found(user)) => return Ok(Some(user)),
            Some(DirectoryEntry::NotFound) => return Ok(None),
            None => {}
        }
        match self.chat.lookup_user_by_email(&email).await? {
            Some(user) => {
                self.store
                    .remember_directory_entry(
                        &email,
                        &DirectoryEntry::Found(user.clone()),
                        FOUND_TTL,
                    )
                    .await?;
                self.store.forget_unmapped(&email).await?;
                Ok(Some(user))
            }
            None => {
                // `check` and the store's unmapped list name them; the log shows no address.
                tracing::info!(email = %telemetry::email(&email), coupa_user = %person.id, "approver has no chat account with this email");
                metrics::counter!("unmapped_approvers_total", "reason" => "no_chat_user")
                    .increment(1);
                self.store
                    .remember_directory_entry(&email, &DirectoryEntry::NotFound, NOT_FOUND_TTL)
                    .await?;
                self.store.note_unmapped(&email, &person.full_name).await?;
                // "Nobody" is on record; if they became reachable meanwhile, `became_reachable`
                // may have looked before it was: ask once more rather than keep them unmapped.
                if self.store.marked_reachable(&email).await?
                    && let Some(user) = self.chat.lookup_user_by_email(&email).await?
                {
                    self.store
                        .remember_directory_entry(
                            &email,
                            &DirectoryEntry::Found(user.clone()),
                            FOUND_TTL,
                        )
                        .await?;
                    self.store.forget_unmapped(&email).await?;
                    return Ok(Some(user));
                }
                Ok(None)
            }
        }
    }

    /// `user` has just become reachable on a chat platform with `email` (they installed the
    /// app, on a platform that only lets the bot write to people who did). A cached "nobody has
    /// this email" is replaced at once, so their cards follow at the next sync rather than within
    /// the hour; a cached mapping is kept (it names the preferred platform).
    pub async fn became_reachable(
        &self,
        email: &str,
        user: &ChatUserId,
    ) -> Result<(), EngineError> {
        let email = normalize_email(email);
        if email.is_empty() {
            return Ok(());
        }
        // The mark first, then the read: a lookup under way either sees the mark after noting
        // "nobody" and asks again, or noted "nobody" before this read, which replaces it.
        self.store
            .mark_reachable(&email, REACHABLE_MARK_TTL)
            .await?;
        if let Some(DirectoryEntry::NotFound) = self.store.directory_entry(&email).await? {
            self.store
                .remember_directory_entry(&email, &DirectoryEntry::Found(user.clone()), FOUND_TTL)
                .await?;
            self.store.forget_unmapped(&email).await?;
        }
        Ok(())
    }

    /// The email of a chat user: from the cache, else from the chat platform's profile.
    pub async fn email_of(&self, user: &ChatUserId) -> Result<Option<String>, EngineError> {
        if let Some(email) = self.store.email_of(user).await? {
            return Ok(Some(email));
        }
        let info = self.chat.user_info(user).await?;
        let Some(email) = info.email.as_deref().map(normalize_email) else {
            return Ok(None);
        };
        self.store
            .remember_directory_entry(&email, &DirectoryEntry::Found(user.clone()), FOUND_TTL)
            .await?;
        Ok(Some(email))
    }
}
