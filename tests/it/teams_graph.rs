//! The bot's Microsoft Graph client against the fake Graph and its Azure AD: a person found by
//! email gets the app installed, and each refusal comes back typed (no such person, a permission
//! missing, the app not in the catalog, installed already), with 429 and 5xx retried; and the
//! installer over it, which asks once per person and keeps what failed.

use std::sync::Arc;
use std::time::Duration;

use coupa_approvals::domain::records::FailedInstall;
use coupa_approvals::store::{MemoryStore, Store};
use coupa_approvals::teams::proactive::{InstallOutcome, ProactiveInstaller};

use coupa_approvals::sandbox::teams::{
    FakeConnector, FakeGraph, RunningFakeConnector, RunningFakeGraph, SANDBOX_APP_ID,
    SANDBOX_APP_PASSWORD, SANDBOX_CATALOG_APP_ID, SANDBOX_TENANT,
};
use coupa_approvals::teams::connector_token::{BotCredentials, ConnectorTokenSource};
use coupa_approvals::teams::graph::{GraphClient, GraphError, INSTALL_FOR_USER, USER_READ_ALL};
use coupa_approvals::transport_cause::Timeouts;
use url::Url;

struct Fakes {
    connector: RunningFakeConnector,
    graph: RunningFakeGraph,
}

const DANIEL_AAD: &str = "aad-daniel";

async fn fakes() -> Fakes {
    let connector = FakeConnector::default();
    connector.add_member(
        "29:daniel",
        "Daniel Okafor",
        "daniel@example.com",
        DANIEL_AAD,
        SANDBOX_TENANT,
    );
    let graph = FakeGraph::new(connector.clone()).serve().await.unwrap();
    let connector = connector.serve().await.unwrap();
    Fakes { connector, graph }
}

fn client(fakes: &Fakes, catalog_app_id: &str) -> GraphClient {
    let credentials = BotCredentials {
        app_id: SANDBOX_APP_ID.into(),
        app_password: SANDBOX_APP_PASSWORD.into(),
        tenant: SANDBOX_TENANT.into(),
    };
    let tokens = ConnectorTokenSource::for_graph(
        credentials,
        &Url::parse(&fakes.connector.authority()).unwrap(),
        reqwest::Client::new(),
        Timeouts::default(),
    )
    .unwrap();
    GraphClient::new(
        tokens,
        Url::parse(&fakes.graph.url()).unwrap(),
        catalog_app_id.into(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_person_found_by_email_gets_the_catalog_app_installed_and_a_second_time_is_a_conflict() {
    let fakes = fakes().await;
    let graph = client(&fakes, SANDBOX_CATALOG_APP_ID);

    graph.install_for("Daniel@Example.com").await.unwrap();

    assert!(fakes.graph.graph.is_installed_for(DANIEL_AAD));
    let installs = fakes.graph.graph.install_calls();
    assert_eq!(installs.len(), 1);
    assert_eq!(
        installs[0].path,
        format!("/v1.0/users/{DANIEL_AAD}/teamwork/installedApps")
    );
    assert_eq!(
        installs[0].body.as_ref().unwrap()["teamsApp@odata.bind"],
        format!(
            "{}/appCatalogs/teamsApps/{SANDBOX_CATALOG_APP_ID}",
            fakes.graph.url()
        )
    );
    assert!(
        installs[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer ")),
        "the app-only token goes with the call"
    );
    let again = graph.install_for("daniel@example.com").await;
    assert!(
        matches!(again, Err(GraphError::AlreadyInstalled)),
        "{again:?}"
    );
}

#[tokio::test]
async fn an_unknown_email_is_no_such_user_and_nothing_is_installed() {
    let fakes = fakes().await;
    let refused = client(&fakes, SANDBOX_CATALOG_APP_ID)
        .install_for("ghost@example.com")
        .await;
    assert!(
        matches!(refused, Err(GraphError::UserNotFound { ref email }) if email == "ghost@example.com"),
        "{refused:?}"
    );
    assert!(fakes.graph.graph.install_calls().is_empty());
}

#[tokio::test]
async fn an_app_missing_from_the_catalog_names_teams_catalog_app_id() {
    let fakes = fakes().await;
    let other = "5f2b9c3d-1e4a-4b6c-8d7e-9f0a1b2c3d4e";
    let refused = client(&fakes, other)
        .install_for("daniel@example.com")
        .await;
    let err = refused.unwrap_err();
    assert!(matches!(err, GraphError::NotInCatalog { .. }), "{err:?}");
    assert!(!err.is_transient());
    assert!(err.to_string().contains("TEAMS_CATALOG_APP_ID"), "{err}");
    assert!(!fakes.graph.graph.is_installed_for(DANIEL_AAD));
}

#[tokio::test]
async fn each_missing_permission_is_named_by_the_call_that_needs_it() {
    let fakes = fakes().await;
    let graph = client(&fakes, SANDBOX_CATALOG_APP_ID);
    fakes.connector.connector.grant_graph_roles(&[]);
    let err = graph.install_for("daniel@example.com").await.unwrap_err();
    assert!(
        matches!(err, GraphError::PermissionMissing { permission, .. } if permission == USER_READ_ALL),
        "{err:?}"
    );

    // A token with the new grant: consent changes what the next token carries.
    fakes.connector.connector.revoke_tokens();
    fakes
        .connector
        .connector
        .grant_graph_roles(&[USER_READ_ALL]);
    let err = graph.install_for("daniel@example.com").await.unwrap_err();
    assert!(
        matches!(err, GraphError::PermissionMissing { permission, .. } if permission == INSTALL_FOR_USER),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("grant admin consent for it in the app registration's API permissions"),
        "{err}"
    );
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_a_failing_graph_is_reported_transient() {
    let fakes = fakes().await;
    let graph = client(&fakes, SANDBOX_CATALOG_APP_ID);
    fakes
        .graph
        .graph
        .fail_matching("/installedApps", 1, 429, Some("1"));
    let started = tokio::time::Instant::now();
    graph.install_for("daniel@example.com").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After kept"
    );
    assert_eq!(fakes.graph.graph.install_calls().len(), 2);

    fakes
        .graph
        .graph
        .fail_matching("/users/", 5, 503, Some("0"));
    let err = graph.install_for("daniel@example.com").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(
        matches!(err, GraphError::Failing { status: 503, .. }),
        "{err:?}"
    );
    let lookups = fakes
        .graph
        .graph
        .calls()
        .iter()
        .filter(|c| c.method == "GET")
        .count();
    assert_eq!(lookups, 1 + 3, "three attempts for the failing lookup");
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_and_the_call_goes_through() {
    let fakes = fakes().await;
    let graph = client(&fakes, SANDBOX_CATALOG_APP_ID);
    graph.user_id("daniel@example.com").await.unwrap();
    fakes.connector.connector.revoke_tokens();
    assert_eq!(
        graph.user_id("daniel@example.com").await.unwrap(),
        DANIEL_AAD
    );
    assert_eq!(fakes.connector.connector.tokens_issued(), 2);
}

#[tokio::test]
async fn a_failing_graph_is_recorded_as_transient_and_not_asked_again_before_its_back_off() {
    let fakes = fakes().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let installer = ProactiveInstaller::new(client(&fakes, SANDBOX_CATALOG_APP_ID), store.clone());
    fakes
        .graph
        .graph
        .fail_matching("/users/", 3, 503, Some("0"));

    let outcome = installer.install_once("daniel@example.com").await;
    let InstallOutcome::Failed(failed) = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(failed.transient);
    assert_eq!(store.failed_installs().await.unwrap(), vec![failed]);
    let asked = fakes.graph.graph.calls().len();

    assert_eq!(
        installer.install_once("Daniel@Example.com").await,
        InstallOutcome::NotClaimed
    );
    assert_eq!(
        fakes.graph.graph.calls().len(),
        asked,
        "Graph is not asked again yet"
    );
    assert!(!fakes.graph.graph.is_installed_for(DANIEL_AAD));
}

#[tokio::test]
async fn an_app_installed_already_counts_as_installed_and_forgets_an_earlier_failure() {
    let fakes = fakes().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let graph = client(&fakes, SANDBOX_CATALOG_APP_ID);
    graph.install_for("daniel@example.com").await.unwrap();
    let installer = ProactiveInstaller::new(graph, store.clone());
    // An earlier failure whose back-off is over.
    store
        .install_failed(
            &FailedInstall {
                email: "daniel@example.com".into(),
                reason: "Microsoft Graph is failing".into(),
                transient: true,
                at: jiff::Timestamp::now(),
            },
            Duration::from_millis(1),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;

    assert_eq!(
        installer.install_once("daniel@example.com").await,
        InstallOutcome::Installed
    );
    assert!(store.failed_installs().await.unwrap().is_empty());
    assert!(
        !store
            .claim_install("daniel@example.com", Duration::from_secs(1))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_person_whose_sign_in_name_is_not_their_email_is_found_by_mail() {
    let fakes = fakes().await;
    fakes
        .graph
        .graph
        .set_sign_in_name(DANIEL_AAD, "dokafor@contoso.onmicrosoft.com");
    let graph = client(&fakes, SANDBOX_CATALOG_APP_ID);

    assert_eq!(
        graph.user_id("daniel@example.com").await.unwrap(),
        DANIEL_AAD
    );
    let paths: Vec<String> = fakes
        .graph
        .graph
        .calls()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(paths, ["/v1.0/users/daniel@example.com", "/v1.0/users"]);
    let refused = graph.user_id("o'brien@example.com").await;
    assert!(
        matches!(refused, Err(GraphError::UserNotFound { .. })),
        "{refused:?}"
    );
}
