//! Cin7 Core's External API v2, the two endpoints the `cin7` profile calls: the product
//! availability listing and the stock adjustment, whose body is checked against Cin7's
//! documented model (`specs/cin7-stockadjustment.json`, with its sources) before anything is
//! applied.
//!
//! A body that does not conform gets Cin7's HTTP 400, a list of `{"ErrorCode","Exception"}` in
//! Cin7's wording: `Required attribute 'EffectiveDate' not provided.`, `Attribute 'Status' is
//! invalid.`. A `COMPLETED` adjustment sets each line's stock to its `Quantity` (the new level);
//! a `DRAFT` one is recorded and changes nothing. Lines name their product by `ProductID` (the
//! `ID` of the availability rows) or `SKU`, their location by `LocationID` or `Location`. The
//! emulator keeps whole units, so a fractional `Quantity` is refused.

use handled_contract::lock;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use handled_connector_core::Json;
use handled_connector_core::openapi::Document;
use serde_json::json;
use tokio::time::Instant;

use super::{EmulatorHandle, fxhash, guid, reply};

/// Cin7 Core's documented stock adjustment (see its `info.description` for the sources).
pub const SPEC_JSON: &str = include_str!("../../specs/cin7-stockadjustment.json");
/// The stock adjustment endpoint.
pub const ADJUST_PATH: &str = "/ExternalApi/v2/stockadjustment";
/// The product availability endpoint.
pub const LIST_PATH: &str = "/ExternalApi/v2/ref/productavailability";
/// The schema in the spec holding a line's `x-required-one-of`.
const LINE_SCHEMA: &str = "#/components/schemas/NewStockLine";

static SPEC: LazyLock<Result<Document, String>> = LazyLock::new(|| {
    Document::parse(SPEC_JSON).map_err(|e| format!("specs/cin7-stockadjustment.json: {e}"))
});

/// The stock adjustment spec, parsed once.
pub fn spec() -> Result<&'static Document, String> {
    SPEC.as_ref().map_err(Clone::clone)
}

/// The `ID` Cin7 gives a product, here derived from its SKU.
pub fn product_id(sku: &str) -> String {
    guid("product", sku)
}

/// The `ID` Cin7 gives a location, here derived from its name.
pub fn location_id(name: &str) -> String {
    guid("location", name)
}

/// Cin7's error answer: HTTP `status` and one `{"ErrorCode","Exception"}` per message.
fn refuse(status: StatusCode, messages: &[String]) -> Response {
    let errors: Vec<Json> = messages
        .iter()
        .map(|m| json!({"ErrorCode": status.as_u16(), "Exception": m}))
        .collect();
    reply(status, Json::Array(errors))
}

impl EmulatorHandle {
    /// Cin7's credentials and per-minute limit; `Err` is the answer to send.
    fn cin7_gate(&self, headers: &HeaderMap) -> Result<(), Box<Response>> {
        let (account, key) = self
            .inner
            .api_key
            .split_once(':')
            .unwrap_or((self.inner.api_key.as_str(), ""));
        let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        if get("api-auth-accountid") != Some(account) || get("api-auth-applicationkey") != Some(key)
        {
            return Err(Box::new(refuse(
                StatusCode::FORBIDDEN,
                &["Incorrect credentials!".to_string()],
            )));
        }
        let mut calls = lock(&self.inner.calls);
        let now = Instant::now();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            calls.pop_front();
        }
        if calls.len() >= self.inner.per_minute {
            let wait = calls
                .front()
                .map(|t| 60 - now.duration_since(*t).as_secs())
                .unwrap_or(60)
                .max(1);
            let mut resp = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                &[format!(
                    "You have reached {} calls per 60 seconds API limit.",
                    self.inner.per_minute
                )],
            );
            if let Ok(v) = wait.to_string().parse() {
                resp.headers_mut().insert("retry-after", v);
            }
            return Err(Box::new(resp));
        }
        calls.push_back(now);
        Ok(())
    }

    /// The SKU whose derived `ProductID` this is.
    fn sku_of(&self, id: &str) -> Option<String> {
        self.rows()
            .into_iter()
            .map(|(sku, _, _)| sku)
            .find(|sku| product_id(sku).eq_ignore_ascii_case(id))
    }

    /// The location whose derived `LocationID` this is.
    fn location_of(&self, id: &str) -> Option<String> {
        self.rows()
            .into_iter()
            .map(|(_, location, _)| location)
            .chain([self.inner.profile.default_location.clone()])
            .find(|location| location_id(location).eq_ignore_ascii_case(id))
    }
}

/// `GET /ExternalApi/v2/ref/productavailability?Page=&Limit=`.
pub(super) async fn list(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    h.inner.counters.received("getAllInventory");
    if let Err(r) = h.cin7_gate(&headers) {
        return *r;
    }
    let number = |name: &str, default: usize| {
        q.get(name)
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let (page, limit) = (number("Page", 1).max(1), number("Limit", 100));
    if limit == 0 || limit > 1000 {
        return refuse(
            StatusCode::BAD_REQUEST,
            &["Limit must be between 1 and 1000".to_string()],
        );
    }
    let rows = availability_rows(&h);
    let total = rows.len();
    let list: Vec<Json> = rows
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    h.inner.counters.applied("getAllInventory");
    reply(
        StatusCode::OK,
        json!({"Total": total, "Page": page, "ProductAvailabilityList": list}),
    )
}

/// One row per SKU × location × bin: the stock is split over two bins.
fn availability_rows(h: &EmulatorHandle) -> Vec<Json> {
    let mut rows = Vec::new();
    for (sku, loc, qty) in h.rows() {
        let half = qty / 2;
        for (bin, part) in [("A-01", qty - half), ("B-02", half)] {
            rows.push(
                json!({"ID": product_id(&sku), "SKU": sku, "Name": sku, "Location": loc,
                "Bin": bin, "Batch": null, "OnHand": part, "Allocated": 0, "Available": part,
                "OnOrder": 0, "InTransit": 0}),
            );
        }
    }
    rows
}

/// `POST /ExternalApi/v2/stockadjustment`.
pub(super) async fn adjust(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    h.inner.counters.received("updateInventory");
    if let Err(r) = h.cin7_gate(&headers) {
        return *r;
    }
    let Ok(adjustment) = serde_json::from_slice::<Json>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, &["Invalid JSON".to_string()]);
    };
    if let Err(messages) = conforms(&adjustment) {
        return refuse(StatusCode::BAD_REQUEST, &messages);
    }
    let lines = match resolve_lines(&h, &adjustment) {
        Ok(lines) => lines,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &[message]),
    };
    let completed = adjustment["Status"] == "COMPLETED";
    let answer = record(&h, &adjustment, &lines, completed, &body);
    if completed {
        h.inner.counters.applied("updateInventory");
    }
    reply(StatusCode::OK, answer)
}

/// Checks a stock adjustment against the documented model; `Err` holds Cin7's messages.
pub fn conforms(adjustment: &Json) -> Result<(), Vec<String>> {
    let doc = spec().map_err(|e| vec![e])?;
    let schema = doc
        .request_schema("POST", ADJUST_PATH)
        .ok_or_else(|| vec![format!("no request schema for POST {ADJUST_PATH}")])?;
    doc.validate(schema, adjustment)
        .map_err(|errors| errors.iter().map(|e| cin7_message(e)).collect::<Vec<_>>())?;
    required_one_of(doc, adjustment)?;
    effective_date(adjustment)
}

/// A validator message (`$.Lines[0]: missing required property `UnitCost``) in Cin7's words.
fn cin7_message(error: &str) -> String {
    let (at, problem) = error.split_once(": ").unwrap_or(("$", error));
    if let Some(name) = problem
        .strip_prefix("missing required property `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return format!("Required attribute '{name}' not provided.");
    }
    let attribute = at
        .rsplit('.')
        .next()
        .map(|segment| segment.split('[').next().unwrap_or(segment))
        .unwrap_or(at);
    match problem.strip_prefix("longer than ") {
        Some(rest) => format!("Attribute '{attribute}' length can't be more than {rest}."),
        None => format!("Attribute '{attribute}' is invalid."),
    }
}

/// The spec's `x-required-one-of` of a line: at least one name of each pair is present.
fn required_one_of(doc: &Document, adjustment: &Json) -> Result<(), Vec<String>> {
    let pairs = doc
        .resolve(LINE_SCHEMA)
        .and_then(|s| s["x-required-one-of"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut missing = Vec::new();
    for line in adjustment["Lines"].as_array().into_iter().flatten() {
        for pair in &pairs {
            let names: Vec<&str> = pair
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect();
            if !names.iter().any(|n| !line[*n].is_null()) {
                missing.push(format!(
                    "Required attribute '{}' not provided.",
                    names.join("' or '")
                ));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// `EffectiveDate` is a date (`2026-03-01`) or a date and time (`2026-03-01T00:00:00`).
fn effective_date(adjustment: &Json) -> Result<(), Vec<String>> {
    let text = adjustment["EffectiveDate"].as_str().unwrap_or_default();
    let ok = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || chrono::DateTime::parse_from_rfc3339(text).is_ok();
    if ok {
        Ok(())
    } else {
        Err(vec!["Attribute 'EffectiveDate' is invalid.".to_string()])
    }
}

/// One adjustment line, its product and location found.
#[derive(Debug)]
struct Line {
    sku: String,
    location: String,
    quantity: i64,
    unit_cost: f64,
}

fn resolve_lines(h: &EmulatorHandle, adjustment: &Json) -> Result<Vec<Line>, String> {
    adjustment["Lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|line| resolve_line(h, line))
        .collect()
}

fn resolve_line(h: &EmulatorHandle, line: &Json) -> Result<Line, String> {
    let sku = match (line["ProductID"].as_str(), line["SKU"].as_str()) {
        (Some(id), _) => h
            .sku_of(id)
            .ok_or_else(|| format!("Product not found: {id}"))?,
        (None, Some(sku)) if h.knows(sku) => sku.to_string(),
        (None, sku) => return Err(format!("Product not found: {}", sku.unwrap_or_default())),
    };
    let location = match (line["LocationID"].as_str(), line["Location"].as_str()) {
        (Some(id), _) => h
            .location_of(id)
            .ok_or_else(|| format!("Location not found: {id}"))?,
        (None, location) => location.unwrap_or_default().to_string(),
    };
    let quantity = line["Quantity"].as_f64().unwrap_or(f64::NAN);
    if quantity < 0.0 {
        return Err("Quantity must not be negative".to_string());
    }
    if quantity.fract() != 0.0 || quantity > 9e15 {
        return Err(format!(
            "Quantity {quantity}: the emulator keeps whole units only"
        ));
    }
    Ok(Line {
        sku,
        location,
        quantity: quantity as i64,
        unit_cost: line["UnitCost"].as_f64().unwrap_or(0.0),
    })
}

/// Records the adjustment (applying it when completed) and builds Cin7's answer: the lines that
/// changed stock already held in `ExistingStockLines`, the others in `NewStockLines`.
fn record(
    h: &EmulatorHandle,
    adjustment: &Json,
    lines: &[Line],
    completed: bool,
    body: &[u8],
) -> Json {
    let (mut existing, mut new) = (Vec::new(), Vec::new());
    for line in lines {
        let held = h.held(&line.sku, &line.location);
        match held {
            Some(before) => existing.push(existing_line(line, before)),
            None => new.push(new_line(line, &adjustment["EffectiveDate"])),
        }
        if completed {
            h.write(&line.sku, &line.location, line.quantity);
        }
    }
    let number = h.next_serial();
    json!({"TaskID": guid("task", &format!("{number}:{:016x}", fxhash(body))),
           "EffectiveDate": adjustment["EffectiveDate"], "StocktakeNumber": format!("ST-{number:05}"),
           "Status": adjustment["Status"], "Account": adjustment["Account"],
           "Reference": adjustment["Reference"], "Comment": adjustment["Comment"],
           "ExistingStockLines": existing, "NewStockLines": new, "Transactions": []})
}

fn existing_line(line: &Line, before: i64) -> Json {
    json!({"ProductID": product_id(&line.sku), "SKU": line.sku, "ProductName": line.sku,
           "QuantityOnHand": before, "Available": before, "Adjustment": line.quantity,
           "LocationID": location_id(&line.location), "Location": line.location,
           "BatchSN": null, "ExpiryDate": null, "Comments": ""})
}

fn new_line(line: &Line, effective_date: &Json) -> Json {
    json!({"ProductID": product_id(&line.sku), "SKU": line.sku, "ProductName": line.sku,
           "Quantity": line.quantity, "UnitCost": line.unit_cost,
           "LocationID": location_id(&line.location), "Location": line.location,
           "BatchSN": null, "ExpiryDate": null, "ReceivedDate": effective_date, "Comments": ""})
}
