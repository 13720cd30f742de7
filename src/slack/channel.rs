//! [`ChannelId`]: a Slack conversation id — a DM's `D…` id (which `chat.update` needs, and which
//! `chat.postMessage` returns when given a user id), or a channel's `C…` id. The engine holds it
//! as an opaque [`ConversationRef`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::conversation::ConversationRef;

/// A Slack conversation id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelId(pub String);

impl ChannelId {
    /// The id as Slack spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ChannelId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<ChannelId> for ConversationRef {
    fn from(channel: ChannelId) -> Self {
        ConversationRef::new(channel.0)
    }
}

impl From<&ConversationRef> for ChannelId {
    fn from(conversation: &ConversationRef) -> Self {
        Self(conversation.as_str().to_owned())
    }
}
