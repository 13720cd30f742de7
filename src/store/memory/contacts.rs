//! [`Contacts`]: the embedded store's contacts, by user, with lookups by email and by
//! conversation that always agree with each contact's current email and conversation.

use std::collections::HashMap;

use crate::domain::ChatUserId;
use crate::domain::conversation::ConversationRef;
use crate::domain::records::ChatContact;

/// Every remembered contact, and who has which email and 1:1 conversation.
#[derive(Default)]
pub(super) struct Contacts {
    by_user: HashMap<ChatUserId, ChatContact>,
    by_email: HashMap<String, ChatUserId>,
    by_conversation: HashMap<ConversationRef, ChatUserId>,
}

impl Contacts {
    /// Keeps `contact` (already normalised), replacing the user's earlier one and dropping the
    /// lookups by the email and conversation they no longer have.
    pub(super) fn remember(&mut self, contact: ChatContact) {
        if let Some(earlier) = self.by_user.get(&contact.user) {
            if let Some(email) = &earlier.email
                && contact.email.as_ref() != Some(email)
                && self.by_email.get(email) == Some(&contact.user)
            {
                self.by_email.remove(email);
            }
            if let Some(conversation) = &earlier.conversation
                && contact.conversation.as_ref() != Some(conversation)
                && self.by_conversation.get(conversation) == Some(&contact.user)
            {
                self.by_conversation.remove(conversation);
            }
        }
        if let Some(email) = &contact.email {
            self.by_email.insert(email.clone(), contact.user.clone());
        }
        if let Some(conversation) = &contact.conversation {
            self.by_conversation
                .insert(conversation.clone(), contact.user.clone());
        }
        self.by_user.insert(contact.user.clone(), contact);
    }

    /// The contact for `user`.
    pub(super) fn get(&self, user: &ChatUserId) -> Option<&ChatContact> {
        self.by_user.get(user)
    }

    /// The contact whose current email is `email` (normalised).
    pub(super) fn by_email(&self, email: &str) -> Option<&ChatContact> {
        self.by_email
            .get(email)
            .and_then(|user| self.by_user.get(user))
            .filter(|contact| contact.email.as_deref() == Some(email))
    }

    /// The contact whose current 1:1 conversation is `conversation`.
    pub(super) fn in_conversation(&self, conversation: &ConversationRef) -> Option<&ChatContact> {
        self.by_conversation
            .get(conversation)
            .and_then(|user| self.by_user.get(user))
            .filter(|contact| contact.conversation.as_ref() == Some(conversation))
    }

    /// How many contacts there are.
    pub(super) fn len(&self) -> usize {
        self.by_user.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(user: &str, email: &str, conversation: &str) -> ChatContact {
        ChatContact {
            user: ChatUserId::from(user),
            name: None,
            email: Some(email.to_owned()),
            directory_id: None,
            endpoint: "https://smba.trafficmanager.net/teams/".into(),
            tenant: "tenant".into(),
            conversation: Some(ConversationRef::new(conversation)),
            seen_at: jiff::Timestamp::UNIX_EPOCH,
            time_zone: None,
        }
    }

    #[test]
    fn an_email_taken_over_by_someone_else_stays_theirs_when_the_first_changes_again() {
        let mut contacts = Contacts::default();
        contacts.remember(contact("29:a", "shared@example.com", "a:1"));
        contacts.remember(contact("29:b", "shared@example.com", "a:2"));
        // The first user moves on: the lookup now belongs to the second and must stay.
        contacts.remember(contact("29:a", "new@example.com", "a:1"));
        let found = contacts.by_email("shared@example.com").map(|c| &c.user);
        assert_eq!(found, Some(&ChatUserId::from("29:b")));
        assert_eq!(contacts.len(), 2);
    }
}
