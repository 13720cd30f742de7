//! Proactive installations of the Teams app on Redis: one key per email,
//! `install:{email}`, taken with `SET NX PX` (so one replica asks Graph), kept with no expiry once
//! the app is installed and with the back-off as its expiry after a failure; and one hash,
//! `installs:failed` (email → [`FailedInstall`] JSON), for `check`. A result and its hash entry
//! are written in one `MULTI`.

use std::time::Duration;

use super::{RedisStore, from_json, millis, to_json};
use crate::domain::records::FailedInstall;
use crate::store::StoreError;

impl RedisStore {
    fn install_key(&self, email: &str) -> String {
        self.key(format_args!("install:{email}"))
    }

    fn failed_installs_key(&self) -> String {
        self.key(format_args!("installs:failed"))
    }
}

/// Claims the installation for `email` (normalised) for `hold` unless its key exists.
pub(super) async fn claim(
    store: &RedisStore,
    email: &str,
    hold: Duration,
) -> Result<bool, StoreError> {
    store.set_if_absent(store.install_key(email), hold).await
}

/// Marks the installation for `email` done for good and forgets its failure.
pub(super) async fn done(store: &RedisStore, email: &str) -> Result<(), StoreError> {
    let key = store.install_key(email);
    let failed = store.failed_installs_key();
    store
        .call(|mut c| async move {
            redis::pipe()
                .atomic()
                .set(&key, "installed")
                .ignore()
                .hdel(&failed, email)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
}

/// Holds the installation for `failed.email` (normalised) off for `retry_after` and keeps why.
pub(super) async fn failed(
    store: &RedisStore,
    failed: &FailedInstall,
    retry_after: Duration,
) -> Result<(), StoreError> {
    let key = store.install_key(&failed.email);
    let hash = store.failed_installs_key();
    store
        .call(|mut c| async move {
            redis::pipe()
                .atomic()
                .pset_ex(&key, "failed", millis(retry_after))
                .ignore()
                .hset(&hash, &failed.email, to_json(failed))
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
}

/// Every failure kept, by email.
pub(super) async fn failures(store: &RedisStore) -> Result<Vec<FailedInstall>, StoreError> {
    let key = store.failed_installs_key();
    let raw: Vec<String> = store
        .call(|mut c| {
            let key = key.clone();
            async move { redis::AsyncCommands::hvals(&mut c, key).await }
        })
        .await?;
    let mut failures = raw
        .iter()
        .map(|json| from_json(&key, json))
        .collect::<Result<Vec<FailedInstall>, _>>()?;
    failures.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(failures)
}
