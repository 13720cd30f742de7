//! README and `.env.example` describe the configuration the code actually reads.

use std::collections::HashMap;

use coupa_approvals::config::{Settings, VARIABLES};
use coupa_approvals::demo;
use coupa_approvals::slack::format::amount;
use rust_decimal::Decimal;

fn read(path: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_owned() + path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `text` with every run of whitespace as one space, so a reflowed paragraph still matches.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn env_example_documents_every_variable_and_nothing_else() {
    let example = read(".env.example");
    let documented: Vec<String> = dotenvy::from_read_iter(example.as_bytes())
        .map(|item| item.expect("a well-formed .env.example").0)
        .collect();
    for variable in VARIABLES {
        assert!(
            documented.iter().any(|d| d == variable),
            "{variable} missing from .env.example"
        );
    }
    for variable in &documented {
        assert!(
            VARIABLES.contains(&variable.as_str()),
            ".env.example lists unknown {variable}"
        );
    }
}

#[test]
fn readme_configuration_table_names_every_variable() {
    let readme = read("README.md");
    for variable in VARIABLES {
        assert!(
            readme.contains(&format!("`{variable}`")),
            "{variable} missing from README.md"
        );
    }
}

#[test]
fn env_example_values_are_valid_defaults_once_required_values_are_filled_in() {
    let example = read(".env.example");
    let mut vars: HashMap<String, String> = dotenvy::from_read_iter(example.as_bytes())
        .map(|item| item.unwrap())
        .collect();
    for (name, value) in [
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_SIGNING_SECRET", "s"),
        ("COUPA_INSTANCE_URL", "https://acme.coupahost.com"),
        ("COUPA_CLIENT_ID", "id"),
        ("COUPA_CLIENT_SECRET", "secret"),
    ] {
        vars.insert(name.to_owned(), value.to_owned());
    }
    let from_example = Settings::from_lookup(&|name| vars.get(name).cloned()).unwrap();
    let from_defaults = Settings::from_lookup(&|name| {
        [
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
            "COUPA_INSTANCE_URL",
            "COUPA_CLIENT_ID",
            "COUPA_CLIENT_SECRET",
        ]
        .contains(&name)
        .then(|| vars[name].clone())
    })
    .unwrap();
    // The example's values are the documented defaults.
    assert_eq!(format!("{from_example:?}"), format!("{from_defaults:?}"));
}

#[test]
fn readme_states_the_demos_confirmation_threshold_and_that_one_requisition_is_above_it() {
    let readme = words(&read("README.md"));
    let threshold = amount(Decimal::from(demo::CONFIRM_ABOVE_AMOUNT), 0);
    assert!(
        readme.contains(&format!(
            "one above the demo's confirmation threshold of {threshold}"
        )),
        "README's demo section names the threshold {threshold}"
    );
}

#[test]
fn readme_names_the_minimum_rust_version_of_cargo_toml() {
    let manifest = read("Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"'))
        .expect("Cargo.toml sets rust-version");
    let readme = words(&read("README.md"));
    assert!(
        readme.contains(&format!("Rust {version} or newer")),
        "README names Rust {version}"
    );
}

#[test]
fn readme_says_the_browser_test_is_skipped_what_it_needs_and_how_to_run_it() {
    let readme = words(&read("README.md"));
    for needed in [
        "`tests/it/demo_browser.rs`, is marked `#[ignore]`, so a plain `cargo test` skips it",
        "apt-get install chromium chromium-driver",
        "`CHROME_BIN`",
        "`CHROMEDRIVER`",
        "`cargo test --test it demo_browser:: -- --ignored`",
    ] {
        assert!(readme.contains(needed), "README lacks {needed}");
    }
}

/// The failure-modes table in `docs/ADMIN.md` quotes what the bot says; those quotes must be the
/// bot's words, so that an admin can find a person's report in the table.
#[test]
fn admin_failure_modes_quote_the_replies_the_bot_really_sends() {
    use coupa_approvals::domain::outcome::{DecisionResult, FailureCause, Refusal, Regarding};
    use coupa_approvals::domain::{Decision, RequisitionId};
    use coupa_approvals::slack::wording;

    let admin = words(&read("docs/ADMIN.md"));
    let table = admin
        .split("## 11. Failure modes")
        .nth(1)
        .expect("docs/ADMIN.md has a Failure modes section");
    let sentence = |result: DecisionResult| {
        let reply = wording::decision(
            &Regarding {
                requisition: RequisitionId(125),
                title: None,
            },
            &result,
        );
        reply
            .split_once(": ")
            .map(|(_, said)| said.to_owned())
            .expect("a reply names the requisition, then says what happened")
    };
    let up_to_cause = |said: String| said.split(')').next().map(|s| format!("{s})"));
    let quoted = [
        sentence(DecisionResult::Done(Decision::Approve)),
        sentence(DecisionResult::Unconfirmed),
        sentence(DecisionResult::Failed(FailureCause::StoreUnavailable)),
        // Quoted up to the cause, then "…".
        up_to_cause(sentence(DecisionResult::Failed(
            FailureCause::CoupaUnreachable,
        )))
        .unwrap_or_default(),
        up_to_cause(sentence(DecisionResult::Failed(FailureCause::CoupaRefused)))
            .unwrap_or_default(),
        wording::refusal(&Refusal::InProgress)
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned(),
        wording::PENDING_BUSY
            .split(',')
            .next()
            .unwrap_or_default()
            .to_owned(),
    ];
    for said in quoted {
        assert!(
            !said.is_empty() && table.contains(&words(&said)),
            "the failure-modes table does not quote the bot's words: {said:?}"
        );
    }
}
