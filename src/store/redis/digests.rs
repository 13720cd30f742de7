//! Digests on Redis: one hash per digest, `digest:{id}` (approval id → the item's view as the
//! engine encoded it). Each item is its own field, written with `HSET`, so two items changed at
//! once on two replicas both stay; the hash expires `keep` after its latest write.

use std::time::Duration;

use redis::AsyncCommands;

use super::{RedisStore, millis};
use crate::domain::ApprovalId;
use crate::domain::records::DigestId;
use crate::store::StoreError;

impl RedisStore {
    fn digest_key(&self, digest: &DigestId) -> String {
        self.key(format_args!("digest:{digest}"))
    }
}

/// Writes each of `items` as its own field of `digest`, and keeps the digest for `keep`.
pub(super) async fn put(
    store: &RedisStore,
    digest: &DigestId,
    items: &[(ApprovalId, String)],
    keep: Duration,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let key = store.digest_key(digest);
    let fields: Vec<(u64, String)> = items.iter().map(|(a, view)| (a.0, view.clone())).collect();
    store
        .call(|mut c| {
            let key = key.clone();
            let fields = fields.clone();
            async move {
                redis::pipe()
                    .atomic()
                    .hset_multiple(&key, &fields)
                    .ignore()
                    .pexpire(&key, millis(keep) as i64)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
            }
        })
        .await
}

/// Every item of `digest`, by approval ascending.
pub(super) async fn items(
    store: &RedisStore,
    digest: &DigestId,
) -> Result<Vec<(ApprovalId, String)>, StoreError> {
    let key = store.digest_key(digest);
    let raw: Vec<(String, String)> = store
        .call(|mut c| {
            let key = key.clone();
            async move { c.hgetall(key).await }
        })
        .await?;
    let mut items = Vec::with_capacity(raw.len());
    for (field, view) in raw {
        let approval = field.parse::<u64>().map_err(|err| StoreError::Corrupt {
            key: format!("digest:{digest}"),
            source: Box::new(err),
        })?;
        items.push((ApprovalId(approval), view));
    }
    items.sort_by_key(|(approval, _)| *approval);
    Ok(items)
}

/// Forgets `approval`'s item of `digest`.
pub(super) async fn remove(
    store: &RedisStore,
    digest: &DigestId,
    approval: ApprovalId,
) -> Result<(), StoreError> {
    let key = store.digest_key(digest);
    store
        .call(|mut c| async move { c.hdel::<_, _, ()>(key, approval.0).await })
        .await
}
