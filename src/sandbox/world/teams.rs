//! Microsoft Teams in a world: the Bot Framework's token authority, the fake Bot Connector
//! (with its Azure AD token endpoint) and the fake Microsoft Graph, served on loopback ports, and
//! the Teams settings of an app pointed at them.
//!
//! The settings are the fake's own bot: its app id, tenant and password; the authority's
//! metadata address (its key is published endorsed for `msteams`); the fake as the Azure AD
//! authority and as the default service URL. Activities to the app come from a
//! [`TeamsSender`] whose tokens that authority signs for that service URL, so the app checks
//! them exactly as it checks Microsoft's. The settings name the fake Graph too; proactive
//! installation is on (for [`SANDBOX_CATALOG_APP_ID`]) when the world was built with
//! [`super::WorldBuilder::proactive_install`], and the fake Graph then delivers each
//! installation's event to the app started last.

use std::sync::Arc;

use url::Url;

use super::WorldError;
use crate::config::TeamsSettings;
use crate::domain::ChatUserId;
use crate::domain::conversation::ConversationRef;
use crate::domain::records::ChatContact;
use crate::sandbox::people::Person;
use crate::sandbox::teams::{
    FakeConnector, FakeGraph, FakeMember, RunningFakeConnector, RunningFakeGraph,
    SANDBOX_CATALOG_APP_ID, ServedAuthority, TeamsSender, TokenAuthority,
};
use crate::store::{Store, StoreError};

/// The Teams side of a world, served; from [`super::World::teams`].
pub struct TeamsSide {
    authority: Arc<TokenAuthority>,
    served_authority: ServedAuthority,
    connector: RunningFakeConnector,
    graph: RunningFakeGraph,
    proactive_install: bool,
}

impl TeamsSide {
    /// Serves a fresh token authority and `connector`.
    pub(super) async fn serve(
        connector: FakeConnector,
        proactive_install: bool,
    ) -> Result<Self, WorldError> {
        let authority = Arc::new(TokenAuthority::new());
        let served_authority = authority
            .serve()
            .await
            .map_err(|source| WorldError::Serve {
                what: "Bot Framework token authority",
                source,
            })?;
        let connector = connector
            .serve()
            .await
            .map_err(|source| WorldError::Serve {
                what: "fake Bot Connector",
                source,
            })?;
        let graph = FakeGraph::new(connector.connector.clone())
            .serve()
            .await
            .map_err(|source| WorldError::Serve {
                what: "fake Microsoft Graph",
                source,
            })?;
        Ok(Self {
            authority,
            served_authority,
            connector,
            graph,
            proactive_install,
        })
    }

    /// Settings for the fake's bot against the served fakes.
    pub(super) fn settings(&self) -> Result<TeamsSettings, WorldError> {
        let fake = &self.connector.connector;
        let mut settings =
            TeamsSettings::new(fake.app_id(), fake.app_password().to_owned(), fake.tenant());
        settings.openid_metadata_url = self.served_authority.metadata_url();
        settings.login_url = parse("fake Azure AD", &self.connector.authority())?;
        settings.service_url = parse("fake Bot Connector", &self.connector.service_url())?;
        settings.graph_url = parse("fake Microsoft Graph", &self.graph.url())?;
        if self.proactive_install {
            settings = settings.with_proactive_install(SANDBOX_CATALOG_APP_ID);
        }
        Ok(settings)
    }

    /// The fake Bot Connector: its members, every call the bot made, the cards each person sees,
    /// scripted refusals.
    pub fn connector(&self) -> &FakeConnector {
        &self.connector.connector
    }

    /// The fake Microsoft Graph: the installations asked for, scripted refusals.
    pub fn graph(&self) -> &FakeGraph {
        &self.graph.graph
    }

    /// The token authority whose keys the app trusts (to mint flawed tokens, or rotate keys).
    pub fn authority(&self) -> &Arc<TokenAuthority> {
        &self.authority
    }

    /// The authority as served: its metadata address and how often its keys were read.
    pub fn served_authority(&self) -> &ServedAuthority {
        &self.served_authority
    }

    /// The fake's service URL, `http://127.0.0.1:PORT/teams/`: what activities name.
    pub fn service_url(&self) -> String {
        self.connector.service_url()
    }

    /// Says `person` is on Teams: a member of the fake with their Coupa email
    /// ([`Person::join_teams`]).
    pub fn join(&self, person: &Person) -> FakeMember {
        person.join_teams(self.connector())
    }

    /// Says `person` is on Teams and installed the app some time ago: joins them
    /// ([`join`](Self::join)), opens their 1:1 chat with the bot in the fake, and keeps in
    /// `store` the contact the bot learned from that installation (service URL, tenant,
    /// conversation, email, ids), so the bot reaches them without an installation activity now.
    pub async fn installed(
        &self,
        person: &Person,
        store: &dyn Store,
    ) -> Result<FakeMember, StoreError> {
        let member = self.join(person);
        let conversation = self.connector().conversation_for(&member.id);
        store
            .remember_contact(&ChatContact {
                user: ChatUserId(member.id.clone()),
                name: Some(member.name.clone()),
                email: Some(member.email.clone()),
                directory_id: Some(member.aad_object_id.clone()),
                endpoint: self.service_url(),
                tenant: member.tenant.clone(),
                conversation: Some(ConversationRef::new(conversation)),
                seen_at: jiff::Timestamp::now(),
                time_zone: member.time_zone.clone(),
            })
            .await?;
        Ok(member)
    }

    /// Signed activities to the app at `base` (`http://ADDR`) for the bot `app_id`.
    pub fn sender(&self, base: &str, app_id: &str) -> TeamsSender {
        TeamsSender::new(
            base,
            app_id,
            &self.service_url(),
            self.authority.clone(),
            self.connector().clone(),
        )
    }
}

fn parse(what: &'static str, url: &str) -> Result<Url, WorldError> {
    Url::parse(url).map_err(|source| WorldError::Url { what, source })
}
