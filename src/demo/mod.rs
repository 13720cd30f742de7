//! `coupa-approvals demo`: the whole flow on one machine with no network and no accounts.
//!
//! [`server::start`] builds a [`crate::sandbox::World`]: the Coupa sandbox seeded with the
//! demo's people and requisitions, the fake Slack Web API, and the real app against them on the
//! memory store. Beside it, a web page at `http://127.0.0.1:3000/demo` (port from `BIND_ADDR`)
//! plays Slack's part: it shows each person's DM conversation with the bot as the Block Kit the
//! bot sent, and turns clicks, the deny form and typed messages into signed Slack requests to the
//! app's own `/slack/*` routes. A side panel acts as Coupa, to show cards following decisions
//! and edits made there. The demo exists only in builds with the `sandbox` feature.
//!
//! | module | holds |
//! |---|---|
//! | [`server`] | starts the world, the app and the page; options from the environment |
//! | [`routes`] | the page's routes |
//! | [`page`] | the server-rendered page and its script and stylesheet (`assets/`) |
//! | [`api`] | the page's JSON endpoints |
//! | [`conversation`] | a DM conversation as HTML |
//! | [`block_kit`] | Block Kit JSON → HTML |
//! | [`mrkdwn`] | Slack mrkdwn → HTML, escaped |
//! | [`coupa_panel`] | the "Coupa" side panel: rows, approve in Coupa, change a total |
//!
//! The people, their Slack-shaped requests and the signing come from [`crate::sandbox`].

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
        "  (simulated Coupa and Slack, in memory; the app's own routes are on http://{}; Ctrl-C stops)",
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
