//! Command line: `coupa-approvals [run] | check | demo | teams-package`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::teams_package::DEFAULT_PACKAGE_FILE;

/// What `demo` says in a build without the `sandbox` feature (the container image is one).
pub const DEMO_NOT_BUILT: &str = "this build has no demo: it was built without the `sandbox` feature, \
     as the container image is. Run the demo from a checkout: `cargo run --release -- demo`.";

/// Coupa requisition approvals in Slack.
///
/// Configuration comes from the environment and from a `.env` file in the working directory
/// (the environment wins). See `.env.example` for every variable.
#[derive(Debug, Parser)]
#[command(name = "coupa-approvals", version, about, long_about)]
pub struct Cli {
    /// What to do; `run` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve: receive Slack requests, sync approvals from Coupa and deliver cards (the default).
    Run,
    /// Diagnose an installation: configuration, store, Coupa and Slack access, user mapping.
    /// Exits 0 when every check passes, 1 otherwise.
    Check {
        /// Print the results as JSON (for automation).
        #[arg(long)]
        json: bool,
    },
    /// Run the whole flow locally with a simulated Coupa, Slack and Microsoft Teams; no accounts or network needed.
    ///
    /// Serves a page that plays Slack at http://127.0.0.1:3000/demo, beside a simulated Coupa
    /// and the real bot, all in memory. BIND_ADDR (from the environment or .env) moves the page:
    /// BIND_ADDR=127.0.0.1:4000 serves http://127.0.0.1:4000/demo. Ctrl-C stops it.
    #[cfg_attr(
        not(feature = "sandbox"),
        command(
            about = "Run the whole flow locally with a simulated Coupa, Slack and Microsoft Teams (not in this build: it needs the `sandbox` feature)",
            long_about = None
        )
    )]
    Demo,
    /// Write the Teams app package (manifest and icons, zipped) to upload to Microsoft Teams.
    ///
    /// Fills the manifest with the bot's MICROSOFT_APP_ID (from the environment or .env) and the
    /// host given with --domain (else PUBLIC_URL's host), whose messaging endpoint
    /// https://HOST/api/messages is the one set on the Azure Bot resource. Exits 0 when written, 2 on a configuration error, 1
    /// otherwise.
    TeamsPackage {
        /// The host name Teams reaches the bot at, like approvals.example.com; without it, the host
        /// of PUBLIC_URL.
        #[arg(long, value_name = "HOST")]
        domain: Option<String>,
        /// Where to write the zip.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_PACKAGE_FILE)]
        out: PathBuf,
    },
}

impl Cli {
    /// The subcommand to run, defaulting to `run`.
    pub fn command(&self) -> Command {
        self.command.clone().unwrap_or(Command::Run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn no_subcommand_means_run() {
        let cli = Cli::try_parse_from(["coupa-approvals"]).unwrap();
        assert_eq!(cli.command(), Command::Run);
    }

    #[test]
    fn each_subcommand_parses() {
        for (word, command) in [
            ("run", Command::Run),
            ("check", Command::Check { json: false }),
            ("demo", Command::Demo),
        ] {
            let cli = Cli::try_parse_from(["coupa-approvals", word]).unwrap();
            assert_eq!(cli.command(), command);
        }
    }

    #[test]
    fn check_takes_a_json_flag() {
        let cli = Cli::try_parse_from(["coupa-approvals", "check", "--json"]).unwrap();
        assert_eq!(cli.command(), Command::Check { json: true });
    }

    #[test]
    fn teams_package_takes_a_domain_and_writes_beside_the_working_directory_by_default() {
        assert_eq!(
            Cli::try_parse_from(["coupa-approvals", "teams-package"])
                .unwrap()
                .command(),
            Command::TeamsPackage {
                domain: None,
                out: PathBuf::from("coupa-approvals-teams.zip"),
            }
        );
        let cli = Cli::try_parse_from([
            "coupa-approvals",
            "teams-package",
            "--domain",
            "approvals.example.com",
        ])
        .unwrap();
        assert_eq!(
            cli.command(),
            Command::TeamsPackage {
                domain: Some("approvals.example.com".into()),
                out: PathBuf::from("coupa-approvals-teams.zip"),
            }
        );
        let cli = Cli::try_parse_from([
            "coupa-approvals",
            "teams-package",
            "--domain",
            "approvals.example.com",
            "--out",
            "/tmp/app.zip",
        ])
        .unwrap();
        assert!(
            matches!(cli.command(), Command::TeamsPackage { out, .. } if out == Path::new("/tmp/app.zip"))
        );
    }

    #[test]
    fn unknown_subcommand_is_an_error() {
        assert!(Cli::try_parse_from(["coupa-approvals", "deploy"]).is_err());
    }
}
