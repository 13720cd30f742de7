//! `SlackChat` against the fake Slack Web API: a rate-limited post is retried, never lost;
//! people are found by email and described by `users.info`; a card is edited in place.

use crate::support;

use std::time::Duration;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::chat::port::ChatPort;
use coupa_approvals::domain::{ChatUserId, Decision};
use coupa_approvals::sandbox::slack::{FakeSlack, RunningFakeSlack, dm_channel};
use coupa_approvals::slack::client::{SlackChat, web_client};

const TOKEN: &str = "xoxb-client-test";
const DANIEL: &str = "U0DANIEL";

async fn slack() -> (RunningFakeSlack, SlackChat) {
    let fake = FakeSlack::new(TOKEN);
    fake.add_user(DANIEL, "Daniel Okafor", "daniel.okafor@example.com");
    let running = fake.serve().await.expect("the fake Slack starts");
    let api_url = url::Url::parse(&running.api_url()).expect("a URL");
    let chat = SlackChat::with_client(web_client(&api_url).expect("a client"), TOKEN);
    (running, chat)
}

fn daniel() -> ChatUserId {
    ChatUserId(DANIEL.into())
}

#[tokio::test]
async fn cards_posted_faster_than_the_rate_limit_all_arrive() {
    let (running, chat) = slack().await;
    // Back-to-back posts cross the fake's 2 s gap: it answers 429 and the client must wait for
    // Retry-After and retry.
    running
        .slack
        .limit_posts_per_channel(Duration::from_secs(2));

    let mut posted = Vec::new();
    for _ in 0..3 {
        let card = support::cards::card(CardState::Pending, None);
        posted.push(chat.post_card(&daniel(), &card).await.expect("posted"));
    }

    let conversation = running.slack.conversation(DANIEL);
    assert_eq!(conversation.len(), 3, "every card arrives");
    assert!(running.slack.rate_limited() > 0, "Slack did push back");
    for (message, sent) in conversation.iter().zip(&posted) {
        assert_eq!(message.ts, sent.id());
        assert_eq!(
            sent.conversation().as_str(),
            dm_channel(DANIEL),
            "the D… id, for chat.update"
        );
        assert!(
            message
                .text
                .contains("Standing desks for the Lisbon office")
        );
    }
}

#[tokio::test]
async fn an_unknown_email_finds_nobody() {
    let (_running, chat) = slack().await;
    let found = chat
        .lookup_user_by_email("nobody@example.com")
        .await
        .expect("the lookup answers");
    assert_eq!(found, None);
}

#[tokio::test]
async fn a_known_email_finds_the_user_whatever_its_case() {
    let (_running, chat) = slack().await;
    for email in ["daniel.okafor@example.com", "Daniel.Okafor@EXAMPLE.com"] {
        let found = chat.lookup_user_by_email(email).await.expect("answers");
        assert_eq!(found, Some(daniel()), "{email}");
    }
}

#[tokio::test]
async fn user_info_gives_name_email_and_time_zone() {
    let (_running, chat) = slack().await;
    let user = chat.user_info(&daniel()).await.expect("answers");
    assert_eq!(user.name, "Daniel Okafor");
    assert_eq!(user.email.as_deref(), Some("daniel.okafor@example.com"));
    assert_eq!(user.time_zone.as_deref(), Some("Europe/Lisbon"));
    assert!(!user.deleted);
    assert!(!user.bot);
}

#[tokio::test]
async fn updating_a_card_replaces_its_text_and_blocks() {
    let (running, chat) = slack().await;
    let pending = support::cards::card(CardState::Pending, None);
    let message = chat.post_card(&daniel(), &pending).await.expect("posted");
    let before = running.slack.conversation(DANIEL);
    assert!(before[0].blocks.to_string().contains("\"approve\""));

    let approved = support::cards::card(
        CardState::DecidedHere {
            decision: Decision::Approve,
            by: "Daniel Okafor".into(),
            at: support::cards::at(support::cards::DECIDED_AT),
            reason: None,
        },
        None,
    );
    chat.update_card(&message, &approved)
        .await
        .expect("updated");

    let after = running.slack.conversation(DANIEL);
    assert_eq!(after.len(), 1, "edited in place, not posted again");
    assert_eq!(after[0].ts, message.id());
    assert_eq!(after[0].edits, 1);
    assert_eq!(
        after[0].text,
        "Approved: Standing desks for the Lisbon office"
    );
    let blocks = after[0].blocks.to_string();
    assert!(!blocks.contains("\"approve\""), "no buttons left: {blocks}");
    assert!(
        blocks.contains("*Approved* by Daniel Okafor in Slack"),
        "{blocks}"
    );
}
