//! The reminder settings: `REMIND_AFTER_HOURS` (how long a card waits before it is reminded of; 0
//! turns reminders off) and `WORKING_HOURS` (`HH:MM-HH:MM`, when in each person's own day,
//! Monday to Friday, a reminder may reach them).

use std::time::Duration;

use crate::engine::reminders::{
    DEFAULT_REMIND_AFTER, DEFAULT_WORKING_HOURS, ReminderSettings, WorkingHours,
};

use super::reader::Reader;

/// Reads both; each problem is reported with the others, and its default stands in meanwhile.
pub(super) fn read(r: &mut Reader<'_>) -> ReminderSettings {
    let after = r
        .whole_number(
            "REMIND_AFTER_HOURS",
            DEFAULT_REMIND_AFTER.as_secs() / 3600,
            0..=8_760,
        )
        .map_or(DEFAULT_REMIND_AFTER, |hours| {
            Duration::from_secs(hours * 3600)
        });
    let working_hours = match r.get("WORKING_HOURS") {
        None => DEFAULT_WORKING_HOURS,
        Some(value) => match WorkingHours::parse(&value) {
            Ok(hours) => hours,
            Err(err) => {
                r.problem("WORKING_HOURS", format!("{err}; got `{value}`"));
                DEFAULT_WORKING_HOURS
            }
        },
    };
    ReminderSettings {
        after,
        working_hours,
    }
}
