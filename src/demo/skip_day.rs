//! "Skip ahead a day": the demo's clock, which the app's engine reads, moved to the next weekday
//! morning of the demo's people, and a reminder pass run at once, so that the page shows the
//! reminders a day of waiting brings (and the ages and expiry that go with it).
//!
//! The demo's people are in `Europe/Lisbon` (the zone the fake Slack gives everyone) or, on
//! Teams, in no reported zone (UTC); in December both are UTC. The clock only moves forward.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::engine::Clock;
use crate::engine::reminders::WorkingHours;

use super::api::ApiError;
use super::server::DemoState;

/// The zone whose mornings the clock skips to: the demo's people's.
pub const DEMO_ZONE: &str = "Europe/Lisbon";

/// How far into the working day the clock lands: reminders go out as the day starts.
const INTO_THE_DAY: SignedDuration = SignedDuration::from_mins(30);

/// The demo's clock: the system's, plus how far the page has skipped ahead. Cheap to clone.
#[derive(Clone, Default)]
pub struct DemoClock {
    ahead_nanos: Arc<AtomicI64>,
}

impl DemoClock {
    /// The clock as the engine reads it.
    pub fn clock(&self) -> Clock {
        let clock = self.clone();
        Arc::new(move || clock.now())
    }

    /// Now, on the demo's clock.
    pub fn now(&self) -> Timestamp {
        let now = Timestamp::now();
        now.checked_add(SignedDuration::from_nanos(
            self.ahead_nanos.load(Ordering::SeqCst),
        ))
        .unwrap_or(now)
    }

    /// Moves the clock forward to `to` (never back).
    fn move_to(&self, to: Timestamp) {
        let by = to.duration_since(self.now()).as_nanos();
        if by > 0 {
            self.ahead_nanos
                .fetch_add(i64::try_from(by).unwrap_or(i64::MAX), Ordering::SeqCst);
        }
    }
}

/// The first weekday, after `now`'s own day, whose working hours have begun in `zone`, at least
/// `wait` after `now`: half an hour into the day.
pub fn next_working_morning(
    now: Timestamp,
    zone: &TimeZone,
    hours: &WorkingHours,
    wait: Duration,
) -> Timestamp {
    let earliest = now
        .checked_add(SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX);
    let start = hours
        .start
        .checked_add(INTO_THE_DAY)
        .ok()
        .filter(|t| *t < hours.end)
        .unwrap_or(hours.start);
    let mut day = now.to_zoned(zone.clone()).date();
    // A year of days is far more than the weekend and the wait can need.
    for _ in 0..366 {
        let Ok(next) = day.tomorrow() else {
            break;
        };
        day = next;
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            continue;
        }
        let Ok(morning) = day.to_datetime(start).to_zoned(zone.clone()) else {
            continue;
        };
        if morning.timestamp() >= earliest {
            return morning.timestamp();
        }
    }
    earliest
}

/// `POST /demo/api/skip-day` (JSON body, any): moves the clock to the next working morning at
/// least a reminder's wait ahead, runs a reminder pass, and says when it now is and how many
/// reminders went out.
pub async fn skip_day(
    State(state): State<DemoState>,
    Json(_): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let zone = TimeZone::get(DEMO_ZONE).unwrap_or(TimeZone::UTC);
    let settings = state.reminders;
    let to = next_working_morning(
        state.clock.now(),
        &zone,
        &settings.working_hours,
        settings.after.max(Duration::from_secs(3600)),
    );
    state.clock.move_to(to);
    let report = state.engine.remind().await.map_err(ApiError::Engine)?;
    let local = to.to_zoned(zone);
    Ok(Json(json!({
        "now": local.strftime("%A %-d %B, %H:%M").to_string(),
        "sent": report.sent,
        "due": report.due,
    })))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::engine::reminders::DEFAULT_WORKING_HOURS;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn lisbon() -> TimeZone {
        TimeZone::get(DEMO_ZONE).unwrap()
    }

    fn in_lisbon(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
        date(y, m, d)
            .at(h, min, 0, 0)
            .to_zoned(lisbon())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn a_skip_lands_half_an_hour_into_the_next_working_day_a_full_wait_ahead() {
        // Thursday 08:00 → Friday 09:30; Thursday 10:00 → Friday 09:30 is under a day: Monday.
        let next = |now| next_working_morning(now, &lisbon(), &DEFAULT_WORKING_HOURS, DAY);
        assert_eq!(
            next(in_lisbon(2026, 12, 10, 8, 0)),
            in_lisbon(2026, 12, 11, 9, 30)
        );
        assert_eq!(
            next(in_lisbon(2026, 12, 10, 10, 0)),
            in_lisbon(2026, 12, 14, 9, 30)
        );
        // Friday afternoon and Saturday skip the weekend.
        assert_eq!(
            next(in_lisbon(2026, 12, 11, 15, 0)),
            in_lisbon(2026, 12, 14, 9, 30)
        );
        assert_eq!(
            next(in_lisbon(2026, 12, 12, 7, 0)),
            in_lisbon(2026, 12, 14, 9, 30)
        );
    }

    #[test]
    fn the_clock_only_moves_forward() {
        let clock = DemoClock::default();
        let before = clock.now();
        clock.move_to(before.checked_sub(SignedDuration::from_hours(5)).unwrap());
        assert!(clock.now() >= before);
        clock.move_to(before.checked_add(SignedDuration::from_hours(30)).unwrap());
        assert!(clock.now() >= before.checked_add(SignedDuration::from_hours(30)).unwrap());
    }
}
