//! `handled-bench`: patterns 1 and 2 end to end through a compiled program's webhook server
//! (HMAC-signed deliveries), its SQLite journal and the API emulators over loopback.
//!
//! For each pattern and each number of concurrent senders, a fresh program (built with
//! `hs2rs build --release`) serves a fresh store; the senders deliver N events between them,
//! each waiting for its answer before sending the next (a sender owns its SKUs, so events of a
//! SKU arrive in order). Measured:
//!
//! - events/s: N over the time from the first delivery to the last event's last write;
//! - latency per event: from the moment its webhook was first sent to the moment the emulator
//!   answered the event's last write (pattern 1: the write to the other side; pattern 2: the
//!   `analytics.track` call, its last step). Writes are matched to events by the idempotency key
//!   `{run}:{step}` they carry (analytics: the `messageId` derived from it), the run id coming
//!   from the webhook's answer. Both instants are taken in this process, on one monotonic clock;
//! - acknowledged/s: how fast the webhooks alone were answered (each one a durable commit);
//! - the program's peak RSS (`VmHWM` in `/proc/PID/status`) at the end;
//! - CPU seconds of the programs, of the PostgreSQL server (when used) and of this process (its
//!   senders and the emulators it hosts) while measured, from `/proc`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use handled_bench::emulators::{Emulators, fixture, shopify_item_id};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Delivery, Sender};
use handled_contract::lock;

/// Measures compiled workflows end to end.
#[derive(Debug, Parser)]
struct Args {
    /// Events per measurement.
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Keep the APIs' own paces: Amazon's usage plan at the emulator (listings 5 requests a
    /// second), and the connectors' default client-side paces (eBay 20/s, Segment 200/s, the
    /// warehouse 10/s). Pattern 2 then runs at Amazon's 5 events/s and `--shopify-every`
    /// at the warehouse's 10: those rows measure the limits, not the runtime (use a few hundred
    /// events). By default the emulated Amazon grants 1,000,000 requests/s (the connector
    /// follows `x-amzn-RateLimit-Limit`) and the program gets `EBAY_RATE_LIMIT`,
    /// `SEGMENT_RATE_LIMIT` and `WMS_RATE_LIMIT` of 1000000/s.
    #[arg(long)]
    api_paces: bool,
    /// Numbers of concurrent senders, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    senders: Vec<usize>,
    /// Patterns to measure (1: bidirectional Shopify/WMS, 2: multichannel distribution).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    patterns: Vec<u8>,
    /// The program's `--workers`.
    #[arg(long, default_value_t = 128)]
    workers: usize,
    /// Pattern 1: every Nth event comes from Shopify (and is written to the warehouse); the
    /// others come from the warehouse. 0: none.
    #[arg(long, default_value_t = 0)]
    shopify_every: usize,
    /// Distinct SKUs the events are spread over (a multiple of every sender count).
    #[arg(long, default_value_t = 256)]
    skus: usize,
    /// Build the programs without optimizations.
    #[arg(long)]
    debug: bool,
    /// Use this program binary for pattern 1 instead of building it.
    #[arg(long, value_name = "FILE")]
    pattern1_program: Option<PathBuf>,
    /// Use this program binary for pattern 2 instead of building it.
    #[arg(long, value_name = "FILE")]
    pattern2_program: Option<PathBuf>,
    /// Offer events at this total rate (events/s, spread over the senders) instead of as fast
    /// as they are acknowledged: latency below saturation. 0: as fast as acknowledged.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// The program's `--bulk`: whether calls of one op from concurrent runs go as the API's
    /// bulk call (`on`) or each alone (`off`, the default: an event's latency ends at the write
    /// carrying its own idempotency key, which a bulk request does not).
    #[arg(long, default_value = "off", value_parser = ["on", "off"])]
    bulk: String,
    /// The recount instead of the patterns: this many SKUs change in the warehouse at once and
    /// pattern 2 writes them to Shopify, Amazon and eBay under the APIs' own limits (see
    /// `handled_bench::recount`). 0: no recount.
    #[arg(long, default_value_t = 0)]
    recount: usize,
    /// The recount's Shopify plans, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "standard,plus")]
    recount_plans: Vec<String>,
    /// The recount's `--bulk` settings, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "on,off")]
    recount_bulk: Vec<String>,
    /// The program's `--max-backlog` (unset: answers are never held).
    #[arg(long, value_name = "RUNS")]
    max_backlog: Option<u64>,
    /// Give up on a measurement after this many seconds.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
    /// A PostgreSQL database (`postgres://…`) to use as the store, a fresh schema per
    /// measurement; default: a SQLite file per measurement.
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// Numbers of `serve` processes sharing the store, comma-separated (more than one needs
    /// `--store postgres://…`); sender `n` sends to process `n % processes`.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    processes: Vec<usize>,
}

/// One measurement.
#[derive(Debug)]
struct Outcome {
    pattern: u8,
    processes: usize,
    senders: usize,
    events: usize,
    events_per_s: f64,
    acked_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    peak_rss_kib: Option<u64>,
    /// CPU time of the programs, and of the PostgreSQL server's processes, while measured.
    program_cpu_s: f64,
    database_cpu_s: Option<f64>,
    /// CPU time of the bench itself (senders and emulators) while measured.
    bench_cpu_s: f64,
}

/// CPU time (user + system) a process has used, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command (which may hold spaces) start after the last `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command.
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU time used by every `postgres` process on the machine, in seconds.
fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(cpu_seconds)
        .sum()
}

/// A fresh schema in the database `base` names; the store URL that uses it.
async fn fresh_schema(base: &str) -> anyhow::Result<String> {
    let schema = format!("bench_{:016x}", rand::random::<u64>());
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .context("cannot connect to the --store database")?;
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
        .await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

const PREFIX: &str = "BENCH";

/// Unless `--api-paces`: the requests a second the emulated Amazon grants and the program's
/// connectors are paced at (the variables of [`LIFTED_PACES`]).
const LIFTED_PER_SECOND: u32 = 1_000_000;
/// The connectors' pace variables lifted unless `--api-paces`.
const LIFTED_PACES: [&str; 3] = ["EBAY_RATE_LIMIT", "SEGMENT_RATE_LIMIT", "WMS_RATE_LIMIT"];

fn sku(i: usize) -> String {
    format!("{PREFIX}-{i:04}")
}

/// Event `i` of a pattern, and the key of its last write given its run id.
fn event(
    pattern: u8,
    i: usize,
    skus: usize,
    shopify_every: usize,
) -> (Delivery, fn(&str) -> String) {
    let s = i % skus;
    let at = webhooks::event_time(i as u64);
    if pattern == 2 {
        let d = webhooks::wms_stock(&format!("p2-{i:06}"), &sku(s), (i + 1) as i64, &at);
        return (d, |run| {
            handled_analytics::api::message_id(&format!("{run}:4"))
        });
    }
    // Pattern 1: Shopify reports odd quantities and the warehouse even ones, so that no event
    // is the echo of one of our writes.
    if shopify_every > 0 && i.is_multiple_of(shopify_every) {
        let d = webhooks::shopify_inventory(
            &format!("p1-shopify-{i:06}"),
            shopify_item_id(s),
            handled_shopify::emulator::DEFAULT_LOCATION_ID,
            (2 * i + 1) as i64,
            &at,
        );
        (d, |run| format!("{run}:1"))
    } else {
        let d = webhooks::wms_stock(&format!("p1-wms-{i:06}"), &sku(s), (2 * i) as i64, &at);
        (d, |run| format!("{run}:2"))
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn measure(
    args: &Args,
    pattern: u8,
    senders: usize,
    processes: usize,
    binary: &Path,
) -> anyhow::Result<Outcome> {
    if processes > 1 && args.store.is_none() {
        bail!("{processes} processes need --store postgres://…");
    }
    if !args.skus.is_multiple_of(senders) {
        bail!(
            "--skus {} is not a multiple of {senders} senders",
            args.skus
        );
    }
    let events = args.events;
    let mut fixture = fixture(PREFIX, args.skus);
    if !args.api_paces {
        let unbounded = serde_json::json!({"rate": LIFTED_PER_SECOND, "burst": 1_000_000});
        fixture["amazon"]["rateLimits"] = serde_json::json!({
            "getListingsItem": unbounded, "patchListingsItem": unbounded,
        });
    }
    let emulators = Emulators::start(&fixture).await?;
    let dir = std::env::temp_dir().join(format!(
        "handled-bench-{}-p{pattern}-s{senders}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let store = match &args.store {
        Some(base) => PathBuf::from(fresh_schema(base).await?),
        None => dir.join("handled.db"),
    };
    let mut programs = Vec::new();
    for n in 0..processes {
        let log_dir = dir.join(format!("p{n}"));
        std::fs::create_dir_all(&log_dir)?;
        let mut program = Program::new(binary, &store, &emulators.url, args.workers, &log_dir)?;
        if let Some(limit) = args.max_backlog {
            program.args = vec!["--max-backlog".into(), limit.to_string()];
        }
        program
            .args
            .extend(["--bulk".to_string(), args.bulk.clone()]);
        if !args.api_paces {
            for var in LIFTED_PACES {
                program
                    .env
                    .push((var.to_string(), format!("{LIFTED_PER_SECOND}/s")));
            }
        }
        program.start().await?;
        programs.push(program);
    }
    let program_senders = programs
        .iter()
        .map(|p| Sender::new(&p.base_url()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let database_cpu_before = args.store.as_ref().map(|_| postgres_cpu_seconds());
    let bench_cpu_before = cpu_seconds(std::process::id());

    // Per event: (first sent, key of its last write).
    let expected: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..senders {
        let sender = program_senders[n % processes].clone();
        let expected = Arc::clone(&expected);
        let (events, skus, every, rate) = (events, args.skus, args.shopify_every, args.rate);
        tasks.push(tokio::spawn(async move {
            for i in (n..events).step_by(senders) {
                if rate > 0.0 {
                    let due = started + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                let (delivery, last_write) = event(pattern, i, skus, every);
                let ack = sender
                    .deliver(
                        &delivery,
                        Duration::from_millis(10),
                        Duration::from_secs(60),
                    )
                    .await?;
                let Some(run) = ack.answer["runId"].as_str() else {
                    bail!("event {i} started no run: {}", ack.answer);
                };
                lock(&expected).insert(last_write(run), ack.first_sent);
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let acked_in = started.elapsed();

    // Wait for every event's last write.
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let expected = lock(&expected).clone();
    let mut last_report = Instant::now();
    let latencies = loop {
        let writes = emulators.recorder.writes();
        let mut done: HashMap<&str, Instant> = HashMap::new();
        for w in &writes {
            if w.status < 300 && expected.contains_key(w.base_key()) {
                done.insert(w.base_key(), w.at);
            }
        }
        if done.len() == expected.len() {
            let mut latencies: Vec<f64> = done
                .iter()
                .map(|(k, at)| at.duration_since(expected[*k]).as_secs_f64() * 1000.0)
                .collect();
            latencies.sort_by(f64::total_cmp);
            let last = done.values().max().copied().unwrap_or(started);
            break (latencies, last);
        }
        if Instant::now() > deadline {
            bail!(
                "only {} of {} events reached their last write in {} s; log:\n{}",
                done.len(),
                expected.len(),
                args.timeout,
                programs[0].log_tail()
            );
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "  … {} of {} events done after {:.0} s",
                done.len(),
                expected.len(),
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (latencies, last) = latencies;
    let peak_rss_kib = programs.iter().filter_map(Program::peak_rss_kib).max();
    let program_cpu_s = programs
        .iter()
        .filter_map(Program::pid)
        .map(cpu_seconds)
        .sum();
    let database_cpu_s = database_cpu_before.map(|before| postgres_cpu_seconds() - before);
    let bench_cpu_s = cpu_seconds(std::process::id()) - bench_cpu_before;
    for program in &mut programs {
        program.stop()?;
    }
    drop(programs);
    let _ = std::fs::remove_dir_all(&dir);
    let total = last.duration_since(started).as_secs_f64();
    Ok(Outcome {
        pattern,
        processes,
        senders,
        events,
        events_per_s: events as f64 / total,
        acked_per_s: events as f64 / acked_in.as_secs_f64(),
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        peak_rss_kib,
        program_cpu_s,
        database_cpu_s,
        bench_cpu_s,
    })
}

/// `--recount N`: pattern 2 for each plan and bulk setting.
async fn run_recounts(args: &Args, out_dir: &Path) -> anyhow::Result<()> {
    let binary = match &args.pattern2_program {
        Some(path) => path.clone(),
        None => {
            let path = out_dir.join("pattern2");
            eprintln!("building pattern 2 ({})", profile(args));
            program::build(
                &["examples/pattern2_multichannel_distribution.hs"],
                &path,
                !args.debug,
            )?;
            path
        }
    };
    let mut outcomes = Vec::new();
    for plan in &args.recount_plans {
        for bulk in &args.recount_bulk {
            let recount = handled_bench::recount::Recount {
                skus: args.recount,
                plan: plan.clone(),
                bulk: bulk == "on",
                senders: 64,
                workers: args.workers,
                timeout: Duration::from_secs(args.timeout),
            };
            eprintln!(
                "recount of {} SKUs, Shopify {plan}, --bulk {bulk}",
                args.recount
            );
            let dir = out_dir.join(format!("recount-{plan}-{bulk}"));
            let _ = std::fs::remove_dir_all(&dir);
            let outcome = handled_bench::recount::measure(&recount, &binary, &dir).await?;
            eprintln!("  {outcome:?}");
            outcomes.push(outcome);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let commit = command_output("git", &["rev-parse", "--short", "HEAD"])
        .unwrap_or_else(|| "unknown".to_string());
    println!(
        "Machine: {}; commit {commit}; pattern 2 built with hs2rs build{} ({}); --workers {}; \
         the APIs' own limits; SQLite store (WAL) on local disk.\n",
        machine(),
        if args.debug { "" } else { " --release" },
        profile(args),
        args.workers
    );
    print!("{}", handled_bench::recount::table(&outcomes));
    Ok(())
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(program::workspace_root())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{model}, {cores} cores, {mem_gib:.0} GiB")
}

async fn run(args: Args) -> anyhow::Result<()> {
    let root = program::workspace_root();
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    if args.recount > 0 {
        return run_recounts(&args, &out_dir).await;
    }
    let mut binaries = HashMap::new();
    for &pattern in &args.patterns {
        let (given, file) = match pattern {
            1 => (
                &args.pattern1_program,
                "examples/pattern1_bidirectional_shopify_wms.hs",
            ),
            2 => (
                &args.pattern2_program,
                "examples/pattern2_multichannel_distribution.hs",
            ),
            other => bail!("no pattern {other} (1 or 2)"),
        };
        let binary = match given {
            Some(path) => path.clone(),
            None => {
                let path = out_dir.join(format!("pattern{pattern}"));
                eprintln!("building {file} ({})", profile(&args));
                program::build(&[file], &path, !args.debug)
                    .with_context(|| format!("building pattern {pattern}"))?;
                path
            }
        };
        binaries.insert(pattern, binary);
    }
    let mut outcomes = Vec::new();
    for &pattern in &args.patterns {
        for &processes in &args.processes {
            for &senders in &args.senders {
                eprintln!("pattern {pattern}, {processes} process(es), {senders} senders …");
                let outcome =
                    measure(&args, pattern, senders, processes, &binaries[&pattern]).await?;
                eprintln!("  {outcome:?}");
                outcomes.push(outcome);
            }
        }
    }
    let commit = command_output("git", &["rev-parse", "--short", "HEAD"])
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = command_output("git", &["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    println!(
        "Machine: {}; commit {commit}{}; programs built with hs2rs build{} ({}); \
         events over {} SKUs, offered {}; pattern 1: {}; --workers {}{}, --bulk {}; {}; {}.\n",
        machine(),
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        },
        if args.debug { "" } else { " --release" },
        profile(&args),
        args.skus,
        if args.rate > 0.0 {
            format!("at {} events/s", args.rate)
        } else {
            "as fast as acknowledged".to_string()
        },
        match args.shopify_every {
            0 => "every event from the warehouse (written to Shopify)".to_string(),
            n => format!("every {n}th event from Shopify, the others from the warehouse"),
        },
        args.workers,
        args.max_backlog
            .map_or(String::new(), |n| format!(", --max-backlog {n}")),
        args.bulk,
        match &args.store {
            Some(_) => "PostgreSQL store (a fresh schema per measurement) on this machine",
            None => "SQLite store (WAL) on local disk",
        },
        if args.api_paces {
            "the APIs' own paces (Amazon's usage plan, the connectors' defaults)".to_string()
        } else {
            format!(
                "paces lifted (Amazon's emulator and {} at {LIFTED_PER_SECOND}/s)",
                LIFTED_PACES.join(", ")
            )
        }
    );
    println!(
        "| pattern | processes | senders | events | events/s | acknowledged/s | p50 ms | p99 ms | max ms | peak RSS MiB | program CPU s | database CPU s | bench CPU s |"
    );
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for o in &outcomes {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {:.1} | {} | {:.1} |",
            o.pattern,
            o.processes,
            o.senders,
            o.events,
            o.events_per_s,
            o.acked_per_s,
            o.p50_ms,
            o.p99_ms,
            o.max_ms,
            o.peak_rss_kib
                .map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0)),
            o.program_cpu_s,
            o.database_cpu_s
                .map_or("-".to_string(), |s| format!("{s:.1}")),
            o.bench_cpu_s
        );
    }
    Ok(())
}

fn profile(args: &Args) -> &'static str {
    if args.debug {
        "dev profile"
    } else {
        "release profile"
    }
}

#[global_allocator]
static ALLOCATOR: handled_alloc::Allocator = handled_alloc::Allocator;

fn main() -> ExitCode {
    handled_alloc::init();
    let args = Args::parse();
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
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
