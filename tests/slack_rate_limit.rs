//! A 429 from Slack delays a message; it never loses it.

use std::time::Duration;

use coupa_approvals::demo::fake_slack::FakeSlack;
use coupa_approvals::domain::ChannelId;
use coupa_approvals::slack::blocks;
use coupa_approvals::slack::client::{SlackChat, web_client};

#[tokio::test]
async fn messages_beyond_slacks_rate_limit_wait_for_retry_after_and_all_arrive() {
    let fake = FakeSlack::new("xoxb-rate");
    fake.add_user("U1", "One", "one@example.com");
    // Stricter than the client's own pacing, so Slack answers 429 and the client must wait.
    fake.limit_posts_per_channel(Duration::from_secs(2));
    let running = fake.serve().await.unwrap();
    let chat = SlackChat::with_client(
        web_client(&running.api_url().parse().unwrap()).unwrap(),
        "xoxb-rate",
    );
    for n in 0..3 {
        chat.post(
            &ChannelId::from("U1"),
            &blocks::notice(&format!("message {n}")),
        )
        .await
        .unwrap();
    }
    let texts: Vec<String> = running.slack.posted().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, vec!["message 0", "message 1", "message 2"]);
    assert!(
        running.slack.rate_limited() >= 2,
        "Slack said 429 along the way"
    );
}
