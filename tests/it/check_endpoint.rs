//! `check` with `PUBLIC_URL` set: an unsigned request to each route the platforms call, through
//! that address, must reach the bot (which refuses it with 401); anything else in the way is
//! named with what to do.

use crate::support::check_report::{check_in, line};
use coupa_approvals::config::ChatPlatform;
use coupa_approvals::sandbox::World;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn world() -> World {
    World::builder()
        .platforms([ChatPlatform::Slack, ChatPlatform::Teams])
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_public_url_no_endpoint_is_called_or_reported() {
    let world = world().await;
    let report = check_in(&world, &world.settings).await;
    assert!(
        report.checks.iter().all(|l| !l.check.ends_with("endpoint")),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn both_routes_reached_through_the_public_url_pass_right_after_the_teams_token() {
    let world = world().await;
    let app = world.start_app().await.unwrap();
    let mut settings = world.settings.clone();
    settings.public_url = Some(Url::parse(&app.url("/")).unwrap());
    let report = check_in(&world, &settings).await;
    let names: Vec<&str> = report.checks.iter().map(|l| l.check.as_str()).collect();
    assert_eq!(
        names[..5],
        [
            "configuration",
            "store",
            "teams token",
            "teams endpoint",
            "slack endpoint"
        ],
        "{}",
        report.to_text()
    );
    for name in ["teams endpoint", "slack endpoint"] {
        let line = line(&report, name);
        assert!(line.ok, "{}", report.to_text());
        assert!(line.detail.contains("reaches the bot"), "{}", line.detail);
    }
    assert!(
        line(&report, "teams endpoint")
            .detail
            .starts_with(&app.url("/api/messages"))
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn an_ingress_without_the_teams_route_is_named_with_the_route_to_add() {
    let world = world().await;
    let ingress = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/slack/events"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&ingress)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/messages"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&ingress)
        .await;
    let mut settings = world.settings.clone();
    settings.public_url = Some(Url::parse(&ingress.uri()).unwrap());
    let report = check_in(&world, &settings).await;
    assert!(!report.ok);
    let teams = line(&report, "teams endpoint");
    assert!(!teams.ok);
    assert!(
        teams.detail.ends_with("answered 404 Not Found"),
        "{}",
        teams.detail
    );
    assert!(
        teams
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("send /api/messages to the service's BIND_ADDR port"),
        "{}",
        report.to_text()
    );
    assert!(line(&report, "slack endpoint").ok, "{}", report.to_text());
}

#[tokio::test]
async fn a_public_url_nothing_listens_on_names_the_refused_connection() {
    let world = world().await;
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = world.settings.clone();
    settings.public_url = Some(Url::parse(&format!("http://127.0.0.1:{port}")).unwrap());
    let report = check_in(&world, &settings).await;
    let teams = line(&report, "teams endpoint");
    assert!(!teams.ok);
    assert!(teams.detail.contains("refused"), "{}", teams.detail);
    assert!(
        teams
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("PUBLIC_URL"),
        "{}",
        report.to_text()
    );
}
