//! Command line: `coupa-approvals [run] | check | demo`.

use clap::{Parser, Subcommand};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
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
    /// Run the whole flow locally with a simulated Coupa and Slack; no accounts or network needed.
    ///
    /// Serves a page that plays Slack at http://127.0.0.1:3000/demo, beside a simulated Coupa
    /// and the real bot, all in memory. BIND_ADDR (from the environment or .env) moves the page:
    /// BIND_ADDR=127.0.0.1:4000 serves http://127.0.0.1:4000/demo. Ctrl-C stops it.
    #[cfg_attr(
        not(feature = "sandbox"),
        command(
            about = "Run the whole flow locally with a simulated Coupa and Slack (not in this build: it needs the `sandbox` feature)",
            long_about = None
        )
    )]
    Demo,
}

impl Cli {
    /// The subcommand to run, defaulting to `run`.
    pub fn command(&self) -> Command {
        self.command.unwrap_or(Command::Run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn unknown_subcommand_is_an_error() {
        assert!(Cli::try_parse_from(["coupa-approvals", "deploy"]).is_err());
    }
}
