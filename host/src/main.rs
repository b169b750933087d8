//! The `switchyard` binary: parses the command line, sets up logging and maps errors to exit
//! codes (0 success, 1 a failed record or check, 2 usage or configuration).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Parser;
use switchyard::cli::{self, Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

/// The allocator `switchyard` runs with (mimalloc: the per-record path allocates many small
/// values).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        EnvFilter::try_from_env("SWITCHYARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    let result = match &cli.command {
        Command::Apply(args) => cli::apply(args).map(|_| ()),
        Command::Replay(args) => match stop_on_signals() {
            Ok(shutdown) => cli::replay(args, shutdown).map(|_| ()),
            Err(code) => return code,
        },
        Command::Validate(args) => cli::validate(args).map(|message| println!("{message}")),
        Command::New(args) => cli::new_project(args).map(|message| println!("{message}")),
        Command::Schema(command) => cli::schema(command),
        Command::Run(args) => {
            // SIGTERM / SIGINT set the flag; the runner drains, commits and returns.
            let shutdown = match stop_on_signals() {
                Ok(shutdown) => shutdown,
                Err(code) => return code,
            };
            // SIGHUP rebuilds the chain from its component files.
            let reload = Arc::new(AtomicBool::new(false));
            if let Err(e) =
                signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&reload))
            {
                eprintln!("error: cannot handle signal SIGHUP: {e}");
                return ExitCode::from(2);
            }
            cli::run(args, shutdown, reload).map(|_| ())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// A flag SIGTERM and SIGINT set: the command finishes what it wrote, commits and returns.
fn stop_on_signals() -> Result<Arc<AtomicBool>, ExitCode> {
    let shutdown = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&shutdown)) {
            eprintln!("error: cannot handle signal {signal}: {e}");
            return Err(ExitCode::from(2));
        }
    }
    Ok(shutdown)
}
