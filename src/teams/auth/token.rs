//! The checks on one bearer token, given the published key its header names. Pure but for the
//! clock, which `jsonwebtoken` reads (system time) for `exp` and `nbf`.
//!
//! Order matters for what a refusal says: the header is read first (the token's shape, RS256
//! only, a `kid`) so that no key is looked up for a token that could never pass; then the
//! signature, then lifetime, issuer, audience and service URL, and the channel and its endorsement
//! last, so that 403 is answered only for a genuine token meant for this bot.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::key_set::PublishedKey;
use super::refusal::{Refusal, quoted};
use super::{BOT_FRAMEWORK_ISSUER, CLOCK_SKEW, TEAMS_CHANNEL};

/// What an activity says about itself that its token must agree with.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// This bot's Microsoft App ID: the token's audience.
    pub app_id: &'a str,
    /// The activity's `serviceUrl`: the token's `serviceurl` claim. `None` only for a body that
    /// names none (not an activity at all): the claim is then not compared, and whoever checks
    /// must not act on that body.
    pub service_url: Option<&'a str>,
    /// The activity's `channelId`: it must be [`TEAMS_CHANNEL`], and the key endorsed for it.
    pub channel: &'a str,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The `serviceurl` the Bot Framework signed: where replies to this activity may go.
    pub service_url: String,
    /// The key that signed it.
    pub kid: String,
}

/// The token in an `Authorization` header value: `Bearer <token>` (the scheme in any case).
pub fn bearer(authorization: Option<&str>) -> Result<&str, Refusal> {
    let value = authorization.ok_or(Refusal::NoAuthorization)?;
    let (scheme, token) = value.split_once(' ').ok_or(Refusal::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(Refusal::NotBearer);
    }
    Ok(token)
}

/// The parts of a JWT header read before any key is looked up.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The `kid` of an RS256 token, read from its header without checking anything else.
pub fn key_id(token: &str) -> Result<String, Refusal> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed {
            what: "it does not have three parts",
        });
    };
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| Refusal::Malformed {
            what: "its header is not base64url",
        })?;
    let header: Header = serde_json::from_slice(&header).map_err(|_| Refusal::Malformed {
        what: "its header is not a JSON object naming an algorithm",
    })?;
    if header.alg != "RS256" {
        return Err(Refusal::AlgorithmNotAllowed {
            alg: quoted(&header.alg),
        });
    }
    header
        .kid
        .filter(|kid| !kid.is_empty())
        .ok_or(Refusal::NoKeyId)
}

/// The claims of a token whose signature verified: its lifetime, and those checked here rather
/// than by `jsonwebtoken`, read loosely so that a refusal can say what the token carried.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    exp: Option<Value>,
    nbf: Option<Value>,
    iss: Option<Value>,
    aud: Option<Value>,
    serviceurl: Option<Value>,
}

/// Checks `token` against `key` (the key its header names) and what the activity says.
pub fn check(
    token: &str,
    key: &PublishedKey,
    expected: Expected<'_>,
) -> Result<VerifiedToken, Refusal> {
    let claims = signed_claims(token, key)?;
    check_claims(&claims, key, expected)
}

/// The claims of `token` once its signature verifies with `key` and it is within its lifetime
/// (`exp`, required, and `nbf`, with [`CLOCK_SKEW`]); nothing else is checked yet.
pub fn signed_claims(token: &str, key: &PublishedKey) -> Result<Claims, Refusal> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = CLOCK_SKEW.as_secs();
    validation.validate_exp = true;
    validation.validate_nbf = true;
    // Issuer and audience are compared below, so that the refusal can name what the token said.
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp"]);
    Ok(
        jsonwebtoken::decode::<Claims>(token, key.decoding_key(), &validation)
            .map_err(|err| refusal(err.kind(), key.kid()))?
            .claims,
    )
}

/// The checks after the signature: lifetime at `now` (seconds since the epoch) as
/// `jsonwebtoken` checks it, for claims whose signature verified earlier.
pub fn within_lifetime(claims: &Claims, now: u64) -> Result<(), Refusal> {
    let leeway = CLOCK_SKEW.as_secs();
    let seconds = |value: &Option<Value>| value.as_ref().and_then(Value::as_f64);
    match seconds(&claims.exp) {
        None => {
            return Err(Refusal::BadClaims {
                what: "no numeric exp".to_owned(),
            });
        }
        Some(exp) if exp < now.saturating_sub(leeway) as f64 => return Err(Refusal::Expired),
        Some(_) => {}
    }
    if let Some(nbf) = seconds(&claims.nbf)
        && nbf > (now + leeway) as f64
    {
        return Err(Refusal::NotYetValid);
    }
    Ok(())
}

/// The checks on claims whose signature verified with `key`: issuer, audience, service URL,
/// channel and the key's endorsement for it.
pub fn check_claims(
    claims: &Claims,
    key: &PublishedKey,
    expected: Expected<'_>,
) -> Result<VerifiedToken, Refusal> {
    match &claims.iss {
        Some(Value::String(iss)) if iss == BOT_FRAMEWORK_ISSUER => {}
        other => {
            return Err(Refusal::WrongIssuer {
                found: shown(other.as_ref()),
            });
        }
    }
    if !audience_is(claims.aud.as_ref(), expected.app_id) {
        return Err(Refusal::WrongAudience {
            found: shown(claims.aud.as_ref()),
        });
    }
    let Some(Value::String(service_url)) = &claims.serviceurl else {
        return Err(Refusal::NoServiceUrlClaim);
    };
    if let Some(activity) = expected.service_url
        && !same_service_url(service_url, activity)
    {
        return Err(Refusal::ServiceUrlMismatch {
            token: quoted(service_url),
            activity: quoted(activity),
        });
    }
    // The bot serves Teams alone: the people it acts for are Teams users, whose ids only Teams
    // vouches for.
    if expected.channel != TEAMS_CHANNEL {
        return Err(Refusal::OtherChannel {
            channel: quoted(expected.channel),
        });
    }
    if !key.endorses(expected.channel) {
        return Err(Refusal::NotEndorsed {
            kid: key.kid().to_owned(),
        });
    }
    Ok(VerifiedToken {
        service_url: service_url.clone(),
        kid: key.kid().to_owned(),
    })
}

/// Whether `aud` names `app_id` (a string, or a list holding it). An empty app id matches
/// nothing.
fn audience_is(aud: Option<&Value>, app_id: &str) -> bool {
    let named = |value: &Value| value.as_str() == Some(app_id);
    !app_id.is_empty()
        && match aud {
            Some(Value::Array(values)) => values.iter().any(named),
            Some(value) => named(value),
            None => false,
        }
}

/// Whether the token's and the activity's service URLs are the same, ignoring ASCII case and one
/// trailing `/` (as the Teams SDK compares them).
fn same_service_url(token: &str, activity: &str) -> bool {
    let normal = |url: &str| url.strip_suffix('/').unwrap_or(url).to_ascii_lowercase();
    !activity.is_empty() && normal(token) == normal(activity)
}

/// A claim's value for a refusal: a string quoted, anything else as JSON, `no one` when absent.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "no one".to_owned(),
        Some(Value::String(text)) => quoted(text),
        Some(other) => quoted(&other.to_string()),
    }
}

/// What `jsonwebtoken`'s refusal means here.
fn refusal(kind: &ErrorKind, kid: &str) -> Refusal {
    match kind {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat
        | ErrorKind::Crypto(_) => Refusal::BadSignature {
            kid: kid.to_owned(),
        },
        ErrorKind::ExpiredSignature => Refusal::Expired,
        ErrorKind::ImmatureSignature => Refusal::NotYetValid,
        ErrorKind::MissingRequiredClaim(claim) => Refusal::BadClaims {
            what: format!("no numeric {claim}"),
        },
        ErrorKind::InvalidToken => Refusal::Malformed {
            what: "it does not have three parts",
        },
        ErrorKind::Base64(_) => Refusal::Malformed {
            what: "a part is not base64url",
        },
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => Refusal::Malformed {
            what: "its claims are not a JSON object",
        },
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            Refusal::AlgorithmNotAllowed {
                alg: "another algorithm".to_owned(),
            }
        }
        other => Refusal::BadClaims {
            what: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::teams::{SANDBOX_KID, TokenAuthority};
    use crate::teams::auth::key_set::KeySet;

    const APP_ID: &str = "5b1c6a2e-0000-4000-8000-00000000b07";
    const SERVICE_URL: &str = "https://smba.trafficmanager.net/emea/";

    fn expected() -> Expected<'static> {
        Expected {
            app_id: APP_ID,
            service_url: Some(SERVICE_URL),
            channel: TEAMS_CHANNEL,
        }
    }

    /// The published key `kid` of `authority`.
    fn key(authority: &TokenAuthority, kid: &str) -> std::sync::Arc<PublishedKey> {
        let jwks = serde_json::to_vec(&authority.jwks()).unwrap();
        KeySet::from_jwks(&jwks).unwrap().get(kid).unwrap()
    }

    /// Checks `token` with the key its header names, as the verifier does.
    fn verify(authority: &TokenAuthority, token: &str) -> Result<VerifiedToken, Refusal> {
        let kid = key_id(token)?;
        check(token, &key(authority, &kid), expected())
    }

    #[test]
    fn a_token_the_bot_framework_would_send_passes() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let verified = verify(&authority, &token).unwrap();
        assert_eq!(verified.service_url, SERVICE_URL);
        assert_eq!(verified.kid, SANDBOX_KID);
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_anything_else_is_refused() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer(Some("bearer abc")).unwrap(), "abc");
        assert!(matches!(bearer(None), Err(Refusal::NoAuthorization)));
        for value in ["Basic abc", "Bearer", "Bearer ", "Bearer a b", "abc", ""] {
            assert!(
                matches!(bearer(Some(value)), Err(Refusal::NotBearer)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_token_that_is_not_a_jwt_is_refused_as_malformed() {
        for token in ["abc", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.sig"] {
            assert!(
                matches!(key_id(token), Err(Refusal::Malformed { .. })),
                "{token}: {:?}",
                key_id(token)
            );
        }
    }

    #[test]
    fn claims_changed_after_signing_are_refused_for_their_signature() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let mut parts: Vec<&str> = token.split('.').collect();
        let not_json = URL_SAFE_NO_PAD.encode(b"not json");
        parts[1] = &not_json;
        let err = verify(&authority, &parts.join(".")).unwrap_err();
        assert!(matches!(err, Refusal::BadSignature { .. }), "{err:?}");
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused_for_its_signature() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .signed_by_forger()
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(
            matches!(&err, Refusal::BadSignature { kid } if kid == SANDBOX_KID),
            "{err:?}"
        );
    }

    #[test]
    fn unsigned_and_hmac_tokens_are_refused_for_their_algorithm_before_any_key_is_looked_up() {
        let authority = TokenAuthority::new();
        let none = authority.token(APP_ID, SERVICE_URL).unsigned().sign();
        let err = key_id(&none).unwrap_err();
        assert!(
            matches!(&err, Refusal::AlgorithmNotAllowed { alg } if alg == "\"none\""),
            "{err:?}"
        );
        let hs256 = authority
            .token(APP_ID, SERVICE_URL)
            .signed_hs256(b"the app password, perhaps")
            .sign();
        let err = key_id(&hs256).unwrap_err();
        assert!(
            matches!(&err, Refusal::AlgorithmNotAllowed { alg } if alg == "\"HS256\""),
            "{err:?}"
        );
        let rs512 = authority
            .token(APP_ID, SERVICE_URL)
            .header("alg", "RS512")
            .sign();
        assert!(matches!(
            key_id(&rs512),
            Err(Refusal::AlgorithmNotAllowed { .. })
        ));
    }

    #[test]
    fn a_token_without_a_key_id_is_refused() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).without_kid().sign();
        assert!(matches!(key_id(&token), Err(Refusal::NoKeyId)));
    }

    #[test]
    fn a_token_from_another_issuer_is_refused_naming_it() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .claim(
                "iss",
                "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
            )
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(
            matches!(&err, Refusal::WrongIssuer { found } if found.contains("sts.windows.net")),
            "{err:?}"
        );
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .without_claim("iss")
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(
            matches!(&err, Refusal::WrongIssuer { found } if found == "no one"),
            "{err:?}"
        );
    }

    #[test]
    fn a_token_for_another_bot_is_refused_naming_its_audience() {
        let authority = TokenAuthority::new();
        let token = authority.token("another-bot", SERVICE_URL).sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(
            matches!(&err, Refusal::WrongAudience { found } if found == "\"another-bot\""),
            "{err:?}"
        );
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .without_claim("aud")
            .sign();
        assert!(matches!(
            verify(&authority, &token),
            Err(Refusal::WrongAudience { .. })
        ));
    }

    #[test]
    fn an_audience_list_naming_the_bot_passes_and_an_empty_app_id_matches_nothing() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .claim("aud", serde_json::json!(["other", APP_ID]))
            .sign();
        assert!(verify(&authority, &token).is_ok());
        let token = authority.token("", SERVICE_URL).sign();
        let kid = key_id(&token).unwrap();
        let empty = Expected {
            app_id: "",
            ..expected()
        };
        assert!(matches!(
            check(&token, &key(&authority, &kid), empty),
            Err(Refusal::WrongAudience { .. })
        ));
    }

    #[test]
    fn a_token_expired_beyond_the_clock_skew_is_refused() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .valid_from_now(-3_600)
            .expiring_in(-(CLOCK_SKEW.as_secs() as i64) - 5)
            .sign();
        assert!(matches!(verify(&authority, &token), Err(Refusal::Expired)));
    }

    #[test]
    fn a_token_expired_within_the_clock_skew_passes() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .valid_from_now(-3_600)
            .expiring_in(-(CLOCK_SKEW.as_secs() as i64) + 30)
            .sign();
        assert!(verify(&authority, &token).is_ok());
    }

    #[test]
    fn a_token_not_valid_until_beyond_the_clock_skew_is_refused_and_within_it_passes() {
        let authority = TokenAuthority::new();
        let skew = CLOCK_SKEW.as_secs() as i64;
        let early = authority
            .token(APP_ID, SERVICE_URL)
            .valid_from_now(skew + 5)
            .sign();
        assert!(matches!(
            verify(&authority, &early),
            Err(Refusal::NotYetValid)
        ));
        let near = authority
            .token(APP_ID, SERVICE_URL)
            .valid_from_now(skew - 30)
            .sign();
        assert!(verify(&authority, &near).is_ok());
    }

    #[test]
    fn a_token_without_an_expiry_is_refused() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .without_claim("exp")
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(
            matches!(&err, Refusal::BadClaims { what } if what.contains("exp")),
            "{err:?}"
        );
    }

    #[test]
    fn a_token_for_another_service_url_is_refused_naming_both() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, "https://smba.trafficmanager.net/amer/")
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        let Refusal::ServiceUrlMismatch { token, activity } = &err else {
            panic!("{err:?}");
        };
        assert!(token.contains("/amer/"), "{err}");
        assert!(activity.contains("/emea/"), "{err}");
    }

    #[test]
    fn service_urls_are_compared_without_case_or_a_trailing_slash() {
        assert!(same_service_url(
            "https://SMBA.trafficmanager.net/emea/",
            "https://smba.trafficmanager.net/emea"
        ));
        assert!(!same_service_url(
            "https://smba.trafficmanager.net/emea/",
            "https://smba.trafficmanager.net/emea/x"
        ));
        assert!(!same_service_url("", ""));
    }

    #[test]
    fn a_token_without_a_service_url_is_refused() {
        let authority = TokenAuthority::new();
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .without_claim("serviceurl")
            .sign();
        assert!(matches!(
            verify(&authority, &token),
            Err(Refusal::NoServiceUrlClaim)
        ));
    }

    #[test]
    fn a_genuine_token_from_a_key_not_endorsed_for_teams_is_forbidden() {
        let authority = TokenAuthority::new();
        authority.publish("webchat-only", &["webchat"]);
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .kid("webchat-only")
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(
            matches!(&err, Refusal::NotEndorsed { kid } if kid == "webchat-only"),
            "{err:?}"
        );
        assert!(err.is_forbidden());
    }

    #[test]
    fn an_activity_from_another_channel_is_forbidden_even_with_a_key_endorsed_for_it() {
        let authority = TokenAuthority::new();
        authority.publish("both", &["webchat", TEAMS_CHANNEL]);
        let token = authority.token(APP_ID, SERVICE_URL).kid("both").sign();
        let kid = key_id(&token).unwrap();
        let webchat = Expected {
            channel: "webchat",
            ..expected()
        };
        let err = check(&token, &key(&authority, &kid), webchat).unwrap_err();
        assert!(
            matches!(&err, Refusal::OtherChannel { channel } if channel == "\"webchat\""),
            "{err:?}"
        );
        assert!(err.is_forbidden());
    }

    #[test]
    fn without_a_service_url_to_compare_every_other_check_still_holds() {
        let authority = TokenAuthority::new();
        let token = authority.token(APP_ID, SERVICE_URL).sign();
        let kid = key_id(&token).unwrap();
        let unnamed = Expected {
            service_url: None,
            ..expected()
        };
        let verified = check(&token, &key(&authority, &kid), unnamed).unwrap();
        assert_eq!(verified.service_url, SERVICE_URL);
        let forged = authority
            .token(APP_ID, SERVICE_URL)
            .signed_by_forger()
            .sign();
        assert!(matches!(
            check(&forged, &key(&authority, &kid), unnamed),
            Err(Refusal::BadSignature { .. })
        ));
        let elsewhere = authority.token("someone-elses-bot", SERVICE_URL).sign();
        assert!(matches!(
            check(&elsewhere, &key(&authority, &kid), unnamed),
            Err(Refusal::WrongAudience { .. })
        ));
    }

    #[test]
    fn a_forged_token_naming_an_unendorsed_key_is_refused_for_its_signature_not_forbidden() {
        let authority = TokenAuthority::new();
        authority.publish("webchat-only", &["webchat"]);
        let token = authority
            .token(APP_ID, SERVICE_URL)
            .kid("webchat-only")
            .signed_by_forger()
            .sign();
        let err = verify(&authority, &token).unwrap_err();
        assert!(matches!(err, Refusal::BadSignature { .. }), "{err:?}");
    }
}
