//! [`ZoneCache`]: each person's time zone, read from their chat profile and kept for a day, so
//! that the reminder pass does not ask the chat platform about everyone every cycle. A zone that
//! is missing or unknown to the bundled time-zone database is taken as UTC, and said once in
//! the log each time it is read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::chat::port::ChatPort;
use crate::domain::ChatUserId;
use crate::telemetry::chain;

/// How long a zone read from a profile is kept.
pub const ZONE_KEPT: Duration = Duration::from_secs(24 * 3600);

/// How long UTC stands in for a zone whose profile could not be read, before asking again.
pub const UNREAD_ZONE_KEPT: Duration = Duration::from_secs(3600);

/// Remembered people are pruned once there are more than this many.
const PRUNE_ABOVE: usize = 10_000;

/// Each person's zone, with when to read it again.
#[derive(Default)]
pub(crate) struct ZoneCache {
    zones: Mutex<HashMap<ChatUserId, (TimeZone, Timestamp)>>,
}

impl ZoneCache {
    /// `user`'s zone: kept, or read from `chat` now (UTC when it cannot be known).
    pub(crate) async fn zone_of(
        &self,
        user: &ChatUserId,
        chat: &dyn ChatPort,
        now: Timestamp,
    ) -> TimeZone {
        if let Some((zone, until)) = self.lock().get(user)
            && now < *until
        {
            return zone.clone();
        }
        let (zone, kept) = match chat.user_info(user).await {
            Ok(profile) => (resolve(user, profile.time_zone.as_deref()), ZONE_KEPT),
            Err(err) => {
                tracing::warn!(error = %chain(&err), %user, "could not read a person's profile for their time zone; using UTC for now");
                (TimeZone::UTC, UNREAD_ZONE_KEPT)
            }
        };
        let until = now
            .checked_add(jiff::SignedDuration::from_secs(kept.as_secs() as i64))
            .unwrap_or(Timestamp::MAX);
        let mut zones = self.lock();
        if zones.len() > PRUNE_ABOVE {
            zones.retain(|_, (_, until)| now < *until);
        }
        zones.insert(user.clone(), (zone.clone(), until));
        zone
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChatUserId, (TimeZone, Timestamp)>> {
        self.zones.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The zone named `name` (IANA, like `America/Los_Angeles`); UTC, logged, when there is none or
/// the bundled database does not know it.
fn resolve(user: &ChatUserId, name: Option<&str>) -> TimeZone {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        tracing::info!(%user, "a person's profile has no time zone; their reminders follow UTC working hours");
        return TimeZone::UTC;
    };
    match TimeZone::get(name) {
        Ok(zone) => zone,
        Err(err) => {
            tracing::warn!(error = %err, %user, zone = name, "a person's time zone is unknown; their reminders follow UTC working hours");
            TimeZone::UTC
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_zones_resolve_from_the_bundled_database_and_anything_else_is_utc() {
        let user = ChatUserId("U1".into());
        let la = resolve(&user, Some("America/Los_Angeles"));
        assert_eq!(la.iana_name(), Some("America/Los_Angeles"));
        assert_eq!(
            resolve(&user, Some("Asia/Tokyo")).iana_name(),
            Some("Asia/Tokyo")
        );
        assert_eq!(resolve(&user, Some("Mars/Olympus")), TimeZone::UTC);
        assert_eq!(resolve(&user, Some(" ")), TimeZone::UTC);
        assert_eq!(resolve(&user, None), TimeZone::UTC);
    }
}
