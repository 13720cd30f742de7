//! [`PendingCache`]: what keeps "what's pending" from spending Coupa's budget.
//!
//! Anyone in the workspace can ask as often as they like (a DM, a mention, opening App Home,
//! `/approvals`), and each live lookup costs 3 + N Coupa calls under the `COUPA_MAX_RPS` that
//! decisions and sync share. So:
//!
//! - each person's last answer is kept for [`ANSWER_FRESH_FOR`] and given again to anyone asking
//!   for it meanwhile;
//! - one lookup runs at a time per person, and everyone who asks while it runs gets its answer;
//! - at most [`LOOKUPS_AT_ONCE`] lookups run at a time across people. Beyond that an asker waits
//!   in line, at most [`LOOKUP_WAIT`], and is then told Coupa is busy
//!   ([`PendingAnswer::Busy`]) rather than shown an older list: an older list may still hold an
//!   approval they have just decided, and "ask again in a moment" is true and costs nothing.
//!
//! A person's kept answer is forgotten ([`PendingCache::forget`]) the moment the bot decides
//! something for them or changes one of their cards, so a list never shows what they just
//! decided; a lookup that was running at that moment is not kept either. Each process keeps its
//! own answers: with several replicas a person may be looked up once per replica.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Semaphore;

use crate::domain::ChatUserId;

use super::pending::PendingAnswer;
use super::service::Clock;

/// How long a person's answer is given again without asking Coupa. Short: long enough to absorb
/// a burst (a double-sent message, App Home and a DM together, a script), short enough that a
/// change made in Coupa itself shows the next time they ask.
pub const ANSWER_FRESH_FOR: Duration = Duration::from_secs(5);

/// Lookups running at once in a process, across people. Each is a few calls in a row, so a few
/// at once keep Coupa busy without queueing many calls ahead of sync in the rate limiter.
pub const LOOKUPS_AT_ONCE: usize = 4;

/// How long an asker waits for one of the [`LOOKUPS_AT_ONCE`] before being told Coupa is busy.
pub const LOOKUP_WAIT: Duration = Duration::from_secs(10);

/// Remembered people are pruned once there are more than this many.
const PRUNE_ABOVE: usize = 1_024;

/// Where an answer came from, as `pending_lookups_total{source}` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A kept answer, made before this asker asked.
    Cache,
    /// The answer of a lookup that was running (or waiting for its turn) when this asker asked.
    Coalesced,
    /// A lookup of this asker's own.
    Coupa,
    /// No lookup could start within [`LOOKUP_WAIT`].
    Busy,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Cache => "cache",
            Source::Coalesced => "coalesced",
            Source::Coupa => "coupa",
            Source::Busy => "busy",
        }
    }
}

/// One person's answers.
#[derive(Debug, Default)]
struct Asker {
    /// Moves on whenever this person's answers must be forgotten; a kept answer counts only
    /// while it carries the current value.
    epoch: AtomicU64,
    /// Answers made so far: an asker who finds a later one than when they asked waited for it.
    made: AtomicU64,
    /// The last answer; locked for the whole of a lookup, so that one runs at a time.
    kept: tokio::sync::Mutex<Option<Kept>>,
}

/// An answer kept for the person it was made for.
#[derive(Debug)]
struct Kept {
    answer: PendingAnswer,
    /// When it was made, by the engine's clock.
    at: Timestamp,
    /// The person's epoch when its lookup began.
    epoch: u64,
    /// Which of the person's answers it is (from 1).
    serial: u64,
}

/// Each person's last answer, one lookup per person at a time, and a cap on lookups at once.
pub(crate) struct PendingCache {
    people: Mutex<HashMap<ChatUserId, Arc<Asker>>>,
    lookups: Semaphore,
    clock: Clock,
}

impl PendingCache {
    /// Nothing kept yet; freshness is judged by `clock`.
    pub(crate) fn new(clock: Clock) -> Self {
        Self {
            people: Mutex::default(),
            lookups: Semaphore::new(LOOKUPS_AT_ONCE),
            clock,
        }
    }

    /// `user`'s answer: the kept one while fresh, else that of the lookup running for them, else
    /// `lookup`'s once one of the [`LOOKUPS_AT_ONCE`] is free, else (after [`LOOKUP_WAIT`])
    /// [`PendingAnswer::Busy`]. Whatever is answered is kept for [`ANSWER_FRESH_FOR`].
    pub(crate) async fn answer(
        &self,
        user: &ChatUserId,
        lookup: impl Future<Output = PendingAnswer>,
    ) -> PendingAnswer {
        let asker = self.asker(user);
        let asked_after = asker.made.load(Ordering::SeqCst);
        let mut kept = asker.kept.lock().await;
        let epoch = asker.epoch.load(Ordering::SeqCst);
        if let Some(kept) = kept
            .as_ref()
            .filter(|k| k.epoch == epoch && self.fresh(k.at))
        {
            let source = if kept.serial > asked_after {
                Source::Coalesced
            } else {
                Source::Cache
            };
            count(source);
            return kept.answer.clone();
        }
        let (answer, source) = match tokio::time::timeout(LOOKUP_WAIT, self.lookups.acquire()).await
        {
            Ok(Ok(_turn)) => (lookup.await, Source::Coupa),
            // Timed out (the semaphore is never closed).
            _ => (PendingAnswer::Busy, Source::Busy),
        };
        let serial = asker.made.fetch_add(1, Ordering::SeqCst) + 1;
        *kept = Some(Kept {
            answer: answer.clone(),
            at: (self.clock)(),
            epoch,
            serial,
        });
        count(source);
        answer
    }

    /// Forgets `user`'s kept answer, and the answer of a lookup running for them now: the bot has
    /// just changed something they would see in it.
    pub(crate) fn forget(&self, user: &ChatUserId) {
        if let Some(asker) = self.lock().get(user) {
            asker.epoch.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether an answer made at `at` may still be given.
    fn fresh(&self, at: Timestamp) -> bool {
        let age = (self.clock)().duration_since(at);
        // A clock that went back says nothing about the age: ask again.
        age.as_secs() >= 0 && age.unsigned_abs() < ANSWER_FRESH_FOR
    }

    /// `user`'s entry, made if needed.
    fn asker(&self, user: &ChatUserId) -> Arc<Asker> {
        let mut people = self.lock();
        if let Some(asker) = people.get(user) {
            return asker.clone();
        }
        if people.len() >= PRUNE_ABOVE {
            // Keep those being answered now and those whose answer is still fresh.
            people.retain(|_, asker| {
                Arc::strong_count(asker) > 1
                    || asker
                        .kept
                        .try_lock()
                        .map_or(true, |kept| kept.as_ref().is_some_and(|k| self.fresh(k.at)))
            });
        }
        let asker = Arc::new(Asker::default());
        people.insert(user.clone(), asker.clone());
        asker
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ChatUserId, Arc<Asker>>> {
        // A poisoned map still holds valid entries: keep going rather than panic.
        self.people.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn count(source: Source) {
    metrics::counter!("pending_lookups_total", "source" => source.label()).increment(1);
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::domain::records::PendingSnapshot;

    /// A clock tests move by hand.
    fn movable_clock() -> (Clock, Arc<Mutex<Timestamp>>) {
        let now = Arc::new(Mutex::new(Timestamp::from_second(1_700_000_000).unwrap()));
        let read = now.clone();
        (Arc::new(move || *read.lock().unwrap()), now)
    }

    fn list(items_as_of: i64) -> PendingAnswer {
        PendingAnswer::Live(PendingSnapshot {
            as_of: Timestamp::from_second(items_as_of).unwrap(),
            items: Vec::new(),
        })
    }

    /// A lookup that counts itself and answers a list dated by its number.
    async fn counted(lookups: &AtomicUsize) -> PendingAnswer {
        let n = lookups.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::task::yield_now().await;
        list(n as i64)
    }

    #[tokio::test]
    async fn an_answer_is_given_again_while_fresh_and_looked_up_again_after() {
        let (clock, now) = movable_clock();
        let cache = PendingCache::new(clock);
        let user = ChatUserId::from("UDANIEL");
        let lookups = AtomicUsize::new(0);

        assert_eq!(cache.answer(&user, counted(&lookups)).await, list(1));
        *now.lock().unwrap() += ANSWER_FRESH_FOR - Duration::from_secs(1);
        assert_eq!(cache.answer(&user, counted(&lookups)).await, list(1));
        *now.lock().unwrap() += Duration::from_secs(1);
        assert_eq!(cache.answer(&user, counted(&lookups)).await, list(2));
        assert_eq!(lookups.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn people_do_not_share_answers() {
        let (clock, _) = movable_clock();
        let cache = PendingCache::new(clock);
        let lookups = AtomicUsize::new(0);
        cache
            .answer(&ChatUserId::from("UDANIEL"), counted(&lookups))
            .await;
        let other = cache
            .answer(&ChatUserId::from("USOFIA"), counted(&lookups))
            .await;
        assert_eq!(other, list(2));
    }

    #[tokio::test]
    async fn forgetting_a_person_makes_their_next_ask_look_up_again() {
        let (clock, _) = movable_clock();
        let cache = PendingCache::new(clock);
        let user = ChatUserId::from("UDANIEL");
        let lookups = AtomicUsize::new(0);
        cache.answer(&user, counted(&lookups)).await;
        cache.forget(&ChatUserId::from("USOFIA"));
        assert_eq!(cache.answer(&user, counted(&lookups)).await, list(1));

        cache.forget(&user);
        assert_eq!(cache.answer(&user, counted(&lookups)).await, list(2));
    }

    #[tokio::test]
    async fn a_lookup_running_when_the_person_is_forgotten_is_not_kept() {
        let (clock, _) = movable_clock();
        let cache = Arc::new(PendingCache::new(clock));
        let user = ChatUserId::from("UDANIEL");
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let running = {
            let cache = cache.clone();
            let user = user.clone();
            tokio::spawn(async move {
                cache
                    .answer(&user, async {
                        let _ = held.await;
                        list(1)
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        // The person decides something while their list is being read.
        cache.forget(&user);
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), list(1));

        let lookups = AtomicUsize::new(1);
        assert_eq!(cache.answer(&user, counted(&lookups)).await, list(2));
    }

    #[tokio::test]
    async fn fifty_asks_at_once_from_one_person_make_one_lookup_and_all_get_its_answer() {
        let (clock, _) = movable_clock();
        let cache = Arc::new(PendingCache::new(clock));
        let lookups = Arc::new(AtomicUsize::new(0));
        let mut asks = Vec::new();
        for _ in 0..50 {
            let cache = cache.clone();
            let lookups = lookups.clone();
            asks.push(tokio::spawn(async move {
                cache
                    .answer(&ChatUserId::from("UDANIEL"), async {
                        let n = lookups.fetch_add(1, Ordering::SeqCst) + 1;
                        // Long enough for every other ask to arrive meanwhile.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        list(n as i64)
                    })
                    .await
            }));
        }
        for ask in asks {
            assert_eq!(ask.await.unwrap(), list(1));
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn beyond_the_lookups_at_once_an_asker_waits_then_hears_coupa_is_busy() {
        let (clock, _) = movable_clock();
        let cache = Arc::new(PendingCache::new(clock));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut asks = Vec::new();
        for n in 0..LOOKUPS_AT_ONCE + 1 {
            let cache = cache.clone();
            let (running, most) = (running.clone(), most.clone());
            asks.push(tokio::spawn(async move {
                let started = tokio::time::Instant::now();
                let answer = cache
                    .answer(&ChatUserId(format!("U{n}")), async {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        // Coupa is slow: every lookup takes longer than anyone waits.
                        tokio::time::sleep(LOOKUP_WAIT * 2).await;
                        running.fetch_sub(1, Ordering::SeqCst);
                        list(1)
                    })
                    .await;
                (answer, started.elapsed())
            }));
            tokio::task::yield_now().await;
        }
        let mut answers = Vec::new();
        for ask in asks {
            answers.push(ask.await.unwrap());
        }
        assert_eq!(most.load(Ordering::SeqCst), LOOKUPS_AT_ONCE);
        let (last, waited) = answers.pop().unwrap();
        assert_eq!(last, PendingAnswer::Busy);
        assert_eq!(waited, LOOKUP_WAIT);
        assert!(answers.iter().all(|(answer, _)| *answer == list(1)));
    }
}
