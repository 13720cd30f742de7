//! Socket Mode: when `SLACK_APP_TOKEN` is set, Slack's events arrive over WebSocket connections
//! the bot opens, instead of HTTP requests. The same handler functions as the HTTP routes run;
//! the envelope is acknowledged when they return, and they return at once.
//!
//! Every envelope passes the same installation check as an HTTP request (its workspace, see
//! [`super::installation`]); one from elsewhere is acknowledged and nothing is done.
//!
//! Slack spreads envelopes across a client's open connections (up to 10) and, with several
//! replicas, across replicas; each envelope goes to one connection. Event ids are de-duplicated
//! in the shared store, and decisions are claimed exactly once, so a redelivery anywhere is
//! handled once.

use std::sync::Arc;

use secrecy::SecretString;
use slack_morphism::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::config::expose;
use crate::telemetry::chain;

use super::client::SlackHyperClient;
use super::handlers::{self, Ack, SlackContext, command_response};

type Connector = super::client::SlackConnector;
type HyperConnector = SlackClientHyperConnector<Connector>;

/// A Socket Mode listener, ready to run.
pub struct SocketMode {
    context: SlackContext,
    client: Arc<SlackHyperClient>,
    app_token: SecretString,
}

impl SocketMode {
    /// Prepares the listener; nothing connects until [`SocketMode::run`].
    pub fn new(
        context: SlackContext,
        client: Arc<SlackHyperClient>,
        app_token: SecretString,
    ) -> Self {
        Self {
            context,
            client,
            app_token,
        }
    }

    /// Connects and serves until `cancel` fires, then closes the connections.
    pub async fn run(self, cancel: CancellationToken) {
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_push_events(on_push)
            .with_interaction_events(on_interaction)
            .with_command_events(on_command);
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(self.client.clone())
                .with_user_state(self.context.clone()),
        );
        let listener = SlackClientSocketModeListener::new(
            &SlackClientSocketModeConfig::new(),
            environment,
            callbacks,
        );
        let token = SlackApiToken::new(expose(&self.app_token).into());
        if let Err(err) = listener.listen_for(&token).await {
            tracing::error!(error = %chain(&err), "Socket Mode could not connect; check SLACK_APP_TOKEN (xapp-, scope connections:write)");
            return;
        }
        listener.start().await;
        tracing::info!("Socket Mode connected");
        cancel.cancelled().await;
        listener.shutdown().await;
        tracing::info!("Socket Mode disconnected");
    }
}

async fn context(states: &SlackClientEventsUserState) -> Option<SlackContext> {
    states
        .read()
        .await
        .get_user_state::<SlackContext>()
        .cloned()
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackClient<HyperConnector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(ctx) = context(&states).await {
        handlers::on_push_event(&ctx, SlackPushEvent::EventCallback(event)).await;
    }
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackClient<HyperConnector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let Some(ctx) = context(&states).await else {
        return Ok(SlackInteractionResponse::Empty);
    };
    Ok(interaction_response(
        handlers::on_interaction(&ctx, event).await,
    ))
}

/// An interaction's acknowledgement as a Socket Mode envelope response.
pub fn interaction_response(ack: Ack) -> SlackInteractionResponse {
    match ack {
        Ack::ViewErrors(errors) => {
            SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(errors))
                .into()
        }
        _ => SlackInteractionResponse::Empty,
    }
}

/// A slash command's acknowledgement as a Socket Mode envelope response.
pub fn command_reply(ack: Ack) -> SlackCommandEventResponse {
    match ack {
        Ack::Reply(rendered) => command_response(&rendered),
        _ => command_response(&super::blocks::notice("Done.")),
    }
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackClient<HyperConnector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let Some(ctx) = context(&states).await else {
        return Ok(command_response(&super::blocks::notice(
            "Starting up; try again in a moment.",
        )));
    };
    // The connection is the app's own: only the workspace is checked.
    Ok(command_reply(handlers::on_command(&ctx, event, None).await))
}
