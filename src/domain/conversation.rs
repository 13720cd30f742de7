//! Where things are on a chat platform, as the engine holds them: which platform, a
//! conversation, a posted message. Only the adapter that made a reference reads what is inside
//! it; the engine and the store keep it and hand it back.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A chat platform, by the name people know it by. Each adapter names its own; decisions name it
/// in the reason sent to Coupa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Platform {
    name: &'static str,
}

impl Platform {
    /// The platform called `name`.
    pub const fn named(name: &'static str) -> Self {
        Self { name }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.name
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A conversation on a chat platform: where a card was posted, or where someone clicked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConversationRef(String);

impl ConversationRef {
    /// The conversation the platform calls `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as the platform spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConversationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A posted message, for editing it later: its conversation, and its id there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageRef {
    conversation: ConversationRef,
    id: String,
}

impl MessageRef {
    /// The message the platform calls `id` in `conversation`.
    pub fn new(conversation: ConversationRef, id: impl Into<String>) -> Self {
        Self {
            conversation,
            id: id.into(),
        }
    }

    /// The conversation it was posted in.
    pub fn conversation(&self) -> &ConversationRef {
        &self.conversation
    }

    /// Its id in that conversation, as the platform spells it.
    pub fn id(&self) -> &str {
        &self.id
    }
}
