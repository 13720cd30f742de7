//! Reminders on Redis: one key per person and local day, `reminder:{user}:{day}`, taken with
//! `SET NX PX` so that one replica sends the day's reminder, and deleted when the reminder could
//! not be sent (so a later cycle tries again); and one key per person who turned reminders off,
//! `reminders-off:{user}`, kept with no expiry until they turn them on again.

use std::time::Duration;

use super::RedisStore;
use crate::domain::ChatUserId;
use crate::store::StoreError;

impl RedisStore {
    fn reminder_key(&self, user: &ChatUserId, day: &str) -> String {
        self.key(format_args!("reminder:{user}:{day}"))
    }

    fn reminders_off_key(&self, user: &ChatUserId) -> String {
        self.key(format_args!("reminders-off:{user}"))
    }
}

/// Claims `user`'s reminder of `day` for `keep` unless its key exists.
pub(super) async fn claim(
    store: &RedisStore,
    user: &ChatUserId,
    day: &str,
    keep: Duration,
) -> Result<bool, StoreError> {
    store
        .set_if_absent(store.reminder_key(user, day), keep)
        .await
}

/// Gives `user`'s reminder of `day` back.
pub(super) async fn release(
    store: &RedisStore,
    user: &ChatUserId,
    day: &str,
) -> Result<(), StoreError> {
    let key = store.reminder_key(user, day);
    store
        .call(|mut c| async move { redis::cmd("DEL").arg(&key).query_async::<()>(&mut c).await })
        .await
}

/// Turns `user`'s reminders on (the key goes) or off (the key stays, no expiry).
pub(super) async fn set_on(
    store: &RedisStore,
    user: &ChatUserId,
    on: bool,
) -> Result<(), StoreError> {
    let key = store.reminders_off_key(user);
    store
        .call(|mut c| async move {
            if on {
                redis::cmd("DEL").arg(&key).query_async::<()>(&mut c).await
            } else {
                redis::cmd("SET")
                    .arg(&key)
                    .arg("off")
                    .query_async::<()>(&mut c)
                    .await
            }
        })
        .await
}

/// Whether `user` gets reminders: unless they turned them off.
pub(super) async fn on(store: &RedisStore, user: &ChatUserId) -> Result<bool, StoreError> {
    let key = store.reminders_off_key(user);
    let off: bool = store
        .call(|mut c| async move { redis::cmd("EXISTS").arg(&key).query_async(&mut c).await })
        .await?;
    Ok(!off)
}
