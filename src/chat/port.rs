//! [`ChatPort`]: everything the engine asks of a chat platform, in neutral terms — post a card to
//! a person, update a card, post and update a digest (one message listing several approvals'
//! cards, each decidable as its own card is), find the card for an approval in a person's direct conversation with
//! the bot, withdraw a card posted twice, tell one person privately what came of their decision,
//! find a person by email, read a profile, post a list of what waits on someone (a reminder), say
//! which platform it is and whether a user or a conversation is on it. Where things are on the platform travels as opaque references
//! ([`ConversationRef`], [`MessageRef`]) only the adapter reads.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::domain::conversation::{ConversationRef, MessageRef, Platform};
use crate::domain::outcome::{DecisionResult, Regarding};
use crate::domain::{ApprovalId, ChatUserId, Fingerprint};

use super::card::Card;
use super::list::ListMessage;

/// A chat user's profile, as far as the bot cares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatUser {
    /// Display name.
    pub name: String,
    /// Email address, when the platform shares it.
    pub email: Option<String>,
    /// IANA time zone (`Europe/Lisbon`).
    pub time_zone: Option<String>,
    /// The account was deactivated.
    pub deleted: bool,
    /// The account is a bot.
    pub bot: bool,
}

/// A card for an approval, found among the recent messages of someone's direct conversation with
/// the bot: a card whose record was lost (a post the store never heard of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCard {
    /// Where it is.
    pub message: MessageRef,
    /// The fingerprint its buttons carry: what it showed.
    pub fingerprint: Fingerprint,
    /// When the platform says it was posted, where it says so: the card's send time, which its
    /// buttons' expiry counts from (never the time the buttons themselves carry).
    pub posted_at: Option<Timestamp>,
    /// It is a digest listing the approval with its buttons, not the approval's own card.
    pub digest: bool,
}

/// Why a chat call failed. The client's own error is kept as the source, for the logs.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The platform refused the call with this error code (`not_in_channel`, `invalid_auth`, …).
    #[error("chat platform refused the call: {0}")]
    Api(String),
    /// The platform could not be reached.
    #[error("chat platform unreachable")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The platform kept rate limiting the call after every retry.
    #[error("chat platform still rate limiting after retrying")]
    RateLimited(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The client could not be set up: this host has no TLS root certificates.
    #[error("no TLS root certificates")]
    NoTlsRoots(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The chat platform, in the engine's words.
#[async_trait]
pub trait ChatPort: Send + Sync + 'static {
    /// Which platform this is; decisions name it in the reason sent to Coupa.
    fn platform(&self) -> Platform;

    /// Whether `user` is a user of this platform (the shape of the id says so).
    fn serves(&self, user: &ChatUserId) -> bool;

    /// Whether `conversation` is on this platform.
    fn serves_conversation(&self, conversation: &ConversationRef) -> bool;

    /// The platform `user` is on (for a single platform, itself): decisions name it in the
    /// reason sent to Coupa.
    fn platform_of(&self, user: &ChatUserId) -> Platform {
        let _ = user;
        self.platform()
    }

    /// Posts `card` to `user` directly (a direct message), and says where it is.
    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError>;

    /// Replaces a posted card with `card`.
    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError>;

    /// Posts one digest to `user` directly: a single message listing `items` (each an approval's
    /// card, in the order given), each item with what its own card would show it deciding with
    /// (the same buttons), or how it ended. Says where it is.
    async fn post_digest(&self, user: &ChatUserId, items: &[Card])
    -> Result<MessageRef, ChatError>;

    /// Replaces a posted digest with one listing `items`, as [`ChatPort::post_digest`] renders
    /// them.
    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError>;

    /// The newest card for `approval` that still shows its buttons, among the recent messages of
    /// the bot's direct conversation with `user`, or the newest digest whose item for `approval`
    /// still does (said by [`FoundCard::digest`]); `None` if there is none there.
    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError>;

    /// Removes a posted card: a second copy for the same person, of which the other is kept.
    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError>;

    /// Tells `user` privately what came of their decision on the requisition it is
    /// `regarding`: in `conversation`, where they clicked, if there is one. The adapter words
    /// `result` and names the requisition.
    async fn tell(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError>;

    /// The chat user with this email, if any.
    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError>;

    /// A user's profile.
    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError>;

    /// Posts `list` to `user` directly (a direct message): the items laid out as the answer to
    /// "what's pending", under a heading the adapter words from the list's purpose.
    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError>;
}
