//! A [`Hold`] in front of a stand-in server the test hosts (a world's fake takes one through
//! `wrap_coupa` or `wrap_slack`): chosen requests can be held (they reach the stand-in only when
//! let go, so until then nothing they ask for happens) or served and then answered late (the work
//! is done, the caller times out). This is how a test freezes the bot at an exact step, e.g. with Coupa's
//! approve PUT in flight, and kills it there.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;

#[derive(Default)]
struct Rules {
    /// Requests matching this are held forever.
    hold: Option<(Method, String)>,
    /// Requests matching this are served, then answered after the delay.
    late: Option<(Method, String, Duration)>,
    /// How many requests were held.
    held: usize,
}

/// Rules for the requests passing through a stand-in. Cheap to clone; clones share rules.
#[derive(Clone)]
pub struct Hold {
    rules: Arc<Mutex<Rules>>,
    /// `true` once held requests are let go.
    released: tokio::sync::watch::Sender<bool>,
}

impl Default for Hold {
    fn default() -> Self {
        Self {
            rules: Arc::default(),
            released: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl Hold {
    /// From now on, `method` requests whose path starts with `path_prefix` wait forever.
    pub fn hold(&self, method: Method, path_prefix: &str) {
        self.lock().hold = Some((method, path_prefix.to_owned()));
    }

    /// From now on, matching requests are served, then answered only after `delay`.
    pub fn answer_late(&self, method: Method, path_prefix: &str, delay: Duration) {
        self.lock().late = Some((method, path_prefix.to_owned(), delay));
    }

    /// Lets the requests held so far (and any held later) go on to the stand-in.
    pub fn release(&self) {
        self.clear();
        self.released.send_replace(true);
    }

    /// Lets new requests through again (requests already held stay held).
    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.hold = None;
        rules.late = None;
    }

    /// How many requests have been held so far.
    pub fn held(&self) -> usize {
        self.lock().held
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `router` with these rules in front of it.
    pub fn wrap(&self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(self.clone(), apply))
    }
}

async fn apply(State(hold): State<Hold>, request: Request, next: Next) -> Response {
    let (held, late) = hold.rules_for(request.method(), request.uri().path());
    if held {
        let mut released = hold.released.subscribe();
        // Never let go (the sender lives as long as the hold): the request waits forever.
        if released.wait_for(|r| *r).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
    let response = next.run(request).await;
    if let Some(delay) = late {
        tokio::time::sleep(delay).await;
    }
    response
}

impl Hold {
    /// Whether to hold a request, and how late to answer it; counts the held.
    fn rules_for(&self, method: &Method, path: &str) -> (bool, Option<Duration>) {
        let mut rules = self.lock();
        let held = rules
            .hold
            .as_ref()
            .is_some_and(|(m, p)| m == method && path.starts_with(p.as_str()));
        if held {
            rules.held += 1;
        }
        let late = rules
            .late
            .as_ref()
            .filter(|(m, p, _)| m == method && path.starts_with(p.as_str()))
            .map(|(_, _, delay)| *delay);
        (held, late)
    }
}
