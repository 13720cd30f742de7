//! Where the sync watermark moves after a batch: to the newest requisition handled, but never
//! past one that failed (it is redone next cycle), and never back. Timestamps come from Coupa, so
//! the arithmetic is checked: a date at the edge of what a timestamp can hold must not panic.

use jiff::{SignedDuration, Timestamp};

/// The watermark after a batch read from `current`: `newest` is the newest `updated_at` in the
/// batch, `first_failure` the oldest `updated_at` of a requisition that failed.
pub(super) fn next(
    current: Timestamp,
    newest: Option<Timestamp>,
    first_failure: Option<Timestamp>,
) -> Timestamp {
    match first_failure {
        // Coupa is asked for what changed after the watermark: stop just before the failure so
        // that the failed requisition is read again.
        Some(failed) => current.max(just_before(failed)),
        None => newest.map_or(current, |newest| current.max(newest)),
    }
}

/// A second before `at`, or the earliest time there is.
fn just_before(at: Timestamp) -> Timestamp {
    at.checked_sub(SignedDuration::from_secs(1))
        .unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    #[test]
    fn a_clean_batch_moves_the_watermark_to_its_newest_requisition() {
        assert_eq!(next(at(100), Some(at(250)), None), at(250));
        assert_eq!(next(at(100), None, None), at(100));
    }

    #[test]
    fn a_failure_stops_the_watermark_just_before_the_failed_requisition() {
        assert_eq!(next(at(100), Some(at(250)), Some(at(200))), at(199));
    }

    #[test]
    fn a_failure_older_than_the_watermark_does_not_move_it_back() {
        assert_eq!(next(at(100), Some(at(250)), Some(at(50))), at(100));
    }

    #[test]
    fn a_failure_at_the_earliest_possible_time_does_not_panic() {
        assert_eq!(
            next(Timestamp::MIN, Some(at(5)), Some(Timestamp::MIN)),
            Timestamp::MIN
        );
    }

    #[test]
    fn a_batch_at_the_latest_possible_time_does_not_panic() {
        assert_eq!(
            next(at(100), Some(Timestamp::MAX), Some(Timestamp::MAX)),
            Timestamp::MAX
                .checked_sub(SignedDuration::from_secs(1))
                .unwrap()
        );
        assert_eq!(next(at(100), Some(Timestamp::MAX), None), Timestamp::MAX);
    }
}
