//! `coupa-approvals demo`: the whole flow on one machine with no network and no accounts.
//!
//! [`server::start`] builds a [`crate::sandbox::World`]: the Coupa sandbox seeded with the
//! demo's people and requisitions, the fake Slack Web API, Microsoft Teams' token authority and
//! fake Bot Connector, and the real app against them on the memory store, serving Teams and
//! Slack. Beside it, a web page at `http://127.0.0.1:3000/demo` (port from `BIND_ADDR`) plays
//! both clients, side by side or one at a time. Its Slack pane shows a person's DM conversation
//! with the bot as the Block Kit the bot sent, and turns clicks, the deny form and typed messages
//! into signed Slack requests to the app's own `/slack/*` routes. Its Teams pane shows a person's
//! 1:1 chat as the Adaptive Cards the bot sent, turns clicks and typed messages into activities
//! signed by the world's token authority to the app's `/api/messages`, and moves the person's
//! next cards between Slack and Teams. A side panel acts as Coupa, to show cards following
//! decisions and edits made there. The demo exists only in builds with the `sandbox` feature.
//!
//! | module | holds |
//! |---|---|
//! | [`server`] | starts the world, the app and the page; options from the environment |
//! | [`routes`] | the page's routes |
//! | [`page`] | the server-rendered page and its scripts and stylesheets (`assets/`) |
//! | [`api`] | the page's JSON endpoints for Slack and Coupa |
//! | [`teams_api`] | the page's JSON endpoints for Teams |
//! | [`conversation`] | a Slack DM conversation as HTML |
//! | [`block_kit`] | Block Kit JSON → HTML |
//! | [`mrkdwn`] | Slack mrkdwn → HTML, escaped |
//! | [`teams`] | where each person's cards go and moving them; a Teams chat as the client shows it |
//! | [`teams_chat`] | a Teams 1:1 chat as HTML |
//! | [`adaptive_card`] | Adaptive Card JSON → HTML |
//! | [`card_markdown`] | the Markdown of Adaptive Cards → HTML, escaped |
//! | [`coupa_panel`] | the "Coupa" side panel: rows, approve in Coupa, change a total |
//! | [`skip_day`] | the demo's clock, which the app reads, and "Skip ahead a day" to the next working morning with its reminders |
//!
//! The people, their Slack requests and Teams activities and the signing come from
//! [`crate::sandbox`].

mod adaptive_card;
mod api;
mod block_kit;
mod card_markdown;
mod conversation;
mod coupa_panel;
mod mrkdwn;
mod page;
mod routes;
mod server;
mod skip_day;
mod teams;
mod teams_api;
mod teams_chat;

pub use server::{
    CONFIRM_ABOVE_AMOUNT, DEFAULT_BIND_ADDR, DemoError, DemoOptions, RunningDemo, start,
};

/// Runs the demo until SIGTERM or SIGINT, printing where the page is.
pub async fn run(options: DemoOptions) -> Result<(), DemoError> {
    let demo = start(&options).await?;
    let url = if demo.addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}/demo", demo.addr.port())
    } else {
        demo.url()
    };
    println!("coupa-approvals demo: open {url}");
    println!(
        "  (simulated Coupa, Slack and Microsoft Teams, in memory; the app's own routes are on http://{}; Ctrl-C stops)",
        demo.app_addr
    );
    if !demo.addr.ip().is_loopback() {
        // BIND_ADDR from a real installation's .env may open the page beyond this machine.
        println!(
            "  note: listening on {}; the demo page has no login, so anyone who can reach it can use it",
            demo.addr
        );
    }
    crate::app::shutdown_signal().await;
    demo.stop().await?;
    Ok(())
}
