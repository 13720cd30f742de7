//! [`ConnectorError`]: why a call to the Bot Connector failed, and how that reads to the engine
//! ([`ChatError`]).

use std::time::Duration;

use crate::chat::port::ChatError;
use crate::teams::connector_token::ConnectorTokenError;
use crate::transport_cause::TransportCause;

/// Why a call to the Bot Connector failed. Each message names the call and what to look at.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The service URL was never seen in a verified activity or a stored contact, nor
    /// configured: the bot's token is not sent there, and no request was made.
    #[error(
        "the Bot Connector service URL {service_url} is not trusted (never seen in a verified activity and not TEAMS_SERVICE_URL); nothing was sent"
    )]
    UntrustedServiceUrl {
        /// The service URL asked for.
        service_url: String,
    },
    /// The service URL cannot be used at all (not a URL, not https, or with parts a service
    /// URL never has).
    #[error("{service_url:?} is not a usable Bot Connector service URL: {reason}")]
    InvalidServiceUrl {
        /// The service URL as given.
        service_url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A conversation, activity or user id that cannot be put in a path.
    #[error("{what} {value:?} is not a usable Bot Connector id")]
    InvalidId {
        /// Which id (`conversation`, `activity`, `user`).
        what: &'static str,
        /// The id as given.
        value: String,
    },
    /// The bot has no token for the Bot Connector.
    #[error("no Bot Connector token: {0}")]
    Token(#[from] ConnectorTokenError),
    /// The Bot Connector refused the call (`ConversationNotFound`, `MessageSizeTooBig`,
    /// `BotNotInConversationRoster`, …).
    #[error("the Bot Connector refused {call} with HTTP {status}{}", refusal_words(.code, .message))]
    Refused {
        /// Which call.
        call: &'static str,
        /// The HTTP status.
        status: u16,
        /// The connector's `error.code`, when it gave one.
        code: Option<String>,
        /// The connector's `error.message`, shortened, when it gave one.
        message: Option<String>,
    },
    /// The Bot Connector kept answering 429 after every retry allowed.
    #[error("the Bot Connector kept rate limiting {call} after {attempts} attempts{}", wait_words(.retry_after))]
    RateLimited {
        /// Which call.
        call: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After`, when it asked for longer than the bot waits.
        retry_after: Option<Duration>,
    },
    /// The Bot Connector kept answering 412, 502, 503 or 504 after every retry allowed.
    #[error(
        "the Bot Connector was unavailable for {call} (HTTP {status}) after {attempts} attempts"
    )]
    Unavailable {
        /// Which call.
        call: &'static str,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// No answer from the Bot Connector.
    #[error("could not reach the Bot Connector for {call}: {cause}")]
    Transport {
        /// Which call.
        call: &'static str,
        /// Why there was no answer.
        cause: TransportCause,
        /// The HTTP client's own error.
        #[source]
        source: reqwest::Error,
    },
    /// An answer the bot cannot use (too large, not the JSON expected).
    #[error("the Bot Connector's answer to {call} is unusable: {reason}")]
    Unreadable {
        /// Which call.
        call: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (for example no TLS root certificates).
    #[error("the Bot Connector client could not be set up: {0}")]
    Setup(#[source] reqwest::Error),
}

fn refusal_words(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(": {code}: {message}"),
        (Some(code), None) => format!(": {code}"),
        (None, Some(message)) => format!(": {message}"),
        (None, None) => String::new(),
    }
}

fn wait_words(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (it asked to wait {} s)", wait.as_secs()),
        None => String::new(),
    }
}

impl From<ConnectorError> for ChatError {
    fn from(error: ConnectorError) -> Self {
        match error {
            ConnectorError::Refused {
                status, ref code, ..
            } => ChatError::Api(code.clone().unwrap_or_else(|| format!("HTTP {status}"))),
            ConnectorError::UntrustedServiceUrl { .. } => {
                ChatError::Api("untrusted_service_url".into())
            }
            ConnectorError::InvalidServiceUrl { .. } => {
                ChatError::Api("invalid_service_url".into())
            }
            ConnectorError::InvalidId { .. } => ChatError::Api("invalid_id".into()),
            ConnectorError::Token(ConnectorTokenError::Unreachable { .. }) => {
                ChatError::Transport(Box::new(error))
            }
            ConnectorError::Token(_) => ChatError::Api("no_connector_token".into()),
            ConnectorError::RateLimited { .. } => ChatError::RateLimited(Box::new(error)),
            ConnectorError::Unavailable { .. }
            | ConnectorError::Transport { .. }
            | ConnectorError::Unreadable { .. } => ChatError::Transport(Box::new(error)),
            ConnectorError::Setup(source) => ChatError::NoTlsRoots(Box::new(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reaches_the_engine_as_the_connectors_code() {
        let error = ConnectorError::Refused {
            call: "send",
            status: 404,
            code: Some("ConversationNotFound".into()),
            message: Some("Conversation not found.".into()),
        };
        assert_eq!(
            error.to_string(),
            "the Bot Connector refused send with HTTP 404: ConversationNotFound: Conversation not found."
        );
        assert!(
            matches!(ChatError::from(error), ChatError::Api(code) if code == "ConversationNotFound")
        );
    }

    #[test]
    fn an_untrusted_service_url_is_an_api_error_and_rate_limits_stay_rate_limits() {
        let untrusted = ConnectorError::UntrustedServiceUrl {
            service_url: "https://evil.example/".into(),
        };
        assert!(matches!(ChatError::from(untrusted), ChatError::Api(_)));
        let limited = ConnectorError::RateLimited {
            call: "send",
            attempts: 6,
            retry_after: None,
        };
        assert!(matches!(
            ChatError::from(limited),
            ChatError::RateLimited(_)
        ));
    }
}
