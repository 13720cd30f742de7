//! Fan-out under Slack's rate limits: a thousand new approvals against a fake Slack that allows
//! one message a second per conversation and a fixed budget of messages a second for the whole
//! workspace, answering 429 with `Retry-After` beyond either. Every card arrives once, and the
//! bot uses the budget: from the first card to the last takes at most 10% more than the budget
//! itself requires (`cards / budget` seconds).
//!
//! The engine runs with the real Slack client against the fake over HTTP, the Coupa sandbox
//! over HTTP and the memory store.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use coupa_approvals::coupa::{CoupaClientBuilder, RetryPolicy};
use coupa_approvals::engine::sync::CONCURRENT_REQUISITIONS;
use coupa_approvals::sandbox::World;
use coupa_approvals::sandbox::slack::{FakeSlack, dm_channel};

const TOKEN: &str = "xoxb-fan-out";
const APPROVALS: usize = 1_000;
/// Four approvals each, so conversations see several cards and their limit matters too.
const APPROVERS: usize = 250;
/// Workspace budget: accepted `chat.postMessage` calls per second.
const BUDGET: u32 = 100;

fn title(n: usize) -> String {
    format!("Fan-out {n:04}")
}

/// A Coupa client as fast as the sandbox answers, not retrying: Coupa's pace is not what a
/// fan-out test is about.
pub(crate) fn coupa_out_of_the_way(client: CoupaClientBuilder) -> CoupaClientBuilder {
    client.max_rps(10_000).retry_policy(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cards_arrive_once_each_within_ten_percent_of_the_workspace_budget_time() {
    // Cards of their own, each person many: no digests.
    let world = World::builder()
        .slack(FakeSlack::new(TOKEN))
        .coupa_client(coupa_out_of_the_way)
        .settings(|s| s.digest_above = 0)
        .build()
        .await
        .unwrap();
    let slack = &world.slack;
    let requester = world
        .coupa
        .add_user("marta@example.com", "Marta", "Kowalski");
    let approvers = world.add_pending_load(requester, APPROVERS, APPROVALS, title, Duration::ZERO);
    let recipient_of: HashMap<String, String> = (0..APPROVALS)
        .map(|n| (title(n), dm_channel(&approvers[n % APPROVERS].slack_id)))
        .collect();
    let engine = world.engine().unwrap();
    slack.limit_posts_per_channel(Duration::from_secs(1));
    slack.limit_posts_per_workspace(BUDGET);

    let started = Instant::now();
    let report = engine.reconcile().await.unwrap();
    let sync_time = started.elapsed();

    assert_eq!(report.delivered, APPROVALS);
    assert_eq!(report.failures, 0);
    let posted = slack.posted();
    assert_eq!(posted.len(), APPROVALS, "one post per card, none twice");
    let mut seen: HashMap<String, usize> = HashMap::new();
    for message in &posted {
        let start = message
            .text
            .find("Fan-out ")
            .expect("a card's text names it");
        let card = message.text[start..]
            .chars()
            .take(title(0).len())
            .collect::<String>();
        assert_eq!(
            message.channel, recipient_of[&card],
            "{card} went to its approver"
        );
        *seen.entry(card).or_default() += 1;
    }
    assert_eq!(seen.len(), APPROVALS);
    assert!(seen.values().all(|&n| n == 1));

    let refused = slack.rate_limited() as usize;
    let budget_time = Duration::from_secs_f64(APPROVALS as f64 / f64::from(BUDGET));
    // The fan-out: from the first card Slack accepted to the last (reading Coupa comes before).
    let times = slack.post_times();
    let fan_out = *times.last().unwrap() - times[0];
    eprintln!(
        "fan-out: {APPROVALS} cards in {fan_out:?} (whole sync {sync_time:?}); budget time \
         {budget_time:?}; {refused} posts refused with 429"
    );
    assert!(refused > 0, "the workspace budget was reached");
    // A 429 paused the whole workspace: each pause (about one a second) follows at most the
    // posts already in flight, not every task retrying on its own.
    let seconds = fan_out.as_secs() as usize + 1;
    assert!(
        refused <= CONCURRENT_REQUISITIONS * (seconds + 1),
        "{refused} posts refused in {fan_out:?}"
    );
    // The requirement itself: posting keeps pace with the budget.
    assert!(
        fan_out <= budget_time.mul_f64(1.1),
        "{APPROVALS} cards took {fan_out:?}; the budget allows them in {budget_time:?}"
    );
}
