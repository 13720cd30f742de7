//! The proactive installation checks, with `TEAMS_PROACTIVE_INSTALL=true`: whether Azure AD
//! issues the bot a Microsoft Graph token granting both application permissions proactive
//! installation needs (`teams graph`), and which installations failed (`teams installs`, from
//! the store, where each failure is kept with its reason until one succeeds).
//!
//! The permissions are read from the token's `roles` claim: Azure AD puts there exactly the
//! application permissions an admin consented to for the app registration.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::{CheckLine, LISTED_UNMAPPED};
use crate::app::teams::{TokenSourceError, graph_token_source};
use crate::config::TeamsSettings;
use crate::store::Store;
use crate::teams::graph::{INSTALL_FOR_USER, INSTALL_SELF_FOR_USER, USER_READ_ALL};
use crate::telemetry::chain;

/// The token line's name.
const GRAPH: &str = "teams graph";

/// The failures line's name.
const INSTALLS: &str = "teams installs";

/// Asks Azure AD for the bot's Graph token as the service would, and reads what it grants.
pub(super) async fn check(settings: &TeamsSettings) -> CheckLine {
    let issued = match graph_token_source(settings) {
        Ok(tokens) => tokens.token().await.map_err(TokenSourceError::Token),
        Err(err) => Err(err),
    };
    let token = match issued {
        Ok(token) => token,
        Err(err) => {
            return CheckLine::fail(
                GRAPH,
                format!("Azure AD issued no Microsoft Graph token: {}", chain(&err)),
                "fix the teams token check above first: the Graph token comes from the same app registration (MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TENANT_ID, TEAMS_LOGIN_URL)",
            );
        }
    };
    let header = token.header_value();
    let bearer = header.to_str().unwrap_or_default();
    let Some(roles) = roles(bearer.strip_prefix("Bearer ").unwrap_or(bearer)) else {
        return CheckLine::fail(
            GRAPH,
            "Azure AD's Microsoft Graph token is not a JWT whose claims can be read",
            "check TEAMS_LOGIN_URL: it must be the Azure AD authority, https://login.microsoftonline.com (the default when it is not set)",
        );
    };
    let has = |permission: &str| roles.iter().any(|role| role == permission);
    let mut missing = Vec::new();
    if !has(INSTALL_FOR_USER) && !has(INSTALL_SELF_FOR_USER) {
        missing.push(INSTALL_FOR_USER);
    }
    if !has(USER_READ_ALL) {
        missing.push(USER_READ_ALL);
    }
    if missing.is_empty() {
        let catalog = settings
            .proactive_install
            .as_ref()
            .map(|p| p.catalog_app_id.as_str())
            .unwrap_or_default();
        return CheckLine::pass(
            GRAPH,
            format!(
                "Azure AD issued a Microsoft Graph token granting {INSTALL_FOR_USER} and {USER_READ_ALL}; approvers the bot cannot reach get app {catalog} installed"
            ),
        );
    }
    let missing = missing.join(" and ");
    CheckLine::fail(
        GRAPH,
        format!("the bot's Microsoft Graph token lacks the application permission {missing}"),
        format!(
            "grant admin consent for {missing} in the app registration's API permissions (Microsoft Graph, Application permissions)"
        ),
    )
}

/// The `roles` claim of the JWT `token`, or `None` when it is no JWT. The signature is not
/// verified: the token came from Azure AD over TLS moments ago, and this only reads what it says
/// for a diagnosis; nothing is granted on its strength.
fn roles(token: &str) -> Option<Vec<String>> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    Some(
        claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// Lists the proactive installations that failed: how many, then the first
/// [`LISTED_UNMAPPED`] by email with their reasons.
pub(super) async fn failures(store: &dyn Store) -> CheckLine {
    let failed = match store.failed_installs().await {
        Ok(failed) => failed,
        Err(err) => {
            return CheckLine::fail(
                INSTALLS,
                format!(
                    "could not read the failed proactive installations: {}",
                    chain(&err)
                ),
                "fix the store check above first",
            );
        }
    };
    if failed.is_empty() {
        return CheckLine::pass(INSTALLS, "no proactive installation has failed");
    }
    let listed: Vec<String> = failed
        .iter()
        .take(LISTED_UNMAPPED)
        .map(|f| format!("{} ({})", f.email, f.reason))
        .collect();
    let mut detail = format!(
        "{} proactive installation(s) failed: {}",
        failed.len(),
        listed.join("; ")
    );
    if failed.len() > LISTED_UNMAPPED {
        detail.push_str(&format!(" and {} more", failed.len() - LISTED_UNMAPPED));
    }
    CheckLine::fail(
        INSTALLS,
        detail,
        "fix what each reason names; the bot tries each again within a day (within the hour when Microsoft Graph was failing), or pre-install the app for them with a Teams app setup policy",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn the_roles_claim_is_read_from_the_tokens_payload() {
        assert_eq!(
            roles(&jwt(r#"{"roles":["User.Read.All",7]}"#)),
            Some(vec!["User.Read.All".to_owned()])
        );
        assert_eq!(roles(&jwt(r#"{"aud":"x"}"#)), Some(vec![]));
        assert_eq!(roles("opaque-token"), None);
        assert_eq!(roles("a.%%%.c"), None);
    }
}
