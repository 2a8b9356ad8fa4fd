//! The compiled program's command line (RUNTIME.md §5): `exec`, `serve`, `runs`, `show`,
//! `replay`, with `--store`, `--sandbox`, `--fixture`, `--sandbox-url` and `--log-format`.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{App, Options, RuntimeError, StartError, StoreChoice};
use crate::connector::{Env, Json};
use crate::store::RunStatus;

/// A compiled HandledScript program.
#[derive(Debug, Parser)]
#[command(about = "A compiled HandledScript program: runs its workflows durably.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The store: a SQLite file (`PATH` or `sqlite:PATH`; default ./handled.db; with
    /// --sandbox and no --store, a throwaway in-memory one), or a PostgreSQL database
    /// (`postgres://USER@HOST/DB` or `postgresql://…`) that any number of processes on any
    /// number of hosts share: each run is taken by one process under a lease, and a run whose
    /// process died is taken over once its lease runs out (30 s; HANDLED_STORE_LEASE_MS).
    #[arg(long, global = true)]
    store: Option<String>,
    /// Every connector talks to an in-process emulator of its API.
    #[arg(long, global = true)]
    sandbox: bool,
    /// The fixture seeding the emulators: per channel its catalog and stock, and an optional
    /// `"env"` object of variables. With --sandbox-url, the fixture the server was started
    /// with: its `env`, and the credentials and webhook secrets of its emulators.
    #[arg(long, global = true, value_name = "FILE")]
    fixture: Option<std::path::PathBuf>,
    /// Every connector talks to the standalone emulator server at URL.
    #[arg(long, global = true, value_name = "URL")]
    sandbox_url: Option<String>,
    /// How logs are written (to standard error).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Whether calls of one op from concurrent runs are sent as the API's bulk call where it
    /// has one (Shopify, Amazon, eBay, Segment writes): `on` (default) or `off`.
    #[arg(long, global = true, value_enum, default_value_t = Bulk::On)]
    bulk: Bulk,
    /// How long the first call of a bulk request waits for others, in milliseconds (default 0:
    /// calls gather only while earlier requests of their op are in flight).
    #[arg(long, global = true, value_name = "MS", default_value_t = 0)]
    bulk_window_ms: u64,
    /// How many bulk requests of one op may be in flight at once.
    #[arg(long, global = true, value_name = "N", default_value_t = 4)]
    bulk_in_flight: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Bulk {
    On,
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs one event (or one cron tick) to the end in the foreground and prints the run as JSON.
    Exec {
        /// The workflow.
        workflow: String,
        /// The event's payload, a JSON file (for a cron workflow: optional).
        #[arg(long, value_name = "FILE")]
        event: Option<std::path::PathBuf>,
    },
    /// Serves webhooks, fires schedules and runs workers until SIGTERM. The admin endpoints
    /// (`/metrics`, `/admin/runs`, `/admin/runs/ID`, `POST /admin/runs/ID/replay`,
    /// `POST /admin/replay-dead`) are open on a loopback address; otherwise they need
    /// `Authorization: Bearer $HANDLED_ADMIN_TOKEN`.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Runs in parallel (of different keys).
        #[arg(long, default_value_t = 128)]
        workers: usize,
        /// Days to keep finished runs (dead runs are kept until replayed); 0 keeps all.
        #[arg(long, default_value_t = 30)]
        retain_days: u32,
        /// Hold a webhook's answer (its event already stored), for up to a second, while more
        /// than this many runs wait: senders that wait for answers then slow down to the pace
        /// runs are finished at. Unset: answer at once, however long the queue.
        #[arg(long, value_name = "RUNS")]
        max_backlog: Option<u64>,
    },
    /// Lists runs, newest first.
    Runs {
        /// Only runs of this status (queued, running, completed, skipped, failed, partial).
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print a JSON array (without payloads) instead of one line per run.
        #[arg(long)]
        json: bool,
    },
    /// Shows one run step by step, with inputs, outputs, errors and calls.
    Show {
        /// The run id.
        run: String,
    },
    /// Re-runs a failed run from its failed step, reusing finished steps.
    Replay {
        /// The run id.
        run: Option<String>,
        /// Re-runs every dead run.
        #[arg(long)]
        dead: bool,
    },
}

/// The program's entry point: `fn main() -> ExitCode { handled_runtime::main(gen::register) }`.
/// Exits 0 on success (`exec`: the run `completed` or `skipped`), 1 when a run did not
/// succeed, 2 on a usage or configuration error.
pub fn main(register: fn(&mut App)) -> ExitCode {
    handled_alloc::init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.log_format, matches!(cli.command, Command::Serve { .. }));
    let mut app = App::new();
    register(&mut app);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(app, cli))
}

fn init_logging(format: LogFormat, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if serving { "info" } else { "warn" };
    let env = Env::from_process();
    let filter = env.get("HANDLED_LOG").or_else(|| env.get("RUST_LOG"));
    let filter =
        EnvFilter::try_new(filter.unwrap_or(default)).unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn read_json(path: &std::path::Path, what: &str) -> Result<Json, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("the {what} {} is not JSON: {e}", path.display()))
}

fn print_json(value: &Json) {
    use std::io::Write;
    match serde_json::to_string_pretty(value) {
        // A closed pipe (`prog exec … | head`) is not an error worth a panic.
        Ok(text) => {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        Err(e) => eprintln!("error: cannot print the run: {e}"),
    }
}

async fn run(app: App, cli: Cli) -> ExitCode {
    let fixture = match &cli.fixture {
        Some(path) => match read_json(path, "fixture") {
            Ok(f) => Some(f),
            Err(e) => return usage(e),
        },
        None => None,
    };
    if fixture.is_some() && !cli.sandbox && cli.sandbox_url.is_none() {
        return usage("--fixture needs --sandbox or --sandbox-url");
    }
    let store = match (&cli.store, cli.sandbox) {
        (Some(spec), _) => spec.clone(),
        (None, true) => ":memory:".to_string(),
        (None, false) => "./handled.db".to_string(),
    };
    let mut options = Options::new(StoreChoice::Spec(store), Env::from_process());
    options.sandbox = cli.sandbox;
    options.fixture = fixture;
    options.sandbox_url = cli.sandbox_url.clone();
    options.bulk = crate::bulk::BulkSettings {
        enabled: cli.bulk == Bulk::On,
        window: std::time::Duration::from_millis(cli.bulk_window_ms),
        in_flight: cli.bulk_in_flight.max(1),
    };
    let event = match &cli.command {
        Command::Exec { workflow, event } => {
            options.only = Some(vec![workflow.clone()]);
            match event {
                Some(path) => match read_json(path, "event file") {
                    Ok(e) => Some(e),
                    Err(e) => return usage(e),
                },
                None => None,
            }
        }
        Command::Runs { .. } | Command::Show { .. } => {
            options.inspect_only = true;
            None
        }
        _ => None,
    };
    let runtime = match app.start(options).await {
        Ok(rt) => rt,
        Err(StartError::Usage(e) | StartError::Config(e)) => return usage(e),
    };
    match cli.command {
        Command::Exec { workflow, .. } => match runtime.exec(&workflow, event).await {
            Ok(outcome) => {
                print_json(&outcome.report);
                if outcome.status.is_success() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => failure(e),
        },
        Command::Serve {
            listen,
            workers,
            retain_days,
            max_backlog,
        } => match crate::server::serve(runtime, &listen, workers.max(1), retain_days, max_backlog)
            .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
        Command::Runs {
            status,
            limit,
            json,
        } => {
            let status = match status.as_deref().map(|s| (s, RunStatus::parse(s))) {
                None => None,
                Some((_, Some(s))) => Some(s),
                Some((s, None)) => return usage(format!("unknown status `{s}`")),
            };
            match runtime.store().runs(status, limit).await {
                Ok(runs) if json => {
                    let list: Vec<Json> = runs.iter().map(crate::admin::run_summary).collect();
                    print_json(&runtime.redact_for_display(&Json::Array(list)));
                    ExitCode::SUCCESS
                }
                Ok(runs) => {
                    for r in runs {
                        let started = r
                            .started_at_ms
                            .map(crate::clock::iso_ms)
                            .unwrap_or_else(|| "-".to_string());
                        let dead = if r.dead { " dead" } else { "" };
                        println!(
                            "{}  {:<9} {}  attempt {}  key {}  started {}{}",
                            r.id,
                            r.status.as_str(),
                            r.workflow,
                            r.attempt,
                            r.key.as_deref().unwrap_or("-"),
                            started,
                            dead
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => failure(e.into()),
            }
        }
        Command::Show { run } => match runtime.show(&run).await {
            Ok(report) => {
                print_json(&report);
                ExitCode::SUCCESS
            }
            Err(e) => failure(e),
        },
        Command::Replay { run, dead } => match (run, dead) {
            (Some(run), false) => match runtime.replay(&run).await {
                Ok(outcome) => {
                    print_json(&outcome.report);
                    if outcome.status.is_success() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => failure(e),
            },
            (None, true) => match runtime.replay_dead().await {
                Ok(outcomes) => {
                    let reports: Vec<Json> = outcomes.iter().map(|o| o.report.clone()).collect();
                    print_json(&Json::Array(reports));
                    if outcomes.iter().all(|o| o.status.is_success()) {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => failure(e),
            },
            _ => usage("replay takes a run id or --dead"),
        },
    }
}

fn failure(e: RuntimeError) -> ExitCode {
    match e {
        RuntimeError::Usage(message) => usage(message),
        other => {
            eprintln!("error: {other}");
            ExitCode::from(1)
        }
    }
}
