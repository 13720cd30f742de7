//! The public endpoint checks: Teams and Slack can reach the bot at `PUBLIC_URL`.
//!
//! A bot whose own checks all pass may still never hear from Teams or Slack, because the
//! ingress, proxy or DNS in front of it does not send their requests to it. With `PUBLIC_URL`
//! set, `check` sends each route the platforms call (`/api/messages` for Teams; `/slack/events`
//! for Slack over HTTP) an unsigned request, the way anyone on the internet can, through that
//! address. The bot refuses such a request with 401 before reading it, so a 401 shows that the
//! request went all the way to a coupa-approvals service; any other answer names what stands in
//! the way. Nothing is signed and nothing is acted on.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use super::{CheckLine, reach_fix};
use crate::transport_cause::{Timeouts, TransportCause};

/// How long to wait for a connection to the public address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for its whole answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUTS: Timeouts = Timeouts {
    connect: Some(CONNECT_TIMEOUT),
    total: Some(REQUEST_TIMEOUT),
};

/// The route Teams posts activities to.
pub(super) const TEAMS_ROUTE: Route = Route {
    check: "teams endpoint",
    path: "/api/messages",
    caller: "Teams",
};

/// The route Slack posts events to (over HTTP; Socket Mode needs no public route).
pub(super) const SLACK_ROUTE: Route = Route {
    check: "slack endpoint",
    path: "/slack/events",
    caller: "Slack",
};

/// A route a platform calls, and the line that reports on it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Route {
    /// The line's name.
    check: &'static str,
    /// The path on the public address.
    path: &'static str,
    /// Who calls it, in the line's words.
    caller: &'static str,
}

/// Sends `route` under `public_url` an unsigned request and reports what answered.
pub(super) async fn check(public_url: &Url, route: Route) -> CheckLine {
    let url = match public_url.join(route.path) {
        Ok(url) => url,
        // PUBLIC_URL was validated as an origin; joining an absolute path to one cannot fail.
        Err(err) => {
            return CheckLine::fail(
                route.check,
                format!("cannot add {} to PUBLIC_URL: {err}", route.path),
                "set PUBLIC_URL to the address alone, like https://approvals.example.com",
            );
        }
    };
    let client = match reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // Neither Teams nor Slack follows a redirect, so neither does the check.
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            return CheckLine::fail(
                route.check,
                format!("cannot set up an HTTP client: {err}"),
                "check this host's TLS set-up (CA certificates)",
            );
        }
    };
    let answer = client
        .post(url.as_str())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body("{}")
        .send()
        .await;
    match answer {
        Ok(response) => {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            judge(&url, route, response.status(), location.as_deref())
        }
        Err(err) => {
            let cause = TransportCause::of(&err, TIMEOUTS);
            CheckLine::fail(
                route.check,
                format!("{url}: {cause}"),
                reach_fix("PUBLIC_URL", "the bot's public address", &cause),
            )
        }
    }
}

/// The line for `status` (and a redirect's `location`), answered at `url` to an unsigned request.
fn judge(url: &Url, route: Route, status: StatusCode, location: Option<&str>) -> CheckLine {
    let answered = format!("{url} answered {status}");
    let forward = format!(
        "make the ingress or proxy for PUBLIC_URL's host send {} to the service's BIND_ADDR port (see docs/ADMIN.md)",
        route.path
    );
    match status {
        StatusCode::UNAUTHORIZED => CheckLine::pass(
            route.check,
            format!(
                "{url} reaches the bot: it refused an unsigned request with 401, as it refuses everything {} did not sign",
                route.caller
            ),
        ),
        status if status.is_redirection() => CheckLine::fail(
            route.check,
            match location {
                Some(location) => format!("{answered}, a redirect to {location}"),
                None => format!("{answered}, a redirect"),
            },
            format!(
                "set PUBLIC_URL to the address that serves the bot itself: {} does not follow redirects",
                route.caller
            ),
        ),
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
            CheckLine::fail(route.check, answered, forward)
        }
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            CheckLine::fail(
                route.check,
                format!("{answered}: what stands in front of the service could not reach it"),
                format!("check that the service is running and ready (GET /readyz), and {forward}"),
            )
        }
        StatusCode::FORBIDDEN => CheckLine::fail(
            route.check,
            format!("{answered}: something in front of the service turned the request away"),
            format!(
                "let requests from {} through the firewall or web application firewall in front of {}",
                route.caller, route.path
            ),
        ),
        status if status.is_success() => CheckLine::fail(
            route.check,
            format!(
                "{answered} to an unsigned request; the bot refuses those with 401, so something else answers there"
            ),
            forward,
        ),
        _ => CheckLine::fail(route.check, answered, forward),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://approvals.example.com/api/messages").unwrap()
    }

    #[test]
    fn a_401_means_the_bot_answered() {
        let line = judge(&url(), TEAMS_ROUTE, StatusCode::UNAUTHORIZED, None);
        assert!(line.ok);
        assert!(line.detail.contains("reaches the bot"), "{}", line.detail);
    }

    #[test]
    fn every_other_answer_fails_with_what_to_do() {
        for (status, location, detail, fix) in [
            (
                StatusCode::NOT_FOUND,
                None,
                "answered 404 Not Found",
                "/api/messages to the service",
            ),
            (
                StatusCode::MOVED_PERMANENTLY,
                Some("https://login.example.com/"),
                "a redirect to https://login.example.com/",
                "does not follow redirects",
            ),
            (
                StatusCode::BAD_GATEWAY,
                None,
                "could not reach it",
                "GET /readyz",
            ),
            (
                StatusCode::FORBIDDEN,
                None,
                "turned the request away",
                "firewall",
            ),
            (
                StatusCode::OK,
                None,
                "something else answers there",
                "/api/messages to the service",
            ),
            (
                StatusCode::IM_A_TEAPOT,
                None,
                "answered 418",
                "ingress or proxy",
            ),
        ] {
            let line = judge(&url(), TEAMS_ROUTE, status, location);
            assert!(!line.ok, "{status}");
            assert!(line.detail.contains(detail), "{status}: {}", line.detail);
            let said = line.fix.unwrap_or_default();
            assert!(said.contains(fix), "{status}: {said}");
        }
    }
}
