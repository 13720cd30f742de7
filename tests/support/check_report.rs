//! `check` run against a world's store and Coupa (no Slack client), and its lines found by name.

use coupa_approvals::check::{self, CheckLine, Report, Targets};
use coupa_approvals::config::Settings;
use coupa_approvals::coupa::CoupaClient;
use coupa_approvals::sandbox::World;

/// Runs every check of `settings` with `world`'s store.
pub async fn check_in(world: &World, settings: &Settings) -> Report {
    let targets = Targets {
        store: world.store.clone(),
        coupa: CoupaClient::builder(&settings.coupa).build().unwrap(),
        chat: None,
        required_bot_scopes: coupa_approvals::slack::BOT_SCOPES,
    };
    check::run(settings, &targets).await
}

/// The line named `name`; panics with the whole report when there is none.
pub fn line<'r>(report: &'r Report, name: &str) -> &'r CheckLine {
    report
        .checks
        .iter()
        .find(|l| l.check == name)
        .unwrap_or_else(|| panic!("no {name} line in\n{}", report.to_text()))
}
