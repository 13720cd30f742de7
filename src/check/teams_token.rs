//! The Teams token check: Azure AD issues the bot its token for the Bot Connector.
//!
//! Without that token the bot can neither post a card nor answer anyone in Teams, so this line
//! asks Azure AD exactly as the service does (the same token source, built by the same code from
//! the same settings) and, when Azure AD refuses, names the setting to change: the tenant
//! (`MICROSOFT_APP_TENANT_ID`), the app id (`MICROSOFT_APP_ID`), the client secret
//! (`MICROSOFT_APP_PASSWORD`: its Value, not its ID; or a new one when it expired), or, when
//! Azure AD cannot be reached, the host and the cause and `TEAMS_LOGIN_URL`.

use super::{CheckLine, reach_fix};
use crate::app::teams::{TokenSourceError, token_source};
use crate::config::TeamsSettings;
use crate::teams::connector_token::{AzureRefusal, ConnectorTokenError};
use crate::telemetry::chain;

/// The line's name.
const CHECK: &str = "teams token";

/// What to do about the tenant: where its id is found.
const TENANT_FIX: &str = "set MICROSOFT_APP_TENANT_ID to the Directory (tenant) ID on the Overview page of the bot's app registration";

/// What to do about a client secret Azure AD does not accept.
const WRONG_SECRET_FIX: &str = "set MICROSOFT_APP_PASSWORD from Certificates & secrets of the bot's app registration: use the secret's Value, not its ID (if the secret was deleted, create a new one)";

/// What to do about a client secret that expired.
const EXPIRED_SECRET_FIX: &str = "create a new client secret in Certificates & secrets of the bot's app registration and set MICROSOFT_APP_PASSWORD to its Value";

/// What to do about an app id Azure AD does not know in the tenant.
const UNKNOWN_APP_FIX: &str = "set MICROSOFT_APP_ID to the Application (client) ID of the bot's app registration (the Microsoft App ID of the Azure Bot); if the app is registered in another tenant, set MICROSOFT_APP_TENANT_ID to that one";

/// What to do when the login address answers with something that is not Azure AD's.
const LOGIN_URL_FIX: &str = "check TEAMS_LOGIN_URL: it must be the Azure AD authority, https://login.microsoftonline.com (the default when it is not set)";

/// Asks Azure AD for the bot's token as the service would.
pub(super) async fn check(settings: &TeamsSettings) -> CheckLine {
    let issued = match token_source(settings) {
        Ok(tokens) => tokens.token().await.map_err(TokenSourceError::Token),
        Err(err) => Err(err),
    };
    match issued {
        Ok(_) => CheckLine::pass(
            CHECK,
            format!(
                "Azure AD issued the bot's token for tenant {}",
                settings.tenant_id
            ),
        ),
        Err(err) => failure(settings, &err),
    }
}

/// The ✗ line for why no token was issued: what happened, and the setting to change.
fn failure(settings: &TeamsSettings, err: &TokenSourceError) -> CheckLine {
    let err = match err {
        TokenSourceError::Token(err) => err,
        TokenSourceError::Client(err) => {
            return CheckLine::fail(
                CHECK,
                format!("cannot set up an HTTP client: {}", chain(err)),
                "check this host's TLS set-up (CA certificates)",
            );
        }
    };
    match err {
        ConnectorTokenError::InvalidTenant { tenant } => CheckLine::fail(
            CHECK,
            format!("the tenant {tenant:?} is not a tenant id or domain"),
            TENANT_FIX,
        ),
        ConnectorTokenError::UnknownTenant { tenant, refusal } => CheckLine::fail(
            CHECK,
            format!(
                "Azure AD does not know the tenant {tenant} ({})",
                code(refusal)
            ),
            TENANT_FIX,
        ),
        ConnectorTokenError::UnknownApp {
            app_id,
            tenant,
            refusal,
        } => CheckLine::fail(
            CHECK,
            format!(
                "Azure AD has no application {app_id} in tenant {tenant} ({})",
                code(refusal)
            ),
            UNKNOWN_APP_FIX,
        ),
        ConnectorTokenError::WrongSecret { app_id, refusal } => CheckLine::fail(
            CHECK,
            format!(
                "Azure AD rejected the client secret of app {app_id} ({})",
                code(refusal)
            ),
            WRONG_SECRET_FIX,
        ),
        ConnectorTokenError::ExpiredSecret { app_id, refusal } => CheckLine::fail(
            CHECK,
            format!(
                "the client secret of app {app_id} has expired ({})",
                code(refusal)
            ),
            EXPIRED_SECRET_FIX,
        ),
        ConnectorTokenError::Refused { refusal, .. } => {
            let detail = format!("Azure AD refused the token request: {refusal}");
            match refusal.status {
                500.. => CheckLine::fail(
                    CHECK,
                    detail,
                    "Azure AD is failing, not this installation: try again later, and see https://status.azure.com if it lasts",
                ),
                404 => CheckLine::fail(CHECK, detail, LOGIN_URL_FIX),
                _ => CheckLine::fail(
                    CHECK,
                    detail,
                    "look the AADSTS code up in Microsoft's documentation, and check MICROSOFT_APP_ID and MICROSOFT_APP_TENANT_ID against the bot's app registration",
                ),
            }
        }
        ConnectorTokenError::Unreachable { cause, .. } => {
            let host = settings.login_url.host_str().unwrap_or_default();
            let cause_words = cause.to_string();
            // Most causes name the address already; a time limit alone does not.
            let detail = if !host.is_empty() && cause_words.contains(host) {
                format!("Azure AD: {cause_words}")
            } else {
                format!("Azure AD at {host}: {cause_words}")
            };
            CheckLine::fail(
                CHECK,
                detail,
                reach_fix("TEAMS_LOGIN_URL", "Azure AD", cause),
            )
        }
        ConnectorTokenError::Unreadable { reason, .. } => CheckLine::fail(
            CHECK,
            format!("Azure AD's answer is not a usable token: {reason}"),
            LOGIN_URL_FIX,
        ),
    }
}

/// Azure AD's code for a refusal (`AADSTS7000215`), or the whole refusal when it gave none.
fn code(refusal: &AzureRefusal) -> String {
    match refusal.codes.first() {
        Some(code) => format!("AADSTS{code}"),
        None => refusal.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TeamsSettings {
        TeamsSettings::new(
            "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b",
            "secret",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
        )
    }

    fn refusal(status: u16, codes: Vec<u64>) -> Box<AzureRefusal> {
        Box::new(AzureRefusal {
            status,
            error: Some("invalid_client".into()),
            description: None,
            codes,
        })
    }

    #[test]
    fn an_expired_secret_asks_for_a_new_one() {
        let line = failure(
            &settings(),
            &TokenSourceError::Token(ConnectorTokenError::ExpiredSecret {
                app_id: "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b".into(),
                refusal: refusal(401, vec![7000222]),
            }),
        );
        assert!(!line.ok);
        assert_eq!(
            line.detail,
            "the client secret of app 0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b has expired (AADSTS7000222)"
        );
        assert_eq!(line.fix.as_deref(), Some(EXPIRED_SECRET_FIX));
    }

    #[test]
    fn azure_failing_is_not_blamed_on_the_settings() {
        let line = failure(
            &settings(),
            &TokenSourceError::Token(ConnectorTokenError::Refused {
                token_url: "https://login.microsoftonline.com/t/oauth2/v2.0/token".into(),
                refusal: refusal(503, Vec::new()),
            }),
        );
        assert!(!line.ok);
        assert!(line.detail.contains("HTTP 503"), "{line:?}");
        assert!(
            line.fix
                .as_deref()
                .unwrap_or_default()
                .contains("try again later"),
            "{line:?}"
        );
    }

    #[test]
    fn a_refusal_without_a_code_is_quoted_whole() {
        let refused = AzureRefusal {
            status: 400,
            error: Some("invalid_request".into()),
            description: Some("something new".into()),
            codes: Vec::new(),
        };
        assert_eq!(code(&refused), "HTTP 400, invalid_request: something new");
    }
}
