//! [`WorkingHours`]: when in a person's own day a reminder may reach them: a span of the clock
//! (`09:00-17:00` unless `WORKING_HOURS` says otherwise), Monday to Friday, never on a weekend.
//! Pure.

use jiff::civil::{DateTime, Time, Weekday};

/// `09:00-17:00`.
pub const DEFAULT_WORKING_HOURS: WorkingHours = WorkingHours {
    start: Time::constant(9, 0, 0, 0),
    end: Time::constant(17, 0, 0, 0),
};

/// A span of the local clock on weekdays: from `start` (included) to `end` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    /// When the working day starts.
    pub start: Time,
    /// When it ends; always after `start`.
    pub end: Time,
}

/// Why a working-hours text was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkingHoursError {
    /// Not two times joined by a dash.
    #[error("must be two times like `09:00-17:00`")]
    Shape,
    /// One of the times is not a 24-hour `HH:MM`.
    #[error("`{0}` is not a 24-hour time like `09:00`")]
    Time(String),
    /// The span is empty or ends before it starts.
    #[error("must start before it ends")]
    Order,
}

impl WorkingHours {
    /// Reads `HH:MM-HH:MM` (24-hour clock; spaces around the dash allowed).
    pub fn parse(text: &str) -> Result<Self, WorkingHoursError> {
        let (start, end) = text.split_once('-').ok_or(WorkingHoursError::Shape)?;
        let start = time(start.trim())?;
        let end = time(end.trim())?;
        if start >= end {
            return Err(WorkingHoursError::Order);
        }
        Ok(Self { start, end })
    }

    /// Whether the local `at` is a weekday inside these hours.
    pub fn contains(&self, at: DateTime) -> bool {
        let weekend = matches!(at.weekday(), Weekday::Saturday | Weekday::Sunday);
        !weekend && self.start <= at.time() && at.time() < self.end
    }
}

impl std::fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start.hour(),
            self.start.minute(),
            self.end.hour(),
            self.end.minute()
        )
    }
}

/// `HH:MM`, hours 0 to 23 (one or two digits), minutes 0 to 59 (two digits); `24:00` is the end
/// of the day.
fn time(text: &str) -> Result<Time, WorkingHoursError> {
    let bad = || WorkingHoursError::Time(text.to_owned());
    let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, max_len: usize| {
        !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 2) || minutes.len() != 2 || !digits(minutes, 2) {
        return Err(bad());
    }
    let hours: i8 = hours.parse().map_err(|_| bad())?;
    let minutes: i8 = minutes.parse().map_err(|_| bad())?;
    if hours == 24 && minutes == 0 {
        return Ok(Time::MAX);
    }
    Time::new(hours, minutes, 0, 0).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn working_hours_are_read_from_hh_mm_dash_hh_mm() {
        let hours = WorkingHours::parse("08:30-18:00").unwrap();
        assert_eq!(hours.start, Time::constant(8, 30, 0, 0));
        assert_eq!(hours.end, Time::constant(18, 0, 0, 0));
        assert_eq!(hours.to_string(), "08:30-18:00");
        assert_eq!(
            WorkingHours::parse(" 9:00 - 17:00 ").unwrap(),
            DEFAULT_WORKING_HOURS
        );
        assert!(WorkingHours::parse("00:00-24:00").is_ok());
    }

    #[test]
    fn malformed_or_backwards_working_hours_are_refused() {
        for (text, error) in [
            ("9-5", WorkingHoursError::Time("9".into())),
            ("09:00", WorkingHoursError::Shape),
            ("09:00-25:00", WorkingHoursError::Time("25:00".into())),
            ("09:60-17:00", WorkingHoursError::Time("09:60".into())),
            ("9am-5pm", WorkingHoursError::Time("9am".into())),
            ("17:00-09:00", WorkingHoursError::Order),
            ("09:00-09:00", WorkingHoursError::Order),
            ("+9:00-17:00", WorkingHoursError::Time("+9:00".into())),
        ] {
            assert_eq!(WorkingHours::parse(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn a_weekday_inside_the_hours_is_working_time_and_a_weekend_never_is() {
        let hours = DEFAULT_WORKING_HOURS;
        // 2026-12-07 is a Monday.
        assert!(hours.contains(date(2026, 12, 7).at(9, 0, 0, 0)));
        assert!(hours.contains(date(2026, 12, 11).at(16, 59, 0, 0)));
        assert!(!hours.contains(date(2026, 12, 7).at(8, 59, 59, 0)));
        assert!(!hours.contains(date(2026, 12, 7).at(17, 0, 0, 0)));
        assert!(
            !hours.contains(date(2026, 12, 12).at(10, 0, 0, 0)),
            "Saturday"
        );
        assert!(
            !hours.contains(date(2026, 12, 13).at(10, 0, 0, 0)),
            "Sunday"
        );
    }
}
