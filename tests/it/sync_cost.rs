//! What syncing costs with 10,000 requisitions pending: Coupa list calls and their rate for the
//! first full sync, and Coupa and store calls for a cycle in which nothing changed. The engine
//! runs against the Coupa sandbox over HTTP, an in-memory chat platform and a store that counts
//! the calls made to it.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::config::CoupaSettings;
use coupa_approvals::coupa::{CoupaClient, RetryPolicy};
use coupa_approvals::engine::{Engine, EngineSettings};
use coupa_approvals::sandbox::coupa::{
    NewRequisition, PAGE_LIMIT, RunningSandbox, Sandbox, busiest_second,
};
use coupa_approvals::store::{MemoryStore, Store};
use rust_decimal::Decimal;
use secrecy::SecretString;
use support::counting_store::CountingStore;
use support::fake_chat::FakeChat;

const PENDING: usize = 10_000;
const APPROVERS: usize = 1_000;

/// Coupa with `PENDING` requisitions submitted a second apart, shared among `APPROVERS`
/// approvers who all have chat accounts.
struct World {
    coupa: RunningSandbox,
    chat: Arc<FakeChat>,
    store: Arc<CountingStore<MemoryStore>>,
}

impl World {
    async fn new() -> Self {
        let sandbox = Sandbox::new("client", "secret");
        let chat = Arc::new(FakeChat::new());
        let requester = sandbox.add_user("marta@example.com", "Marta", "Kowalski");
        let approvers: Vec<_> = (0..APPROVERS)
            .map(|n| {
                let email = format!("approver{n}@example.com");
                chat.add_user(&format!("UAPPROVER{n}"), &format!("Approver {n}"), &email);
                sandbox.add_user(&email, "Approver", &n.to_string())
            })
            .collect();
        for n in 0..PENDING {
            sandbox.add_requisition(NewRequisition::one_line(
                format!("Requisition {n}"),
                requester,
                approvers[n % APPROVERS],
                Decimal::from(100 + n as i64),
            ));
            sandbox.advance_clock(Duration::from_secs(1));
        }
        Self {
            coupa: sandbox.serve().await.unwrap(),
            chat,
            store: Arc::new(CountingStore::new(MemoryStore::new())),
        }
    }

    fn sandbox(&self) -> &Sandbox {
        &self.coupa.sandbox
    }

    /// An engine whose Coupa client makes at most `max_rps` calls a second.
    fn engine(&self, max_rps: u32) -> Engine {
        let settings = CoupaSettings {
            instance_url: self.coupa.url().parse().unwrap(),
            client_id: "client".into(),
            client_secret: SecretString::from("secret"),
            scopes: vec!["core.approval.read".into()],
            token_url: format!("{}/oauth2/token", self.coupa.url())
                .parse()
                .unwrap(),
            max_rps: 25,
        };
        let coupa = CoupaClient::builder(&settings)
            .max_rps(max_rps)
            .retry_policy(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
        Engine::new(
            self.store.clone(),
            self.chat.clone(),
            coupa,
            EngineSettings {
                coupa_instance_url: self.coupa.url().parse().unwrap(),
                button_ttl: Duration::from_secs(168 * 3600),
                confirm_above_amount: None,
            },
            coupa_approvals::engine::system_clock(),
        )
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
    // Every call the sync made was a list call: approvers come with the requisitions.
    assert_eq!(calls.len(), lists);
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
