//! `REMIND_AFTER_HOURS` and `WORKING_HOURS`.

use super::*;
use crate::engine::reminders::{DEFAULT_WORKING_HOURS, WorkingHours};

#[test]
fn reminders_default_to_a_day_after_the_card_within_nine_to_five() {
    let s = load(&valid()).unwrap();
    assert_eq!(s.reminders.after, Duration::from_secs(24 * 3600));
    assert_eq!(s.reminders.working_hours, DEFAULT_WORKING_HOURS);
    assert_eq!(s.reminders.working_hours.to_string(), "09:00-17:00");
    assert!(s.reminders.enabled());
    assert_eq!(s.engine_settings().reminders, s.reminders);
}

#[test]
fn reminder_settings_are_read_and_zero_hours_turns_reminders_off() {
    let mut vars = valid();
    vars.insert("REMIND_AFTER_HOURS", "48");
    vars.insert("WORKING_HOURS", "08:30-18:00");
    let s = load(&vars).unwrap();
    assert_eq!(s.reminders.after, Duration::from_secs(48 * 3600));
    assert_eq!(
        s.reminders.working_hours,
        WorkingHours::parse("08:30-18:00").unwrap()
    );

    vars.insert("REMIND_AFTER_HOURS", "0");
    assert!(!load(&vars).unwrap().reminders.enabled());
}

#[test]
fn malformed_reminder_settings_are_reported_with_every_other_problem() {
    let mut vars = valid();
    vars.insert("SYNC_INTERVAL_SECS", "soon");
    vars.insert("REMIND_AFTER_HOURS", "a day");
    vars.insert("WORKING_HOURS", "17:00-09:00");
    vars.insert("LOG_FORMAT", "yaml");
    let err = load(&vars).unwrap_err();
    assert_eq!(
        variables(&err),
        vec![
            "SYNC_INTERVAL_SECS",
            "REMIND_AFTER_HOURS",
            "WORKING_HOURS",
            "LOG_FORMAT"
        ]
    );
    let text = err.to_string();
    assert!(
        text.contains("REMIND_AFTER_HOURS: must be a whole number from 0 to 8760; got `a day`"),
        "{text}"
    );
    assert!(
        text.contains("WORKING_HOURS: must start before it ends"),
        "{text}"
    );
    assert!(text.contains("got `17:00-09:00`"), "{text}");

    vars.insert("WORKING_HOURS", "9am-5pm");
    let text = load(&vars).unwrap_err().to_string();
    assert!(
        text.contains("`9am` is not a 24-hour time like `09:00`"),
        "{text}"
    );
}
