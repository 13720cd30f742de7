//! [`Pacer`]: how the bot keeps to the Bot Connector's rate limits by waiting, so that a burst of
//! cards is delayed, never dropped.
//!
//! Microsoft limits each bot per conversation (sends and creates: 7 per second and 60 per 30
//! seconds; reads twice those) and per app and tenant (50 requests per second). Calls for one
//! conversation run one at a time, in the order they asked ([`Pacer::lane`]), each attempt
//! starting only when it fits every window; the time an attempt counts from is when its answer
//! arrived (in the app-wide window too, each call its own), so the connector never sees more
//! than the limit in any window however the network delays requests. The app-wide window is
//! shared by every call of the bot (a single-tenant registration talks to one tenant).
//!
//! Lanes of conversations nobody has used for longer than the longest window are forgotten once
//! there are many, so memory stays bounded.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::time::Instant;

/// A rate limit: at most `.0` requests in any `.1`.
pub type Limit = (usize, Duration);

/// Sends and creates in one conversation.
pub const WRITES: &[Limit] = &[(7, Duration::from_secs(1)), (60, Duration::from_secs(30))];

/// Reads in one conversation: twice the writes.
pub const READS: &[Limit] = &[(14, Duration::from_secs(1)), (120, Duration::from_secs(30))];

/// Every request of the bot.
pub const APP: &[Limit] = &[(50, Duration::from_secs(1))];

/// The longest window: a lane idle for longer has nothing to remember.
const LONGEST_WINDOW: Duration = Duration::from_secs(30);

/// Lanes are pruned once there are more than this many.
const PRUNE_ABOVE: usize = 1_024;

/// When the latest requests under some limits started; enough of them to check every limit.
#[derive(Debug)]
pub struct Window {
    limits: &'static [Limit],
    starts: VecDeque<Instant>,
}

impl Window {
    /// No requests yet.
    pub fn new(limits: &'static [Limit]) -> Self {
        Self {
            limits,
            starts: VecDeque::new(),
        }
    }

    /// Books the earliest start at or after `now` (and after every start booked before) that
    /// keeps every limit, and returns it.
    pub fn book(&mut self, now: Instant) -> Instant {
        let mut start = self.starts.back().map_or(now, |last| now.max(*last));
        for &(count, period) in self.limits {
            if count > 0 && self.starts.len() >= count {
                let nth_latest = self.starts[self.starts.len() - count];
                start = start.max(nth_latest + period);
            }
        }
        self.starts.push_back(start);
        let keep = self.limits.iter().map(|l| l.0).max().unwrap_or(0);
        while self.starts.len() > keep {
            self.starts.pop_front();
        }
        start
    }

    /// Moves the latest booking to `at` (later only): the request's answer arrived then.
    pub fn answered(&mut self, at: Instant) {
        if let Some(last) = self.starts.back_mut() {
            *last = (*last).max(at);
        }
    }

    /// Moves the booking made for `booked` to `at` (later only), keeping the bookings in order:
    /// that request's answer arrived then. Several calls share a window, so the booking moved is
    /// the call's own, not the latest; one already forgotten stays forgotten.
    pub fn answered_booking(&mut self, booked: Instant, at: Instant) {
        if at <= booked {
            return;
        }
        let Some(index) = self.starts.iter().rposition(|start| *start == booked) else {
            return;
        };
        self.starts.remove(index);
        let position = self
            .starts
            .iter()
            .rposition(|start| *start <= at)
            .map_or(0, |i| i + 1);
        self.starts.insert(position, at);
    }

    /// The latest booking, if any.
    fn latest(&self) -> Option<Instant> {
        self.starts.back().copied()
    }
}

/// Which budget of a conversation a call spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Create a conversation, send, update, delete.
    Write,
    /// Read a member.
    Read,
}

/// One conversation's budgets; held by one call at a time.
#[derive(Debug)]
pub struct Lane {
    writes: Window,
    reads: Window,
}

impl Default for Lane {
    fn default() -> Self {
        Self {
            writes: Window::new(WRITES),
            reads: Window::new(READS),
        }
    }
}

impl Lane {
    fn window(&mut self, kind: Kind) -> &mut Window {
        match kind {
            Kind::Write => &mut self.writes,
            Kind::Read => &mut self.reads,
        }
    }

    /// Whether nothing was booked within the longest window before `now`.
    fn idle(&self, now: Instant) -> bool {
        [self.writes.latest(), self.reads.latest()]
            .into_iter()
            .flatten()
            .all(|latest| latest + LONGEST_WINDOW <= now)
    }
}

/// The pace of every conversation and of the whole app. Share one per process.
#[derive(Debug)]
pub struct Pacer {
    lanes: std::sync::Mutex<HashMap<String, Arc<Mutex<Lane>>>>,
    app: std::sync::Mutex<Window>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self {
            lanes: std::sync::Mutex::new(HashMap::new()),
            app: std::sync::Mutex::new(Window::new(APP)),
        }
    }
}

/// A conversation's lane, held: calls to it wait until this is dropped.
pub struct Turn<'p> {
    pacer: &'p Pacer,
    lane: OwnedMutexGuard<Lane>,
    /// The app-wide booking of the request under way, moved to its answer when it comes.
    app_booking: Option<Instant>,
}

impl Turn<'_> {
    /// Waits until one more request of `kind` fits the conversation's and the app's limits.
    pub async fn ready(&mut self, kind: Kind) {
        let at = self.lane.window(kind).book(Instant::now());
        tokio::time::sleep_until(at).await;
        let at = self.pacer.app().book(Instant::now());
        self.app_booking = Some(at);
        tokio::time::sleep_until(at).await;
        // The conversation's window counts from when the request really left.
        self.lane.window(kind).answered(Instant::now());
    }

    /// The request of `kind` just answered: the conversation's window and the app's count it
    /// from now.
    pub fn answered(&mut self, kind: Kind) {
        let now = Instant::now();
        self.lane.window(kind).answered(now);
        if let Some(booked) = self.app_booking.take() {
            self.pacer.app().answered_booking(booked, now);
        }
    }
}

impl Pacer {
    /// Nothing sent yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for `conversation`'s lane: calls to one conversation run one at a time, first come
    /// first served.
    pub async fn lane(&self, conversation: &str) -> Turn<'_> {
        let lane = {
            let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
            if lanes.len() > PRUNE_ABOVE {
                let now = Instant::now();
                lanes.retain(|_, lane| {
                    Arc::strong_count(lane) > 1
                        || lane.try_lock().map_or(true, |lane| !lane.idle(now))
                });
            }
            lanes.entry(conversation.to_owned()).or_default().clone()
        };
        Turn {
            pacer: self,
            lane: lane.lock_owned().await,
            app_booking: None,
        }
    }

    /// The app-wide window.
    fn app(&self) -> std::sync::MutexGuard<'_, Window> {
        self.app.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many conversations are remembered.
    pub fn lanes(&self) -> usize {
        self.lanes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_eighth_send_in_a_second_waits_for_the_second_to_pass() {
        let pacer = Pacer::new();
        let started = Instant::now();
        let mut turn = pacer.lane("a:1").await;
        for _ in 0..7 {
            turn.ready(Kind::Write).await;
            turn.answered(Kind::Write);
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        turn.ready(Kind::Write).await;
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn sixty_sends_use_up_thirty_seconds_and_reads_have_their_own_budget() {
        let pacer = Pacer::new();
        let started = Instant::now();
        let mut turn = pacer.lane("a:1").await;
        for _ in 0..60 {
            turn.ready(Kind::Write).await;
        }
        // Seven a second: the 60th starts in the ninth second.
        assert_eq!(started.elapsed(), Duration::from_secs(8));
        turn.ready(Kind::Read).await;
        assert_eq!(started.elapsed(), Duration::from_secs(8));
        turn.ready(Kind::Write).await;
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_counts_from_the_answer() {
        const ONE_A_SECOND: &[Limit] = &[(1, Duration::from_secs(1))];
        let mut window = Window::new(ONE_A_SECOND);
        let started = Instant::now();
        window.book(started);
        window.answered(started + Duration::from_millis(400));
        assert_eq!(window.book(started), started + Duration::from_millis(1_400));
    }

    #[tokio::test(start_paused = true)]
    async fn other_conversations_do_not_wait_but_the_app_limit_holds_for_all() {
        let pacer = Pacer::new();
        let started = Instant::now();
        for n in 0..50 {
            let mut turn = pacer.lane(&format!("a:{n}")).await;
            turn.ready(Kind::Write).await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        pacer.lane("a:51").await.ready(Kind::Read).await;
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_app_window_counts_each_call_from_its_own_answer() {
        let pacer = Pacer::new();
        let started = Instant::now();
        let mut turns = Vec::new();
        for n in 0..50 {
            let mut turn = pacer.lane(&format!("a:{n}")).await;
            turn.ready(Kind::Write).await;
            turns.push(turn);
        }
        // The first call's answer takes 300 ms, the others' 100 ms: arriving late, each still
        // counts a whole second from when it was answered.
        tokio::time::advance(Duration::from_millis(100)).await;
        for turn in turns.iter_mut().skip(1) {
            turn.answered(Kind::Write);
        }
        tokio::time::advance(Duration::from_millis(200)).await;
        turns[0].answered(Kind::Write);
        drop(turns);
        pacer.lane("a:50").await.ready(Kind::Write).await;
        assert_eq!(started.elapsed(), Duration::from_millis(1_100));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_conversations_are_forgotten() {
        let pacer = Pacer::new();
        for n in 0..=PRUNE_ABOVE {
            pacer.lane(&format!("a:{n}")).await.ready(Kind::Read).await;
        }
        tokio::time::advance(LONGEST_WINDOW).await;
        pacer.lane("a:new").await.ready(Kind::Read).await;
        assert_eq!(pacer.lanes(), 1);
    }
}
