//! A tiny token authority: it signs Bot Framework-shaped tokens with a throwaway RSA key and
//! publishes that key, as the Bot Framework does, in a JWKS named by an OpenID metadata document.
//!
//! The keys are the PEM files of `tests/fixtures/teams/`, compiled in: one the authority signs
//! with and publishes, one it publishes nowhere ([`TokenBuilder::signed_by_forger`]). Tokens are
//! built claim by claim, so a test can mint exactly the flaw it is about: another issuer or
//! audience, a lifetime in the past or future, a `kid` nobody publishes, `alg: none`, an HMAC.
//!
//! Tests can serve the documents from [`TokenAuthority::jwks`] and
//! [`TokenAuthority::openid_metadata`] themselves (behind a mock that delays or counts), or let
//! [`TokenAuthority::serve`] serve them on a loopback port.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::Json;
use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};
use url::Url;

use super::super::served::Served;
use crate::teams::auth::{BOT_FRAMEWORK_ISSUER, TEAMS_CHANNEL};

/// The `kid` the authority publishes its key under from the start, endorsed for Teams.
pub const SANDBOX_KID: &str = "sandbox-signing-key";

/// Where [`TokenAuthority::serve`] serves the metadata document, as the Bot Framework does.
const METADATA_PATH: &str = "/v1/.well-known/openidconfiguration";

/// Where [`TokenAuthority::serve`] serves the keys.
const KEYS_PATH: &str = "/v1/.well-known/keys";

/// The key the authority signs with and publishes (a throwaway; see the file's own words).
const AUTHORITY_KEY_PEM: &str =
    include_str!("../../../tests/fixtures/teams/throwaway-authority-key.pem");

/// A key published nowhere: what a forger would sign with.
const FORGER_KEY_PEM: &str = include_str!("../../../tests/fixtures/teams/throwaway-forger-key.pem");

/// A signing key and the public half the JWKS shows.
struct KeyPair {
    signing: EncodingKey,
    /// The modulus, base64url.
    n: String,
    /// The public exponent, base64url.
    e: String,
}

impl KeyPair {
    /// Reads a compiled-in PKCS#1 PEM. The files are the repository's own, so a failure here is a
    /// broken checkout, not input.
    fn from_pem(pem: &str) -> Self {
        let body: String = pem
            .lines()
            .skip_while(|line| !line.starts_with("-----BEGIN RSA PRIVATE KEY-----"))
            .skip(1)
            .take_while(|line| !line.starts_with("-----END"))
            .collect();
        let der = STANDARD
            .decode(body.trim())
            .expect("the sandbox's throwaway key is base64 PEM");
        let pair = ring::rsa::KeyPair::from_der(&der)
            .expect("the sandbox's throwaway key is a PKCS#1 RSA key ring accepts");
        let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
        Self {
            signing: EncodingKey::from_rsa_der(&der),
            n: URL_SAFE_NO_PAD.encode(&public.n),
            e: URL_SAFE_NO_PAD.encode(&public.e),
        }
    }
}

/// A key id the JWKS lists (all with the authority's one key pair) and its endorsements.
#[derive(Debug, Clone)]
struct Published {
    kid: String,
    endorsements: Vec<String>,
}

/// A stand-in for the Bot Framework's token service. Share it in an [`Arc`] to serve it.
pub struct TokenAuthority {
    authority: KeyPair,
    forger: KeyPair,
    published: Mutex<Vec<Published>>,
}

impl Default for TokenAuthority {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenAuthority {
    /// An authority publishing its key as [`SANDBOX_KID`], endorsed for Teams.
    pub fn new() -> Self {
        let authority = Self {
            authority: KeyPair::from_pem(AUTHORITY_KEY_PEM),
            forger: KeyPair::from_pem(FORGER_KEY_PEM),
            published: Mutex::new(Vec::new()),
        };
        authority.publish(SANDBOX_KID, &[TEAMS_CHANNEL]);
        authority
    }

    /// Publishes the authority's key (also) under `kid`, endorsed for `endorsements`, replacing
    /// what that `kid` had: how a key rotation or a key for another channel looks.
    pub fn publish(&self, kid: &str, endorsements: &[&str]) {
        let mut published = self.lock();
        published.retain(|key| key.kid != kid);
        published.push(Published {
            kid: kid.to_owned(),
            endorsements: endorsements.iter().map(|e| (*e).to_owned()).collect(),
        });
    }

    /// Stops publishing `kid`.
    pub fn withdraw(&self, kid: &str) {
        self.lock().retain(|key| key.kid != kid);
    }

    /// The JWKS document: every published `kid`, shaped as Microsoft's (with `endorsements`).
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .lock()
            .iter()
            .map(|key| {
                json!({
                    "kty": "RSA",
                    "use": "sig",
                    "kid": key.kid,
                    "n": self.authority.n,
                    "e": self.authority.e,
                    "endorsements": key.endorsements,
                })
            })
            .collect();
        json!({ "keys": keys })
    }

    /// The OpenID metadata document, naming `jwks_uri` as where the keys are.
    pub fn openid_metadata(&self, jwks_uri: &str) -> Value {
        json!({
            "issuer": BOT_FRAMEWORK_ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": jwks_uri,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })
    }

    /// A token as the Bot Framework sends with an activity for the bot `app_id` about
    /// `service_url`: valid from a minute ago for an hour, signed with [`SANDBOX_KID`]. Change
    /// anything before [`TokenBuilder::sign`].
    pub fn token(&self, app_id: &str, service_url: &str) -> TokenBuilder<'_> {
        let now = now();
        let mut claims = Map::new();
        claims.insert("serviceurl".into(), service_url.into());
        claims.insert("nbf".into(), (now - 60).into());
        claims.insert("exp".into(), (now + 3_600).into());
        claims.insert("iss".into(), BOT_FRAMEWORK_ISSUER.into());
        claims.insert("aud".into(), app_id.into());
        TokenBuilder {
            authority: self,
            kid: Some(SANDBOX_KID.to_owned()),
            header: Map::new(),
            claims,
            signer: Signer::Authority,
        }
    }

    /// Serves the metadata document and the keys on a loopback port until the result is dropped.
    pub async fn serve(self: &Arc<Self>) -> std::io::Result<ServedAuthority> {
        let counts = Arc::new(Counts::default());
        let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let router = Router::new()
            .route(
                METADATA_PATH,
                get({
                    let (authority, counts, base) = (self.clone(), counts.clone(), base.clone());
                    move || async move {
                        counts.metadata.fetch_add(1, Ordering::SeqCst);
                        let base = base.get().map_or("", String::as_str);
                        Json(authority.openid_metadata(&format!("{base}{KEYS_PATH}")))
                    }
                }),
            )
            .route(
                KEYS_PATH,
                get({
                    let (authority, counts) = (self.clone(), counts.clone());
                    move || async move {
                        counts.keys.fetch_add(1, Ordering::SeqCst);
                        Json(authority.jwks())
                    }
                }),
            );
        let served = Served::start(router).await?;
        // Set before anyone can know the address to ask.
        let _ = base.set(served.url());
        Ok(ServedAuthority { served, counts })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Published>> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Seconds since the epoch, as `exp` and `nbf` count them.
fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX)
}

/// How a token is signed.
enum Signer {
    /// RS256 with the published key.
    Authority,
    /// RS256 with the key published nowhere.
    Forger,
    /// HS256 with a shared secret.
    Hs256(Vec<u8>),
    /// `alg: none`, an empty signature.
    Unsigned,
}

/// A token being built; see [`TokenAuthority::token`].
pub struct TokenBuilder<'a> {
    authority: &'a TokenAuthority,
    kid: Option<String>,
    /// Header fields set by [`TokenBuilder::header`], over those the signer sets.
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signer: Signer,
}

impl TokenBuilder<'_> {
    /// Names `kid` in the header.
    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = Some(kid.to_owned());
        self
    }

    /// Names no key in the header.
    pub fn without_kid(mut self) -> Self {
        self.kid = None;
        self
    }

    /// Sets a header field (`alg` included: the signature is still made as the signer makes it).
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.to_owned(), value.into());
        self
    }

    /// Sets a claim.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// Leaves a claim out.
    pub fn without_claim(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// `exp` this many seconds from now (negative: in the past).
    pub fn expiring_in(self, seconds: i64) -> Self {
        self.claim("exp", now() + seconds)
    }

    /// `nbf` this many seconds from now (positive: in the future).
    pub fn valid_from_now(self, seconds: i64) -> Self {
        self.claim("nbf", now() + seconds)
    }

    /// Signs with a key the authority publishes nowhere (the header still names the `kid`).
    pub fn signed_by_forger(mut self) -> Self {
        self.signer = Signer::Forger;
        self
    }

    /// Signs with HS256 and `secret`, as a forger who knows some shared secret might.
    pub fn signed_hs256(mut self, secret: &[u8]) -> Self {
        self.signer = Signer::Hs256(secret.to_vec());
        self
    }

    /// `alg: none` and no signature.
    pub fn unsigned(mut self) -> Self {
        self.signer = Signer::Unsigned;
        self
    }

    /// The token, `header.claims.signature`, each part base64url.
    pub fn sign(self) -> String {
        let alg = match self.signer {
            Signer::Authority | Signer::Forger => "RS256",
            Signer::Hs256(_) => "HS256",
            Signer::Unsigned => "none",
        };
        let mut header = Map::new();
        header.insert("alg".into(), alg.into());
        header.insert("typ".into(), "JWT".into());
        if let Some(kid) = &self.kid {
            header.insert("kid".into(), kid.as_str().into());
        }
        header.extend(self.header);
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(self.claims).to_string()),
        );
        let signed = |key: &EncodingKey, algorithm| {
            jsonwebtoken::crypto::sign(message.as_bytes(), key, algorithm)
                .expect("the sandbox's keys sign")
        };
        let signature = match &self.signer {
            Signer::Authority => signed(&self.authority.authority.signing, Algorithm::RS256),
            Signer::Forger => signed(&self.authority.forger.signing, Algorithm::RS256),
            Signer::Hs256(secret) => signed(&EncodingKey::from_secret(secret), Algorithm::HS256),
            Signer::Unsigned => String::new(),
        };
        format!("{message}.{signature}")
    }
}

/// How often each document was asked for.
#[derive(Debug, Default)]
struct Counts {
    metadata: AtomicUsize,
    keys: AtomicUsize,
}

/// A [`TokenAuthority`] served on a loopback port; dropping it stops the server.
pub struct ServedAuthority {
    served: Served,
    counts: Arc<Counts>,
}

impl ServedAuthority {
    /// The metadata document's address: what the bot's key cache is given.
    pub fn metadata_url(&self) -> Url {
        Url::parse(&format!("{}{METADATA_PATH}", self.served.url()))
            .expect("a loopback URL with a fixed path parses")
    }

    /// How many times the keys were read.
    pub fn key_reads(&self) -> usize {
        self.counts.keys.load(Ordering::SeqCst)
    }

    /// How many times the metadata document was read.
    pub fn metadata_reads(&self) -> usize {
        self.counts.metadata.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_modulus_is_the_signing_keys_own() {
        let authority = TokenAuthority::new();
        let jwks = authority.jwks();
        let key = &jwks["keys"][0];
        assert_eq!(key["kid"], SANDBOX_KID);
        assert_eq!(key["endorsements"], json!([TEAMS_CHANNEL]));
        // 2048 bits: 256 bytes, 342 base64url characters.
        assert_eq!(key["n"].as_str().unwrap().len(), 342);
        assert_eq!(key["e"], "AQAB");
        assert_ne!(authority.forger.n, authority.authority.n);
    }

    #[test]
    fn publishing_a_kid_again_replaces_it_and_withdrawing_removes_it() {
        let authority = TokenAuthority::new();
        authority.publish("next", &["webchat"]);
        authority.publish("next", &["msteams"]);
        let kids = |authority: &TokenAuthority| -> Vec<String> {
            authority.jwks()["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| key["kid"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(kids(&authority), [SANDBOX_KID, "next"]);
        assert_eq!(
            authority.jwks()["keys"][1]["endorsements"],
            json!(["msteams"])
        );
        authority.withdraw(SANDBOX_KID);
        assert_eq!(kids(&authority), ["next"]);
    }

    #[test]
    fn an_unsigned_token_has_alg_none_and_an_empty_signature() {
        let authority = TokenAuthority::new();
        let token = authority.token("app", "https://s/").unsigned().sign();
        assert!(token.ends_with('.'));
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        let header: Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header["alg"], "none");
    }
}
