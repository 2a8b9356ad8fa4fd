//! `handled-sandbox`: serves every channel's emulator on one port
//! (`handled-sandbox --listen ADDR --fixture FILE [--state FILE]`), feeds a served program a
//! stream of signed webhooks (`handled-sandbox feed …`), or prints a fixture's environment
//! (`handled-sandbox env --fixture FILE`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use handled_connector_core::Json;
use handled_sandbox::{Emulators, feed, persist, server};

/// Every channel's API emulator on one port, and a feeder of signed webhooks.
#[derive(Debug, Parser)]
#[command(name = "handled-sandbox", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: String,
    /// The fixture seeding the emulators (per channel its catalog and stock).
    #[arg(long, value_name = "FILE")]
    fixture: Option<PathBuf>,
    /// Keep the stock here: loaded at start when it exists (in place of the fixture), written
    /// every few seconds and on SIGTERM/SIGINT.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sends a stream of signed webhooks to a served program, waits for its runs, and shows
    /// each channel's stock per SKU converging. Exit 0 when every channel agrees.
    Feed {
        /// The sandbox server's URL.
        #[arg(long)]
        sandbox: String,
        /// The served program's URL.
        #[arg(long)]
        program: String,
        /// How many deliveries.
        #[arg(long, default_value_t = 300)]
        events: usize,
        /// Over how many seconds.
        #[arg(long, default_value_t = 25.0)]
        seconds: f64,
        /// Seed of the stream.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// The program's path for warehouse webhooks.
        #[arg(long, default_value = "/hooks/wms")]
        wms_path: String,
        /// The program's path for Shopify webhooks.
        #[arg(long, default_value = "/hooks/ShopifyToWmsSync")]
        shopify_path: String,
        /// Do not inject 429s on Shopify half way through.
        #[arg(long)]
        no_faults: bool,
        /// Wait for every run to finish before the final burst.
        #[arg(long)]
        settle_before_final: bool,
        /// Seconds to wait for every run to finish.
        #[arg(long, default_value_t = 180)]
        wait: u64,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Prints the `env` object of a fixture as `NAME=VALUE` lines, then the credentials and
    /// webhook secrets of the emulators it seeds (those the `env` object does not set).
    Env {
        /// The fixture.
        #[arg(long, value_name = "FILE")]
        fixture: PathBuf,
    },
}

fn read_json(path: &Path) -> Result<Json> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

async fn serve(args: ServeArgs) -> Result<()> {
    let fixture = match &args.fixture {
        Some(path) => read_json(path)?,
        None => Json::Object(Default::default()),
    };
    let seed = match &args.state {
        Some(path) if path.exists() => {
            read_json(path).with_context(|| "cannot load the saved state".to_string())?
        }
        _ => fixture.clone(),
    };
    let emulators = Emulators::new(&seed).await.map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let sandbox = server::serve(listener, emulators)?;
    eprintln!("handled-sandbox: listening on {}", sandbox.url);
    let save = |sandbox: &server::Sandbox| -> Result<()> {
        if let Some(path) = &args.state {
            let snapshot = persist::snapshot(&seed, &sandbox.state());
            persist::write(path, &snapshot)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = tick.tick() => {
                if let Err(e) = save(&sandbox) {
                    eprintln!("handled-sandbox: {e:#}");
                }
            }
        }
    }
    save(&sandbox)?;
    eprintln!("handled-sandbox: stopped");
    Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => serve(cli.serve).await.map(|()| ExitCode::SUCCESS),
        Some(Command::Env { fixture }) => {
            let fixture = read_json(&fixture)?;
            for (name, value) in server::sandbox_env(&fixture) {
                if value.contains('\n') {
                    bail!("the value of {name} spans lines");
                }
                println!("{name}={value}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Feed {
            sandbox,
            program,
            events,
            seconds,
            seed,
            wms_path,
            shopify_path,
            no_faults,
            settle_before_final,
            wait,
            quiet,
        }) => {
            let mut options = feed::Options::new(&sandbox, &program);
            options.events = events;
            options.duration = Duration::from_secs_f64(seconds.max(0.0));
            options.seed = seed;
            options.wms_path = wms_path;
            options.shopify_path = shopify_path;
            options.faults = !no_faults;
            options.settle_before_final = settle_before_final;
            options.wait = Duration::from_secs(wait);
            options.progress = !quiet;
            let report = feed::run(options).await.map_err(anyhow::Error::msg)?;
            print!("{}", feed::render(&report));
            Ok(if report.converged() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

#[global_allocator]
static ALLOCATOR: handled_alloc::Allocator = handled_alloc::Allocator;

#[tokio::main]
async fn main() -> ExitCode {
    handled_alloc::init();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    handled_connector_core::http::install_crypto_provider();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("handled-sandbox: {e:#}");
            ExitCode::from(2)
        }
    }
}
