//! [`ChatPort`]: everything the engine asks of a chat platform.

use async_trait::async_trait;

use crate::domain::outcome::DecisionResult;
use crate::domain::{ChannelId, ChatUserId, MessageTs};

use super::card::Card;

/// Where a posted message lives, for editing it later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageRef {
    /// The conversation (for Slack DMs, the `D…` id `chat.postMessage` returned).
    pub channel: ChannelId,
    /// The message id in it.
    pub ts: MessageTs,
}

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

/// Why a chat call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The platform refused the call (`not_in_channel`, `invalid_auth`, …).
    #[error("chat platform refused the call: {0}")]
    Api(String),
    /// The platform could not be reached, or kept rate limiting.
    #[error("chat platform unreachable: {0}")]
    Transport(String),
}

/// The chat platform, in the engine's words.
#[async_trait]
pub trait ChatPort: Send + Sync + 'static {
    /// Opens a direct message with `user` and posts `card` there.
    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError>;

    /// Replaces a posted card with `card`.
    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError>;

    /// Tells `user` privately what came of their decision, in `channel` where they clicked (if
    /// any). The adapter words it.
    async fn tell(
        &self,
        user: &ChatUserId,
        channel: Option<&ChannelId>,
        result: &DecisionResult,
    ) -> Result<(), ChatError>;

    /// The chat user with this email, if any.
    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError>;

    /// A user's profile.
    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError>;
}
