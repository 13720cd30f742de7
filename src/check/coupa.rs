//! The Coupa checks: an access token, the granted scopes, pending requisitions readable; and each
//! way they fail worded for the admin (what Coupa answered and what that means, or why Coupa
//! could not be reached) with what to do.

use reqwest::StatusCode;

use super::{CheckLine, reach_fix};
use crate::config::{DEFAULT_COUPA_SCOPES, Settings};
use crate::coupa::CoupaClient;
use crate::coupa::{CoupaError, TokenProblem, TokenRefusal};
use crate::domain::{Approver, Person};

/// Where the client's OAuth2 settings live in Coupa.
const CLIENT_SETUP: &str = "the OAuth2 client in Coupa Setup → Oauth2/OpenID Connect Clients";

/// Checks token, scopes and pending requisitions; returns the approvers of pending approvals.
pub(super) async fn check(
    settings: &Settings,
    coupa: &CoupaClient,
    checks: &mut Vec<CheckLine>,
) -> Option<Vec<Person>> {
    match coupa.granted_scopes().await {
        Ok(granted) => {
            checks.push(CheckLine::pass("coupa token", "access token obtained"));
            checks.push(match granted {
                None => CheckLine::pass(
                    "coupa scopes",
                    "Coupa did not list granted scopes; assuming COUPA_SCOPES",
                ),
                Some(granted) => {
                    let missing: Vec<&str> = DEFAULT_COUPA_SCOPES
                        .split_whitespace()
                        .filter(|s| !granted.iter().any(|g| g == s))
                        .collect();
                    if missing.is_empty() {
                        CheckLine::pass("coupa scopes", "all five required scopes granted")
                    } else {
                        CheckLine::fail(
                            "coupa scopes",
                            format!("missing {}", missing.join(", ")),
                            format!("add them to {CLIENT_SETUP}, and to COUPA_SCOPES"),
                        )
                    }
                }
            });
        }
        Err(err) => {
            checks.push(failure("coupa token", &err, token_variable(settings)));
            return None;
        }
    }
    match coupa.pending_requisitions().await {
        Ok(requisitions) => {
            checks.push(CheckLine::pass(
                "coupa requisitions",
                format!(
                    "{} requisition(s) pending approval readable",
                    requisitions.len()
                ),
            ));
            let mut people = Vec::new();
            for requisition in &requisitions {
                for approval in &requisition.current_approvals {
                    match &approval.approver {
                        Approver::Group { id, members, .. } if members.is_empty() => {
                            if let Ok(group) = coupa.user_group(*id).await {
                                people.extend(group.members);
                            }
                        }
                        approver => people.extend(approver.people().into_iter().cloned()),
                    }
                }
            }
            Some(people)
        }
        Err(err) => {
            checks.push(failure("coupa requisitions", &err, "COUPA_INSTANCE_URL"));
            None
        }
    }
}

/// The variable that holds the token endpoint's host: `COUPA_TOKEN_URL` when it points away from
/// the instance, else `COUPA_INSTANCE_URL` (from which the token endpoint is derived).
fn token_variable(settings: &Settings) -> &'static str {
    if settings.coupa.token_url.host_str() == settings.coupa.instance_url.host_str() {
        "COUPA_INSTANCE_URL"
    } else {
        "COUPA_TOKEN_URL"
    }
}

/// The ✗ line for a failed Coupa call: what happened in the admin's words, and what to do.
/// `variable` holds the address that was called.
fn failure(check: &str, err: &CoupaError, variable: &str) -> CheckLine {
    let try_later = "Coupa is failing, not this installation: try again later, and ask Coupa support if it lasts";
    match err {
        CoupaError::CredentialsRejected { refusal } => rejected(check, refusal),
        CoupaError::Token { problem, .. } => match problem {
            TokenProblem::Unreachable(cause) => CheckLine::fail(
                check,
                cause.to_string(),
                reach_fix(variable, "Coupa", cause),
            ),
            TokenProblem::Status(refusal) => {
                let status = answered(refusal.status);
                match refusal.status {
                    403 => CheckLine::fail(
                        check,
                        format!("{status}: the client may not ask for these scopes"),
                        format!("compare COUPA_SCOPES with the scopes of {CLIENT_SETUP}"),
                    ),
                    404 => CheckLine::fail(
                        check,
                        format!("{status}: there is no token endpoint at that address"),
                        format!(
                            "check {variable}: Coupa's token endpoint is /oauth2/token on the instance"
                        ),
                    ),
                    500.. => CheckLine::fail(check, status, try_later),
                    _ => CheckLine::fail(
                        check,
                        format!("{status} ({refusal})"),
                        format!("check {variable} and {CLIENT_SETUP}"),
                    ),
                }
            }
            TokenProblem::Unreadable(reason) => CheckLine::fail(
                check,
                format!("Coupa's answer is not an access token: {reason}"),
                format!("check that {variable} is the address of the Coupa instance"),
            ),
        },
        CoupaError::Connection { cause, .. } | CoupaError::Timeout { cause, .. } => {
            CheckLine::fail(
                check,
                cause.to_string(),
                reach_fix(variable, "Coupa", cause),
            )
        }
        CoupaError::Forbidden { endpoint } => CheckLine::fail(
            check,
            format!("{} for {endpoint}: the client lacks a scope", answered(403)),
            format!(
                "compare the scopes of {CLIENT_SETUP} with COUPA_SCOPES (reading requisitions needs core.requisition.read)"
            ),
        ),
        CoupaError::Unauthorized { endpoint } => CheckLine::fail(
            check,
            format!("{} for {endpoint}, even with a new token", answered(401)),
            format!("check that {CLIENT_SETUP} is active and has the scopes in COUPA_SCOPES"),
        ),
        CoupaError::Server {
            endpoint,
            status,
            attempts,
        } => CheckLine::fail(
            check,
            format!(
                "{} for {endpoint} after {attempts} attempt(s)",
                answered(*status)
            ),
            try_later,
        ),
        CoupaError::RateLimited {
            endpoint, attempts, ..
        } => CheckLine::fail(
            check,
            format!(
                "{} for {endpoint} after {attempts} attempt(s)",
                answered(429)
            ),
            "other clients of this Coupa instance are using its rate limit: try again in a minute",
        ),
        other => CheckLine::fail(
            check,
            other.to_string(),
            format!("check {variable} and {CLIENT_SETUP}"),
        ),
    }
}

/// The ✗ line for credentials the token endpoint rejected, by its OAuth2 error code.
fn rejected(check: &str, refusal: &TokenRefusal) -> CheckLine {
    let status = answered(refusal.status);
    match refusal.error.as_deref() {
        Some("invalid_scope") => CheckLine::fail(
            check,
            format!("{status}: a scope in COUPA_SCOPES is not granted to this client"),
            format!("compare COUPA_SCOPES with the scopes of {CLIENT_SETUP}"),
        ),
        Some("unauthorized_client") => CheckLine::fail(
            check,
            format!("{status}: this client may not use the client credentials grant"),
            format!("give {CLIENT_SETUP} the Client Credentials grant type"),
        ),
        Some("invalid_grant") => CheckLine::fail(
            check,
            format!("{status} ({refusal})"),
            format!("check {CLIENT_SETUP} and COUPA_SCOPES"),
        ),
        // 401, or invalid_client: Coupa does not know this id with this secret.
        _ => CheckLine::fail(
            check,
            format!("{status}: client id or secret wrong"),
            format!("check COUPA_CLIENT_ID and COUPA_CLIENT_SECRET against {CLIENT_SETUP}"),
        ),
    }
}

/// `Coupa answered 401`, and the status's name where a bare number says little (`502 Bad
/// Gateway`).
fn answered(status: u16) -> String {
    match StatusCode::from_u16(status)
        .ok()
        .filter(|s| !matches!(s.as_u16(), 401 | 403))
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("Coupa answered {status} {reason}"),
        None => format!("Coupa answered {status}"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::transport_cause::TransportCause;

    fn refusal(status: u16, error: Option<&str>) -> TokenRefusal {
        TokenRefusal {
            status,
            error: error.map(str::to_owned),
            description: None,
        }
    }

    fn detail(err: CoupaError) -> String {
        failure("coupa token", &err, "COUPA_INSTANCE_URL").detail
    }

    #[test]
    fn a_refused_client_is_named_by_what_coupa_said() {
        let rejected = |status, error| CoupaError::CredentialsRejected {
            refusal: refusal(status, error),
        };
        assert_eq!(
            detail(rejected(401, Some("invalid_client"))),
            "Coupa answered 401: client id or secret wrong"
        );
        assert_eq!(
            detail(rejected(400, Some("invalid_client"))),
            "Coupa answered 400 Bad Request: client id or secret wrong"
        );
        assert_eq!(
            detail(rejected(400, Some("invalid_scope"))),
            "Coupa answered 400 Bad Request: a scope in COUPA_SCOPES is not granted to this client"
        );
    }

    #[test]
    fn other_token_answers_are_said_plainly() {
        let answered = |status| CoupaError::Token {
            token_url: "https://acme.coupahost.com/oauth2/token".into(),
            problem: TokenProblem::Status(refusal(status, None)),
        };
        assert_eq!(
            detail(answered(403)),
            "Coupa answered 403: the client may not ask for these scopes"
        );
        assert_eq!(
            detail(answered(404)),
            "Coupa answered 404 Not Found: there is no token endpoint at that address"
        );
        assert_eq!(
            detail(answered(503)),
            "Coupa answered 503 Service Unavailable"
        );
    }

    #[test]
    fn a_forbidden_read_names_the_missing_scope() {
        let line = failure(
            "coupa requisitions",
            &CoupaError::Forbidden {
                endpoint: "/api/requisitions",
            },
            "COUPA_INSTANCE_URL",
        );
        assert_eq!(
            line.detail,
            "Coupa answered 403 for /api/requisitions: the client lacks a scope"
        );
        assert!(
            line.fix
                .is_some_and(|f| f.contains("core.requisition.read"))
        );
    }

    #[test]
    fn a_timeout_says_how_long_it_waited() {
        let line = failure(
            "coupa requisitions",
            &CoupaError::Timeout {
                endpoint: "/api/requisitions",
                attempts: 4,
                cause: TransportCause::TimedOut {
                    connecting: false,
                    address: "acme.coupahost.com:443".into(),
                    after: Some(Duration::from_secs(30)),
                },
            },
            "COUPA_INSTANCE_URL",
        );
        assert_eq!(line.detail, "timed out after 30 s");
    }
}
