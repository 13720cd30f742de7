//! The demo's Microsoft Teams side: where each person gets new cards, moving them between Slack
//! and Teams, and each person's 1:1 chat with the bot as the page's Teams client shows it.
//!
//! Where new cards go is what the app's own directory says: its entry for the person's email in
//! the store, or, before the first lookup, what that lookup will find (Teams comes first in the
//! demo's `CHAT_PLATFORMS`, so someone who installed the app in Teams gets their cards there).
//! Moving a person to Teams installs the app for them first when they have not (a signed
//! `installationUpdate`: the bot learns how to reach them and greets them), then writes the
//! directory entry the way the directory itself does; moving to Slack writes the Slack one.
//! Cards already delivered stay where they were sent.
//!
//! The chat is what the fake Bot Connector recorded, with what a Teams client adds on its own:
//! the person's typed messages (the connector sees only the bot's), and a card replaced by the
//! card the bot answered a click with, until the bot replaces it again through the connector.
//! The automatic refresh a Teams client asks for when it shows a waiting card is not sent: the
//! bot replaces every copy itself when a decision happens, and the chat shows those replacements.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use crate::config::ChatPlatform;
use crate::domain::records::DirectoryEntry;
use crate::domain::{ChatUserId, normalize_email};
use crate::sandbox::people::Person;
use crate::sandbox::teams::{FakeActivity, FakeConnector, FakeMember, TeamsSendError, TeamsSender};
use crate::store::{Store, StoreError};

/// How long a move holds: as long as the directory trusts a mapping it found itself.
const MOVED_FOR: Duration = Duration::from_secs(24 * 3600);

/// Why a person could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// The store did not answer.
    #[error("the demo's store failed: {0}")]
    Store(#[from] StoreError),
    /// The installation did not reach the app.
    #[error(transparent)]
    Send(#[from] TeamsSendError),
    /// The app refused the installation.
    #[error("the app refused the installation in Teams (HTTP {0})")]
    Refused(u16),
}

/// A message the person typed in Teams, shown after the bot's first `after` activities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// How many of the bot's activities came before it.
    pub after: usize,
    /// What they typed.
    pub text: String,
}

/// The card the bot answered a click with, shown until the connector records a later update.
#[derive(Debug, Clone)]
struct Answered {
    card: Value,
    updates: usize,
}

/// What only the page's Teams client knows.
#[derive(Debug, Default)]
struct Client {
    typed: HashMap<String, Vec<Typed>>,
    answered: HashMap<(String, String), Answered>,
}

/// One entry of a 1:1 chat, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEntry {
    /// The bot's message as the person sees it now.
    Bot {
        /// Its activity id.
        id: String,
        /// The activity shown (the latest sent, or the card a click was answered with).
        activity: Value,
        /// Whether it was replaced since it was sent.
        edited: bool,
        /// Whether the bot deleted it.
        deleted: bool,
    },
    /// What the person typed.
    Person(String),
}

/// The Teams side the page's handlers share. Clones share state.
#[derive(Clone)]
pub struct DemoTeams {
    /// The fake Bot Connector: what the bot sent in each chat.
    pub connector: FakeConnector,
    /// Signed activities to the app.
    pub sender: TeamsSender,
    store: Arc<dyn Store>,
    members: Arc<HashMap<String, FakeMember>>,
    client: Arc<Mutex<Client>>,
}

impl DemoTeams {
    /// The Teams side over `connector` and `store`, with `members` by Slack id.
    pub fn new(
        connector: FakeConnector,
        sender: TeamsSender,
        store: Arc<dyn Store>,
        members: HashMap<String, FakeMember>,
    ) -> Self {
        Self {
            connector,
            sender,
            store,
            members: Arc::new(members),
            client: Arc::default(),
        }
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `person` as a member of the tenant.
    pub fn member(&self, person: &Person) -> Option<&FakeMember> {
        self.members.get(&person.slack_id)
    }

    /// The platform the bot sends `person`'s next cards on.
    pub async fn receives_on(&self, person: &Person) -> Result<ChatPlatform, StoreError> {
        let email = normalize_email(&person.email);
        if let Some(DirectoryEntry::Found(user)) = self.store.directory_entry(&email).await? {
            return Ok(platform_of(&user));
        }
        Ok(match self.store.contact_by_email(&email).await? {
            Some(_) => ChatPlatform::Teams,
            None => ChatPlatform::Slack,
        })
    }

    /// Sends `person`'s next cards to `platform`.
    pub async fn move_to(&self, person: &Person, platform: ChatPlatform) -> Result<(), MoveError> {
        let user = match (platform, self.member(person)) {
            (ChatPlatform::Teams, Some(member)) => {
                let user = ChatUserId(member.id.clone());
                if self.store.contact(&user).await?.is_none() {
                    let answer = self.sender.install(member).await?;
                    if answer.status != 200 {
                        return Err(MoveError::Refused(answer.status));
                    }
                }
                user
            }
            _ => ChatUserId(person.slack_id.clone()),
        };
        self.store
            .remember_directory_entry(
                &normalize_email(&person.email),
                &DirectoryEntry::Found(user),
                MOVED_FOR,
            )
            .await?;
        Ok(())
    }

    /// `member`'s 1:1 chat with the bot, if one was opened.
    pub fn conversation_of(&self, member: &FakeMember) -> Option<String> {
        self.connector.conversation_with(&member.id)
    }

    /// The chat in `conversation`, oldest first.
    pub fn chat(&self, conversation: &str) -> Vec<ChatEntry> {
        let activities = self.connector.activities(conversation);
        let client = self.client();
        let typed = client
            .typed
            .get(conversation)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let answered = |id: &str| {
            client
                .answered
                .get(&(conversation.to_owned(), id.to_owned()))
        };
        merge(activities, typed, answered)
    }

    /// Whether the bot's activity `id` is in `conversation` and not deleted.
    pub fn has_activity(&self, conversation: &str, id: &str) -> bool {
        self.connector
            .activity(conversation, id)
            .is_some_and(|a| !a.deleted)
    }

    /// Shows `text` as typed in `conversation` now.
    pub fn record_typed(&self, conversation: &str, text: &str) {
        let after = self.connector.activities(conversation).len();
        self.client()
            .typed
            .entry(conversation.to_owned())
            .or_default()
            .push(Typed {
                after,
                text: text.to_owned(),
            });
    }

    /// Shows `card` in place of activity `id`, as Teams does with a click's answer, until the
    /// bot next replaces it.
    pub fn record_answer(&self, conversation: &str, id: &str, card: Value) {
        let Some(posted) = self.connector.activity(conversation, id) else {
            return;
        };
        self.client().answered.insert(
            (conversation.to_owned(), id.to_owned()),
            Answered {
                card,
                updates: posted.updates,
            },
        );
    }
}

/// The bot's `activities` with the person's `typed` messages among them, each activity showing
/// the card its click was `answered` with until the connector records a later update of it.
fn merge<'a>(
    activities: Vec<FakeActivity>,
    typed: &[Typed],
    answered: impl Fn(&str) -> Option<&'a Answered>,
) -> Vec<ChatEntry> {
    let mut typed = typed.iter().peekable();
    let mut entries = Vec::new();
    for (index, posted) in activities.into_iter().enumerate() {
        while let Some(t) = typed.next_if(|t| t.after <= index) {
            entries.push(ChatEntry::Person(t.text.clone()));
        }
        let answer =
            answered(&posted.id).filter(|a| a.updates == posted.updates && !posted.deleted);
        let mut activity = posted.activity;
        if let Some(answer) = answer {
            activity["attachments"][0]["content"] = answer.card.clone();
        }
        entries.push(ChatEntry::Bot {
            id: posted.id,
            activity,
            edited: posted.updates > 0 || answer.is_some(),
            deleted: posted.deleted,
        });
    }
    entries.extend(typed.map(|t| ChatEntry::Person(t.text.clone())));
    entries
}

/// Teams ids hold a `:`, Slack ids never do.
fn platform_of(user: &ChatUserId) -> ChatPlatform {
    if user.as_str().contains(':') {
        ChatPlatform::Teams
    } else {
        ChatPlatform::Slack
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn card(id: &str, title: &str, updates: usize) -> FakeActivity {
        FakeActivity {
            id: id.into(),
            activity: json!({ "type": "message", "attachments": [{ "content": { "title": title } }] }),
            updates,
            deleted: false,
        }
    }

    fn shown(entry: &ChatEntry) -> String {
        match entry {
            ChatEntry::Bot {
                activity, edited, ..
            } => format!(
                "bot:{}{}",
                activity["attachments"][0]["content"]["title"]
                    .as_str()
                    .unwrap_or("-"),
                if *edited { " (edited)" } else { "" }
            ),
            ChatEntry::Person(text) => format!("person:{text}"),
        }
    }

    #[test]
    fn typed_messages_sit_after_the_activities_sent_before_them() {
        let typed = [
            Typed {
                after: 1,
                text: "what's pending".into(),
            },
            Typed {
                after: 5,
                text: "help".into(),
            },
        ];
        let entries = merge(
            vec![card("1", "desks", 0), card("2", "list", 0)],
            &typed,
            |_| None,
        );
        let shown: Vec<String> = entries.iter().map(shown).collect();
        assert_eq!(
            shown,
            [
                "bot:desks",
                "person:what's pending",
                "bot:list",
                "person:help"
            ]
        );
    }

    #[test]
    fn a_clicks_answer_shows_until_the_connector_records_a_later_update() {
        let answer = Answered {
            card: json!({ "title": "approved (answer)" }),
            updates: 0,
        };
        let entries = merge(vec![card("1", "pending", 0)], &[], |_| Some(&answer));
        assert_eq!(shown(&entries[0]), "bot:approved (answer) (edited)");
        let entries = merge(vec![card("1", "approved (update)", 1)], &[], |_| {
            Some(&answer)
        });
        assert_eq!(shown(&entries[0]), "bot:approved (update) (edited)");
        let entries = merge(vec![card("1", "pending", 0)], &[], |_| None);
        assert_eq!(shown(&entries[0]), "bot:pending");
    }

    #[test]
    fn teams_ids_hold_a_colon() {
        assert_eq!(
            platform_of(&ChatUserId("29:1sofia".into())),
            ChatPlatform::Teams
        );
        assert_eq!(
            platform_of(&ChatUserId("USOFIA".into())),
            ChatPlatform::Slack
        );
    }
}
