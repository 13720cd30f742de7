//! README, `.env.example` and the guides in `docs/` describe the configuration the code actually
//! reads, quote what the bot really says, and link files that exist.

use std::collections::{BTreeSet, HashMap};

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

/// Names in `text` that begin with one of `prefixes` (at the start of a word) and go on in
/// capitals, digits and `_`. A name ending in `_` stands for a family (`TEAMS_*_URL`) and is
/// left out.
fn variable_names(text: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let is_name_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
    let mut names = BTreeSet::new();
    for (at, _) in text.char_indices() {
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        if !starts_word || !prefixes.iter().any(|p| text[at..].starts_with(p)) {
            continue;
        }
        let name: String = text[at..]
            .chars()
            .take_while(|c| is_name_char(*c))
            .collect();
        if !name.ends_with('_') {
            names.insert(name);
        }
    }
    names
}

#[test]
fn the_teams_install_guide_names_only_variables_that_env_example_documents() {
    let guide = read("docs/teams-install.md");
    let example = read(".env.example");
    let documented: Vec<String> = dotenvy::from_read_iter(example.as_bytes())
        .map(|item| item.expect("a well-formed .env.example").0)
        .collect();
    let named = variable_names(&guide, &["MICROSOFT_", "TEAMS_"]);
    for credential in [
        "MICROSOFT_APP_ID",
        "MICROSOFT_APP_PASSWORD",
        "MICROSOFT_APP_TENANT_ID",
    ] {
        assert!(named.contains(credential), "the guide names {credential}");
    }
    for variable in &named {
        assert!(
            documented.contains(variable),
            "docs/teams-install.md names {variable}, which .env.example does not document"
        );
    }
    assert!(
        guide.contains("`CHAT_PLATFORMS`"),
        "the guide names CHAT_PLATFORMS"
    );
}

#[test]
fn the_teams_install_guide_names_the_package_command_and_the_messaging_endpoint() {
    use coupa_approvals::teams::routes::MESSAGES_PATH;

    let guide = words(&read("docs/teams-install.md"));
    assert!(
        guide.contains("coupa-approvals teams-package ")
            && guide.contains("--out coupa-approvals-teams.zip"),
        "the guide builds the app package with `coupa-approvals teams-package … --out …`"
    );
    assert!(
        guide.contains(&format!("`https://HOST{MESSAGES_PATH}`")),
        "the guide gives the messaging endpoint https://HOST{MESSAGES_PATH}"
    );
    assert!(guide.contains("coupa-approvals check"));
    assert!(guide.contains("`teams reach`"));
}

/// `quote` as the guide prints it: the bot's words with `…` where a value goes. Each piece
/// between the `…` must be in `said`, in order.
fn quotes(said: &str, quote: &str) -> bool {
    let mut rest = said;
    for piece in quote.split('…').map(str::trim).filter(|p| !p.is_empty()) {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn the_teams_install_guide_quotes_the_bots_words_for_each_azure_ad_refusal() {
    use coupa_approvals::teams::connector_token::{AzureRefusal, ConnectorTokenError};
    use coupa_approvals::transport_cause::TransportCause;

    let guide = words(&read("docs/teams-install.md"));
    let refusal = |code: &str| {
        Box::new(AzureRefusal {
            status: 400,
            error: Some("invalid_client".into()),
            description: Some(format!("AADSTS{code}: Azure's own words.")),
            codes: vec![code.parse().unwrap()],
        })
    };
    let app_id = || "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b".to_owned();
    let tenant = || "72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned();
    let token_url = || "https://login.microsoftonline.com/t/oauth2/v2.0/token".to_owned();
    let cases = [
        (
            ConnectorTokenError::UnknownTenant {
                tenant: tenant(),
                refusal: refusal("90002"),
            },
            "Azure AD does not know the tenant …",
            Some("AADSTS90002"),
        ),
        (
            ConnectorTokenError::UnknownApp {
                app_id: app_id(),
                tenant: tenant(),
                refusal: refusal("700016"),
            },
            "Azure AD has no application … in tenant …",
            Some("AADSTS700016"),
        ),
        (
            ConnectorTokenError::WrongSecret {
                app_id: app_id(),
                refusal: refusal("7000215"),
            },
            "Azure AD rejected the bot's client secret for app …",
            Some("AADSTS7000215"),
        ),
        (
            ConnectorTokenError::ExpiredSecret {
                app_id: app_id(),
                refusal: refusal("7000222"),
            },
            "the bot's client secret for app … has expired",
            Some("AADSTS7000222"),
        ),
        (
            ConnectorTokenError::Unreachable {
                token_url: token_url(),
                cause: TransportCause::UnknownHost {
                    host: "login.microsoftonline.com".into(),
                },
            },
            "could not reach Azure AD at … for the bot's token",
            None,
        ),
        (
            ConnectorTokenError::Refused {
                token_url: token_url(),
                refusal: refusal("50000"),
            },
            "Azure AD refused the bot's token request at …",
            None,
        ),
    ];
    for (error, quote, code) in cases {
        let said = error.to_string();
        assert!(
            quotes(&said, quote),
            "{quote:?} is not what the bot says: {said}"
        );
        assert!(
            guide.contains(&format!("`{quote}`")),
            "docs/teams-install.md does not quote {quote:?}"
        );
        if let Some(code) = code {
            assert!(
                guide.contains(&format!("`{quote}` | {code}")),
                "docs/teams-install.md does not name {code} beside {quote:?}"
            );
        }
    }
}

#[test]
fn the_teams_install_guide_quotes_the_reasons_the_log_gives_for_a_refused_activity() {
    use coupa_approvals::teams::auth::Refusal;

    let guide = words(&read("docs/teams-install.md"));
    let cases = [
        (
            Refusal::WrongAudience {
                found: "\"8f0a1b2c-0000-4000-8000-000000000000\"".into(),
            },
            "the token is meant for …, not this bot's Microsoft App ID",
        ),
        (
            Refusal::Expired,
            "the token has expired (beyond 5 minutes of clock skew)",
        ),
        (
            Refusal::NotYetValid,
            "the token is not valid yet (beyond 5 minutes of clock skew)",
        ),
        (
            Refusal::NoAuthorization,
            "the request has no Authorization header",
        ),
    ];
    for (refusal, quote) in cases {
        let said = refusal.to_string();
        assert!(
            quotes(&said, quote),
            "{quote:?} is not what the bot logs: {said}"
        );
        assert!(
            guide.contains(&format!("`{quote}`")),
            "docs/teams-install.md does not quote {quote:?}"
        );
    }
}

/// The log messages and `check` hints the Teams guide and ADMIN.md quote are written, word for
/// word, in the source file named beside them.
#[test]
fn the_teams_docs_quote_log_lines_and_check_hints_the_code_writes() {
    use coupa_approvals::teams::wording;

    let guide = words(&read("docs/teams-install.md"));
    let admin = words(&read("docs/ADMIN.md"));
    let reach_hint = "they get no cards in Teams until the app is installed for them: pre-install it with a Teams app setup policy, or ask them to open the bot once";
    for (file, said, quoted_in) in [
        (
            "src/teams/routes.rs",
            "refused an activity whose token did not pass",
            vec![&guide],
        ),
        (
            "src/teams/connector_token.rs",
            "the bot's Bot Connector token request failed",
            vec![&guide],
        ),
        (
            "src/teams/auth/keys.rs",
            "could not read the Bot Framework signing keys",
            vec![&guide],
        ),
        (
            "src/teams/handler.rs",
            "could not read a Teams member's email; will try again on their next activity",
            vec![&guide],
        ),
        (
            "src/teams/handler.rs",
            "activity from another tenant ignored",
            vec![&guide],
        ),
        ("src/check/teams.rs", reach_hint, vec![&guide, &admin]),
        (
            "src/check/teams.rs",
            "(they may be reached in Slack)",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams.rs",
            "approver(s) of pending approvals can be reached in Teams",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams_token.rs",
            "Azure AD issued the bot's token for tenant",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams_token.rs",
            "Azure AD does not know the tenant",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams_token.rs",
            "Azure AD has no application",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams_token.rs",
            "Azure AD rejected the client secret of app",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams_token.rs",
            "use the secret's Value, not its ID",
            vec![&guide, &admin],
        ),
        (
            "src/check/teams_token.rs",
            "Azure AD refused the token request",
            vec![&guide],
        ),
        (
            "src/check/teams.rs",
            "the running bot installs the app for them through Microsoft Graph when a sync looks them up",
            vec![&guide],
        ),
        (
            "src/teams/proactive.rs",
            "installing the Teams app for an approver failed",
            vec![&guide],
        ),
        (
            "src/check/teams_graph.rs",
            "the bot's Microsoft Graph token lacks the application permission",
            vec![&guide],
        ),
        (
            "src/check/teams_graph.rs",
            "in the app registration's API permissions (Microsoft Graph, Application permissions)",
            vec![&guide],
        ),
        (
            "src/check/teams_graph.rs",
            "proactive installation(s) failed:",
            vec![&guide],
        ),
        (
            "src/teams/graph.rs",
            "Microsoft Graph knows no user with this email in the tenant",
            vec![&guide],
        ),
        (
            "src/teams/graph.rs",
            "the organisation's app catalog has no app",
            vec![&guide],
        ),
        (
            "src/teams/graph.rs",
            "could not reach Microsoft Graph",
            vec![&guide],
        ),
    ] {
        assert!(
            read(file).contains(said),
            "{file} no longer says {said:?}; the docs quote it"
        );
        for doc in quoted_in {
            assert!(doc.contains(said), "the docs do not quote {said:?}");
        }
    }
    for bot_says in [wording::HELP_TITLE, wording::NOT_THIS_TENANT] {
        assert!(guide.contains(bot_says), "the guide quotes {bot_says:?}");
    }
}

#[test]
fn readme_and_admin_guide_link_the_teams_install_guide() {
    assert!(read("README.md").contains("[docs/teams-install.md](docs/teams-install.md)"));
    let admin = read("docs/ADMIN.md");
    let section = |heading: &str| {
        admin
            .split(heading)
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_else(|| panic!("docs/ADMIN.md has a section {heading:?}"))
            .to_owned()
    };
    for heading in [
        "## 2. The chat apps: Slack and Microsoft Teams",
        "## 3. Configuration",
    ] {
        assert!(
            section(heading).contains("](teams-install.md"),
            "{heading} links teams-install.md"
        );
    }
    assert!(section("## 4. Check").contains("`teams reach`"));
    assert!(section("## 5. Deploy").contains("`/api/messages`"));
}

/// Every relative link in the README and the docs leads to a file of the repository.
#[test]
fn relative_links_in_the_docs_lead_to_files_that_exist() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut checked = 0;
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (at, _) in text.match_indices("](") {
            let target = &text[at + 2..];
            let Some(end) = target.find(')') else {
                continue;
            };
            let target = &target[..end];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap_or_default();
            let path = doc.parent().unwrap().join(file);
            assert!(
                path.exists(),
                "{} links {target}, which does not exist",
                doc.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no relative links were found");
}

/// The delegates guide quotes what the bot says and logs, word for word, and names the Coupa
/// fields the model reads.
#[test]
fn the_delegates_guide_quotes_what_the_bot_says_and_the_fields_it_reads() {
    use coupa_approvals::chat::wording as shared;
    use coupa_approvals::domain::outcome::Refusal;
    use coupa_approvals::slack::wording;

    let guide = words(&read("docs/coupa-fields.md"));
    let quotes = [
        shared::as_delegate_for("Jane Doe", |name| name.to_owned()),
        shared::no_longer_pending(|text| text.to_owned())
            .split(" See ")
            .next()
            .unwrap_or_default()
            .to_owned(),
        wording::refusal(&Refusal::NotApprover)
            .split(", so")
            .next()
            .unwrap_or_default()
            .to_owned(),
        format!("({})", shared::decided_by_whom(Some("Jane Doe"))),
    ];
    for quote in quotes {
        assert!(
            guide.contains(&quote),
            "docs/coupa-fields.md does not quote {quote:?}"
        );
    }
    let code = read("src/coupa/model.rs")
        + &read("src/coupa/client.rs")
        + &read("src/engine/delegates.rs");
    for (field, in_code) in [
        ("`delegate`", "pub delegate: Option<RawParty>"),
        ("`delegator-id`", "pub delegator_id: Option<u64>"),
        ("`start-date`", "pub start_date: Option<Timestamp>"),
        ("`end-date`", "pub end_date: Option<Timestamp>"),
        ("`approval-delegate`", "pub approval_delegate: Option<bool>"),
        ("`delegator_id={id}`", "(\"delegator_id\", id.as_str())"),
        (
            "`end_date[gt]=…`",
            "(\"end_date[gt]\", after_text.as_str())",
        ),
        (
            "could not read the delegations of approvals",
            "could not read the delegations of approvals",
        ),
        (
            "`coupa_delegations_unread_total`",
            "coupa_delegations_unread_total",
        ),
    ] {
        assert!(
            guide.contains(field),
            "docs/coupa-fields.md does not name {field}"
        );
        assert!(
            code.contains(in_code),
            "the code no longer reads {field} as the guide says"
        );
    }
}
