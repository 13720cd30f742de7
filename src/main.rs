//! `coupa-approvals`: parse the command line, load configuration, start telemetry, hand over to
//! the library. Exit codes: 0 ok, 2 configuration error, 1 anything else.

use std::process::ExitCode;

use clap::Parser;
use coupa_approvals::cli::{Cli, Command};
use coupa_approvals::config::Settings;
use coupa_approvals::{app, check, teams_package, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // A missing .env is normal; variables already in the environment win over the file.
    let _ = dotenvy::dotenv();
    // `check` reports the store's and the Coupa client's warnings itself: not twice.
    let quiet = match cli.command() {
        Command::Check { .. } => check::REPORTED_LOG_TARGETS,
        Command::Run | Command::Demo | Command::TeamsPackage { .. } => &[],
    };
    telemetry::init_logging_quieting(Settings::log_format_from_env(), quiet);
    telemetry::init_metrics();

    match cli.command() {
        Command::Run => {
            let settings = match Settings::from_env() {
                Ok(settings) => settings,
                Err(err) => {
                    eprintln!("{err}");
                    return ExitCode::from(2);
                }
            };
            match app::run(settings).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    tracing::error!(error = %telemetry::chain(&err), "coupa-approvals stopped");
                    eprintln!("error: {}", telemetry::chain(&err));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check { json } => {
            if check::run_from_env(json).await {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Demo => demo().await,
        Command::TeamsPackage { domain, out } => {
            let lookup = |name: &str| std::env::var(name).ok();
            match teams_package::write_from_lookup(&lookup, domain.as_deref(), &out) {
                Ok((app_id, host)) => {
                    println!(
                        "Wrote {} for app {app_id} at {host}. Set the Azure Bot resource's messaging endpoint to {}, then upload the package in the Teams admin center under Teams apps > Manage apps.",
                        out.display(),
                        host.messaging_endpoint()
                    );
                    ExitCode::SUCCESS
                }
                Err(err) if err.is_configuration() => {
                    eprintln!("{err}");
                    ExitCode::from(2)
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `demo`: the simulated world and the real app in one process.
#[cfg(feature = "sandbox")]
async fn demo() -> ExitCode {
    use coupa_approvals::demo;

    let options = match demo::DemoOptions::from_env() {
        Ok(options) => options,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    match demo::run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `demo` in a build without the simulated world: say how to get it.
#[cfg(not(feature = "sandbox"))]
async fn demo() -> ExitCode {
    eprintln!("error: {}", coupa_approvals::cli::DEMO_NOT_BUILT);
    ExitCode::FAILURE
}
