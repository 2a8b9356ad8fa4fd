//! The feeder: a realistic stream of signed webhooks sent to a served program (warehouse
//! `stock.updated` events and Shopify `inventory_levels/update` deliveries for the fixture's
//! SKUs, in bursts, with repeated SKUs, a redelivery, an out-of-order older event, a forged
//! signature, Shopify reporting the program's own writes back, and a burst of 429s on
//! Shopify), then a wait until every run has finished and a report of each channel's stock per
//! SKU before and after.
//!
//! Each warehouse or merchant change is first made in the channel's emulator
//! (`/_admin/inventory`), as it would happen there, and then announced by the webhook the
//! channel would send, signed as the program verifies it: Shopify with
//! `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the raw body under the app's secret; the
//! warehouse (generic profile) with `X-WMS-Signature`, the hex HMAC-SHA256 of the raw body.
//!
//! The last event of every SKU is a warehouse update of quantity `Q`, so that when the program
//! has finished, every channel should hold what the seed workflows derive from `Q`: the
//! warehouse `Q`; Amazon `floor(0.3 Q)` and eBay `floor(0.1 Q)` (pattern 2); Shopify `Q`
//! (pattern 1, `WmsToShopifySync`) or `floor(0.6 Q)` (pattern 2), whichever of the two runs
//! wrote last: both patterns take the same warehouse event and write Shopify.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use handled_connector_core::{HttpClient, Json};
use handled_contract::sign::{hmac_sha256_base64, hmac_sha256_hex};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// The Admin API version the feeder's lookups use.
const SHOPIFY_API_VERSION: &str = "2026-04";

/// What to send, where, and how long to wait.
#[derive(Clone, Debug)]
pub struct Options {
    /// The sandbox server's base URL.
    pub sandbox: String,
    /// The served program's base URL.
    pub program: String,
    /// How many deliveries to send in all (at least one per SKU plus a few).
    pub events: usize,
    /// Over how long to spread them.
    pub duration: Duration,
    /// Seed of the stream (the same seed sends the same stream).
    pub seed: u64,
    /// The program's path for warehouse webhooks (`WMS_WEBHOOK_ENDPOINT`).
    pub wms_path: String,
    /// The program's path for Shopify webhooks.
    pub shopify_path: String,
    /// The secret warehouse webhooks are signed with.
    pub wms_secret: String,
    /// The Shopify app's webhook secret.
    pub shopify_secret: String,
    /// The Shopify access token (to look up inventory item ids).
    pub shopify_token: String,
    /// Inject a burst of 429s on Shopify half way through.
    pub faults: bool,
    /// Wait until every run has finished before the final burst (then the result does not
    /// depend on the program ordering runs of one SKU).
    pub settle_before_final: bool,
    /// How long to wait for every run to finish.
    pub wait: Duration,
    /// Show a progress bar (on standard error).
    pub progress: bool,
}

impl Options {
    /// Defaults that match `--sandbox-url` mode and `examples/fixtures/catalog.json`.
    pub fn new(sandbox: &str, program: &str) -> Options {
        Options {
            sandbox: sandbox.trim_end_matches('/').to_string(),
            program: program.trim_end_matches('/').to_string(),
            events: 300,
            duration: Duration::from_secs(25),
            seed: 7,
            wms_path: "/hooks/wms".into(),
            shopify_path: "/hooks/ShopifyToWmsSync".into(),
            wms_secret: handled_wms::emulator::SANDBOX_WEBHOOK_SECRET.into(),
            shopify_secret: handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET.into(),
            shopify_token: handled_shopify::emulator::SANDBOX_TOKEN.into(),
            faults: true,
            settle_before_final: false,
            wait: Duration::from_secs(120),
            progress: true,
        }
    }
}

/// One delivery of the stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// The warehouse changed a SKU's stock.
    Wms {
        /// The SKU.
        sku: String,
        /// Its new quantity.
        quantity: i64,
    },
    /// A merchant changed a SKU's available quantity in Shopify.
    Shopify {
        /// The SKU.
        sku: String,
        /// Its new available quantity.
        available: i64,
    },
    /// Shopify reporting the SKU's current quantity (after the program's own write).
    Echo {
        /// The SKU.
        sku: String,
    },
    /// The earlier delivery at this index, sent again unchanged.
    Redelivery(usize),
    /// A warehouse event that happened before the SKU's last one, arriving late.
    Stale {
        /// The SKU.
        sku: String,
        /// The quantity it reports.
        quantity: i64,
    },
    /// A warehouse webhook whose signature is wrong.
    Forged {
        /// The SKU.
        sku: String,
    },
}

/// A delivery with when to send it, in ms from the start.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// When to send it, in ms from the start (also when the event happened).
    pub at_ms: u64,
    /// What it is.
    pub delivery: Delivery,
}

/// The stream: bursts of deliveries over `duration`, the first SKU hot, and the last delivery
/// of every SKU a warehouse update (the final burst).
pub fn plan(skus: &[String], events: usize, duration: Duration, seed: u64) -> Vec<Planned> {
    let mut rng = StdRng::seed_from_u64(seed);
    if skus.is_empty() {
        return Vec::new();
    }
    let total = events.max(skus.len() + 6);
    let echoes = (total / 30).max(1);
    let body = total - skus.len() - 3 - echoes;
    let pick = |rng: &mut StdRng| -> String {
        if rng.random_bool(0.35) {
            skus[0].clone()
        } else {
            skus[rng.random_range(0..skus.len())].clone()
        }
    };
    let mut list: Vec<Delivery> = Vec::with_capacity(total);
    for _ in 0..body {
        let sku = pick(&mut rng);
        if rng.random_bool(0.8) {
            list.push(Delivery::Wms {
                sku,
                quantity: rng.random_range(1..=150),
            });
        } else {
            list.push(Delivery::Shopify {
                sku,
                available: rng.random_range(1..=150),
            });
        }
    }
    // The special deliveries, at fixed fractions of the stream.
    let insert_at = |list: &mut Vec<Delivery>, fraction: f64, d: Delivery| {
        let i = ((list.len() as f64) * fraction) as usize;
        list.insert(i.min(list.len()), d);
    };
    insert_at(
        &mut list,
        0.3,
        Delivery::Forged {
            sku: skus[0].clone(),
        },
    );
    for e in 0..echoes {
        let fraction = 0.2 + 0.6 * (e as f64 + 0.5) / echoes as f64;
        let sku = pick(&mut rng);
        insert_at(&mut list, fraction, Delivery::Echo { sku });
    }
    // A redelivery of a warehouse event from early on, and a late older event.
    let early = list
        .iter()
        .take(list.len() / 3 + 1)
        .position(|d| matches!(d, Delivery::Wms { .. }));
    if let Some(i) = early {
        insert_at(&mut list, 0.45, Delivery::Redelivery(i));
    }
    insert_at(
        &mut list,
        0.55,
        Delivery::Stale {
            sku: skus[0].clone(),
            quantity: rng.random_range(1..=150),
        },
    );
    // Timing: bursts of 3 to 20 deliveries 10 ms apart, their starts spread over 85% of the
    // duration; the final burst at the end.
    let span = duration.as_millis() as u64;
    let mut planned = Vec::with_capacity(total);
    let mut bursts = Vec::new();
    let mut left = list.len();
    while left > 0 {
        let size = rng.random_range(3..=20).min(left);
        bursts.push(size);
        left -= size;
    }
    let mut items = list.into_iter();
    let count = bursts.len().max(1) as u64;
    for (b, size) in bursts.iter().enumerate() {
        let start = span * 85 / 100 * b as u64 / count;
        for j in 0..*size {
            if let Some(d) = items.next() {
                planned.push(Planned {
                    at_ms: start + 10 * j as u64,
                    delivery: d,
                });
            }
        }
    }
    // Redelivery indexes refer to the planned list; the inserts above shifted them.
    for i in 0..planned.len() {
        if let Delivery::Redelivery(_) = planned[i].delivery {
            let first = planned[..i]
                .iter()
                .position(|p| matches!(p.delivery, Delivery::Wms { .. }));
            match first {
                Some(f) => planned[i].delivery = Delivery::Redelivery(f),
                None => {
                    planned[i].delivery = Delivery::Echo {
                        sku: skus[0].clone(),
                    }
                }
            }
        }
    }
    let last = planned.last().map_or(0, |p| p.at_ms);
    let final_start = span.max(last + 500);
    for (j, sku) in skus.iter().enumerate() {
        planned.push(Planned {
            at_ms: final_start + 10 * j as u64,
            delivery: Delivery::Wms {
                sku: sku.clone(),
                quantity: rng.random_range(1..=150),
            },
        });
    }
    planned
}

/// One SKU's stock on each channel, before and after, and what the workflows imply.
#[derive(Clone, Debug, PartialEq)]
pub struct SkuRow {
    /// The SKU.
    pub sku: String,
    /// Per channel (`wms`, `shopify`, `amazon`, `ebay`): the quantity before the stream.
    pub before: BTreeMap<String, Option<i64>>,
    /// Per channel: the quantity after every run finished.
    pub after: BTreeMap<String, Option<i64>>,
    /// The warehouse quantity of the SKU's last event.
    pub last_wms: Option<i64>,
    /// Whether every channel holds what the workflows derive from `last_wms`.
    pub agrees: bool,
}

/// What the feeder saw.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Per SKU, the channels' stock.
    pub rows: Vec<SkuRow>,
    /// Deliveries sent.
    pub sent: usize,
    /// Deliveries sent again because the program did not acknowledge them.
    pub redelivered: u64,
    /// How the program answered, per status code.
    pub answers: BTreeMap<u16, u64>,
    /// Per workflow outcome named in the answers (`queued`, `duplicate`, `echo`, `stale`,
    /// `ignored`).
    pub outcomes: BTreeMap<String, u64>,
    /// Runs by status when the feeder stopped waiting.
    pub runs: BTreeMap<String, u64>,
    /// The program's counters (`/metrics`): deduplicated, stale, echoed, refused, retries.
    pub metrics: BTreeMap<String, f64>,
    /// Time spent sending.
    pub sending: Duration,
    /// Time from the first delivery until every run had finished.
    pub settled: Option<Duration>,
    /// Requests the sandbox faulted.
    pub faulted: u64,
}

impl Report {
    /// Whether every run finished and every SKU's channels agree.
    pub fn converged(&self) -> bool {
        self.settled.is_some() && !self.rows.is_empty() && self.rows.iter().all(|r| r.agrees)
    }
}

/// The channels shown per SKU, in order.
pub const SHOWN: &[&str] = &["wms", "shopify", "amazon", "ebay"];

/// A channel's quantity of `sku` in the sandbox's `/_state` (the warehouse at `wms_location`).
pub fn quantity(state: &Json, channel: &str, sku: &str, wms_location: &str) -> Option<i64> {
    match channel {
        "wms" => state["wms"]["inventory"][sku]["locations"][wms_location].as_i64(),
        "shopify" => state["shopify"]["inventory"][sku]["available"].as_i64(),
        "amazon" => state["amazon"]["items"][sku]["quantity"].as_i64(),
        "ebay" => state["ebay"]["items"][sku]["quantity"].as_i64(),
        _ => None,
    }
}

/// Whether a SKU's channels hold what the seed workflows derive from the warehouse quantity
/// `q` of its last event.
pub fn agrees(after: &BTreeMap<String, Option<i64>>, q: i64) -> bool {
    let get = |c: &str| after.get(c).copied().flatten();
    let shopify = get("shopify");
    get("wms") == Some(q)
        && get("amazon") == Some(q * 3 / 10)
        && get("ebay") == Some(q / 10)
        && (shopify == Some(q) || shopify == Some(q * 6 / 10))
}

/// Headers and raw body of one webhook.
type Webhook = (Vec<(String, String)>, Vec<u8>);

struct Sender {
    http: HttpClient,
    options: Options,
    start_wall: chrono::DateTime<chrono::Utc>,
    item_ids: BTreeMap<String, u64>,
    shopify_location: BTreeMap<String, u64>,
    wms_location: BTreeMap<String, String>,
    /// Every delivery sent: its path, headers and body.
    sent: Vec<(String, Webhook)>,
    report: Report,
    seq: u64,
}

fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Sender {
    async fn get_json(&self, url: &str) -> Result<Json, String> {
        let response = self
            .http
            .send_raw(self.http.get(url))
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !response.is_success() {
            return Err(format!("GET {url}: HTTP {}", response.status));
        }
        response
            .json::<Json>()
            .map_err(|e| format!("GET {url}: {e}"))
    }

    async fn post_json(&self, url: &str, body: &Json) -> Result<Json, String> {
        let response = self
            .http
            .send_raw(self.http.post(url).json(body))
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        if !response.is_success() {
            return Err(format!(
                "POST {url}: HTTP {}: {}",
                response.status,
                response.text()
            ));
        }
        Ok(response.json::<Json>().unwrap_or(Json::Null))
    }

    /// Runs by status, as the program lists them.
    async fn runs(&self) -> Result<BTreeMap<String, u64>, String> {
        let runs = self
            .get_json(&format!("{}/admin/runs?limit=10000", self.options.program))
            .await?;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for r in runs.as_array().into_iter().flatten() {
            let status = r["status"].as_str().unwrap_or("unknown").to_string();
            *counts.entry(status).or_default() += 1;
        }
        Ok(counts)
    }

    /// Waits until no run is queued or running, or until `deadline`; whether it got there.
    async fn settle(&mut self, deadline: Instant, bar: &ProgressBar) -> Result<bool, String> {
        loop {
            let counts = self.runs().await?;
            let open = counts.get("queued").copied().unwrap_or(0)
                + counts.get("running").copied().unwrap_or(0);
            self.report.runs = counts;
            if open == 0 {
                return Ok(true);
            }
            bar.set_message(format!("waiting for {open} runs to finish"));
            bar.tick();
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Looks up every variant's inventory item id with the Admin API, as an app would.
    async fn lookup_items(&mut self) -> Result<(), String> {
        let url = format!(
            "{}/shopify/admin/api/{SHOPIFY_API_VERSION}/graphql.json",
            self.options.sandbox
        );
        let query = json!({"query": "{ productVariants(first: 250) { nodes { sku inventoryItem { id } } } }"});
        let response = self
            .http
            .send_raw(
                self.http
                    .post(&url)
                    .header("X-Shopify-Access-Token", &self.options.shopify_token)
                    .json(&query),
            )
            .await
            .map_err(|e| format!("Shopify lookup: {e}"))?;
        let body: Json = response
            .json()
            .map_err(|e| format!("Shopify lookup: {e}"))?;
        let Some(nodes) = body["data"]["productVariants"]["nodes"].as_array() else {
            return Err(format!("Shopify lookup answered {body}"));
        };
        for node in nodes {
            let sku = node["sku"].as_str().unwrap_or_default();
            let id = node["inventoryItem"]["id"]
                .as_str()
                .and_then(|gid| gid.rsplit('/').next())
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(id) = id {
                self.item_ids.insert(sku.to_string(), id);
            }
        }
        Ok(())
    }

    async fn deliver(&mut self, path: &str, headers: Vec<(String, String)>, body: Vec<u8>) {
        let url = format!("{}{path}", self.options.program);
        self.report.sent += 1;
        // As the channels do, a delivery that was not acknowledged (5xx, no answer) is sent
        // again, a few times, with a growing pause.
        let mut pause = Duration::from_millis(200);
        let mut outcome = None;
        for attempt in 0..5 {
            if attempt > 0 {
                self.report.redelivered += 1;
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            let mut request = self.http.post(&url).body(body.clone());
            for (k, v) in &headers {
                request = request.header(k, v);
            }
            match self.http.send_raw(request).await {
                Ok(response) if response.status < 500 => {
                    outcome = Some(response);
                    break;
                }
                Ok(_) | Err(_) => continue,
            }
        }
        match outcome {
            Some(response) => {
                *self.report.answers.entry(response.status).or_default() += 1;
                let answer: Json = response.json().unwrap_or(Json::Null);
                let results = match answer.get("runs") {
                    Some(Json::Array(runs)) => runs.clone(),
                    _ => vec![answer],
                };
                for r in results {
                    let outcome = r["status"]
                        .as_str()
                        .or_else(|| r["error"].as_str())
                        .unwrap_or("other")
                        .to_string();
                    *self.report.outcomes.entry(outcome).or_default() += 1;
                }
            }
            None => *self.report.answers.entry(0).or_default() += 1,
        }
        self.sent.push((path.to_string(), (headers, body)));
    }

    fn wms_webhook(&mut self, sku: &str, quantity: i64, at: &str) -> Webhook {
        self.seq += 1;
        let location = self
            .wms_location
            .get(sku)
            .cloned()
            .unwrap_or_else(|| "primary".into());
        let body = json!({
            "event_id": format!("wms-{}-{:05}", self.options.seed, self.seq),
            "event": "stock.updated",
            "product_sku": sku,
            "available_quantity": quantity,
            "warehouse_location": location,
            "updated_at": at,
        })
        .to_string()
        .into_bytes();
        let headers = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "X-WMS-Signature".to_string(),
                hmac_sha256_hex(self.options.wms_secret.as_bytes(), &body),
            ),
        ];
        (headers, body)
    }

    fn shopify_webhook(&mut self, sku: &str, available: i64, at: &str) -> Option<Webhook> {
        let item = *self.item_ids.get(sku)?;
        let location = *self.shopify_location.get(sku)?;
        self.seq += 1;
        let body = handled_shopify::webhook::inventory_level_body(item, location, available, at)
            .to_string()
            .into_bytes();
        let headers = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "X-Shopify-Topic".to_string(),
                "inventory_levels/update".to_string(),
            ),
            (
                "X-Shopify-Hmac-Sha256".to_string(),
                hmac_sha256_base64(self.options.shopify_secret.as_bytes(), &body),
            ),
            (
                "X-Shopify-Shop-Domain".to_string(),
                handled_shopify::emulator::SANDBOX_SHOP.to_string(),
            ),
            (
                "X-Shopify-API-Version".to_string(),
                SHOPIFY_API_VERSION.to_string(),
            ),
            (
                "X-Shopify-Webhook-Id".to_string(),
                format!("feed-whk-{}-{:05}", self.options.seed, self.seq),
            ),
            (
                "X-Shopify-Event-Id".to_string(),
                format!("feed-evt-{}-{:05}", self.options.seed, self.seq),
            ),
            ("X-Shopify-Triggered-At".to_string(), at.to_string()),
        ];
        Some((headers, body))
    }

    async fn send(
        &mut self,
        planned: &Planned,
        last_wms_at: &BTreeMap<String, u64>,
    ) -> Result<(), String> {
        let at_time = self.start_wall + chrono::Duration::milliseconds(planned.at_ms as i64);
        let at = iso(at_time);
        let sandbox = self.options.sandbox.clone();
        let wms_path = self.options.wms_path.clone();
        let shopify_path = self.options.shopify_path.clone();
        match &planned.delivery {
            Delivery::Wms { sku, quantity } => {
                let location = self.wms_location.get(sku).cloned();
                self.post_json(
                    &format!("{sandbox}/wms/_admin/inventory"),
                    &json!({"sku": sku, "quantity": quantity, "location": location}),
                )
                .await?;
                let (headers, body) = self.wms_webhook(sku, *quantity, &at);
                self.deliver(&wms_path, headers, body).await;
            }
            Delivery::Shopify { sku, available } => {
                let location = self.shopify_location.get(sku).copied();
                self.post_json(
                    &format!("{sandbox}/shopify/_admin/inventory"),
                    &json!({"sku": sku, "quantity": available, "location": location}),
                )
                .await?;
                if let Some((headers, body)) = self.shopify_webhook(sku, *available, &at) {
                    self.deliver(&shopify_path, headers, body).await;
                }
            }
            Delivery::Echo { sku } => {
                let state = self.get_json(&format!("{sandbox}/shopify/_state")).await?;
                let available = state["inventory"][sku.as_str()]["available"].as_i64();
                if let Some(available) = available
                    && let Some((headers, body)) = self.shopify_webhook(sku, available, &at)
                {
                    self.deliver(&shopify_path, headers, body).await;
                }
            }
            Delivery::Redelivery(i) => {
                if let Some((path, (headers, body))) = self.sent.get(*i).cloned() {
                    self.deliver(&path, headers, body).await;
                }
            }
            Delivery::Stale { sku, quantity } => {
                let before = last_wms_at.get(sku).copied().unwrap_or(0);
                let older = self.start_wall + chrono::Duration::milliseconds(before as i64 - 2000);
                let (headers, body) = self.wms_webhook(sku, *quantity, &iso(older));
                self.deliver(&wms_path, headers, body).await;
            }
            Delivery::Forged { sku } => {
                let (mut headers, body) = self.wms_webhook(sku, 9999, &at);
                for (k, v) in headers.iter_mut() {
                    if k == "X-WMS-Signature" {
                        *v = hmac_sha256_hex(b"not-the-secret", &body);
                    }
                }
                self.deliver(&wms_path, headers, body).await;
            }
        }
        Ok(())
    }
}

/// Sums the samples of a Prometheus counter over its labels.
pub fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .fold(0.0, |a, b| a + b)
}

/// Sends the stream to the program and waits until every run has finished; the report says
/// whether the channels converged.
pub async fn run(options: Options) -> Result<Report, String> {
    let http = HttpClient::with_timeouts("feeder", Duration::from_secs(2), Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let mut sender = Sender {
        http,
        start_wall: handled_contract::clock::utc_now(),
        item_ids: BTreeMap::new(),
        shopify_location: BTreeMap::new(),
        wms_location: BTreeMap::new(),
        sent: Vec::new(),
        report: Report::default(),
        seq: 0,
        options,
    };
    let sandbox = sender.options.sandbox.clone();
    let program = sender.options.program.clone();
    let before = sender.get_json(&format!("{sandbox}/_state")).await?;
    let mut skus: Vec<String> = before["wms"]["inventory"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    skus.retain(|s| before["shopify"]["inventory"].get(s).is_some());
    if skus.is_empty() {
        return Err("the fixture has no SKU stocked both in the warehouse and in Shopify".into());
    }
    for sku in &skus {
        let wms_loc = before["wms"]["inventory"][sku]["locations"]
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_else(|| "primary".into());
        sender.wms_location.insert(sku.clone(), wms_loc);
        let shop_loc = before["shopify"]["inventory"][sku]["locations"]
            .as_object()
            .and_then(|o| o.keys().next().and_then(|k| k.parse::<u64>().ok()));
        if let Some(l) = shop_loc {
            sender.shopify_location.insert(sku.clone(), l);
        }
    }
    sender.lookup_items().await?;

    let stream = plan(
        &skus,
        sender.options.events,
        sender.options.duration,
        sender.options.seed,
    );
    let bar = if sender.options.progress {
        let bar = ProgressBar::new(stream.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} sending webhooks [{bar:40}] {pos}/{len} {elapsed} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    sender.start_wall = handled_contract::clock::utc_now();
    let mut last_wms_at: BTreeMap<String, u64> = BTreeMap::new();
    let mut last_wms: BTreeMap<String, i64> = BTreeMap::new();
    let mut faulted = false;
    for (i, planned) in stream.iter().enumerate() {
        let due = Duration::from_millis(planned.at_ms);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        if sender.options.faults && !faulted && i >= stream.len() / 2 {
            faulted = true;
            sender
                .post_json(
                    &format!("{sandbox}/_faults"),
                    &json!({"channel": "shopify", "status": 429, "count": 3, "retryAfter": 1}),
                )
                .await?;
            bar.set_message("Shopify answers 429 three times");
        }
        if sender.options.settle_before_final && i + skus.len() == stream.len() {
            bar.set_message("waiting for the runs before the final burst");
            sender
                .settle(Instant::now() + sender.options.wait, &bar)
                .await?;
        }
        sender.send(planned, &last_wms_at).await?;
        if let Delivery::Wms { sku, quantity } = &planned.delivery {
            last_wms_at.insert(sku.clone(), planned.at_ms);
            last_wms.insert(sku.clone(), *quantity);
        }
        bar.inc(1);
    }
    bar.finish_with_message("sent");
    sender.report.sending = started.elapsed();

    // Wait until no run is queued or running.
    let waiting = if sender.options.progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    let deadline = Instant::now() + sender.options.wait;
    if sender.settle(deadline, &waiting).await? {
        sender.report.settled = Some(started.elapsed());
    }
    waiting.finish_and_clear();

    let after = sender.get_json(&format!("{sandbox}/_state")).await?;
    let faults = sender.get_json(&format!("{sandbox}/_faults")).await?;
    sender.report.faulted = faults
        .as_object()
        .map(|o| o.values().filter_map(|v| v["injected"].as_u64()).sum())
        .unwrap_or(0);
    for sku in &skus {
        let loc = sender.wms_location.get(sku).cloned().unwrap_or_default();
        let row_of = |state: &Json| -> BTreeMap<String, Option<i64>> {
            SHOWN
                .iter()
                .map(|c| (c.to_string(), quantity(state, c, sku, &loc)))
                .collect()
        };
        let after_row = row_of(&after);
        let last = last_wms.get(sku).copied();
        sender.report.rows.push(SkuRow {
            sku: sku.clone(),
            before: row_of(&before),
            agrees: last.is_some_and(|q| agrees(&after_row, q)),
            after: after_row,
            last_wms: last,
        });
    }
    let metrics_url = format!("{program}/metrics");
    if let Ok(response) = sender.http.send_raw(sender.http.get(&metrics_url)).await {
        let text = response.text();
        for (label, name) in [
            ("received", "handled_events_received_total"),
            ("deduplicated", "handled_events_deduplicated_total"),
            ("stale", "handled_events_stale_total"),
            ("echoed", "handled_events_echoed_total"),
            ("refused", "handled_events_refused_total"),
            ("retries", "handled_call_retries_total"),
        ] {
            sender
                .report
                .metrics
                .insert(label.to_string(), metric_sum(&text, name));
        }
    }
    Ok(sender.report)
}

fn cell(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// The report as text: the stock table and the counts.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<14} {:>13} {:>13} {:>13} {:>13}  {:<6} agree",
        "SKU", "WMS", "Shopify", "Amazon", "eBay", "last"
    );
    for r in &report.rows {
        let _ = write!(out, "{:<14}", r.sku);
        for c in SHOWN {
            let before = cell(r.before.get(*c).copied().flatten());
            let after = cell(r.after.get(*c).copied().flatten());
            let _ = write!(out, " {:>13}", format!("{before} → {after}"));
        }
        let _ = writeln!(
            out,
            "  {:<6} {}",
            cell(r.last_wms),
            if r.agrees { "yes" } else { "NO" }
        );
    }
    let _ = writeln!(
        out,
        "\nexpected from the last warehouse quantity Q: WMS Q, Shopify Q (pattern 1) or 60% (pattern 2), Amazon 30%, eBay 10%"
    );
    let joined = |m: &BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "deliveries: {} sent in {:.1} s ({} sent again after no acknowledgement); answers: {}",
        report.sent,
        report.sending.as_secs_f64(),
        report.redelivered,
        report
            .answers
            .iter()
            .map(|(k, v)| format!(
                "{} {v}",
                if *k == 0 {
                    "no answer".to_string()
                } else {
                    k.to_string()
                }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "per workflow: {}", joined(&report.outcomes));
    let _ = writeln!(out, "runs: {}", joined(&report.runs));
    if !report.metrics.is_empty() {
        let _ = writeln!(
            out,
            "program counters: {}",
            report
                .metrics
                .iter()
                .map(|(k, v)| format!("{k} {v:.0}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out, "requests the sandbox faulted: {}", report.faulted);
    match report.settled {
        Some(t) => {
            let _ = writeln!(
                out,
                "every run finished {:.1} s after the first delivery",
                t.as_secs_f64()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "some runs had not finished when the feeder stopped waiting"
            );
        }
    }
    let _ = writeln!(
        out,
        "{}",
        if report.converged() {
            "converged: every channel holds what the workflows derive from the warehouse"
        } else {
            "NOT converged"
        }
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sku_of(d: &Delivery) -> Option<&str> {
        match d {
            Delivery::Wms { sku, .. }
            | Delivery::Shopify { sku, .. }
            | Delivery::Echo { sku }
            | Delivery::Stale { sku, .. }
            | Delivery::Forged { sku } => Some(sku),
            Delivery::Redelivery(_) => None,
        }
    }

    fn skus() -> Vec<String> {
        ["A", "B", "C"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_plan_ends_with_a_warehouse_update_per_sku_and_holds_the_special_deliveries() {
        let p = plan(&skus(), 60, Duration::from_secs(3), 1);
        assert_eq!(p.len(), 60);
        assert!(p.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        let tail: Vec<_> = p[p.len() - 3..].iter().map(|x| &x.delivery).collect();
        for (d, sku) in tail.iter().zip(["A", "B", "C"]) {
            assert!(matches!(d, Delivery::Wms { sku: s, .. } if s == sku));
        }
        let count = |f: fn(&Delivery) -> bool| p.iter().filter(|x| f(&x.delivery)).count();
        assert_eq!(count(|d| matches!(d, Delivery::Stale { .. })), 1);
        assert_eq!(count(|d| matches!(d, Delivery::Forged { .. })), 1);
        assert_eq!(count(|d| matches!(d, Delivery::Redelivery(_))), 1);
        assert!(count(|d| matches!(d, Delivery::Echo { .. })) >= 2);
        let r = p
            .iter()
            .position(|x| matches!(x.delivery, Delivery::Redelivery(_)))
            .unwrap();
        let Delivery::Redelivery(i) = p[r].delivery else {
            unreachable!()
        };
        assert!(i < r && matches!(p[i].delivery, Delivery::Wms { .. }));
        assert!(
            p.iter()
                .all(|x| sku_of(&x.delivery).is_none_or(|s| skus().iter().any(|k| k == s)))
        );
        assert_eq!(plan(&skus(), 60, Duration::from_secs(3), 1), p);
    }

    #[test]
    fn agreement_follows_the_seed_workflows() {
        let row = |w, s, a, e| -> BTreeMap<String, Option<i64>> {
            [("wms", w), ("shopify", s), ("amazon", a), ("ebay", e)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Some(v)))
                .collect()
        };
        assert!(agrees(&row(57, 57, 17, 5), 57));
        assert!(agrees(&row(57, 34, 17, 5), 57));
        assert!(!agrees(&row(57, 40, 17, 5), 57));
        assert!(!agrees(&row(57, 57, 18, 5), 57));
        assert!(!agrees(&row(56, 57, 17, 5), 57));
    }

    #[test]
    fn metric_sums_add_every_label_set() {
        let text = "# TYPE x counter\nhandled_events_stale_total{workflow=\"A\"} 2\nhandled_events_stale_total{workflow=\"B\"} 1\nhandled_events_stale_total_other 5\n";
        assert_eq!(metric_sum(text, "handled_events_stale_total"), 3.0);
        assert_eq!(metric_sum(text, "missing"), 0.0);
    }
}
