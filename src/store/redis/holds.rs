//! Holds on Redis: one key per approval, `hold:{approval}`, holding the [`Hold`] its cards show
//! as JSON, with the time it is kept as its expiry. Forgetting is one `DEL`, whose count says
//! whether there was one to forget.

use std::time::Duration;

use super::{RedisStore, millis, to_json};
use crate::domain::ApprovalId;
use crate::domain::hold::Hold;
use crate::store::StoreError;

impl RedisStore {
    pub(super) fn hold_key(&self, approval: ApprovalId) -> String {
        self.key(format_args!("hold:{approval}"))
    }
}

/// Notes `hold` for `approval`, kept for `keep`.
pub(super) async fn put(
    store: &RedisStore,
    approval: ApprovalId,
    hold: &Hold,
    keep: Duration,
) -> Result<(), StoreError> {
    let key = store.hold_key(approval);
    let value = to_json(hold);
    store
        .call(|mut c| async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(&value)
                .arg("PX")
                .arg(millis(keep))
                .query_async::<()>(&mut c)
                .await
        })
        .await
}

/// Forgets the hold of `approval`; whether one was noted.
pub(super) async fn forget(store: &RedisStore, approval: ApprovalId) -> Result<bool, StoreError> {
    let key = store.hold_key(approval);
    let removed: u64 = store
        .call(|mut c| async move { redis::cmd("DEL").arg(&key).query_async(&mut c).await })
        .await?;
    Ok(removed > 0)
}
