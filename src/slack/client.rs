//! [`SlackChat`]: the [`ChatPort`] over Slack's Web API (slack-morphism), plus the Slack-only
//! calls the routes need (modals, App Home, `response_url`, replies).
//!
//! Slack enforces its rate limits with 429 and `Retry-After`; every call here waits out a 429 and
//! retries (counted in `slack_rate_limited_total`), so a busy workspace delays messages instead
//! of losing them. The wait is shared: one 429 pauses that method for every task, and cards to one
//! person go out a second apart ([`Pacer`]).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use slack_morphism::errors::{SlackClientError, SlackClientHttpProtocolError};
use slack_morphism::prelude::*;

use crate::chat::card::Card;
use crate::chat::list::ListMessage;
use crate::chat::port::{ChatError, ChatPort, ChatUser, FoundCard};
use crate::config::{SlackSettings, expose};
use crate::domain::conversation::{ConversationRef, MessageRef, Platform};
use crate::domain::outcome::{DecisionResult, Regarding};
use crate::domain::{ApprovalId, ChatUserId};
use crate::engine::pending::SHOWN_ITEMS;

use super::PLATFORM;
use super::blocks::{self, Rendered};
use super::capped::{self, CappedConnector, MAX_ANSWER_BYTES};
use super::channel::ChannelId;
use super::found;
use super::not_json::{BodyKind, NotJson};
use super::pacing::Pacer;
use super::wording;

/// How the Web API client connects: TLS (or plain HTTP to a local fake), each answer capped at
/// [`MAX_ANSWER_BYTES`].
pub type SlackConnector = CappedConnector<HttpsConnector<HttpConnector>>;

/// The slack-morphism client type used throughout.
pub type SlackHyperClient = SlackClient<SlackClientHyperConnector<SlackConnector>>;

/// How many of a direct conversation's newest messages are searched for a card whose record was
/// lost: one page of `conversations.history`, which reaches back well past a card posted in the
/// last few sync cycles.
const HISTORY_SEARCHED: u16 = 100;

/// Retries of a rate-limited call before giving up.
const MAX_RETRIES: usize = 20;

/// Calls Slack, waiting out each 429 for its `Retry-After` (up to [`MAX_RETRIES`] times), so a
/// busy workspace delays messages instead of losing them. A 429 pauses every call of `method`
/// through `pacer`, not just this one. Every 429 is counted.
async fn retrying<T, Fut>(
    pacer: &Pacer,
    method: &'static str,
    call: impl Fn() -> Fut,
) -> Result<T, SlackClientError>
where
    Fut: std::future::Future<Output = Result<T, SlackClientError>>,
{
    let mut retries = 0;
    loop {
        pacer.wait_for(method).await;
        let sent = tokio::time::Instant::now();
        match call().await {
            Err(SlackClientError::RateLimitError(limited)) if retries < MAX_RETRIES => {
                retries += 1;
                metrics::counter!("slack_rate_limited_total", "method" => method).increment(1);
                let wait = limited.retry_after.unwrap_or(Duration::from_secs(1));
                tracing::debug!(
                    method,
                    wait_ms = wait.as_millis() as u64,
                    "Slack rate limited a call; pausing the method for the workspace"
                );
                pacer.pause(method, wait, sent);
            }
            other => return other,
        }
    }
}

/// Builds the Web API client for `api_url` (`https://slack.com/api`, or a fake in tests).
pub fn web_client(api_url: &url::Url) -> Result<Arc<SlackHyperClient>, ChatError> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| ChatError::NoTlsRoots(Box::new(e)))?
        // Plain http only matters for a local fake; Slack itself is https.
        .https_or_http()
        .enable_http1()
        .build();
    // No client-side pacing: slack-morphism's would hold chat.postMessage to one a second for
    // the whole workspace, while Slack allows one a second per conversation. Slack's own 429s,
    // with Retry-After, are waited out (and counted) by `retrying`.
    let connector =
        SlackClientHyperConnector::with_connector(CappedConnector::new(https, MAX_ANSWER_BYTES))
            .with_slack_api_url(api_url.as_str().trim_end_matches('/'));
    Ok(Arc::new(SlackClient::new(connector)))
}

/// The chat port on Slack.
#[derive(Clone)]
pub struct SlackChat {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    /// Shared by clones, so that every task of the process keeps to one pace.
    pacer: Arc<Pacer>,
}

impl std::fmt::Debug for SlackChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackChat").finish_non_exhaustive()
    }
}

/// The chat port's error for a failed call. A connection failure keeps the HTTP client's own
/// error as the source, so its causes (DNS, refused, TLS) can be read; slack-morphism's wrapper
/// would hide them. An HTTP error status is described without its body ([`NotJson`]). An answer
/// over the size cap is a transport error whose source is [`capped::AnswerTooLarge`].
fn error(err: SlackClientError) -> ChatError {
    if let Some(cap) = over_cap(&err) {
        return ChatError::Transport(Box::new(capped::AnswerTooLarge {
            host: cap.host.clone(),
            limit_bytes: cap.limit_bytes,
        }));
    }
    match err {
        SlackClientError::ApiError(e) => ChatError::Api(e.code),
        limited @ SlackClientError::RateLimitError(_) => ChatError::RateLimited(Box::new(limited)),
        SlackClientError::HttpProtocolError(SlackClientHttpProtocolError {
            cause: Some(cause),
        }) => ChatError::Transport(cause),
        SlackClientError::HttpError(e) => ChatError::Transport(Box::new(NotJson {
            status: e.status_code.as_u16(),
            body: BodyKind::of(None, e.http_response_body.unwrap_or_default().as_bytes()),
        })),
        other => ChatError::Transport(Box::new(other)),
    }
}

/// The cap `err` ran into, if that is why it failed. slack-morphism keeps the HTTP client's error
/// in a `cause` field that `source` does not return, so look there.
fn over_cap(err: &SlackClientError) -> Option<&capped::AnswerTooLarge> {
    let cause = match err {
        SlackClientError::HttpProtocolError(e) => e.cause.as_deref(),
        SlackClientError::SystemError(e) => e.cause.as_deref(),
        _ => None,
    }?;
    capped::too_large(cause)
}

impl SlackChat {
    /// Connects (lazily) with the bot token from settings.
    pub fn new(settings: &SlackSettings) -> Result<Self, ChatError> {
        Ok(Self::with_client(
            web_client(&settings.api_url)?,
            expose(&settings.bot_token),
        ))
    }

    /// Uses an existing client (the HTTP listener shares it).
    pub fn with_client(client: Arc<SlackHyperClient>, bot_token: &str) -> Self {
        Self {
            client,
            token: SlackApiToken::new(bot_token.into()),
            pacer: Arc::new(Pacer::new()),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> Arc<SlackHyperClient> {
        self.client.clone()
    }

    fn session(&self) -> SlackClientSession<'_, SlackClientHyperConnector<SlackConnector>> {
        self.client.open_session(&self.token)
    }

    fn content(rendered: &Rendered) -> SlackMessageContent {
        SlackMessageContent::new()
            .with_text(rendered.text.clone())
            .with_blocks(rendered.blocks.clone())
    }

    /// Posts a message in a conversation (a reply in a DM).
    pub async fn post(
        &self,
        channel: &ChannelId,
        rendered: &Rendered,
    ) -> Result<MessageRef, ChatError> {
        let request =
            SlackApiChatPostMessageRequest::new(channel.as_str().into(), Self::content(rendered));
        let response = retrying(&self.pacer, "chat.postMessage", || async {
            self.session().chat_post_message(&request).await
        })
        .await
        .map_err(error)?;
        Ok(MessageRef::new(
            ConversationRef::new(response.channel.to_string()),
            response.ts.to_string(),
        ))
    }

    /// Shows `rendered` to `user` only.
    pub async fn ephemeral(
        &self,
        channel: &ChannelId,
        user: &ChatUserId,
        rendered: &Rendered,
    ) -> Result<(), ChatError> {
        let request = SlackApiChatPostEphemeralRequest::new(
            channel.as_str().into(),
            user.as_str().into(),
            Self::content(rendered),
        );
        retrying(&self.pacer, "chat.postEphemeral", || async {
            self.session().chat_post_ephemeral(&request).await
        })
        .await
        .map_err(error)?;
        Ok(())
    }

    /// Opens a modal; `trigger_id` must be used within 3 s of the click.
    pub async fn open_modal(&self, trigger_id: &str, view: SlackView) -> Result<(), ChatError> {
        let request = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        retrying(&self.pacer, "views.open", || async {
            self.session().views_open(&request).await
        })
        .await
        .map_err(error)?;
        Ok(())
    }

    /// Publishes `user`'s App Home.
    pub async fn publish_home(&self, user: &ChatUserId, view: SlackView) -> Result<(), ChatError> {
        let request = SlackApiViewsPublishRequest::new(user.as_str().into(), view);
        retrying(&self.pacer, "views.publish", || async {
            self.session().views_publish(&request).await
        })
        .await
        .map_err(error)?;
        Ok(())
    }

    /// The workspace (team id) the bot token belongs to, from `auth.test`.
    pub async fn team(&self) -> Result<String, ChatError> {
        let response = retrying(&self.pacer, "auth.test", || async {
            self.session().auth_test().await
        })
        .await
        .map_err(error)?;
        Ok(response.team_id.to_string())
    }

    /// Answers through a slash command's `response_url` (ephemeral to the caller).
    pub async fn respond(
        &self,
        response_url: &url::Url,
        rendered: &Rendered,
    ) -> Result<(), ChatError> {
        self.client
            .respond_to_event(
                &SlackResponseUrl::new(response_url.clone()),
                // Slack shows response_url answers to the caller only unless told otherwise.
                &SlackApiPostWebhookMessageRequest::new(Self::content(rendered)),
            )
            .await
            .map_err(error)?;
        Ok(())
    }
}

#[async_trait]
impl ChatPort for SlackChat {
    fn platform(&self) -> Platform {
        PLATFORM
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        super::is_slack_id(user.as_str())
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        super::is_slack_id(conversation.as_str())
    }

    async fn post_card(&self, user: &ChatUserId, card: &Card) -> Result<MessageRef, ChatError> {
        // Posting to a user id opens (or reuses) the DM; the answer names its D… channel, which
        // chat.update needs later.
        let rendered = blocks::card(card);
        let channel = ChannelId(user.0.clone());
        self.pacer
            .in_conversation(user.as_str(), || self.post(&channel, &rendered))
            .await
    }

    async fn update_card(&self, message: &MessageRef, card: &Card) -> Result<(), ChatError> {
        // Always send text and blocks together: text alone would remove the blocks.
        let request = SlackApiChatUpdateRequest::new(
            message.conversation().as_str().into(),
            Self::content(&blocks::card(card)),
            message.id().into(),
        );
        retrying(&self.pacer, "chat.update", || async {
            self.session().chat_update(&request).await
        })
        .await
        .map_err(error)?;
        Ok(())
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        let rendered = blocks::digest(items);
        let channel = ChannelId(user.0.clone());
        self.pacer
            .in_conversation(user.as_str(), || self.post(&channel, &rendered))
            .await
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        let request = SlackApiChatUpdateRequest::new(
            message.conversation().as_str().into(),
            Self::content(&blocks::digest(items)),
            message.id().into(),
        );
        retrying(&self.pacer, "chat.update", || async {
            self.session().chat_update(&request).await
        })
        .await
        .map_err(error)?;
        Ok(())
    }

    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        // The bot's DM with the user (conversations.open answers with the existing one), then its
        // newest messages (scope im:history). Only the bot and the user are in that DM, and a
        // person cannot post buttons, so a card there is the bot's.
        let open = SlackApiConversationsOpenRequest::new().with_users(vec![user.as_str().into()]);
        let opened = retrying(&self.pacer, "conversations.open", || async {
            self.session().conversations_open(&open).await
        })
        .await
        .map_err(error)?;
        let channel = opened.channel.id;
        let history = SlackApiConversationsHistoryRequest::new()
            .with_channel(channel.clone())
            .with_limit(HISTORY_SEARCHED);
        let read = retrying(&self.pacer, "conversations.history", || async {
            self.session().conversations_history(&history).await
        })
        .await
        .map_err(error)?;
        // Newest first, as Slack lists them.
        for message in read.messages {
            let Ok(blocks) = serde_json::to_value(&message.content.blocks) else {
                continue;
            };
            let card = found::waiting_card(&blocks)
                .filter(|value| value.approval == approval)
                .map(|value| (value, false));
            let item = || found::waiting_digest_item(&blocks, approval).map(|value| (value, true));
            if let Some((value, digest)) = card.or_else(item) {
                let ts = message.origin.ts.to_string();
                return Ok(Some(FoundCard {
                    posted_at: found::posted_at(&ts),
                    message: MessageRef::new(ConversationRef::new(channel.to_string()), ts),
                    fingerprint: value.fingerprint,
                    digest,
                }));
            }
        }
        Ok(None)
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        let request = SlackApiChatDeleteRequest::new(
            message.conversation().as_str().into(),
            message.id().into(),
        );
        retrying(&self.pacer, "chat.delete", || async {
            self.session().chat_delete(&request).await
        })
        .await
        .map_err(error)?;
        Ok(())
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        conversation: Option<&ConversationRef>,
        regarding: &Regarding,
        result: &DecisionResult,
    ) -> Result<(), ChatError> {
        // An ephemeral message lives in a conversation. A click from outside one (App Home) has
        // its answer on the card itself, which the engine has edited.
        let Some(conversation) = conversation else {
            return Ok(());
        };
        let rendered = blocks::notice(&wording::decision(regarding, result));
        self.ephemeral(&ChannelId::from(conversation), user, &rendered)
            .await
    }

    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        let request = SlackApiUsersLookupByEmailRequest::new(EmailAddress(email.to_owned()));
        match retrying(&self.pacer, "users.lookupByEmail", || async {
            self.session().users_lookup_by_email(&request).await
        })
        .await
        {
            Ok(response) => Ok(Some(ChatUserId(response.user.id.to_string()))),
            Err(SlackClientError::ApiError(e)) if e.code == "users_not_found" => Ok(None),
            Err(err) => Err(error(err)),
        }
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        let request = SlackApiUsersInfoRequest::new(user.as_str().into());
        let response = retrying(&self.pacer, "users.info", || async {
            self.session().users_info(&request).await
        })
        .await
        .map_err(error)?;
        let u = response.user;
        let profile = u.profile.as_ref();
        Ok(ChatUser {
            name: u
                .real_name
                .clone()
                .or_else(|| profile.and_then(|p| p.real_name.clone()))
                .or_else(|| u.name.clone())
                .unwrap_or_else(|| user.to_string()),
            email: profile
                .and_then(|p| p.email.as_ref())
                .map(|e| e.to_string()),
            time_zone: u.tz.clone(),
            deleted: u.deleted.unwrap_or(false),
            bot: u.flags.is_bot.unwrap_or(false),
        })
    }

    async fn post_list(&self, user: &ChatUserId, list: &ListMessage) -> Result<(), ChatError> {
        let options = blocks::ListOptions {
            stale: false,
            issued_at: list.issued_at,
            confirm_above: list.confirm_above,
            coupa: &list.coupa,
            shown: SHOWN_ITEMS,
            max_blocks: blocks::limits::MESSAGE_BLOCKS,
        };
        let rendered = blocks::purpose_list(list.purpose, &list.snapshot, &options);
        let channel = ChannelId(user.0.clone());
        self.pacer
            .in_conversation(user.as_str(), || self.post(&channel, &rendered))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use slack_morphism::errors::SlackClientHttpError;

    use super::*;
    use crate::telemetry::chain;
    use crate::transport_cause::{Timeouts, TransportCause};

    #[test]
    fn a_failed_connection_keeps_its_cause_readable() {
        let refused =
            SlackClientError::HttpProtocolError(SlackClientHttpProtocolError::new().with_cause(
                Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            ));
        let ChatError::Transport(source) = error(refused) else {
            panic!("a connection failure is a transport error");
        };
        let api = url::Url::parse("https://slack.com/api").unwrap();
        let cause = TransportCause::from_chain(source.as_ref(), Some(&api), Timeouts::default());
        assert_eq!(cause.to_string(), "connection refused by slack.com:443");
    }

    #[test]
    fn an_error_page_is_described_and_not_quoted() {
        let page = SlackClientError::HttpError(
            SlackClientHttpError::new(reqwest::StatusCode::BAD_GATEWAY)
                .with_http_response_body("<html><h1>Bad Gateway</h1></html>".into()),
        );
        assert_eq!(
            chain(&error(page)).to_string(),
            "chat platform unreachable: Slack answered HTTP 502 with HTML, not JSON"
        );
    }
}
