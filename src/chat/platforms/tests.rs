//! Routing among two platforms: one whose ids contain `:` (as Teams spells them), one whose ids
//! never do (as Slack spells them).

use std::sync::Mutex;

use super::*;
use crate::chat::card::CardState;
use crate::chat::list::ListMessage;
use crate::coupa::model::{RawRequisition, parse};
use crate::domain::RequisitionId;
use crate::sandbox::fixtures::Coupa;

const TEAMS: Platform = Platform::named("Microsoft Teams");
const SLACK: Platform = Platform::named("Slack");

/// What a fake platform answers when asked for someone by email.
#[derive(Clone, Copy)]
enum Lookup {
    Finds(&'static str),
    FindsNobody,
    Fails,
}

/// A platform that records every call made to it.
struct FakePort {
    platform: Platform,
    /// Whether it serves ids with `:` (else non-empty ids without).
    colon_ids: bool,
    lookup: Lookup,
    calls: Mutex<Vec<String>>,
}

impl FakePort {
    fn teams(lookup: Lookup) -> Arc<Self> {
        Arc::new(Self {
            platform: TEAMS,
            colon_ids: true,
            lookup,
            calls: Mutex::default(),
        })
    }

    fn slack(lookup: Lookup) -> Arc<Self> {
        Arc::new(Self {
            platform: SLACK,
            colon_ids: false,
            lookup,
            calls: Mutex::default(),
        })
    }

    fn owns(&self, id: &str) -> bool {
        if self.colon_ids {
            id.contains(':')
        } else {
            !id.is_empty() && !id.contains(':')
        }
    }

    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl ChatPort for FakePort {
    fn platform(&self) -> Platform {
        self.platform
    }

    fn serves(&self, user: &ChatUserId) -> bool {
        self.owns(user.as_str())
    }

    fn serves_conversation(&self, conversation: &ConversationRef) -> bool {
        self.owns(conversation.as_str())
    }

    async fn post_card(&self, user: &ChatUserId, _card: &Card) -> Result<MessageRef, ChatError> {
        self.record(format!("post_card {user}"));
        Ok(MessageRef::new(
            ConversationRef::new(format!("dm-of-{user}")),
            self.platform.name(),
        ))
    }

    async fn update_card(&self, message: &MessageRef, _card: &Card) -> Result<(), ChatError> {
        self.record(format!("update_card {}", message.conversation()));
        Ok(())
    }

    async fn post_digest(
        &self,
        user: &ChatUserId,
        items: &[Card],
    ) -> Result<MessageRef, ChatError> {
        self.record(format!("post_digest {user} {}", items.len()));
        Ok(MessageRef::new(
            ConversationRef::new(format!("dm-of-{user}")),
            self.platform.name(),
        ))
    }

    async fn update_digest(&self, message: &MessageRef, items: &[Card]) -> Result<(), ChatError> {
        self.record(format!(
            "update_digest {} {}",
            message.conversation(),
            items.len()
        ));
        Ok(())
    }

    async fn find_card(
        &self,
        user: &ChatUserId,
        approval: ApprovalId,
    ) -> Result<Option<FoundCard>, ChatError> {
        self.record(format!("find_card {user} {approval}"));
        Ok(None)
    }

    async fn withdraw_card(&self, message: &MessageRef) -> Result<(), ChatError> {
        self.record(format!("withdraw_card {}", message.conversation()));
        Ok(())
    }

    async fn tell(
        &self,
        user: &ChatUserId,
        _conversation: Option<&ConversationRef>,
        _regarding: &Regarding,
        _result: &DecisionResult,
    ) -> Result<(), ChatError> {
        self.record(format!("tell {user}"));
        Ok(())
    }

    async fn lookup_user_by_email(&self, email: &str) -> Result<Option<ChatUserId>, ChatError> {
        self.record(format!("lookup {email}"));
        match self.lookup {
            Lookup::Finds(id) => Ok(Some(ChatUserId::from(id))),
            Lookup::FindsNobody => Ok(None),
            Lookup::Fails => Err(ChatError::Api("ratelimited".into())),
        }
    }

    async fn user_info(&self, user: &ChatUserId) -> Result<ChatUser, ChatError> {
        self.record(format!("user_info {user}"));
        Ok(ChatUser {
            name: format!("someone on {}", self.platform),
            ..ChatUser::default()
        })
    }

    async fn post_list(&self, user: &ChatUserId, _list: &ListMessage) -> Result<(), ChatError> {
        self.record(format!("post_list {user}"));
        Ok(())
    }
}

/// Teams preferred, then Slack.
fn both(teams: &Arc<FakePort>, slack: &Arc<FakePort>) -> ChatPlatforms {
    ChatPlatforms::new(vec![teams.clone(), slack.clone()]).expect("two platforms")
}

fn card() -> Card {
    let requisition = parse::<RawRequisition>(Coupa::RequisitionPending.text().as_bytes())
        .expect("the fixture parses")
        .into_domain()
        .expect("the fixture reads into the domain");
    let approval = requisition.approvals[0].clone();
    let coupa = url::Url::parse("https://acme.coupahost.com").expect("a URL");
    let issued = jiff::Timestamp::from_second(1_795_195_260).expect("a time");
    Card::new(
        &requisition,
        &approval,
        CardState::Pending,
        &coupa,
        None,
        issued,
    )
}

fn regarding() -> Regarding {
    Regarding {
        requisition: RequisitionId(4812),
        title: None,
    }
}

#[tokio::test]
async fn each_call_about_a_user_goes_to_the_platform_that_serves_their_id() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let slack = FakePort::slack(Lookup::FindsNobody);
    let chat = both(&teams, &slack);
    let (jane, li) = (ChatUserId::from("29:jane"), ChatUserId::from("ULI"));
    let card = card();

    let posted = chat.post_card(&li, &card).await.unwrap();
    assert_eq!(posted.id(), "Slack");
    let posted = chat.post_card(&jane, &card).await.unwrap();
    assert_eq!(posted.id(), "Microsoft Teams");
    chat.find_card(&jane, ApprovalId(7)).await.unwrap();
    chat.find_card(&li, ApprovalId(8)).await.unwrap();
    let result = DecisionResult::Unconfirmed;
    chat.tell(&jane, None, &regarding(), &result).await.unwrap();
    chat.tell(&li, None, &regarding(), &result).await.unwrap();
    let info = chat.user_info(&li).await.unwrap();
    assert_eq!(info.name, "someone on Slack");
    let info = chat.user_info(&jane).await.unwrap();
    assert_eq!(info.name, "someone on Microsoft Teams");

    assert_eq!(
        teams.calls(),
        [
            "post_card 29:jane",
            "find_card 29:jane 7",
            "tell 29:jane",
            "user_info 29:jane"
        ]
    );
    assert_eq!(
        slack.calls(),
        [
            "post_card ULI",
            "find_card ULI 8",
            "tell ULI",
            "user_info ULI"
        ]
    );
}

#[tokio::test]
async fn each_call_about_a_posted_card_goes_to_the_platform_of_its_conversation() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let slack = FakePort::slack(Lookup::FindsNobody);
    let chat = both(&teams, &slack);
    let on_teams = MessageRef::new(ConversationRef::new("a:1dm"), "1700000000001");
    let on_slack = MessageRef::new(ConversationRef::new("DLI"), "1700000000.000001");
    let card = card();

    chat.update_card(&on_slack, &card).await.unwrap();
    chat.update_card(&on_teams, &card).await.unwrap();
    chat.withdraw_card(&on_teams).await.unwrap();
    chat.withdraw_card(&on_slack).await.unwrap();

    assert_eq!(teams.calls(), ["update_card a:1dm", "withdraw_card a:1dm"]);
    assert_eq!(slack.calls(), ["update_card DLI", "withdraw_card DLI"]);
}

#[test]
fn a_user_is_on_the_platform_that_serves_them_and_the_first_platform_is_preferred() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let slack = FakePort::slack(Lookup::FindsNobody);
    let chat = both(&teams, &slack);
    assert_eq!(chat.platform_of(&ChatUserId::from("29:jane")), TEAMS);
    assert_eq!(chat.platform_of(&ChatUserId::from("ULI")), SLACK);
    assert_eq!(chat.platform(), TEAMS);
    let slack_first = ChatPlatforms::new(vec![slack.clone(), teams.clone()]).unwrap();
    assert_eq!(slack_first.platform(), SLACK);
    assert_eq!(slack_first.platform_of(&ChatUserId::from("29:jane")), TEAMS);
}

#[test]
fn a_user_or_conversation_is_served_when_any_platform_serves_it() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let slack = FakePort::slack(Lookup::FindsNobody);
    let chat = both(&teams, &slack);
    assert!(chat.serves(&ChatUserId::from("29:jane")));
    assert!(chat.serves(&ChatUserId::from("ULI")));
    assert!(!chat.serves(&ChatUserId::from("")));
    assert!(chat.serves_conversation(&ConversationRef::new("a:1dm")));
    assert!(chat.serves_conversation(&ConversationRef::new("DLI")));
    assert!(!chat.serves_conversation(&ConversationRef::new("")));

    let teams_only = ChatPlatforms::new(vec![teams.clone()]).unwrap();
    assert!(!teams_only.serves(&ChatUserId::from("ULI")));
    assert!(!teams_only.serves_conversation(&ConversationRef::new("DLI")));
}

#[tokio::test]
async fn the_first_platform_to_find_a_person_by_email_wins_and_the_next_is_not_asked() {
    let teams = FakePort::teams(Lookup::Finds("29:jane"));
    let slack = FakePort::slack(Lookup::Finds("UJANE"));
    let found = both(&teams, &slack)
        .lookup_user_by_email("jane@example.com")
        .await
        .unwrap();
    assert_eq!(found, Some(ChatUserId::from("29:jane")));
    assert!(slack.calls().is_empty(), "{:?}", slack.calls());

    let found = ChatPlatforms::new(vec![slack.clone(), teams.clone()])
        .unwrap()
        .lookup_user_by_email("jane@example.com")
        .await
        .unwrap();
    assert_eq!(found, Some(ChatUserId::from("UJANE")));
    assert_eq!(
        teams.calls(),
        ["lookup jane@example.com"],
        "asked once, first"
    );
}

#[tokio::test]
async fn the_next_platform_is_asked_when_the_first_finds_nobody() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let slack = FakePort::slack(Lookup::Finds("UJANE"));
    let found = both(&teams, &slack)
        .lookup_user_by_email("jane@example.com")
        .await
        .unwrap();
    assert_eq!(found, Some(ChatUserId::from("UJANE")));
    assert_eq!(teams.calls(), ["lookup jane@example.com"]);
    assert_eq!(slack.calls(), ["lookup jane@example.com"]);

    let nobody = FakePort::slack(Lookup::FindsNobody);
    let found = both(&teams, &nobody)
        .lookup_user_by_email("ghost@example.com")
        .await
        .unwrap();
    assert_eq!(found, None, "found on no platform");
}

#[tokio::test]
async fn a_platform_failing_before_anyone_finds_the_person_fails_the_lookup() {
    let slack = FakePort::slack(Lookup::Fails);
    let teams = FakePort::teams(Lookup::Finds("29:jane"));
    let chat = ChatPlatforms::new(vec![slack.clone(), teams.clone()]).unwrap();
    let answer = chat.lookup_user_by_email("jane@example.com").await;
    assert!(
        matches!(&answer, Err(ChatError::Api(code)) if code == "ratelimited"),
        "{answer:?}"
    );
    assert!(
        teams.calls().is_empty(),
        "a passing outage must not move the person to the next platform"
    );

    // After a find, a later platform's trouble does not matter: it is not asked.
    let failing_teams = FakePort::teams(Lookup::Fails);
    let found_first = FakePort::slack(Lookup::Finds("UJANE"));
    let chat = ChatPlatforms::new(vec![found_first, failing_teams.clone()]).unwrap();
    let found = chat.lookup_user_by_email("jane@example.com").await.unwrap();
    assert_eq!(found, Some(ChatUserId::from("UJANE")));
    assert!(failing_teams.calls().is_empty());
}

#[tokio::test]
async fn a_user_or_card_no_platform_serves_is_an_error_naming_it_not_a_panic() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let chat = ChatPlatforms::new(vec![teams.clone()]).unwrap();
    let li = ChatUserId::from("ULI");
    let card = card();

    let posted = chat.post_card(&li, &card).await;
    assert!(
        matches!(&posted, Err(ChatError::Api(why)) if why == "no chat platform serves user ULI"),
        "{posted:?}"
    );
    assert!(chat.find_card(&li, ApprovalId(7)).await.is_err());
    let result = DecisionResult::Unconfirmed;
    assert!(chat.tell(&li, None, &regarding(), &result).await.is_err());
    assert!(chat.user_info(&li).await.is_err());
    let on_slack = MessageRef::new(ConversationRef::new("DLI"), "1700000000.000001");
    let updated = chat.update_card(&on_slack, &card).await;
    assert!(
        matches!(&updated, Err(ChatError::Api(why)) if why == "no chat platform serves conversation DLI"),
        "{updated:?}"
    );
    assert!(chat.withdraw_card(&on_slack).await.is_err());
    assert!(teams.calls().is_empty(), "{:?}", teams.calls());
    // Attribution never fails: an id nobody serves is named after the preferred platform.
    assert_eq!(chat.platform_of(&li), TEAMS);
}

#[test]
fn no_platforms_make_no_chat_platforms() {
    assert!(ChatPlatforms::new(Vec::new()).is_none());
}

#[tokio::test]
async fn a_digest_is_posted_on_its_recipients_platform_and_updated_on_its_conversations() {
    let teams = FakePort::teams(Lookup::FindsNobody);
    let slack = FakePort::slack(Lookup::FindsNobody);
    let chat = both(&teams, &slack);
    let items = [card(), card()];
    chat.post_digest(&ChatUserId::from("29:jane"), &items)
        .await
        .unwrap();
    chat.post_digest(&ChatUserId::from("ULI"), &items[..1])
        .await
        .unwrap();
    let on_teams = MessageRef::new(ConversationRef::new("a:1dm"), "1700000000001");
    let on_slack = MessageRef::new(ConversationRef::new("DLI"), "1700000000.000001");
    chat.update_digest(&on_slack, &items).await.unwrap();
    chat.update_digest(&on_teams, &items[..1]).await.unwrap();

    assert_eq!(
        teams.calls(),
        ["post_digest 29:jane 2", "update_digest a:1dm 1"]
    );
    assert_eq!(slack.calls(), ["post_digest ULI 1", "update_digest DLI 2"]);
}
