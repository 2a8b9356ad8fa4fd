//! The recount: N SKUs change in the warehouse at once (one signed `stock.updated` webhook per
//! SKU, from many senders), and pattern 2 fans them out to Shopify, Amazon and eBay under the
//! APIs' own limits: Shopify's cost bucket of a plan, Amazon's usage plans (listings patches at
//! 5 a second, feeds at 15 then one every two minutes, each processed [`FEED_DELAY`] after it
//! was created), eBay's 25 SKUs per `bulkUpdatePriceQuantity` and the connector's 20 calls a
//! second, Segment's 200 a second.
//!
//! Per channel it reports the time from the first webhook until the emulator holds every new
//! quantity, the requests spent (and Shopify's cost points), and the quota-bound time: the least
//! time the emulator's own limits allow for the writes, computed from those limits (see
//! [`quota_bound`]).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{Value, json};

use crate::emulators::{Emulators, fixture};
use crate::program::Program;
use crate::webhooks::{self, Sender};

const PREFIX: &str = "RC";

/// How long Amazon's emulator takes to process a listings feed (real feeds take minutes; this
/// is short enough for a benchmark and long enough to dominate a feed's requests).
pub const FEED_DELAY: Duration = Duration::from_secs(30);

/// SKU `i`, as [`fixture`] names it.
fn sku(i: usize) -> String {
    format!("{PREFIX}-{i:04}")
}

/// What the warehouse reports for SKU `i`.
fn quantity(i: usize) -> i64 {
    1_000 + i as i64
}

/// Pattern 2's allocation of a warehouse quantity: (Shopify, Amazon, eBay).
fn allocation(q: i64) -> (i64, i64, i64) {
    let q = q as f64;
    (
        (q * 0.6).floor() as i64,
        (q * 0.3).floor() as i64,
        (q * 0.1).floor() as i64,
    )
}

/// One recount to measure.
#[derive(Clone, Debug)]
pub struct Recount {
    /// SKUs changed at once.
    pub skus: usize,
    /// Shopify's plan (`standard`, `plus`, …).
    pub plan: String,
    /// The program's `--bulk`.
    pub bulk: bool,
    /// Concurrent senders of the webhooks.
    pub senders: usize,
    /// The program's `--workers`.
    pub workers: usize,
    /// Give up after this long.
    pub timeout: Duration,
}

/// One channel's part of a recount.
#[derive(Clone, Debug)]
pub struct Channel {
    /// `shopify`, `amazon`, `ebay`.
    pub name: &'static str,
    /// Seconds from the first webhook until the emulator held every new quantity (None: not
    /// within the timeout).
    pub converged_s: Option<f64>,
    /// Requests the channel answered, and how many of them it refused for its limits.
    pub requests: u64,
    /// Requests refused with a throttle.
    pub throttled: u64,
    /// Shopify: cost points charged (requested) and actually spent.
    pub cost: Option<(f64, f64)>,
    /// The least time the channel's limits allow for these writes, in seconds.
    pub bound_s: f64,
    /// The same in the workflow's step order ([`ordered_bound`]).
    pub ordered_s: f64,
}

/// A measured recount.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// What was measured.
    pub recount: Recount,
    /// Seconds until every webhook was acknowledged.
    pub acknowledged_s: f64,
    /// Per channel.
    pub channels: Vec<Channel>,
    /// The program's peak RSS.
    pub peak_rss_kib: Option<u64>,
}

/// The least time each channel's limits allow for writing `skus` quantities, in seconds:
///
/// - Shopify (bucket `maximum`, `rate` points a second): a plain set needs each SKU's inventory
///   item (a search of 50 SKUs asking for ids: 2 + 50 points, by the emulator's rules for the
///   connector's query) and one `inventorySetQuantities` per 250 (16 points requested); the
///   bucket's content is free, the rest comes at the restore rate.
/// - Amazon: one feed of up to 25,000 messages, processed [`FEED_DELAY`] after its creation
///   (its few requests are within their bursts).
/// - eBay: one `bulkUpdatePriceQuantity` per 25 SKUs and one offer lookup per SKU, at the
///   connector's 20 calls a second (burst 20).
///
/// Shopify's bound is the lesser of two ways to learn the items: the searches above, or one
/// bulk query operation that reads the catalog (about 12 points, a few polls, and the run time
/// the emulator gives an operation of `skus` objects, [`shopify_bulk_run_time`]), whichever
/// the limits allow sooner.
pub fn quota_bound(skus: usize, maximum: f64, rate: f64) -> [(&'static str, f64); 3] {
    let n = skus as f64;
    let writes = (n / 250.0).ceil() * 16.0;
    let searched_points = (n / 50.0).ceil() * (2.0 + 50.0) + writes;
    let searched = ((searched_points - maximum).max(0.0)) / rate;
    let catalog_points = 12.0 + 5.0 * 3.0 + writes;
    let catalog = shopify_bulk_run_time(skus).max(((catalog_points - maximum).max(0.0)) / rate);
    let shopify = searched.min(catalog);
    let amazon = (n / 25_000.0).ceil() * FEED_DELAY.as_secs_f64();
    let ebay = (((n / 25.0).ceil() + n - 20.0).max(0.0)) / 20.0;
    [("shopify", shopify), ("amazon", amazon), ("ebay", ebay)]
}

/// How long the Shopify emulator (with the bench's fixture) runs a bulk operation that reads
/// `skus` items.
pub fn shopify_bulk_run_time(skus: usize) -> f64 {
    handled_shopify::emulator::bulk::run_time(&Value::Null, skus as u64)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The least time each channel's limits allow in pattern 2's step order (Shopify, then Amazon,
/// then eBay: a run writes a channel only after the one before it), from [`quota_bound`]'s
/// `own` bounds: a channel is done no sooner than the one before it plus its own last request
/// (Amazon: one feed's processing; eBay: one offer lookup and one bulk update of 25), nor
/// sooner than its own bound after the first SKUs reached it (Amazon's first ones at once,
/// eBay's after Amazon's first feed).
pub fn ordered_bound(own: [(&'static str, f64); 3]) -> [(&'static str, f64); 3] {
    let feed = FEED_DELAY.as_secs_f64();
    let shopify = own[0].1;
    let amazon = (shopify + feed).max(own[1].1);
    let ebay_last = 26.0 / 20.0;
    let ebay = (amazon + ebay_last).max(feed + own[2].1);
    [("shopify", shopify), ("amazon", amazon), ("ebay", ebay)]
}

/// Whether `state` (the emulators' `/_state`) holds every SKU's new quantity at `channel`.
fn converged(channel: &str, state: &Value, skus: usize) -> bool {
    (0..skus).all(|i| {
        let (shopify, amazon, ebay) = allocation(quantity(i));
        let s = sku(i);
        match channel {
            "shopify" => state["shopify"]["inventory"][&s]["available"].as_i64() == Some(shopify),
            "amazon" => state["amazon"]["items"][&s]["quantity"].as_i64() == Some(amazon),
            _ => state["ebay"]["items"][&s]["quantity"].as_i64() == Some(ebay),
        }
    })
}

/// Runs one recount with the pattern 2 program `binary`.
pub async fn measure(recount: &Recount, binary: &Path, dir: &Path) -> anyhow::Result<Outcome> {
    let n = recount.skus;
    let mut fixture = fixture(PREFIX, n);
    // The APIs' own limits: Shopify's plan instead of the lifted bucket.
    if let Some(shopify) = fixture["shopify"].as_object_mut() {
        shopify.remove("throttle");
        shopify.insert("plan".into(), json!(recount.plan));
    }
    fixture["amazon"]["feedDelayMs"] = json!(FEED_DELAY.as_millis() as u64);
    let emulators = Emulators::start(&fixture).await?;
    let state = emulators.state();
    let maximum = state["shopify"]["bucket"]["maximumAvailable"]
        .as_f64()
        .unwrap_or(1000.0);
    let rate = state["shopify"]["bucket"]["restoreRate"]
        .as_f64()
        .unwrap_or(100.0);

    std::fs::create_dir_all(dir)?;
    let mut program = Program::new(
        binary,
        &dir.join("handled.db"),
        &emulators.url,
        recount.workers,
        dir,
    )?;
    program.args = vec![
        "--bulk".into(),
        if recount.bulk { "on" } else { "off" }.into(),
    ];
    program.start().await?;
    let sender = Sender::new(&program.base_url())?;

    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..recount.senders {
        let sender = sender.clone();
        let senders = recount.senders;
        tasks.push(tokio::spawn(async move {
            for i in (s..n).step_by(senders) {
                let d = webhooks::wms_stock(
                    &format!("rc-{i:06}"),
                    &sku(i),
                    quantity(i),
                    &webhooks::event_time(i as u64),
                );
                sender
                    .deliver(&d, Duration::from_millis(50), Duration::from_secs(120))
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let acknowledged_s = started.elapsed().as_secs_f64();

    let names = ["shopify", "amazon", "ebay"];
    let mut converged_at: [Option<f64>; 3] = [None; 3];
    let deadline = started + recount.timeout;
    let mut last_report = Instant::now();
    while converged_at.iter().any(Option::is_none) && Instant::now() < deadline {
        let state = emulators.state();
        for (k, name) in names.iter().enumerate() {
            if converged_at[k].is_none() && converged(name, &state, n) {
                converged_at[k] = Some(started.elapsed().as_secs_f64());
            }
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            eprintln!(
                "  … {:.0} s: converged {:?}",
                started.elapsed().as_secs_f64(),
                converged_at
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let state = emulators.state();
    let peak_rss_kib = program.peak_rss_kib();
    let log = program.log_tail();
    program.stop()?;
    if converged_at.iter().all(Option::is_none) {
        bail!(
            "no channel converged within {:?}; log:\n{log}",
            recount.timeout
        );
    }
    let bounds = quota_bound(n, maximum, rate);
    let ordered = ordered_bound(bounds);
    let counter = |v: &Value| v.as_u64().unwrap_or(0);
    let shopify_requests: u64 = state["shopify"]["ops"]
        .as_object()
        .map_or(0, |ops| ops.values().map(|o| counter(&o["received"])).sum());
    let amazon = &state["amazon"]["requests"];
    let amazon_requests: u64 = amazon
        .as_object()
        .map_or(0, |ops| ops.values().map(|o| counter(&o["received"])).sum());
    let amazon_throttled: u64 = amazon.as_object().map_or(0, |ops| {
        ops.values().map(|o| counter(&o["throttled"])).sum()
    });
    let channels = vec![
        Channel {
            name: "shopify",
            converged_s: converged_at[0],
            requests: shopify_requests,
            throttled: 0,
            cost: Some((
                state["shopify"]["cost"]["requested"]
                    .as_f64()
                    .unwrap_or(0.0),
                state["shopify"]["cost"]["actual"].as_f64().unwrap_or(0.0),
            )),
            bound_s: bounds[0].1,
            ordered_s: ordered[0].1,
        },
        Channel {
            name: "amazon",
            converged_s: converged_at[1],
            requests: amazon_requests,
            throttled: amazon_throttled,
            cost: None,
            bound_s: bounds[1].1,
            ordered_s: ordered[1].1,
        },
        Channel {
            name: "ebay",
            converged_s: converged_at[2],
            requests: counter(&state["ebay"]["calls"]["today"]),
            throttled: 0,
            cost: None,
            bound_s: bounds[2].1,
            ordered_s: ordered[2].1,
        },
    ];
    Ok(Outcome {
        recount: recount.clone(),
        acknowledged_s,
        channels,
        peak_rss_kib,
    })
}

/// The table of recounts, as BENCHMARKS.md shows it.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "| SKUs | Shopify plan | bulk | channel | converged s | quota-bound s (own / in step order) | ratio to step-order bound | requests | throttled | Shopify points charged / spent | acknowledged s | peak RSS MiB |\n\
         | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for o in outcomes {
        for c in &o.channels {
            let converged = c
                .converged_s
                .map_or("not within the timeout".to_string(), |s| format!("{s:.1}"));
            let ratio = match c.converged_s {
                Some(s) if c.ordered_s > 0.0 => format!("{:.2}", s / c.ordered_s),
                _ => "-".to_string(),
            };
            let cost = c
                .cost
                .map_or("-".to_string(), |(r, a)| format!("{r:.0} / {a:.0}"));
            out.push_str(&format!(
                "| {} | {} | {} | {} | {converged} | {:.1} / {:.1} | {ratio} | {} | {} | {cost} | {:.1} | {} |\n",
                o.recount.skus,
                o.recount.plan,
                if o.recount.bulk { "on" } else { "off" },
                c.name,
                c.bound_s,
                c.ordered_s,
                c.requests,
                c.throttled,
                o.acknowledged_s,
                o.peak_rss_kib
                    .map_or("-".to_string(), |k| format!("{:.1}", k as f64 / 1024.0)),
            ));
        }
    }
    out
}
