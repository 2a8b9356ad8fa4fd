//! The stream of pattern 1 events the durability tests send (`kill9.rs`, `cluster.rs`), what
//! the channels must hold once it has been applied, the kill schedules' seed, and the wait for
//! a served program's runs to end, and the fixture change that lifts Amazon's paces.

#![allow(dead_code)]

use handled_bench::emulators::shopify_item_id;
use handled_bench::webhooks::{self, Delivery};
use serde_json::{Value, json};

/// Events `0..events` over `skus` SKUs named `{sku_prefix}-NNNN`, event ids `{id_prefix}-…`.
pub struct Stream {
    pub sku_prefix: &'static str,
    pub id_prefix: &'static str,
    pub skus: usize,
    pub events: usize,
}

impl Stream {
    pub fn sku(&self, s: usize) -> String {
        format!("{}-{s:04}", self.sku_prefix)
    }

    /// Whether event `i` comes from Shopify (else from the warehouse): one in 16, since the
    /// warehouse connector paces its writes at 10 a second (its generic profile's limit).
    pub fn from_shopify(i: usize) -> bool {
        i.is_multiple_of(16)
    }

    /// Event `i`, for SKU `i % skus`: Shopify reports odd quantities and the warehouse even
    /// ones, so that no event reports a quantity we wrote to its channel (which would rightly
    /// be dropped as an echo). Times only grow, per SKU too.
    pub fn event(&self, i: usize) -> Delivery {
        let s = i % self.skus;
        let at = webhooks::event_time(i as u64 * 10);
        if Self::from_shopify(i) {
            webhooks::shopify_inventory(
                &format!("{}-shopify-{i:05}", self.id_prefix),
                shopify_item_id(s),
                handled_shopify::emulator::DEFAULT_LOCATION_ID,
                (2 * i + 1) as i64,
                &at,
            )
        } else {
            let id = format!("{}-wms-{i:05}", self.id_prefix);
            webhooks::wms_stock(&id, &self.sku(s), (2 * i) as i64, &at)
        }
    }

    /// Per SKU, each channel holds the quantity of the other side's last event (runs of one
    /// key run in event order, whichever side the event came from).
    pub fn assert_each_side_holds_the_others_last(&self, state: &Value, context: &str) {
        for s in 0..self.skus {
            let last = |shopify: bool| {
                (0..self.events)
                    .filter(|i| i % self.skus == s && Self::from_shopify(*i) == shopify)
                    .max()
            };
            if let Some(i) = last(true) {
                assert_eq!(
                    state["wms"]["inventory"][self.sku(s)]["quantity"],
                    json!(2 * i + 1),
                    "warehouse, {} ({context})",
                    self.sku(s)
                );
            }
            if let Some(i) = last(false) {
                assert_eq!(
                    state["shopify"]["inventory"][self.sku(s)]["available"],
                    json!(2 * i),
                    "Shopify, {} ({context})",
                    self.sku(s)
                );
            }
        }
    }
}

/// The seed of a kill schedule: `HANDLED_KILL9_SEED` when set (to replay one), else the time;
/// printed, with how to replay it.
pub fn kill_seed() -> u64 {
    #[allow(clippy::disallowed_methods)] // the test's own switch
    let seed: u64 = std::env::var("HANDLED_KILL9_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    println!("kill -9 schedule seed: {seed} (HANDLED_KILL9_SEED={seed} replays it)");
    seed
}

/// Waits until `program` has at least `expected` runs and every one has ended (none queued or
/// running), for at most `within`; on time out, fails with how far it got, `context()` (a seed,
/// the emulators' state) and the program's log.
pub async fn ended_runs(
    program: &handled_bench::program::Program,
    expected: usize,
    within: std::time::Duration,
    context: impl Fn() -> String,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let runs = tokio::task::block_in_place(|| program.runs()).unwrap();
        let ended = runs
            .iter()
            .filter(|r| r["status"] != "queued" && r["status"] != "running")
            .count();
        if runs.len() >= expected && ended == runs.len() {
            return runs;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{ended} of {} runs ended in {within:?} ({expected} expected; {}); log:\n{}",
            runs.len(),
            context(),
            program.log_tail()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Lifts Amazon's usage plans in `fixture` (every listings and feeds op), and has its feeds
/// processed `feed_delay_ms` after their creation: for tests of something other than Amazon's
/// quotas.
pub fn lift_amazon_paces(fixture: &mut Value, feed_delay_ms: u64) {
    let lifted = json!({"rate": 1_000_000, "burst": 1_000_000});
    fixture["amazon"]["rateLimits"] = [
        "getListingsItem",
        "searchListingsItems",
        "patchListingsItem",
        "createFeedDocument",
        "createFeed",
        "getFeed",
        "getFeeds",
        "getFeedDocument",
    ]
    .iter()
    .map(|op| (op.to_string(), lifted.clone()))
    .collect();
    fixture["amazon"]["feedDelayMs"] = feed_delay_ms.into();
}
