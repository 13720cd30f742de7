//! The demo page: server-rendered HTML (the Slack pane with its person selector and the chosen
//! person's conversation, the Teams pane with its own person selector, the Coupa panel) plus small
//! hand-written scripts and stylesheets (Slack's and Teams') and an icon, all compiled into the
//! binary. `?view=slack`, `teams` or `both` (the default) chooses the panes shown.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::conversation;
use super::coupa_panel;
use super::mrkdwn::escape_html;
use super::server::{CONFIRM_ABOVE_AMOUNT, DemoState};
use crate::sandbox::coupa::demo_data::ON_TEAMS;
use crate::sandbox::people::Person;
use crate::slack::format::amount;

/// The page's HTML template; `{{…}}` slots are filled by [`render`].
pub const TEMPLATE: &str = include_str!("assets/demo.html");
/// The page's script.
pub const SCRIPT: &str = include_str!("assets/demo.js");
/// The page's stylesheet.
pub const STYLESHEET: &str = include_str!("assets/demo.css");
/// The Teams pane's script.
pub const TEAMS_SCRIPT: &str = include_str!("assets/teams.js");
/// The Teams pane's stylesheet.
pub const TEAMS_STYLESHEET: &str = include_str!("assets/teams.css");
/// The page's icon, an SVG: browsers ask for `/favicon.ico` and accept SVG there.
pub const FAVICON: &str = include_str!("assets/favicon.svg");

/// `?user=U…&teams_user=U…` (both optional).
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// Whose Slack conversation to show first.
    pub user: Option<String>,
    /// Whose Teams chat to show first.
    pub teams_user: Option<String>,
}

fn options(people: &[Person], selected: &Person) -> String {
    people
        .iter()
        .map(|p| {
            format!(
                "<option value=\"{id}\"{sel}>{name}</option>",
                id = escape_html(&p.slack_id),
                sel = if p.slack_id == selected.slack_id {
                    " selected"
                } else {
                    ""
                },
                name = escape_html(&p.name),
            )
        })
        .collect()
}

/// Fills the template. Every slot gets HTML built and escaped by this module's helpers.
pub fn render(
    people: &[Person],
    selected: &Person,
    on_teams: &Person,
    conversation_html: &str,
    coupa_html: &str,
    coupa_base: &str,
) -> String {
    fill(
        TEMPLATE,
        &[
            ("people_options", &options(people, selected)),
            ("teams_people_options", &options(people, on_teams)),
            ("teams_person_name", &escape_html(&on_teams.name)),
            ("person_name", &escape_html(&selected.name)),
            ("person_email", &escape_html(&selected.email)),
            ("conversation", conversation_html),
            ("coupa_panel", coupa_html),
            ("coupa_base", &escape_html(coupa_base)),
            ("confirm_above", &confirm_above()),
        ],
    )
}

/// The demo's confirmation threshold as the page states it: `10,000`.
fn confirm_above() -> String {
    amount(Decimal::from(CONFIRM_ABOVE_AMOUNT), 0)
}

/// Replaces each `{{name}}` in `template` in one pass, so a slot's value that happens to
/// contain `{{…}}` (a requisition titled so, say) is left as it is.
fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let slot = after.find("}}").and_then(|end| {
            slots
                .iter()
                .find(|(name, _)| *name == &after[..end])
                .map(|s| (end, s.1))
        });
        match slot {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The person shown when none is asked for: whoever has the most waiting for them in Coupa, so
/// the first view has cards on it.
pub fn default_person(state: &DemoState) -> Option<&Person> {
    let waiting = |person: &Person| {
        state
            .coupa
            .requisition_ids()
            .into_iter()
            .filter_map(|id| state.coupa.requisition_json(id))
            .filter(|r| {
                let approver = &r["current-approval"]["approver"];
                approver["id"].as_u64() == Some(person.coupa_id.0) && approver["users"].is_null()
                    || approver["users"].as_array().is_some_and(|u| {
                        u.iter()
                            .any(|u| u["id"].as_u64() == Some(person.coupa_id.0))
                    })
            })
            .count()
    };
    // `max_by_key` keeps the last of equals; reverse so the first listed wins a tie.
    state.people.iter().rev().max_by_key(|p| waiting(p))
}

/// `GET /demo`.
pub async fn page(
    State(state): State<DemoState>,
    Query(query): Query<PageQuery>,
) -> impl IntoResponse {
    let selected = query
        .user
        .as_deref()
        .and_then(|u| state.person(u))
        .or_else(|| default_person(&state));
    let Some(selected) = selected else {
        return Html("<p>The demo has no people.</p>".to_owned());
    };
    // In Teams, first whoever starts there (one of the group approval's members).
    let on_teams = query
        .teams_user
        .as_deref()
        .and_then(|u| state.person(u))
        .or_else(|| {
            state
                .people
                .iter()
                .find(|p| ON_TEAMS.contains(&p.email.as_str()))
        })
        .unwrap_or(selected);
    let conversation = conversation::html(
        &state.slack.conversation(&selected.slack_id),
        &selected.name,
    );
    let coupa = coupa_panel::html(&coupa_panel::rows(&state.coupa));
    Html(render(
        &state.people,
        selected,
        on_teams,
        &conversation,
        &coupa,
        &state.coupa_base,
    ))
}

/// `GET /demo/demo.js`.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

/// `GET /demo/demo.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
}

/// `GET /demo/teams.js`.
pub async fn teams_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        TEAMS_SCRIPT,
    )
}

/// `GET /demo/teams.css`.
pub async fn teams_stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        TEAMS_STYLESHEET,
    )
}

/// `GET /favicon.ico`.
pub async fn favicon() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml")], FAVICON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_filled_once_and_a_value_holding_a_slot_name_stays_as_it_is() {
        assert_eq!(
            fill(
                "<p>{{a}}</p><p>{{b}}</p>{{unknown}}",
                &[("a", "{{b}}"), ("b", "two")]
            ),
            "<p>{{b}}</p><p>two</p>{{unknown}}"
        );
    }

    #[test]
    fn the_threshold_is_stated_with_separators() {
        assert_eq!(confirm_above(), "10,000");
    }

    #[test]
    fn the_template_has_every_slot_the_page_fills() {
        for slot in [
            "people_options",
            "teams_people_options",
            "teams_person_name",
            "person_name",
            "person_email",
            "conversation",
            "coupa_panel",
            "coupa_base",
            "confirm_above",
        ] {
            assert!(TEMPLATE.contains(&format!("{{{{{slot}}}}}")), "{slot}");
        }
    }
}
