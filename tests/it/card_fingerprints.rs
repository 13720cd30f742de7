//! A card's buttons vouch for everything the card shows: when the title, department or need-by
//! date changes in Coupa, the card says what changed and its buttons decide nothing. Cards sent
//! by a release whose fingerprint covered fewer fields stay good until a field it covered
//! changes, so a new release does not make every live card look changed.

use crate::support;

use coupa_approvals::chat::card::CardState;
use coupa_approvals::domain::outcome::{DecisionResult, Refusal};
use coupa_approvals::domain::{ApprovalId, Decision, Requisition, RequisitionId};
use coupa_approvals::store::Store;
use rust_decimal::Decimal;
use support::engine_world::World;

/// Daniel's cards, oldest first, by state.
fn states(world: &World) -> Vec<CardState> {
    world
        .chat
        .cards_of(&world.daniel.1)
        .into_iter()
        .map(|(_, card)| card.state)
        .collect()
}

#[tokio::test]
async fn a_new_title_department_and_need_by_date_make_the_card_say_so_and_refuse_its_buttons() {
    let world = World::new().await;
    let engine = world.sim.engine().unwrap();
    let req = world.requisition();
    engine.sync_changes().await.unwrap();
    let stale_click = world.click(&world.daniel.1, Decision::Approve, None);

    world.sim.coupa.set_header(
        req,
        Some("Standing desks and chairs"),
        Some("Facilities"),
        Some("2027-01-05"),
    );
    engine.sync_changes().await.unwrap();

    let cards = world.chat.cards_of(&world.daniel.1);
    let [(_, old), (_, new)] = cards.as_slice() else {
        panic!("the old card and a new one: {:?}", states(&world));
    };
    let Some(CardState::Changed(Some(change))) = Some(&old.state) else {
        panic!("the old card says what changed: {:?}", old.state);
    };
    assert!(change.title && change.department, "{change:?}");
    assert!(change.need_by.is_some(), "{change:?}");
    assert_eq!(new.state, CardState::Pending);
    assert_eq!(new.requisition.title, "Standing desks and chairs");

    let result = engine.decide(stale_click).await;
    assert_eq!(result, DecisionResult::Refused(Refusal::Changed));
    assert_eq!(world.puts(), 0, "nothing was sent to Coupa");
}

/// Makes the records of Daniel's cards for `approval` look as an earlier release left them:
/// a version 1 fingerprint, and no record of what the card showed.
async fn as_an_earlier_release_recorded(
    world: &World,
    approval: ApprovalId,
    requisition: &Requisition,
) {
    for mut card in world.store.cards(approval).await.unwrap() {
        card.fingerprint = requisition.fingerprint_v1();
        card.shown = None;
        world.store.put_card(approval, &card).await.unwrap();
    }
}

/// `req` as Coupa has it now.
async fn read(world: &World, req: RequisitionId) -> Requisition {
    world
        .sim
        .coupa_client()
        .unwrap()
        .requisition(req)
        .await
        .unwrap()
}

#[tokio::test]
async fn cards_from_an_earlier_release_are_not_called_changed_until_a_field_they_covered_changes() {
    let world = World::new().await;
    let engine = world.sim.engine().unwrap();
    let req = world.requisition();
    engine.sync_changes().await.unwrap();
    let requisition = read(&world, req).await;
    let approval = world.sim.coupa.current_approval(req).unwrap();
    as_an_earlier_release_recorded(&world, approval, &requisition).await;
    let mut v1_click = world.click(&world.daniel.1, Decision::Approve, None);
    v1_click.fingerprint = requisition.fingerprint_v1();

    // The new release syncs: nothing the earlier fingerprint covered has changed.
    engine.sync_changes().await.unwrap();
    world
        .sim
        .coupa
        .set_header(req, None, Some("Facilities"), None);
    engine.sync_changes().await.unwrap();
    assert_eq!(world.chat.posts(), 1, "no new card");
    assert_eq!(world.chat.updates(), 0, "no card edited to say it changed");

    // A change the earlier fingerprint covered still makes the card say so.
    world
        .sim
        .coupa
        .set_line_amount(req, 1, Decimal::new(59_900, 2));
    engine.sync_changes().await.unwrap();
    assert!(
        matches!(
            states(&world).as_slice(),
            [CardState::Changed(_), CardState::Pending]
        ),
        "{:?}",
        states(&world)
    );
    let result = engine.decide(v1_click).await;
    assert_eq!(result, DecisionResult::Refused(Refusal::Changed));
    assert_eq!(world.puts(), 0);
}

#[tokio::test]
async fn a_button_from_an_earlier_release_decides_an_unchanged_requisition() {
    let world = World::new().await;
    let engine = world.sim.engine().unwrap();
    let req = world.requisition();
    engine.sync_changes().await.unwrap();
    let requisition = read(&world, req).await;
    let approval = world.sim.coupa.current_approval(req).unwrap();
    as_an_earlier_release_recorded(&world, approval, &requisition).await;
    let mut v1_click = world.click(&world.daniel.1, Decision::Approve, None);
    v1_click.fingerprint = requisition.fingerprint_v1();

    let result = engine.decide(v1_click).await;

    assert_eq!(result, DecisionResult::Done(Decision::Approve));
    assert_eq!(world.puts(), 1);
}
