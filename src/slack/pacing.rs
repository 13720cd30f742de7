//! [`Pacer`]: how the bot keeps to Slack's rate limits as a whole workspace, not call by call.
//!
//! Slack answers 429 with `Retry-After` when a method's budget for the workspace is spent. That
//! budget is shared by every call the bot makes, so when one call is told to wait, every call of
//! that method waits until the same instant: the tasks posting cards pause together and resume
//! together, rather than each running into its own 429 and retrying on its own clock (which
//! wastes the budget on refused calls and spreads the retries out).
//!
//! Slack also allows about one message a second in each conversation. Cards for one person are
//! therefore posted at least [`CONVERSATION_GAP`] apart, counted from when Slack answered the
//! previous one, so that many cards for one approver do not turn into 429s that would pause the
//! whole workspace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The least time between two cards posted to one person.
pub const CONVERSATION_GAP: Duration = Duration::from_secs(1);

/// Remembered conversations are pruned once there are more than this many.
const PRUNE_ABOVE: usize = 1_024;

/// The last post in one conversation, locked while a post to it is in flight.
type Conversation = Arc<tokio::sync::Mutex<Option<Instant>>>;

/// A method paused for the whole workspace.
#[derive(Debug, Clone, Copy)]
struct Pause {
    /// When the refusal that began it arrived.
    since: Instant,
    /// When calls may go again.
    until: Instant,
}

/// The workspace-wide pauses per Web API method, and the per-conversation posting gap.
#[derive(Debug, Default)]
pub struct Pacer {
    paused: Mutex<HashMap<&'static str, Pause>>,
    conversations: Mutex<HashMap<String, Conversation>>,
}

impl Pacer {
    /// No pauses, no conversations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits while `method` is paused (however often the pause is extended meanwhile).
    pub async fn wait_for(&self, method: &'static str) {
        loop {
            let until = self
                .paused
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(method)
                .map(|p| p.until);
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// Pauses every call of `method` for `wait` from now, after a call sent at `sent` was
    /// refused. A refusal of a call sent before the current pause began says nothing new (it
    /// was in flight when the budget ran out), so it does not extend that pause.
    pub fn pause(&self, method: &'static str, wait: Duration, sent: Instant) {
        let now = Instant::now();
        let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(current) = paused.get(method)
            && now < current.until
            && sent < current.since
        {
            return;
        }
        paused.insert(
            method,
            Pause {
                since: now,
                until: now + wait,
            },
        );
    }

    /// Runs `post` as the next message in `conversation`: after the previous one there has
    /// answered and [`CONVERSATION_GAP`] has passed. Posts to one conversation run one at a time.
    pub async fn in_conversation<T, Fut>(&self, conversation: &str, post: impl FnOnce() -> Fut) -> T
    where
        Fut: Future<Output = T>,
    {
        let slot = self.conversation(conversation);
        let mut last = slot.lock().await;
        if let Some(previous) = *last {
            tokio::time::sleep_until(previous + CONVERSATION_GAP).await;
        }
        let result = post().await;
        *last = Some(Instant::now());
        result
    }

    fn conversation(&self, conversation: &str) -> Conversation {
        let mut all = self.conversations.lock().unwrap_or_else(|e| e.into_inner());
        if all.len() > PRUNE_ABOVE {
            // Forget conversations nobody is posting to and whose gap has passed.
            let now = Instant::now();
            all.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot.try_lock().map_or(true, |last| {
                        last.is_some_and(|l| now < l + CONVERSATION_GAP)
                    })
            });
        }
        all.entry(conversation.to_owned()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_caller_of_the_method_until_it_ends() {
        let pacer = Arc::new(Pacer::new());
        let started = Instant::now();
        pacer.pause("chat.postMessage", Duration::from_secs(2), started);
        pacer.wait_for("chat.update").await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    pacer.wait_for("chat.postMessage").await;
                    started.elapsed()
                })
            })
            .collect();
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Duration::from_secs(2));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn only_a_call_sent_after_the_pause_began_extends_it() {
        let pacer = Pacer::new();
        let started = Instant::now();
        let in_flight = started;
        tokio::time::advance(Duration::from_millis(10)).await;
        pacer.pause("chat.postMessage", Duration::from_secs(1), in_flight);
        tokio::time::advance(Duration::from_millis(10)).await;
        // Sent before the pause: already answered for.
        pacer.pause("chat.postMessage", Duration::from_secs(1), in_flight);
        pacer.wait_for("chat.postMessage").await;
        assert_eq!(started.elapsed(), Duration::from_millis(1_010));
        // Sent after the pause ended, refused again: a new pause.
        let sent = Instant::now();
        pacer.pause("chat.postMessage", Duration::from_secs(1), sent);
        pacer.wait_for("chat.postMessage").await;
        assert_eq!(started.elapsed(), Duration::from_millis(2_010));
    }

    #[tokio::test(start_paused = true)]
    async fn posts_to_one_conversation_are_a_gap_apart_and_others_do_not_wait() {
        let pacer = Pacer::new();
        let started = Instant::now();
        pacer.in_conversation("U1", || async {}).await;
        pacer.in_conversation("U2", || async {}).await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        pacer.in_conversation("U1", || async {}).await;
        assert_eq!(started.elapsed(), CONVERSATION_GAP);
    }
}
