//! What syncing costs with 10,000 requisitions pending: Coupa list calls and their rate for the
//! first full sync, and Coupa and store calls for a cycle in which nothing changed. The engine
//! runs against the Coupa sandbox over HTTP, an in-memory chat platform and a store that counts
//! the calls made to it.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::coupa::{CoupaClient, RetryPolicy};
use coupa_approvals::engine::Engine;
use coupa_approvals::sandbox;
use coupa_approvals::sandbox::coupa::{PAGE_LIMIT, Sandbox, busiest_second};
use coupa_approvals::sandbox::people::numbered_approvers;
use coupa_approvals::store::{MemoryStore, Store};
use support::counting_store::CountingStore;
use support::fake_chat::FakeChat;

const PENDING: usize = 10_000;
const APPROVERS: usize = 1_000;

/// Coupa with `PENDING` requisitions submitted a second apart, shared among `APPROVERS`
/// approvers who all have chat accounts.
struct World {
    sim: sandbox::World,
    chat: Arc<FakeChat>,
    store: Arc<CountingStore<MemoryStore>>,
}

impl World {
    async fn new() -> Self {
        let chat = Arc::new(FakeChat::new());
        let store = Arc::new(CountingStore::new(MemoryStore::new()));
        // The cost of cards of their own: ten each would otherwise come as digests.
        let sim = sandbox::World::builder()
            .store(store.clone())
            .chat(chat.clone())
            .settings(|s| s.digest_above = 0)
            .build()
            .await
            .unwrap();
        let requester = sim.coupa.add_user("marta@example.com", "Marta", "Kowalski");
        let approvers: Vec<_> = numbered_approvers(&sim.coupa, APPROVERS)
            .into_iter()
            .map(|approver| {
                chat.add_user(&approver.slack_id, &approver.name, &approver.email);
                approver.coupa_id
            })
            .collect();
        sim.coupa.add_pending_load(
            requester,
            &approvers,
            PENDING,
            |n| format!("Requisition {n}"),
            Duration::from_secs(1),
        );
        Self { sim, chat, store }
    }

    fn sandbox(&self) -> &Sandbox {
        &self.sim.coupa
    }

    /// An engine whose Coupa client makes at most `max_rps` calls a second.
    fn engine(&self, max_rps: u32) -> Engine {
        let coupa = CoupaClient::builder(&self.sim.settings.coupa)
            .max_rps(max_rps)
            .retry_policy(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
        self.sim.engine_with(coupa).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_full_sync_of_10000_pending_reads_them_in_at_most_210_list_calls_under_max_rps() {
    // Coupa's own ceiling, the highest COUPA_MAX_RPS accepts.
    const MAX_RPS: u32 = 25;
    let world = World::new().await;
    let engine = world.engine(MAX_RPS);

    let report = engine.reconcile().await.unwrap();

    assert_eq!(report.delivered, PENDING);
    assert_eq!(world.chat.posts(), PENDING);
    let calls = world.sandbox().calls();
    let lists = calls
        .iter()
        .filter(|c| c.method == "GET" && c.path == "/api/requisitions")
        .count();
    let most_lists = PENDING.div_ceil(PAGE_LIMIT) + 10;
    assert!(
        lists <= most_lists,
        "{lists} list calls; at most {most_lists} expected"
    );
    // Every call the sync made was a list call: approvers come with the requisitions, and the
    // current delegations of approvals are read once for them all.
    let delegations = calls
        .iter()
        .filter(|c| c.method == "GET" && c.path == "/api/delegations")
        .count();
    assert_eq!(delegations, 1);
    assert_eq!(calls.len(), lists + delegations);
    let busiest = busiest_second(&calls);
    assert!(
        busiest <= MAX_RPS as usize,
        "{busiest} calls arrived within one second; COUPA_MAX_RPS is {MAX_RPS}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_with_nothing_changed_and_10000_tracked_approvals_costs_one_list_call_and_a_few_store_calls()
 {
    let world = World::new().await;
    // The rate is not what this test is about.
    let engine = world.engine(10_000);
    engine.reconcile().await.unwrap();
    assert_eq!(world.chat.posts(), PENDING);
    let tracked = world
        .store
        .inner
        .approvals_with_cards()
        .await
        .unwrap()
        .len();
    assert_eq!(tracked, PENDING);

    // A minute later nothing has changed.
    world.sandbox().advance_clock(Duration::from_secs(60));
    world.sandbox().clear_calls();
    world.store.reset();
    let report = engine.sync_changes().await.unwrap();

    let coupa_calls = world.sandbox().calls().len();
    assert!(
        coupa_calls <= 2,
        "an idle cycle made {coupa_calls} Coupa calls"
    );
    // Polls overlap by a few seconds, so the last few requisitions are read again (and find their
    // cards in place); nothing else is read per tracked approval.
    let reread = report.requisitions;
    assert!(reread <= 10, "{reread} requisitions read again");
    let store_calls = world.store.calls();
    assert!(
        world.store.total() <= 4 + 2 * reread,
        "an idle cycle re-reading {reread} requisitions made these store calls: {store_calls:?}"
    );
    assert!(store_calls.get("cards").copied().unwrap_or(0) <= reread);
    assert_eq!(world.chat.posts(), PENDING);
}
