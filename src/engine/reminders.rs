//! Reminders: once a day at most, in each person's own working hours, one message listing
//! everything still waiting on them.
//!
//! Run by the replica holding the sync lease after each sync cycle ([`Engine::remind`]). A person
//! is due when a card the bot sent them at least [`ReminderSettings::after`] ago is still
//! recorded and its buttons have not expired (the store's index of unexpired cards by send time
//! finds those without reading every card; a card past `BUTTON_TTL_HOURS` already tells its
//! recipient to decide in Coupa).
//! For each due person who has not turned reminders off, whose local time (their chat profile's
//! zone, kept a day per person; UTC when unknown) is a weekday inside
//! [`ReminderSettings::working_hours`], the day's reminder is claimed in the store
//! (`reminder:{user}:{local date}`, set-if-absent), so that one replica sends it once however
//! many run and however often they restart. The list itself is the live "what's pending" of
//! [`Engine::pending_for`]: when Coupa cannot be read no stale list is sent and the claim is given
//! back, so a later cycle that day tries again.
//!
//! The engine returns data ([`ListMessage`] with [`ListPurpose::Reminder`]); the chat adapters
//! word and lay it out.

mod hours;
mod zones;

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::task::JoinSet;

use crate::chat::list::{ListMessage, ListPurpose};
use crate::domain::ChatUserId;
use crate::telemetry::chain;

use super::error::EngineError;
use super::pending::PendingAnswer;
use super::service::Engine;

pub use self::hours::{DEFAULT_WORKING_HOURS, WorkingHours, WorkingHoursError};
pub(crate) use self::zones::ZoneCache;

/// How long after its card was sent an approval still pending is reminded of, unless
/// `REMIND_AFTER_HOURS` says otherwise.
pub const DEFAULT_REMIND_AFTER: Duration = Duration::from_secs(24 * 3600);

/// People whose reminders are worked on at once: as many as "what's pending" lookups run at once.
pub const REMINDERS_AT_ONCE: usize = super::pending::LOOKUPS_AT_ONCE;

/// How long a day's claim is kept: past the end of that local day in every zone.
pub const CLAIM_KEPT: Duration = Duration::from_secs(3 * 24 * 3600);

/// When and whether reminders are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderSettings {
    /// An approval is reminded of once its card was sent this long ago; zero turns reminders off.
    pub after: Duration,
    /// When, in each person's own time, a reminder may be sent.
    pub working_hours: WorkingHours,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            after: DEFAULT_REMIND_AFTER,
            working_hours: DEFAULT_WORKING_HOURS,
        }
    }
}

impl ReminderSettings {
    /// Whether reminders are sent at all.
    pub fn enabled(&self) -> bool {
        !self.after.is_zero()
    }
}

/// What one reminder pass did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReminderReport {
    /// People with a card older than the reminder delay.
    pub due: usize,
    /// Reminders posted.
    pub sent: usize,
    /// Due people outside their working hours (or on a weekend) now.
    pub outside_hours: usize,
    /// Due people who turned reminders off.
    pub turned_off: usize,
    /// Due people whose reminder for today was already claimed (sent, or being sent).
    pub already: usize,
    /// Due people with nothing waiting by the time their list was read.
    pub nothing_waiting: usize,
    /// Reminders not sent this time (Coupa or the chat platform failed); tried again later.
    pub failed: usize,
}

impl ReminderReport {
    /// Counts what became of one due person (a panic counts as a failure).
    fn count(&mut self, joined: Result<Sent, tokio::task::JoinError>) {
        match joined {
            Ok(Sent::Posted) => self.sent += 1,
            Ok(Sent::OutsideHours) => self.outside_hours += 1,
            Ok(Sent::TurnedOff) => self.turned_off += 1,
            Ok(Sent::Already) => self.already += 1,
            Ok(Sent::NothingWaiting) => self.nothing_waiting += 1,
            Ok(Sent::Failed) => self.failed += 1,
            Err(err) => {
                tracing::error!(error = %err, "a person's reminder panicked; their day's claim stays taken");
                self.failed += 1;
            }
        }
    }
}

/// What the reminder pass keeps between cycles in this process.
#[derive(Default)]
pub(crate) struct ReminderMemory {
    /// Each person's time zone, read from their chat profile.
    pub(crate) zones: ZoneCache,
    /// The (person, local day) reminders this process knows are claimed: no store call for them
    /// again that day.
    claimed: Mutex<HashSet<(ChatUserId, Date)>>,
}

impl ReminderMemory {
    fn knows_claimed(&self, user: &ChatUserId, day: Date) -> bool {
        self.lock().contains(&(user.clone(), day))
    }

    fn note_claimed(&self, user: &ChatUserId, day: Date) {
        let mut claimed = self.lock();
        // Only today's and yesterday's matter; drop older days so the set stays small.
        if let Ok(oldest) = day.yesterday() {
            claimed.retain(|(_, d)| *d >= oldest);
        }
        claimed.insert((user.clone(), day));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(ChatUserId, Date)>> {
        self.claimed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What became of one due person.
enum Sent {
    Posted,
    OutsideHours,
    TurnedOff,
    Already,
    NothingWaiting,
    Failed,
}

impl Engine {
    /// One reminder pass: every due person inside their working hours gets today's reminder
    /// unless some replica already sent it. Failures for one person are logged and counted;
    /// only a failure to find who is due fails the pass.
    pub async fn remind(&self) -> Result<ReminderReport, EngineError> {
        let settings = self.settings.reminders;
        let mut report = ReminderReport::default();
        if !settings.enabled() {
            return Ok(report);
        }
        let now = self.now();
        let Ok(cutoff) = now.checked_sub(
            jiff::SignedDuration::try_from(settings.after).unwrap_or(jiff::SignedDuration::MAX),
        ) else {
            return Ok(report);
        };
        // Who is due: the recipients of unexpired cards sent by the cutoff, each once.
        let mut due: BTreeSet<ChatUserId> = BTreeSet::new();
        for approval in self.store.approvals_with_cards_sent_by(cutoff).await? {
            for card in self.store.cards(approval).await? {
                if card.sent_at <= cutoff && !card.expired {
                    due.insert(card.recipient);
                }
            }
        }
        report.due = due.len();
        // A few people at once: at 09:00 in a busy zone many are due together, and each list is
        // a few Coupa calls; one at a time would hold the next sync cycle up for minutes.
        let mut tasks = JoinSet::new();
        for user in due {
            while tasks.len() >= REMINDERS_AT_ONCE {
                if let Some(joined) = tasks.join_next().await {
                    report.count(joined);
                }
            }
            let engine = self.clone();
            tasks.spawn(async move { engine.remind_one(&user, &settings, now).await });
        }
        while let Some(joined) = tasks.join_next().await {
            report.count(joined);
        }
        if report.sent > 0 || report.failed > 0 {
            tracing::info!(?report, "reminders sent");
        }
        metrics::counter!("reminders_sent_total").increment(report.sent as u64);
        Ok(report)
    }

    /// Today's reminder for `user`, if it is their working time and nobody sent it yet.
    async fn remind_one(
        &self,
        user: &ChatUserId,
        settings: &ReminderSettings,
        now: jiff::Timestamp,
    ) -> Sent {
        let zone: TimeZone = self
            .reminder_memory
            .zones
            .zone_of(user, &*self.chat, now)
            .await;
        let local = now.to_zoned(zone).datetime();
        if !settings.working_hours.contains(local) {
            return Sent::OutsideHours;
        }
        let day = local.date();
        if self.reminder_memory.knows_claimed(user, day) {
            return Sent::Already;
        }
        match self.store.reminders_on(user).await {
            Ok(true) => {}
            Ok(false) => return Sent::TurnedOff,
            Err(err) => {
                tracing::warn!(error = %chain(&err), %user, "could not read whether a person wants reminders; trying again next cycle");
                return Sent::Failed;
            }
        }
        let day_key = day.to_string();
        match self.store.claim_reminder(user, &day_key, CLAIM_KEPT).await {
            Ok(true) => {}
            Ok(false) => {
                self.reminder_memory.note_claimed(user, day);
                return Sent::Already;
            }
            Err(err) => {
                tracing::warn!(error = %chain(&err), %user, "could not claim a person's reminder; trying again next cycle");
                return Sent::Failed;
            }
        }
        let sent = self.send_reminder(user).await;
        match sent {
            Sent::Failed => {
                // Give the day back: a later cycle (on whichever replica leads) tries again.
                if let Err(err) = self.store.release_reminder(user, &day_key).await {
                    tracing::warn!(error = %chain(&err), %user, "could not give back a reminder's claim; it is not retried today");
                    self.reminder_memory.note_claimed(user, day);
                }
            }
            _ => self.reminder_memory.note_claimed(user, day),
        }
        sent
    }

    /// Reads `user`'s list live and posts it as a reminder.
    async fn send_reminder(&self, user: &ChatUserId) -> Sent {
        let snapshot = match self.pending_for(user).await {
            PendingAnswer::Live(snapshot) => snapshot,
            // A list from an earlier read may hold what was decided since: no reminder from it.
            PendingAnswer::Stale(_) | PendingAnswer::Unavailable | PendingAnswer::Busy => {
                tracing::debug!(%user, "Coupa could not be read for a reminder; trying again later");
                return Sent::Failed;
            }
            PendingAnswer::NoEmail | PendingAnswer::NoCoupaUser { .. } => {
                return Sent::NothingWaiting;
            }
        };
        if snapshot.items.is_empty() {
            return Sent::NothingWaiting;
        }
        let list = ListMessage {
            purpose: ListPurpose::Reminder,
            issued_at: self.now(),
            coupa: self.settings.coupa_instance_url.clone(),
            confirm_above: self.settings.confirm_above_amount,
            snapshot,
        };
        match self.chat.post_list(user, &list).await {
            Ok(()) => Sent::Posted,
            Err(err) => {
                tracing::warn!(error = %chain(&err), %user, "could not post a reminder; trying again next cycle");
                metrics::counter!("chat_errors_total", "call" => "post_list").increment(1);
                Sent::Failed
            }
        }
    }

    /// Whether `user` gets reminders (they do unless they turned them off).
    pub async fn reminders_on(&self, user: &ChatUserId) -> Result<bool, EngineError> {
        Ok(self.store.reminders_on(user).await?)
    }

    /// Turns `user`'s reminders on or off; the choice is kept.
    pub async fn set_reminders(&self, user: &ChatUserId, on: bool) -> Result<(), EngineError> {
        self.store.set_reminders_on(user, on).await?;
        Ok(())
    }
}
