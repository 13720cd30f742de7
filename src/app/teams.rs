//! Microsoft Teams' part of the wiring: the bot's Azure AD token sources for the Bot Connector
//! and Microsoft Graph (shared with `check`), the chat port over the Bot Connector (installing
//! the app through Graph for approvers it cannot reach, when proactive installation is on), and `POST /api/messages` with its verifier and handler.

use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio_util::task::TaskTracker;

use crate::config::TeamsSettings;
use crate::engine::Engine;
use crate::engine::clicks::ClickGate;
use crate::store::Store;
use crate::teams::auth::{ActivityVerifier, BotKeys};
use crate::teams::chat::TeamsChat;
use crate::teams::connector::BotConnector;
use crate::teams::connector_token::{BotCredentials, ConnectorTokenError, ConnectorTokenSource};
use crate::teams::graph::{GraphClient, GraphError};
use crate::teams::handler::{TeamsContext, TeamsHandler};
use crate::teams::proactive::ProactiveInstaller;
use crate::teams::routes;
use crate::transport_cause::Timeouts;

use super::AppError;

/// Limit on connecting to Azure AD for the bot's token.
const TOKEN_CONNECT: Duration = Duration::from_secs(5);
/// Limit on a whole token request.
const TOKEN_TOTAL: Duration = Duration::from_secs(15);

/// Why the bot's token source could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenSourceError {
    /// The HTTP client for Azure AD could not be built (this host's TLS set-up).
    #[error("cannot set up an HTTP client for Azure AD")]
    Client(#[source] reqwest::Error),
    /// The token address cannot be made from the settings.
    #[error(transparent)]
    Token(#[from] ConnectorTokenError),
}

/// The bot's Azure AD token source as the service uses it: the credentials and authority of
/// `settings`, no redirects followed, [`TOKEN_CONNECT`] to connect and [`TOKEN_TOTAL`] in all.
/// `check` asks Azure AD through this too, so what it reports is what the service meets.
pub(crate) fn token_source(
    settings: &TeamsSettings,
) -> Result<ConnectorTokenSource, TokenSourceError> {
    let (credentials, http, timeouts) = azure_ad(settings)?;
    Ok(ConnectorTokenSource::with_authority(
        credentials,
        &settings.login_url,
        http,
        timeouts,
    )?)
}

/// The bot's Microsoft Graph token source: as [`token_source`], for Graph's scope.
pub(crate) fn graph_token_source(
    settings: &TeamsSettings,
) -> Result<ConnectorTokenSource, TokenSourceError> {
    let (credentials, http, timeouts) = azure_ad(settings)?;
    Ok(ConnectorTokenSource::for_graph(
        credentials,
        &settings.login_url,
        http,
        timeouts,
    )?)
}

/// The credentials of `settings` and an HTTP client for Azure AD with its limits.
fn azure_ad(
    settings: &TeamsSettings,
) -> Result<(BotCredentials, reqwest::Client, Timeouts), TokenSourceError> {
    let timeouts = Timeouts {
        connect: Some(TOKEN_CONNECT),
        total: Some(TOKEN_TOTAL),
    };
    let http = reqwest::Client::builder()
        .connect_timeout(TOKEN_CONNECT)
        .timeout(TOKEN_TOTAL)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(TokenSourceError::Client)?;
    let credentials = BotCredentials {
        app_id: settings.app_id.clone(),
        app_password: settings.app_password.clone(),
        tenant: settings.tenant_id.clone(),
    };
    Ok((credentials, http, timeouts))
}

/// The Graph client of `settings` when proactive installation is on.
pub(crate) fn graph_client(settings: &TeamsSettings) -> Result<Option<GraphClient>, AppError> {
    let Some(proactive) = &settings.proactive_install else {
        return Ok(None);
    };
    let tokens = graph_token_source(settings).map_err(|err| AppError::Teams(Box::new(err)))?;
    GraphClient::new(
        tokens,
        settings.graph_url.clone(),
        proactive.catalog_app_id.clone(),
    )
    .map(Some)
    .map_err(|err: GraphError| AppError::Teams(Box::new(err)))
}

/// The chat port on Teams: the Bot Connector, with the bot's Azure AD token, reaching people
/// through the contacts in `store`; card views kept for `button_ttl`.
pub(crate) fn chat(
    settings: &TeamsSettings,
    store: Arc<dyn Store>,
    button_ttl: Duration,
) -> Result<TeamsChat, AppError> {
    let tokens = token_source(settings).map_err(|err| AppError::Teams(Box::new(err)))?;
    let connector = BotConnector::new(
        tokens,
        settings.app_id.clone(),
        Some(settings.service_url.clone()),
    )
    .map_err(|err| AppError::Teams(Box::new(err)))?;
    let chat = TeamsChat::new(connector, store.clone(), button_ttl);
    Ok(match graph_client(settings)? {
        Some(graph) => chat.with_installer(Arc::new(ProactiveInstaller::new(graph, store))),
        None => chat,
    })
}

/// What the Teams route needs beyond the chat port.
pub(super) struct Served<'a> {
    pub settings: &'a TeamsSettings,
    pub chat: TeamsChat,
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub coupa: url::Url,
    pub confirm_above: Option<Decimal>,
    pub tasks: TaskTracker,
}

/// `POST /api/messages`: every activity verified against the Bot Framework's published keys
/// (read from the configured OpenID metadata), then handled.
pub(super) fn router(served: Served<'_>) -> Result<axum::Router, AppError> {
    let keys = BotKeys::new(served.settings.openid_metadata_url.clone())
        .map_err(|err| AppError::Teams(Box::new(err)))?;
    let verifier = ActivityVerifier::new(served.settings.app_id.clone(), keys);
    let handler = TeamsHandler::new(TeamsContext {
        engine: served.engine,
        chat: served.chat,
        store: served.store,
        tenant: served.settings.tenant_id.clone(),
        coupa: served.coupa,
        confirm_above: served.confirm_above,
        clicks: ClickGate::default(),
        tasks: served.tasks,
    });
    Ok(routes::router(verifier, Arc::new(handler)))
}
