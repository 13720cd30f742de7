//! The sandbox's Bot Framework token authority behind wiremock, so a test can count the bot's
//! reads of the keys, slow them down, or make them fail; and a verifier reading from it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use coupa_approvals::sandbox::teams::TokenAuthority;
use coupa_approvals::teams::auth::{ActivityVerifier, BotKeys};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The bot's Microsoft App ID in these tests.
pub const APP_ID: &str = "0b5e8c1d-7a3f-4e21-9c6b-2d8f1a4e7b30";

/// The service URL the tests' activities name.
pub const SERVICE_URL: &str = "https://smba.trafficmanager.net/emea/";

const METADATA_PATH: &str = "/v1/.well-known/openidconfiguration";
const KEYS_PATH: &str = "/v1/.well-known/keys";

/// A token authority whose documents wiremock serves, answering from its current keys.
pub struct MockedAuthority {
    pub authority: Arc<TokenAuthority>,
    pub server: MockServer,
    /// When not 0, the metadata address answers with this status instead.
    failing: Arc<AtomicU16>,
}

impl MockedAuthority {
    /// Serves the documents at once.
    pub async fn start() -> Self {
        Self::answering_keys_after(Duration::ZERO).await
    }

    /// Serves the keys `delay` after each request for them, so that concurrent callers overlap.
    pub async fn answering_keys_after(delay: Duration) -> Self {
        let authority = Arc::new(TokenAuthority::new());
        let server = MockServer::start().await;
        let failing = Arc::new(AtomicU16::new(0));
        let keys_url = format!("{}{KEYS_PATH}", server.uri());
        Mock::given(method("GET"))
            .and(path(METADATA_PATH))
            .respond_with({
                let (authority, failing) = (authority.clone(), failing.clone());
                move |_: &Request| match failing.load(Ordering::SeqCst) {
                    0 => ResponseTemplate::new(200)
                        .set_body_json(authority.openid_metadata(&keys_url)),
                    status => ResponseTemplate::new(status),
                }
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(KEYS_PATH))
            .respond_with({
                let authority = authority.clone();
                move |_: &Request| {
                    ResponseTemplate::new(200)
                        .set_body_json(authority.jwks())
                        .set_delay(delay)
                }
            })
            .mount(&server)
            .await;
        Self {
            authority,
            server,
            failing,
        }
    }

    /// Where the metadata document is.
    pub fn metadata_url(&self) -> Url {
        Url::parse(&format!("{}{METADATA_PATH}", self.server.uri())).unwrap()
    }

    /// From now on the metadata address answers `status` (0: answers normally again).
    pub fn fail_with(&self, status: u16) {
        self.failing.store(status, Ordering::SeqCst);
    }

    /// How many times the metadata address was asked (every read of the keys starts there).
    pub async fn reads(&self) -> usize {
        self.requests_to(METADATA_PATH).await
    }

    /// How many times the keys themselves were fetched.
    pub async fn key_fetches(&self) -> usize {
        self.requests_to(KEYS_PATH).await
    }

    async fn requests_to(&self, wanted: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|request| request.url.path() == wanted)
            .count()
    }

    /// A verifier for [`APP_ID`] with a key cache of its own, reading from this authority.
    pub fn verifier(&self) -> ActivityVerifier {
        ActivityVerifier::new(APP_ID, BotKeys::new(self.metadata_url()).unwrap())
    }
}

/// `Bearer <token>`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
