//! The Bot Framework's published signing keys, read from its JWKS document (pure).
//!
//! Each key in Microsoft's JWKS carries, beside the usual RSA fields (`kty`, `kid`, `n`, `e`), an
//! `endorsements` list naming the channels the key may sign for (`msteams`, `webchat`, …). Keys
//! this bot cannot use to check an RS256 signature are left out one by one, so that a single odd
//! entry (a new key type Microsoft starts publishing) does not take every other key with it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

/// One signing key the Bot Framework publishes.
pub struct PublishedKey {
    kid: String,
    key: DecodingKey,
    endorsements: Vec<String>,
}

impl PublishedKey {
    /// The key's id, as tokens name it in their `kid` header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Whether the key is endorsed for `channel` (`msteams` for Teams).
    pub fn endorses(&self, channel: &str) -> bool {
        self.endorsements.iter().any(|e| e == channel)
    }

    /// The public key, for checking a signature.
    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }
}

impl fmt::Debug for PublishedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishedKey")
            .field("kid", &self.kid)
            .field("endorsements", &self.endorsements)
            .finish_non_exhaustive()
    }
}

/// The usable keys of one JWKS document, by `kid`.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: HashMap<String, Arc<PublishedKey>>,
}

/// Why a JWKS document gave no keys.
#[derive(Debug, thiserror::Error)]
pub enum JwksProblem {
    /// Not JSON, or no `keys` list.
    #[error("it is not a JWKS document (a JSON object with a `keys` list)")]
    NotJwks(#[source] serde_json::Error),
    /// Nothing in `keys` can check an RS256 signature.
    #[error("none of its {listed} keys is an RSA signing key with a `kid`")]
    NoUsableKey {
        /// How many keys the document listed.
        listed: usize,
    },
}

/// A JWKS document, each key read on its own (see [`Jwk`]).
#[derive(Deserialize)]
struct Jwks {
    keys: Vec<serde_json::Value>,
}

/// The fields of one key this bot reads.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    #[serde(default)]
    endorsements: Vec<String>,
}

impl KeySet {
    /// Reads a JWKS document. A key that cannot check an RS256 signature (another key type or
    /// algorithm, an encryption key, no `kid`, a modulus or exponent that is not base64url) is
    /// left out with a log line naming it; a document that is not a JWKS, or has no usable key, is
    /// an error. When two keys share a `kid`, the first is kept.
    pub fn from_jwks(bytes: &[u8]) -> Result<Self, JwksProblem> {
        let document: Jwks = serde_json::from_slice(bytes).map_err(JwksProblem::NotJwks)?;
        let listed = document.keys.len();
        let mut keys = HashMap::new();
        for (index, raw) in document.keys.into_iter().enumerate() {
            match usable(raw) {
                Ok(key) => {
                    if keys.contains_key(&key.kid) {
                        tracing::warn!(kid = %key.kid, "the Bot Framework JWKS lists a key id twice; the first is kept");
                    } else {
                        keys.insert(key.kid.clone(), Arc::new(key));
                    }
                }
                Err(why) => {
                    tracing::debug!(index, why, "a key in the Bot Framework JWKS is left out");
                }
            }
        }
        if keys.is_empty() {
            return Err(JwksProblem::NoUsableKey { listed });
        }
        Ok(Self { keys })
    }

    /// The key with id `kid`, if the document had it.
    pub fn get(&self, kid: &str) -> Option<Arc<PublishedKey>> {
        self.keys.get(kid).cloned()
    }

    /// How many usable keys the document had.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none (never true of a set read by [`KeySet::from_jwks`]).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// `raw` as a key that can check RS256 signatures, or why not.
fn usable(raw: serde_json::Value) -> Result<PublishedKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(raw).map_err(|_| "not a JWK this bot can read")?;
    if jwk.kty != "RSA" {
        return Err("not an RSA key");
    }
    if jwk.usage.as_deref().is_some_and(|usage| usage != "sig") {
        return Err("not a signing key");
    }
    if jwk.alg.as_deref().is_some_and(|alg| alg != "RS256") {
        return Err("meant for another algorithm than RS256");
    }
    let kid = jwk.kid.filter(|kid| !kid.is_empty()).ok_or("no kid")?;
    let (Some(n), Some(e)) = (jwk.n, jwk.e) else {
        return Err("no modulus or exponent");
    };
    let key = DecodingKey::from_rsa_components(&n, &e)
        .map_err(|_| "the modulus or exponent is not base64url")?;
    Ok(PublishedKey {
        kid,
        key,
        endorsements: jwk.endorsements,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An RSA key as Microsoft publishes one (the modulus shortened: nothing here checks a
    /// signature).
    fn rsa(kid: &str, endorsements: &[&str]) -> serde_json::Value {
        json!({
            "kty": "RSA", "use": "sig", "kid": kid, "x5t": kid,
            "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
            "e": "AQAB",
            "endorsements": endorsements,
        })
    }

    fn set(keys: Vec<serde_json::Value>) -> Result<KeySet, JwksProblem> {
        KeySet::from_jwks(&serde_json::to_vec(&json!({ "keys": keys })).unwrap())
    }

    #[test]
    fn keys_are_found_by_kid_with_their_endorsements() {
        let keys = set(vec![
            rsa("a", &["msteams", "webchat"]),
            rsa("b", &["webchat"]),
        ])
        .unwrap();
        assert_eq!(keys.len(), 2);
        let a = keys.get("a").unwrap();
        assert_eq!(a.kid(), "a");
        assert!(a.endorses("msteams"));
        assert!(!keys.get("b").unwrap().endorses("msteams"));
        assert!(keys.get("c").is_none());
    }

    #[test]
    fn a_key_without_endorsements_endorses_nothing() {
        let mut key = rsa("a", &[]);
        key.as_object_mut().unwrap().remove("endorsements");
        let keys = set(vec![key]).unwrap();
        assert!(!keys.get("a").unwrap().endorses("msteams"));
    }

    #[test]
    fn keys_that_cannot_check_rs256_are_left_out_and_the_others_kept() {
        let mut ec = rsa("ec", &["msteams"]);
        ec["kty"] = json!("EC");
        let mut encryption = rsa("enc", &["msteams"]);
        encryption["use"] = json!("enc");
        let mut rs512 = rsa("rs512", &["msteams"]);
        rs512["alg"] = json!("RS512");
        let mut no_kid = rsa("", &["msteams"]);
        no_kid.as_object_mut().unwrap().remove("kid");
        let mut bad_modulus = rsa("bad", &["msteams"]);
        bad_modulus["n"] = json!("not base64url!");
        let mut odd_endorsements = rsa("odd", &[]);
        odd_endorsements["endorsements"] = json!("msteams");
        let keys = set(vec![
            ec,
            encryption,
            rs512,
            no_kid,
            bad_modulus,
            odd_endorsements,
            rsa("good", &["msteams"]),
        ])
        .unwrap();
        assert_eq!(keys.len(), 1);
        assert!(keys.get("good").is_some());
    }

    #[test]
    fn a_document_without_usable_keys_is_an_error_saying_how_many_were_listed() {
        let mut ec = rsa("ec", &["msteams"]);
        ec["kty"] = json!("EC");
        let err = set(vec![ec]).unwrap_err();
        assert!(
            matches!(err, JwksProblem::NoUsableKey { listed: 1 }),
            "{err:?}"
        );
        assert!(matches!(
            set(vec![]).unwrap_err(),
            JwksProblem::NoUsableKey { listed: 0 }
        ));
    }

    #[test]
    fn a_document_that_is_not_a_jwks_is_an_error() {
        for body in [&b"<html>"[..], b"{}", b"{\"keys\": 3}", b"[]"] {
            let err = KeySet::from_jwks(body).unwrap_err();
            assert!(matches!(err, JwksProblem::NotJwks(_)), "{err:?}");
        }
    }

    #[test]
    fn the_first_of_two_keys_with_one_kid_is_kept() {
        let keys = set(vec![rsa("a", &["msteams"]), rsa("a", &["webchat"])]).unwrap();
        assert_eq!(keys.len(), 1);
        assert!(keys.get("a").unwrap().endorses("msteams"));
    }
}
