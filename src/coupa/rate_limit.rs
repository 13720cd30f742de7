//! [`RateLimiter`]: the process-wide ceiling on Coupa calls (`COUPA_MAX_RPS`), and who goes first
//! under it.
//!
//! Coupa counts every call alike, but people wait on some of them more than others: someone who
//! clicked Approve is looking at a spinner, while a sync cycle or a "what's pending" list can be
//! a moment late. So when calls queue for the limiter, a waiting decision call
//! ([`Priority::Decision`]: the fresh read, the approver's user record, the approve or reject)
//! is granted the next slot before any waiting routine one ([`Priority::Routine`]: sync, "what's
//! pending", `check`); within a class, first come, first served. Who gets a slot never changes
//! how far apart slots are, so the ceiling is the same. Routine calls cannot be starved for long:
//! decisions come only from people's clicks, run a few at a time
//! ([`crate::engine::service::DECISIONS_AT_ONCE`]) and cost a few calls each.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use url::Url;

/// How much more network delay one call may meet than another a second later without Coupa
/// seeing more than `COUPA_MAX_RPS` arrivals in a second; costs 5% of the rate.
pub const JITTER_ALLOWANCE: Duration = Duration::from_millis(50);

/// Which waiting calls the limiter grants first. Ordered: the first variant goes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// A call someone's click waits for, and the access token every call needs (fetched about
    /// once a day, and nothing moves until it arrives).
    Decision,
    /// Everything else: sync, "what's pending", `check`.
    #[default]
    Routine,
}

/// A caller's place in the queue: its class, then its arrival, so the smallest is next.
type Ticket = (Priority, u64);

/// Who waits, and when the next slot is.
#[derive(Debug, Default)]
struct Queue {
    /// The earliest instant the next slot may be granted.
    next_slot: Option<Instant>,
    /// Waiting callers, next first; each is woken through its own [`Notify`], so only the caller
    /// whose turn it is wakes.
    waiting: BTreeMap<Ticket, Arc<Notify>>,
    /// Callers queued so far, for tickets.
    arrivals: u64,
}

impl Queue {
    fn head(&self) -> Option<Ticket> {
        self.waiting.first_key_value().map(|(ticket, _)| *ticket)
    }

    /// Tells the caller now next in line that it is, so it starts waiting for the slot.
    fn wake_head(&self) {
        if let Some((_, wake)) = self.waiting.first_key_value() {
            wake.notify_one();
        }
    }
}

/// Spaces calls evenly so the process stays under `COUPA_MAX_RPS`, whatever the number of tasks,
/// granting waiting decision calls first.
///
/// A slot is granted no sooner than `(1 s + JITTER_ALLOWANCE) / rps` after the one before, and
/// there is no burst allowance: any `rps + 1` consecutive calls then leave at least
/// [`JITTER_ALLOWANCE`] more than a second apart, so Coupa, which counts arrivals, never sees
/// more than `rps` in any one-second window unless the network delays one call that much more
/// than another. The caller next in line (the earliest decision, else the earliest routine call)
/// sleeps until the slot; a decision arriving meanwhile takes its place. A waiting caller must be
/// polled (as every task and `select!` branch here is) or dropped: one kept aside unpolled while
/// next in line would hold up those behind it. Uses `tokio::time`, so paused-clock tests control
/// it.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    queue: Mutex<Queue>,
}

impl RateLimiter {
    /// At most `rps` calls per second (0 is read as 1), as Coupa counts them.
    pub fn per_second(rps: u32) -> Self {
        Self {
            interval: (Duration::from_secs(1) + JITTER_ALLOWANCE) / rps.max(1),
            queue: Mutex::default(),
        }
    }

    /// The limiter shared by every client of the Coupa instance at `instance` with the same `rps`
    /// in this process, so that building a second client cannot double the rate. It lives as
    /// long as some client holds it.
    pub fn shared(instance: &Url, rps: u32) -> Arc<RateLimiter> {
        type Registry = HashMap<(String, u32), Weak<RateLimiter>>;
        static SHARED: OnceLock<Mutex<Registry>> = OnceLock::new();
        let mut registry = SHARED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let key = (instance.origin().ascii_serialization(), rps);
        if let Some(limiter) = registry.get(&key).and_then(Weak::upgrade) {
            return limiter;
        }
        registry.retain(|_, limiter| limiter.strong_count() > 0);
        let limiter = Arc::new(RateLimiter::per_second(rps));
        registry.insert(key, Arc::downgrade(&limiter));
        limiter
    }

    /// Waits for this caller's slot: at once when nobody waits and the last slot is an interval
    /// old, else in line by `priority`. Dropping the future gives the place up.
    pub async fn acquire(&self, priority: Priority) {
        let (ticket, wake) = {
            let mut queue = self.lock();
            let now = Instant::now();
            if queue.waiting.is_empty() && queue.next_slot.is_none_or(|slot| slot <= now) {
                queue.next_slot = Some(now + self.interval);
                return;
            }
            let ticket = (priority, queue.arrivals);
            queue.arrivals += 1;
            let was_next = queue.head();
            let wake = Arc::new(Notify::new());
            queue.waiting.insert(ticket, wake.clone());
            if was_next.is_some_and(|head| ticket < head) {
                // Overtaken: the caller that was next stops waiting for the slot.
                if let Some(overtaken) = was_next.and_then(|head| queue.waiting.get(&head)) {
                    overtaken.notify_one();
                }
            }
            (ticket, wake)
        };
        let _place = Place {
            limiter: self,
            ticket,
        };
        // The slot this caller last slept towards. Granted on waking, the next slot is counted
        // from it rather than from the moment of waking, which timers round up: slots keep to
        // their schedule instead of drifting later with every call.
        let mut slept_towards = None;
        loop {
            let due = {
                let mut queue = self.lock();
                if queue.head() != Some(ticket) {
                    None
                } else {
                    let now = Instant::now();
                    match queue.next_slot {
                        Some(slot) if slot > now => Some(slot),
                        due => {
                            let granted = match due {
                                Some(slot) if slept_towards == Some(slot) => slot,
                                _ => now,
                            };
                            queue.waiting.remove(&ticket);
                            queue.next_slot = Some(granted + self.interval);
                            queue.wake_head();
                            return;
                        }
                    }
                }
            };
            match due {
                // Next in line: the slot comes, or someone overtakes.
                Some(slot) => {
                    slept_towards = Some(slot);
                    tokio::select! {
                    () = tokio::time::sleep_until(slot) => {}
                    () = wake.notified() => {}
                    }
                }
                // Someone else is next: wait to be told it is this caller's turn.
                None => wake.notified().await,
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A poisoned lock still holds a valid queue: keep going rather than panic.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A caller's place in line, given up when its wait is abandoned (a timeout, a cancelled task)
/// so that it holds nobody up.
struct Place<'a> {
    limiter: &'a RateLimiter,
    ticket: Ticket,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut queue = self.limiter.lock();
        let was_next = queue.head() == Some(self.ticket);
        // Already gone when the slot was granted.
        if queue.waiting.remove(&self.ticket).is_some() && was_next {
            queue.wake_head();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_spaces_calls_evenly() {
        let limiter = RateLimiter::per_second(20);
        let started = Instant::now();
        for _ in 0..21 {
            limiter.acquire(Priority::Routine).await;
        }
        // 21 calls at 20/s: the first at once, the last a second and the allowance later.
        assert_eq!(started.elapsed(), Duration::from_secs(1) + JITTER_ALLOWANCE);
    }

    /// Starts a caller of `priority` named `name` that records when it was granted a slot, and
    /// lets it take its place in line.
    async fn queue_up(
        limiter: &Arc<RateLimiter>,
        granted: &Arc<Mutex<Vec<(&'static str, Duration)>>>,
        started: Instant,
        name: &'static str,
        priority: Priority,
    ) -> tokio::task::JoinHandle<()> {
        let limiter = limiter.clone();
        let granted = granted.clone();
        let task = tokio::spawn(async move {
            limiter.acquire(priority).await;
            granted.lock().unwrap().push((name, started.elapsed()));
        });
        // Paused time does not move while tasks can run: every caller queues before any slot.
        tokio::task::yield_now().await;
        task
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_decision_call_is_granted_the_next_slot_before_routine_calls_waiting_longer()
    {
        let limiter = Arc::new(RateLimiter::per_second(4));
        let interval = (Duration::from_secs(1) + JITTER_ALLOWANCE) / 4;
        let granted = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        limiter.acquire(Priority::Routine).await;
        let mut tasks = Vec::new();
        for name in ["sync 1", "lookup 1", "sync 2"] {
            tasks.push(queue_up(&limiter, &granted, started, name, Priority::Routine).await);
        }
        tasks.push(
            queue_up(
                &limiter,
                &granted,
                started,
                "decision 1",
                Priority::Decision,
            )
            .await,
        );
        tasks.push(queue_up(&limiter, &granted, started, "lookup 2", Priority::Routine).await);
        tasks.push(
            queue_up(
                &limiter,
                &granted,
                started,
                "decision 2",
                Priority::Decision,
            )
            .await,
        );
        for task in tasks {
            task.await.unwrap();
        }

        let granted = granted.lock().unwrap().clone();
        let order: Vec<_> = granted.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            order,
            [
                "decision 1",
                "decision 2",
                "sync 1",
                "lookup 1",
                "sync 2",
                "lookup 2"
            ]
        );
        // Priority decides who, never how often: one slot per interval, as without it (timers
        // wake on whole milliseconds).
        for (n, (name, at)) in granted.iter().enumerate() {
            let slot = interval * (n as u32 + 1);
            assert!(
                *at >= slot && *at < slot + Duration::from_millis(1),
                "{name} was granted at {at:?}, its slot being {slot:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_decision_arriving_while_a_routine_call_waits_for_its_slot_takes_that_slot() {
        let limiter = Arc::new(RateLimiter::per_second(2));
        let interval = (Duration::from_secs(1) + JITTER_ALLOWANCE) / 2;
        let granted = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        limiter.acquire(Priority::Routine).await;
        let routine = queue_up(&limiter, &granted, started, "sync", Priority::Routine).await;
        // The sync call is already sleeping towards its slot when the click comes.
        tokio::time::sleep(interval / 2).await;
        let decision = queue_up(&limiter, &granted, started, "decision", Priority::Decision).await;
        routine.await.unwrap();
        decision.await.unwrap();

        let granted = granted.lock().unwrap().clone();
        let order: Vec<_> = granted.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            order,
            ["decision", "sync"],
            "the decision took the slot the sync call was waiting for"
        );
        assert!(granted[0].1 >= interval && granted[0].1 < interval + Duration::from_millis(1));
        assert!(granted[1].1 >= interval * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_waiting_holds_nobody_up() {
        let limiter = Arc::new(RateLimiter::per_second(2));
        let interval = (Duration::from_secs(1) + JITTER_ALLOWANCE) / 2;
        let granted = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        limiter.acquire(Priority::Routine).await;
        let impatient = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                tokio::time::timeout(interval / 4, limiter.acquire(Priority::Decision)).await
            })
        };
        tokio::task::yield_now().await;
        let patient = queue_up(&limiter, &granted, started, "sync", Priority::Routine).await;
        assert!(
            impatient.await.unwrap().is_err(),
            "the first caller gave up"
        );
        patient.await.unwrap();

        // The slot the caller gave up went to the next in line, on time.
        let granted = granted.lock().unwrap().clone();
        assert_eq!(granted.len(), 1);
        assert_eq!(granted[0].0, "sync");
        assert!(granted[0].1 >= interval && granted[0].1 < interval + Duration::from_millis(1));
        assert!(limiter.lock().waiting.is_empty());
    }

    #[test]
    fn clients_of_one_instance_share_one_limiter() {
        let acme = Url::parse("https://acme.coupahost.com").unwrap();
        let other = Url::parse("https://other.coupahost.com").unwrap();
        let first = RateLimiter::shared(&acme, 20);
        assert!(Arc::ptr_eq(&first, &RateLimiter::shared(&acme, 20)));
        assert!(!Arc::ptr_eq(&first, &RateLimiter::shared(&other, 20)));
    }
}
