//! The demo server's routes: the page and its assets under `/demo`, the JSON endpoints under
//! `/demo/api/` (the Teams client's under `/demo/api/teams/`), the icon at `/favicon.ico`. `/` redirects to the page.
//!
//! The endpoints that act take JSON bodies only: a browser sends those cross-site only after a
//! CORS preflight this server never grants, so another web page open in the same browser cannot
//! click or type on the demo's behalf.

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use super::api;
use super::page;
use super::server::DemoState;
use super::skip_day;
use super::teams_api;

/// Every route of the demo server.
pub fn router(state: DemoState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo") }))
        .route("/demo", get(page::page))
        .route("/favicon.ico", get(page::favicon))
        .route("/demo/demo.js", get(page::script))
        .route("/demo/demo.css", get(page::stylesheet))
        .route("/demo/teams.js", get(page::teams_script))
        .route("/demo/teams.css", get(page::teams_stylesheet))
        .route("/demo/api/conversation", get(api::conversation))
        .route("/demo/api/click", post(api::click))
        .route("/demo/api/deny", post(api::deny))
        .route("/demo/api/close", post(api::close))
        .route("/demo/api/say", post(api::say))
        .route("/demo/api/home", post(api::home))
        .route("/demo/api/teams/conversation", get(teams_api::conversation))
        .route("/demo/api/teams/action", post(teams_api::action))
        .route("/demo/api/teams/say", post(teams_api::say))
        .route("/demo/api/teams/platform", post(teams_api::platform))
        .route("/demo/api/coupa", get(api::coupa))
        .route("/demo/api/coupa/approve", post(api::coupa_approve))
        .route("/demo/api/coupa/total", post(api::coupa_total))
        .route("/demo/api/coupa/release", post(api::coupa_release))
        .route("/demo/api/skip-day", post(skip_day::skip_day))
        .route("/demo/api/coupa/bulk", post(api::coupa_bulk))
        .with_state(state)
}
