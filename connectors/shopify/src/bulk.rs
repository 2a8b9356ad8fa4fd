//! `findProduct` and `updateInventory` in bulk. `updateInventory`: the calls of many runs as one
//! `inventorySetQuantities` of up to 250 quantities, each with its own `changeFromQuantity`: the
//! level read moments ago where the run read one (its `findProduct`, or our last write), else
//! null (a plain set, as Shopify advises when the caller is the source of truth), the quantity
//! it replaced taken from the answer. The inventory items they need are found by one search
//! per [`SEARCH_CHUNK`] SKUs asking for nothing but ids (a point a SKU), and kept; a batch
//! whose searches the cost bucket cannot pay now reads the whole catalog by one bulk operation
//! instead ([`crate::catalog`]).
//!
//! `inventorySetQuantities` is all or nothing: when one quantity is refused (its `userErrors`
//! entry names its index, `input.quantities.N.…`), nothing is applied. A refused member gets
//! its own error (a stale compare is read again and the member goes on); the others are sent
//! again without it, under a new idempotency key. The key of each request is a digest of what
//! it sets (every member's key, item, location, compare and target), so that the same request
//! sent again after a crash replays Shopify's answer instead of applying twice.

use std::collections::HashMap;

use handled_connector_core::params;
use handled_contract::batch::{Results, waves_by};
use handled_contract::{BatchCall, CallError, CallInfo, Json};
use serde_json::json;

use crate::api::{MAX_STALE_RETRIES, ShopifyConnector, Variant, available_in, gid, user_errors};
use crate::queries;
use crate::types::{
    FindProductParams, FindProductResult, UpdateInventoryParams, UpdateInventoryResult,
};

/// The most SKUs one search asks for (its query string stays short; its cost is
/// `2 + first × nodes`).
pub const SEARCH_CHUNK: usize = 50;

/// The most quantities one `inventorySetQuantities` takes.
pub const MAX_QUANTITIES: usize = 250;

/// One member on its way: what it writes and what it compares with.
struct Pending {
    index: usize,
    sku: String,
    item: String,
    /// The variant, when it was read with its level (a write of ours notes the level it sets).
    variant: Option<Variant>,
    location: String,
    quantity: i64,
    /// The quantity to compare with (None: a plain set).
    compare: Option<i64>,
    stale_reads: u32,
}

type Outcome = Result<UpdateInventoryResult, CallError>;

impl ShopifyConnector {
    /// Many `updateInventory` calls in as few requests as Shopify allows; one result per call.
    pub(crate) async fn update_inventory_batch(
        &self,
        calls: Vec<BatchCall<UpdateInventoryParams>>,
    ) -> Vec<Outcome> {
        let mut results = Results::new(calls.len());
        let resolved = self.resolve(&calls, &mut results).await;
        // A member an earlier attempt may have set unanswered (its bulk request's key was made
        // of other members): read first, and leave what is already there.
        let mut pending = Vec::with_capacity(resolved.len());
        for mut p in resolved {
            if !calls[p.index].info.maybe_sent {
                pending.push(p);
                continue;
            }
            match self.read_available(&p.item, &p.location).await {
                Ok(current) if current == p.quantity => results.set(
                    p.index,
                    Ok(UpdateInventoryResult {
                        inventory_item_id: p.item.clone(),
                        location_id: p.location.clone(),
                        quantity: p.quantity,
                        previous_quantity: current,
                    }),
                ),
                Ok(current) => {
                    p.compare = Some(current);
                    pending.push(p);
                }
                Err(e) => results.set(p.index, Err(e)),
            }
        }
        // Two calls for the same item and location go in successive requests, in their order.
        let indices: Vec<usize> = (0..pending.len()).collect();
        let level = |i: usize| (pending[i].item.as_str(), pending[i].location.as_str());
        let order = waves_by(&indices, level);
        let mut slots: Vec<Option<Pending>> = pending.into_iter().map(Some).collect();
        let waves: Vec<Vec<Pending>> = order
            .into_iter()
            .map(|wave| wave.into_iter().filter_map(|i| slots[i].take()).collect())
            .collect();
        let mut carried: HashMap<(String, String), i64> = HashMap::new();
        for mut wave in waves {
            // A level an earlier wave set is what this wave compares with.
            for p in &mut wave {
                let level = (p.item.clone(), p.location.clone());
                if let (Some(set), Some(_)) = (carried.get(&level), p.compare) {
                    p.compare = Some(*set);
                }
            }
            for (p, outcome) in self.set_wave(wave, &calls).await {
                if let Ok(done) = &outcome {
                    carried.insert((p.item.clone(), p.location.clone()), done.quantity);
                }
                results.set(p.index, outcome);
            }
        }
        results.finish("shopify")
    }

    /// Many `findProduct` calls as one search per [`SEARCH_CHUNK`] SKUs not found moments ago
    /// (with each variant's level at the primary location, the compare value of the write that
    /// usually follows); one result per call.
    pub(crate) async fn find_product_batch(
        &self,
        calls: Vec<BatchCall<FindProductParams>>,
    ) -> Vec<Result<FindProductResult, CallError>> {
        let skus: Vec<String> = calls.iter().map(|c| c.params.sku.clone()).collect();
        let mut search: Vec<String> = Vec::new();
        for sku in &skus {
            if self.found_variant(sku).is_none() && !search.contains(sku) {
                search.push(sku.clone());
            }
        }
        let searched = match self.location_id(None).await {
            Ok(location) => self.search_levels(&search, &location).await,
            Err(e) => Err(e),
        };
        skus.iter()
            .map(|sku| {
                let variant = match self.found_variant(sku) {
                    Some(v) => v,
                    None => match &searched {
                        Ok(found) => match found.get(sku) {
                            Some((v, _)) => v.clone(),
                            None => return Err(no_such_sku(sku)),
                        },
                        Err(e) => return Err(e.clone()),
                    },
                };
                Ok(FindProductResult {
                    product_id: variant.product_id,
                    variant_id: variant.variant_id,
                    inventory_item_id: variant.inventory_item_id,
                    sku: variant.sku,
                    title: variant.title,
                })
            })
            .collect()
    }

    /// Each call's variant, location and compare value; a call that cannot be resolved gets its
    /// error in `results`.
    async fn resolve(
        &self,
        calls: &[BatchCall<UpdateInventoryParams>],
        results: &mut Results<UpdateInventoryResult>,
    ) -> Vec<Pending> {
        let mut pending = Vec::new();
        // By location, the SKUs to look up.
        let mut wanted: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for (index, call) in calls.iter().enumerate() {
            let p = &call.params;
            if let Err(e) = params::non_negative("quantity", p.quantity) {
                results.set(index, Err(e));
                continue;
            }
            let location = match self.location_id(p.location.as_deref()).await {
                Ok(location) => location,
                Err(e) => {
                    results.set(index, Err(e));
                    continue;
                }
            };
            match (&p.sku, &p.product_id, &p.variant_id) {
                (Some(sku), _, _) => wanted
                    .entry(location)
                    .or_default()
                    .push((index, sku.clone())),
                (None, Some(product), Some(variant)) => {
                    let recent = self
                        .recent_level(&gid("ProductVariant", variant), &location)
                        .filter(|(v, _)| v.product_id == gid("Product", product));
                    let found = match recent {
                        Some(found) => Ok(found),
                        None => self.variant_level(product, variant, &location).await,
                    };
                    match found {
                        Ok((variant, current)) => pending.push(Pending {
                            index,
                            sku: variant.sku.clone(),
                            item: variant.inventory_item_id.clone(),
                            variant: Some(variant),
                            location,
                            quantity: p.quantity,
                            compare: Some(current),
                            stale_reads: 0,
                        }),
                        Err(e) => results.set(index, Err(e)),
                    }
                }
                _ => {
                    results.set(
                        index,
                        Err(CallError::permanent(
                            "shopify.updateInventory needs `sku`, or `productId` and `variantId`",
                        )),
                    );
                }
            }
        }
        let legacy = !self.config.uses_change_from();
        for (location, members) in wanted {
            // SKUs whose level a moment ago is known compare with it; the others are plain sets
            // of their item (before 2026-01, where one input cannot mix the two, they read it).
            let mut known: HashMap<String, (Variant, i64)> = HashMap::new();
            let mut plain: Vec<String> = Vec::new();
            for (_, sku) in &members {
                if known.contains_key(sku) || plain.contains(sku) {
                    continue;
                }
                let recent = self
                    .found_variant(sku)
                    .and_then(|v| self.recent_level(&v.variant_id, &location));
                match recent {
                    Some(found) => {
                        known.insert(sku.clone(), found);
                    }
                    None => plain.push(sku.clone()),
                }
            }
            let (items, levels) = if legacy {
                (
                    Ok(HashMap::new()),
                    self.search_levels(&plain, &location).await,
                )
            } else {
                (self.item_ids(&plain).await, Ok(HashMap::new()))
            };
            for (index, sku) in members {
                let quantity = calls[index].params.quantity;
                let found = match known.get(&sku) {
                    Some((variant, current)) => Ok((
                        variant.inventory_item_id.clone(),
                        Some(variant.clone()),
                        Some(*current),
                    )),
                    None if legacy => match &levels {
                        Ok(levels) => match levels.get(&sku) {
                            Some((variant, Ok(available))) => {
                                // Taken: this write is what it serves.
                                let _ = self.recent_level(&variant.variant_id, &location);
                                Ok((
                                    variant.inventory_item_id.clone(),
                                    Some(variant.clone()),
                                    Some(*available),
                                ))
                            }
                            Some((_, Err(e))) => Err(e.clone()),
                            None => Err(no_such_sku(&sku)),
                        },
                        Err(e) => Err(e.clone()),
                    },
                    None => match &items {
                        Ok(items) => match items.get(&sku) {
                            Some(item) => Ok((item.clone(), None, None)),
                            None => Err(no_such_sku(&sku)),
                        },
                        Err(e) => Err(e.clone()),
                    },
                };
                match found {
                    Ok((item, variant, compare)) => pending.push(Pending {
                        index,
                        sku,
                        item,
                        variant,
                        location: location.clone(),
                        quantity,
                        compare,
                        stale_reads: 0,
                    }),
                    Err(e) => results.set(index, Err(e)),
                }
            }
        }
        pending.sort_by_key(|p| p.index);
        pending
    }

    /// The inventory item of each SKU that has one (SKU → item GID), from those found before
    /// or one search per [`SEARCH_CHUNK`] SKUs asking for ids only; a SKU no item has is left
    /// out.
    pub(crate) async fn item_ids(
        &self,
        skus: &[String],
    ) -> Result<HashMap<String, String>, CallError> {
        let mut out = HashMap::new();
        let mut search: Vec<&String> = Vec::new();
        for sku in skus {
            match self.items.get(sku.as_str()) {
                Some(item) => {
                    out.insert(sku.clone(), item);
                }
                None if !search.contains(&sku) => search.push(sku),
                None => {}
            }
        }
        if self.catalog_pays(search.len()) && self.load_catalog().await {
            search.retain(|sku| match self.items.get(sku.as_str()) {
                Some(item) => {
                    out.insert((*sku).clone(), item);
                    false
                }
                None => true,
            });
        }
        let found = self
            .search_by_sku(
                &search,
                queries::FIND_ITEMS,
                "inventoryItems",
                json!({}),
                |node| Ok(node["id"].as_str().map(str::to_string)),
            )
            .await?;
        for (sku, item) in found {
            self.items.put(sku.clone(), item.clone());
            out.insert(sku, item);
        }
        Ok(out)
    }

    /// The variants with exactly these SKUs and their available quantity at `location`, by
    /// SKU: one search per [`SEARCH_CHUNK`] SKUs, asking for as many variants as it names.
    /// A SKU not stocked at the location has that error for its level. Each level read is
    /// noted as the compare value of a write that follows.
    pub(crate) async fn search_levels(
        &self,
        skus: &[String],
        location: &str,
    ) -> Result<HashMap<String, (Variant, Result<i64, CallError>)>, CallError> {
        let wanted: Vec<&String> = skus.iter().collect();
        let vars = json!({ "location": location });
        self.search_by_sku(
            &wanted,
            queries::FIND_VARIANTS_AT,
            "productVariants",
            vars,
            |node| {
                let variant = self.found_from_search(node)?;
                let level = &node["inventoryItem"]["inventoryLevel"];
                let available = available_in(level, &variant.inventory_item_id, location);
                if let Ok(available) = &available {
                    self.note_level(&variant, location, *available);
                }
                Ok(Some((variant, available)))
            },
        )
        .await
    }

    /// One exact SKU search (`document`, whose `root` connection takes `query`, `first` and
    /// `after`, plus `vars`) per [`SEARCH_CHUNK`] of `skus`, page after page until every SKU of
    /// the chunk is found. Each node whose SKU was asked for (the search matches words; this
    /// compares exactly) and not found yet goes to `found`, whose value is kept by SKU.
    async fn search_by_sku<T>(
        &self,
        skus: &[&String],
        document: &'static str,
        root: &str,
        vars: Json,
        mut found: impl FnMut(&Json) -> Result<Option<T>, CallError>,
    ) -> Result<HashMap<String, T>, CallError> {
        let mut out = HashMap::new();
        for chunk in skus.chunks(SEARCH_CHUNK) {
            let mut variables = vars.clone();
            variables["query"] = json!(any_sku(chunk));
            variables["first"] = json!(chunk.len() + 1);
            for _page in 0..20 {
                let data = self.graphql(document, variables.clone()).await?;
                let conn = &data[root];
                for node in conn["nodes"].as_array().into_iter().flatten() {
                    let Some(sku) = node["sku"].as_str() else {
                        continue;
                    };
                    if !chunk.iter().any(|s| s.as_str() == sku) || out.contains_key(sku) {
                        continue;
                    }
                    if let Some(value) = found(node)? {
                        out.insert(sku.to_string(), value);
                    }
                }
                if chunk.iter().all(|s| out.contains_key(s.as_str()))
                    || conn["pageInfo"]["hasNextPage"].as_bool() != Some(true)
                {
                    break;
                }
                variables["after"] = conn["pageInfo"]["endCursor"].clone();
            }
        }
        Ok(out)
    }

    /// Sends one wave (no item and location twice) until every member is set or refused.
    async fn set_wave(
        &self,
        mut wave: Vec<Pending>,
        calls: &[BatchCall<UpdateInventoryParams>],
    ) -> Vec<(Pending, Outcome)> {
        let mut done = Vec::new();
        let mut round = 0u32;
        while !wave.is_empty() {
            round += 1;
            let mut sent: Vec<Pending> = Vec::new();
            let mut rest = Vec::new();
            for p in wave {
                if sent.len() < MAX_QUANTITIES {
                    sent.push(p);
                } else {
                    rest.push(p);
                }
            }
            let infos: Vec<&CallInfo> = sent.iter().map(|p| &calls[p.index].info).collect();
            let answer = self.send_quantities(&sent, &infos).await;
            match answer {
                Err(e) => {
                    // The whole request failed: every member's error (the engine retries).
                    done.extend(sent.into_iter().map(|p| (p, Err(e.clone()))));
                }
                Ok((errors, payload)) if errors.is_empty() => {
                    for p in sent {
                        if let Some(v) = &p.variant {
                            self.note_level(v, &p.location, p.quantity);
                        }
                        let previous =
                            crate::api::replaced_quantity(&payload, &p.item, &p.location)
                                .or(p.compare)
                                .unwrap_or(p.quantity);
                        let outcome = Ok(UpdateInventoryResult {
                            inventory_item_id: p.item.clone(),
                            location_id: p.location.clone(),
                            quantity: p.quantity,
                            previous_quantity: previous,
                        });
                        done.push((p, outcome));
                    }
                }
                Ok((errors, _)) => {
                    let by_member = member_errors(&errors, sent.len());
                    let Some(by_member) = by_member else {
                        // An error of the request, not of a member: every member's.
                        let e = user_errors("inventorySetQuantities", &errors);
                        done.extend(sent.into_iter().map(|p| (p, Err(e.clone()))));
                        wave = rest;
                        continue;
                    };
                    let mut retry = Vec::new();
                    let mut stale = Vec::new();
                    for (p, errs) in sent.into_iter().zip(by_member) {
                        if errs.is_empty() {
                            // Not applied (all or nothing): sent again without the refused.
                            retry.push(p);
                        } else if errs.iter().all(is_stale) && p.stale_reads < MAX_STALE_RETRIES {
                            stale.push(p);
                        } else {
                            // A refused item may be a SKU moved to another: found again next time.
                            self.items.take(p.sku.as_str());
                            let e = user_errors("inventorySetQuantities", &errs);
                            done.push((p, Err(e)));
                        }
                    }
                    if !stale.is_empty() {
                        // Read the stale ones again (one search per location) and go on.
                        for (mut p, reread) in self.reread(stale).await {
                            match reread {
                                Ok(current) => {
                                    p.compare = Some(current);
                                    p.stale_reads += 1;
                                    retry.push(p);
                                }
                                Err(e) => done.push((p, Err(e))),
                            }
                        }
                    }
                    retry.sort_by_key(|p| p.index);
                    rest.splice(0..0, retry);
                }
            }
            if round > MAX_STALE_RETRIES * 4 + 8 {
                // Cannot happen with an API that answers as documented; never loop for ever.
                let e = CallError::retryable("shopify: the bulk write did not settle");
                done.extend(rest.into_iter().map(|p| (p, Err(e.clone()))));
                break;
            }
            wave = rest;
        }
        done
    }

    /// The current available quantity of each member, read by SKU search per location.
    async fn reread(&self, members: Vec<Pending>) -> Vec<(Pending, Result<i64, CallError>)> {
        let mut by_location: HashMap<String, Vec<Pending>> = HashMap::new();
        for p in members {
            by_location.entry(p.location.clone()).or_default().push(p);
        }
        let mut out = Vec::new();
        for (location, members) in by_location {
            let skus: Vec<String> = members.iter().map(|p| p.sku.clone()).collect();
            let levels = self.search_levels(&skus, &location).await;
            for p in members {
                let current = match &levels {
                    Err(e) => Err(e.clone()),
                    Ok(levels) => match levels.get(&p.sku) {
                        Some((v, Ok(available))) if v.inventory_item_id == p.item => {
                            let _ = self.recent_level(&v.variant_id, &location);
                            Ok(*available)
                        }
                        Some((v, Err(e))) if v.inventory_item_id == p.item => Err(e.clone()),
                        _ => self.read_available(&p.item, &location).await,
                    },
                };
                out.push((p, current));
            }
        }
        out
    }

    /// One `inventorySetQuantities` of these members: its `userErrors` (empty: all set) and its
    /// payload.
    async fn send_quantities(
        &self,
        members: &[Pending],
        infos: &[&CallInfo],
    ) -> Result<(Vec<Json>, Json), CallError> {
        let quantities: Vec<Json> = members
            .iter()
            .map(|p| self.quantity_input(&p.item, &p.location, p.quantity, p.compare))
            .collect();
        let key = request_key(members, infos);
        let reference = match infos {
            [one] => format!("gid://handled/SyncRun/{}", one.run_id),
            _ => format!("gid://handled/SyncBatch/{key}"),
        };
        let plain = members.iter().all(|p| p.compare.is_none());
        let (query, variables) = self.set_document(&reference, quantities, plain, &key);
        let mut data = self.graphql(query, variables).await?;
        let payload = data["inventorySetQuantities"].take();
        let errors = payload["userErrors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if errors
            .iter()
            .any(|e| e["code"].as_str() == Some("IDEMPOTENCY_CONCURRENT_REQUEST"))
        {
            return Err(CallError::retryable(
                "shopify: the same write is still in flight (IDEMPOTENCY_CONCURRENT_REQUEST)",
            ));
        }
        Ok((errors, payload))
    }
}

/// The error of a SKU no variant has.
pub(crate) fn no_such_sku(sku: &str) -> CallError {
    CallError::permanent(format!("shopify: no product variant has SKU \"{sku}\""))
}

/// A search term that matches exactly one SKU (`sku:"A-1"`, quotes and backslashes escaped).
pub(crate) fn sku_term(sku: &str) -> String {
    format!("sku:\"{}\"", sku.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A search matching any of these SKUs exactly (their terms joined by `OR`).
fn any_sku<S: AsRef<str>>(skus: &[S]) -> String {
    skus.iter()
        .map(|sku| sku_term(sku.as_ref()))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn is_stale(error: &Json) -> bool {
    matches!(
        error["code"].as_str(),
        Some("CHANGE_FROM_QUANTITY_STALE" | "COMPARE_QUANTITY_STALE")
    )
}

/// The `userErrors` by member (`field: ["input", "quantities", "N", …]`); None when one of
/// them concerns the whole request (or names no member of it).
fn member_errors(errors: &[Json], members: usize) -> Option<Vec<Vec<Json>>> {
    let mut out: Vec<Vec<Json>> = vec![Vec::new(); members];
    for e in errors {
        let field = e["field"].as_array()?;
        let index = match field.as_slice() {
            [input, quantities, index, ..] if input == "input" && quantities == "quantities" => {
                match index {
                    Json::String(s) => s.parse::<usize>().ok()?,
                    Json::Number(n) => usize::try_from(n.as_u64()?).ok()?,
                    _ => return None,
                }
            }
            _ => return None,
        };
        out.get_mut(index)?.push(e.clone());
    }
    Some(out)
}

/// The idempotency key of one request: a digest of what it sets, so that the same request
/// sent again replays, and a different one (a member dropped, a compare read again) is new.
fn request_key(members: &[Pending], infos: &[&CallInfo]) -> String {
    let mut text = String::new();
    for (p, info) in members.iter().zip(infos) {
        text.push_str(&format!(
            "{}|{}|{}|{:?}|{}\n",
            info.idempotency_key, p.item, p.location, p.compare, p.quantity
        ));
    }
    format!(
        "bulk-{}",
        &handled_contract::webhook::body_hash(text.as_bytes())[..32]
    )
}
