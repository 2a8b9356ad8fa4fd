//! The client: authenticated, paced calls shaped by the profile, for the two ops.

use std::collections::BTreeMap;

use base64::Engine;
use handled_connector_core::{CallError, CallInfo, HttpClient, Json, RateLimiter, params};
use handled_contract::types::SkuQuantity;
use serde_json::json;

use crate::config::Config;

use crate::path::{self, Vars};
use crate::profile::{Auth, Paging};
use crate::types::*;

/// The most pages a listing follows (a guard against APIs that never stop).
const MAX_PAGES: usize = 10_000;

/// Today's date (UTC) as a Cin7-style `DateTime`, `2026-03-01T00:00:00`: the `{date}` of write
/// templates, the day a stock adjustment takes effect.
fn effective_date() -> String {
    handled_contract::clock::utc_now()
        .format("%Y-%m-%dT00:00:00")
        .to_string()
}

/// The WMS connector for one warehouse.
pub struct WmsConnector {
    pub(crate) config: Config,
    http: HttpClient,
    limiter: RateLimiter,
}

impl std::fmt::Debug for WmsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WmsConnector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl WmsConnector {
    /// A connector for this configuration.
    pub fn new(config: Config) -> Result<Self, CallError> {
        let mut secrets = vec![config.api_key.clone(), config.webhook_secret.clone()];
        secrets.extend(config.api_key.split(':').map(str::to_string));
        let http = HttpClient::new("wms")?.with_secrets(secrets);
        let limiter = RateLimiter::at(config.profile.pace());
        Ok(WmsConnector {
            config,
            http,
            limiter,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let key = &self.config.api_key;
        match &self.config.profile.auth {
            Auth::Bearer => rb.header("Authorization", format!("Bearer {key}")),
            Auth::Basic => rb.header(
                "Authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
                ),
            ),
            Auth::Header { name } => rb.header(name.as_str(), key.as_str()),
            Auth::HeaderPair { first, second } => {
                let (a, b) = key.split_once(':').unwrap_or((key.as_str(), ""));
                rb.header(first.as_str(), a).header(second.as_str(), b)
            }
        }
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<Json>,
        headers: &[(&str, &str)],
    ) -> Result<Json, CallError> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| CallError::permanent(format!("wms profile: bad method {method}")))?;
        let mut rb = self.authed(
            self.http
                .request(method, format!("{}{url}", self.config.base_url)),
        );
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.limiter.acquire().await;
        match self.http.send(rb).await {
            Ok(resp) if resp.body.is_empty() => Ok(Json::Null),
            Ok(resp) => resp.json(),
            Err(e) => {
                if let Some(wait) = e.retry_after {
                    self.limiter.pause_for(wait);
                }
                Err(e)
            }
        }
    }

    fn check_error(body: &Json, error_path: &Option<String>) -> Result<(), CallError> {
        let Some(p) = error_path else { return Ok(()) };
        match path::get(body, p) {
            None | Some(Json::Null) => Ok(()),
            Some(Json::Array(a)) if a.is_empty() => Ok(()),
            Some(err) => Err(CallError::permanent(format!(
                "wms: {}",
                handled_connector_core::http::body_message(err.to_string().as_bytes())
            ))),
        }
    }

    pub(crate) async fn update_inventory(
        &self,
        p: UpdateInventoryParams,
        info: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        params::non_negative("quantity", p.quantity)?;
        let w = &self.config.profile.write;
        let location = p
            .location
            .clone()
            .unwrap_or_else(|| self.config.profile.default_location.clone());
        let vars = Vars::default()
            .with("sku", json!(p.sku))
            .with("quantity", json!(p.quantity))
            .with("location", json!(location))
            .with("key", json!(info.idempotency_key))
            .with("date", json!(effective_date()));
        let headers: Vec<(&str, &str)> = match &w.idempotency_header {
            Some(h) => vec![(h.as_str(), info.idempotency_key.as_str())],
            None => Vec::new(),
        };
        let body = self
            .send(
                &w.method,
                &vars.url(&w.url),
                Some(vars.body(&w.body)),
                &headers,
            )
            .await?;
        Self::check_error(&body, &w.error_path)?;
        let quantity = w
            .result_quantity
            .as_deref()
            .and_then(|q| path::get_quantity(&body, q))
            .unwrap_or(p.quantity);
        Ok(UpdateInventoryResult {
            sku: p.sku,
            quantity,
        })
    }

    /// Every row of the inventory as (sku, location, quantity), all pages.
    pub async fn rows(&self) -> Result<Vec<(String, String, i64)>, CallError> {
        let l = &self.config.profile.list;
        let mut rows = Vec::new();
        let (mut page, size) = match &l.paging {
            Paging::Pages { first, size, .. } => (*first, *size),
            Paging::Cursor { size, .. } => (0, *size),
        };
        let mut cursor = Json::Null;
        let mut seen = 0u64;
        for _ in 0..MAX_PAGES {
            let vars = Vars::default()
                .with("page", json!(page))
                .with("size", json!(size))
                .with("cursor", cursor.clone());
            let body = self
                .send(
                    &l.method,
                    &vars.url(&l.url),
                    l.body.as_ref().map(|b| vars.body(b)),
                    &[],
                )
                .await?;
            Self::check_error(&body, &l.error_path)?;
            let items = match path::get(&body, &l.items) {
                Some(Json::Array(a)) => a.clone(),
                None | Some(Json::Null) => Vec::new(),
                Some(_) => {
                    return Err(CallError::permanent(format!(
                        "wms: `{}` in the listing is not a list",
                        l.items
                    )));
                }
            };
            for (i, row) in items.iter().enumerate() {
                let Some(sku) = path::get_string(row, &l.sku) else {
                    return Err(CallError::permanent(format!(
                        "wms: listing row {i} has no SKU at `{}`",
                        l.sku
                    )));
                };
                let Some(q) = path::get_quantity(row, &l.quantity) else {
                    return Err(CallError::permanent(format!(
                        "wms: {sku}: quantity at `{}` is not a number",
                        l.quantity
                    )));
                };
                let loc = path::get_string(row, &l.location).unwrap_or_default();
                rows.push((sku, loc, q));
            }
            seen += items.len() as u64;
            let more = match &l.paging {
                Paging::Pages { total, .. } => {
                    let total = total.as_deref().and_then(|t| path::get_quantity(&body, t));
                    match total {
                        Some(t) => seen < t as u64 && !items.is_empty(),
                        None => items.len() as u64 >= size,
                    }
                }
                Paging::Cursor { next, has_more, .. } => {
                    cursor = path::get(&body, next).cloned().unwrap_or(Json::Null);
                    path::get(&body, has_more)
                        .and_then(Json::as_bool)
                        .unwrap_or(false)
                        && !cursor.is_null()
                }
            };
            if !more {
                return Ok(rows);
            }
            page += 1;
        }
        Err(CallError::permanent("wms: the listing did not end"))
    }

    pub(crate) async fn get_all_inventory(
        &self,
        p: GetAllInventoryParams,
    ) -> Result<GetAllInventoryResult, CallError> {
        let mut order: Vec<String> = Vec::new();
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        for (sku, loc, q) in self.rows().await? {
            if p.location.as_ref().is_some_and(|want| *want != loc) {
                continue;
            }
            if !totals.contains_key(&sku) {
                order.push(sku.clone());
            }
            *totals.entry(sku).or_default() += q;
        }
        let items = order
            .into_iter()
            .map(|sku| {
                let quantity = totals.get(&sku).copied().unwrap_or_default();
                SkuQuantity { sku, quantity }
            })
            .collect();
        Ok(GetAllInventoryResult { items })
    }
}
