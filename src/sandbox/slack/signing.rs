//! Slack's request signature (v0), so the simulated Slack (the demo page, the tests, the load
//! generator) signs what it sends the app exactly as Slack does: `v0=` + hex(HMAC-SHA256(secret, `v0:{timestamp}:{body}`)).

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Slack-Signature";
/// Header carrying the Unix timestamp that was signed.
pub const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";

/// A signature could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign a Slack request: the signing key was refused")]
pub struct SigningError;

/// The `X-Slack-Signature` value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> Result<String, SigningError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SigningError)?;
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut signature = String::with_capacity(3 + 2 * digest.len());
    signature.push_str("v0=");
    for byte in digest {
        // Writing into a String cannot fail.
        let _ = write!(signature, "{byte:02x}");
    }
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use slack_morphism::prelude::*;
    use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

    use super::*;

    #[test]
    fn a_signature_is_accepted_by_the_verifier_the_app_uses() {
        let now = jiff::Timestamp::now().as_second();
        let body = "payload=%7B%22type%22%3A%22block_actions%22%7D";
        let signed = signature("demo-secret", now, body).unwrap();
        let verifier =
            SlackEventSignatureVerifier::new(&SlackSigningSecret::new("demo-secret".into()));
        assert!(verifier.verify(&signed, body, &now.to_string()).is_ok());
    }

    #[test]
    fn a_changed_body_or_another_secret_gives_another_signature() {
        let signed = signature("demo-secret", 1_700_000_000, "a=1").unwrap();
        assert!(
            signed.starts_with("v0=") && signed.len() == 3 + 64,
            "{signed}"
        );
        assert_ne!(
            signed,
            signature("demo-secret", 1_700_000_000, "a=2").unwrap()
        );
        assert_ne!(
            signed,
            signature("other-secret", 1_700_000_000, "a=1").unwrap()
        );
    }
}
