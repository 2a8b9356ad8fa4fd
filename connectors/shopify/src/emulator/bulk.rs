//! Bulk query operations (`bulkOperationRunQuery`), as Shopify runs them: the query's one
//! top-level connection is read whole (no `first`, no page limit), its objects are written as
//! JSONL (one object a line; a nested connection's nodes on lines of their own, each naming
//! its parent's `id` as `__parentId`), and the file is offered at `url` once the operation
//! has run for its time: a base delay plus one per object at a rate, both from the fixture
//! (`"bulkOperationDelayMs"`, default 1,000; `"bulkOperationObjectsPerSecond"`, default
//! 10,000). Until then its status is `RUNNING`.
//!
//! Limits: before 2026-01 one query operation at a time (`OPERATION_IN_PROGRESS`); from
//! 2026-01 five (`LIMIT_REACHED`), Shopify's concurrent bulk queries of that version. The
//! operation is read by `node(id:)`, `bulkOperation(id:)` (2026-01 and later) or
//! `currentBulkOperation` (the newest).

use std::time::Duration;

use apollo_compiler::ast::{OperationType, Selection};
use handled_connector_core::Json;
use serde_json::{Map, json};
use tokio::time::Instant;

use super::EmulatorHandle;
use super::exec::{Exec, GqlError, fragments, operations};

/// The JSONL files' path below the emulator's root (`/_bulk/{id}.jsonl`).
pub(crate) const FILES_PATH: &str = "/_bulk";

/// One bulk query operation.
#[derive(Debug)]
pub(crate) struct BulkOp {
    id: u64,
    query: String,
    created_at: String,
    ready_at: Instant,
    completed_at: String,
    /// The JSONL file.
    pub(crate) lines: String,
    objects: u64,
    root_objects: u64,
    url: String,
}

impl BulkOp {
    fn running(&self) -> bool {
        Instant::now() < self.ready_at
    }

    /// The `BulkOperation` object as the API shows it now.
    pub(crate) fn to_json(&self) -> Json {
        let done = !self.running();
        json!({
            "id": gid(self.id),
            "status": if done { "COMPLETED" } else { "RUNNING" },
            "errorCode": null,
            "createdAt": self.created_at,
            "completedAt": if done { json!(self.completed_at) } else { Json::Null },
            "objectCount": if done { self.objects.to_string() } else { "0".to_string() },
            "rootObjectCount": if done { self.root_objects.to_string() } else { "0".to_string() },
            "fileSize": if done { json!(self.lines.len().to_string()) } else { Json::Null },
            "url": if done { json!(self.url) } else { Json::Null },
            "partialDataUrl": null,
            "query": self.query,
            "type": "QUERY",
        })
    }
}

/// A bulk operation's GID.
fn gid(id: u64) -> String {
    format!("gid://shopify/BulkOperation/{id}")
}

/// The operation's number in a `gid://shopify/BulkOperation/N`.
pub(crate) fn parse_id(v: &Json) -> Option<u64> {
    v.as_str()?
        .strip_prefix("gid://shopify/BulkOperation/")?
        .parse()
        .ok()
}

/// How long operations take to run (fixture `bulkOperationDelayMs`,
/// `bulkOperationObjectsPerSecond`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pace {
    base: Duration,
    objects_per_second: f64,
}

impl Pace {
    /// From the fixture, with the defaults of the module doc.
    pub(crate) fn from_fixture(fixture: &Json) -> Result<Pace, String> {
        let base = match &fixture["bulkOperationDelayMs"] {
            Json::Null => 1_000,
            v => v.as_u64().ok_or_else(|| {
                format!("shopify fixture: bulkOperationDelayMs must be a whole number of milliseconds, not {v}")
            })?,
        };
        let rate = match &fixture["bulkOperationObjectsPerSecond"] {
            Json::Null => 10_000.0,
            v => v.as_f64().filter(|r| *r > 0.0).ok_or_else(|| {
                format!("shopify fixture: bulkOperationObjectsPerSecond must be a positive number, not {v}")
            })?,
        };
        Ok(Pace {
            base: Duration::from_millis(base),
            objects_per_second: rate,
        })
    }

    fn run_time(&self, objects: u64) -> Duration {
        self.base + Duration::from_secs_f64(objects as f64 / self.objects_per_second)
    }
}

/// How long a bulk operation of `objects` objects runs in an emulator made from `fixture`
/// (its `bulkOperationDelayMs` and `bulkOperationObjectsPerSecond`, or their defaults).
pub fn run_time(fixture: &Json, objects: u64) -> Result<Duration, String> {
    Ok(Pace::from_fixture(fixture)?.run_time(objects))
}

/// The most query operations running at once in `version`.
fn concurrent_limit(version: &str) -> usize {
    if version >= "2026-01" { 5 } else { 1 }
}

fn user_error(code: &str, field: Json, message: impl Into<String>) -> Json {
    json!({"bulkOperation": null, "userErrors": [{"field": field, "code": code, "message": message.into()}]})
}

/// The payload refusing the query: `INVALID` on `query`, "Invalid bulk query: {why}".
fn invalid(why: impl std::fmt::Display) -> Json {
    user_error(
        "INVALID",
        json!(["query"]),
        format!("Invalid bulk query: {why}"),
    )
}

/// Writes `node` (an object of the top-level connection, or of a nested one under
/// `parent`) and its nested connections' nodes as JSONL lines; counts the objects.
fn flatten(node: &Json, parent: Option<&Json>, lines: &mut String, objects: &mut u64) {
    let Json::Object(fields) = node else {
        return;
    };
    let mut own = Map::new();
    let mut nested = Vec::new();
    for (key, value) in fields {
        match connection_nodes(value) {
            Some(nodes) => nested.push(nodes),
            None => {
                own.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(p) = parent {
        own.insert("__parentId".into(), p.clone());
    }
    let id = own.get("id").cloned();
    lines.push_str(&Json::Object(own).to_string());
    lines.push('\n');
    *objects += 1;
    for nodes in nested {
        for child in nodes {
            flatten(child, id.as_ref(), lines, objects);
        }
    }
}

/// The nodes of a connection's value (`{"edges":[{"node":…}]}` or `{"nodes":[…]}`).
fn connection_nodes(value: &Json) -> Option<Vec<&Json>> {
    if let Some(edges) = value.get("edges").and_then(Json::as_array) {
        return Some(edges.iter().map(|e| &e["node"]).collect());
    }
    value
        .get("nodes")
        .and_then(Json::as_array)
        .map(|n| n.iter().collect())
}

/// Whether a selection set selects a connection (`edges` or `nodes`) anywhere below a node
/// without the node's `id`, which Shopify requires to link the lines.
fn nested_without_id(sel: &[Selection], is_node: bool) -> bool {
    let fields: Vec<_> = sel
        .iter()
        .filter_map(|s| match s {
            Selection::Field(f) => Some(f),
            _ => None,
        })
        .collect();
    let has_id = fields.iter().any(|f| f.name == "id");
    for f in &fields {
        let is_conn = f
            .selection_set
            .iter()
            .any(|s| matches!(s, Selection::Field(c) if c.name == "edges" || c.name == "nodes"));
        if is_conn && is_node && !has_id {
            return true;
        }
        let child_is_node = f.name == "node" || f.name == "nodes";
        if nested_without_id(&f.selection_set, child_is_node) {
            return true;
        }
    }
    false
}

impl EmulatorHandle {
    /// `bulkOperationRunQuery(query:)`: validates the query against `version`'s schema, reads
    /// it whole and keeps the file until its time has come. The payload (`bulkOperation`,
    /// `userErrors`).
    pub(crate) fn run_bulk_query(
        &self,
        version: &str,
        args: &Map<String, Json>,
        base_url: &str,
    ) -> Result<Json, GqlError> {
        let Some(query) = args.get("query").and_then(Json::as_str) else {
            return Err(GqlError::new(
                "missingRequiredArguments",
                "Field 'bulkOperationRunQuery' is missing required arguments: query",
            ));
        };
        let doc = match self.parse(query) {
            Ok(d) => d,
            Err(msg) => {
                return Ok(invalid(msg));
            }
        };
        if let Err(errors) = self.check(version, query, &Map::new(), None) {
            let message = errors[0]["message"]
                .as_str()
                .unwrap_or("invalid")
                .to_string();
            return Ok(invalid(message));
        }
        let ops = operations(&doc);
        let [op] = ops.as_slice() else {
            return Ok(invalid("it must hold exactly one operation"));
        };
        if op.operation_type != OperationType::Query {
            return Ok(invalid(
                "bulkOperationRunQuery runs queries (use bulkOperationRunMutation for mutations)",
            ));
        }
        let roots: Vec<_> = op
            .selection_set
            .iter()
            .filter_map(|s| match s {
                Selection::Field(f) => Some(f),
                _ => None,
            })
            .collect();
        let [root] = roots.as_slice() else {
            return Ok(invalid(
                "the query must have exactly one top-level field, a connection",
            ));
        };
        if nested_without_id(&root.selection_set, false) {
            return Ok(invalid(
                "a node that selects a nested connection must select `id`",
            ));
        }
        let limit = concurrent_limit(version);
        {
            let ops = super::lock(&self.inner.bulk_ops);
            let running: Vec<&BulkOp> = ops.iter().filter(|o| o.running()).collect();
            if running.len() >= limit {
                return Ok(if limit == 1 {
                    user_error(
                        "OPERATION_IN_PROGRESS",
                        Json::Null,
                        format!(
                            "A bulk query operation for this app and shop is already in progress: {}.",
                            gid(running[0].id)
                        ),
                    )
                } else {
                    user_error(
                        "LIMIT_REACHED",
                        Json::Null,
                        "Bulk operations limit reached. Please try again later.",
                    )
                });
            }
        }
        let frags = fragments(&doc);
        let vars = Map::new();
        let connection = {
            let shop = super::lock(&self.inner.shop);
            let ex = Exec {
                shop: &shop,
                vars: &vars,
                fragments: &frags,
                bulk: true,
            };
            self.query_field(&ex, root)
                .and_then(|v| ex.complete(v, &root.selection_set))?
        };
        let Some(nodes) = connection_nodes(&connection) else {
            return Ok(invalid(format!(
                "the top-level field `{}` must be a connection (select `edges` or `nodes`)",
                root.name
            )));
        };
        let mut lines = String::new();
        let mut objects = 0;
        let root_objects = nodes.len() as u64;
        for node in nodes {
            flatten(node, None, &mut lines, &mut objects);
        }
        let mut ops = super::lock(&self.inner.bulk_ops);
        let id = ops.last().map(|o| o.id + 1).unwrap_or(1);
        let run_time = self.inner.bulk_pace.run_time(objects);
        let completed = handled_contract::clock::utc_now()
            + chrono::Duration::from_std(run_time).unwrap_or_default();
        let op = BulkOp {
            id,
            query: query.to_string(),
            created_at: super::shop::now(),
            ready_at: Instant::now() + run_time,
            completed_at: completed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lines,
            objects,
            root_objects,
            url: format!("{base_url}{FILES_PATH}/{id}.jsonl"),
        };
        let mut shown = op.to_json();
        shown["status"] = json!("CREATED");
        // Keep the last few operations' files (a long emulation does not grow without bound).
        if ops.len() >= 20 {
            ops.remove(0);
        }
        ops.push(op);
        Ok(json!({"bulkOperation": shown, "userErrors": []}))
    }

    /// The operation `id` as the API shows it now.
    pub(crate) fn bulk_operation(&self, id: u64) -> Option<Json> {
        super::lock(&self.inner.bulk_ops)
            .iter()
            .find(|o| o.id == id)
            .map(BulkOp::to_json)
    }

    /// The newest operation.
    pub(crate) fn current_bulk_operation(&self) -> Option<Json> {
        super::lock(&self.inner.bulk_ops)
            .last()
            .map(BulkOp::to_json)
    }

    /// The JSONL file of operation `id`, once it has completed.
    pub(crate) fn bulk_file(&self, id: u64) -> Option<String> {
        super::lock(&self.inner.bulk_ops)
            .iter()
            .find(|o| o.id == id && !o.running())
            .map(|o| o.lines.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_connections_become_lines_naming_their_parent() {
        let node = json!({"id": "gid://shopify/Product/1", "title": "A",
            "variants": {"edges": [{"node": {"id": "gid://shopify/ProductVariant/2", "sku": "A-1"}}]}});
        let mut lines = String::new();
        let mut objects = 0;
        flatten(&node, None, &mut lines, &mut objects);
        let parsed: Vec<Json> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or(Json::Null))
            .collect();
        assert_eq!(objects, 2);
        assert_eq!(
            parsed[0],
            json!({"id": "gid://shopify/Product/1", "title": "A"})
        );
        assert_eq!(
            parsed[1],
            json!({"id": "gid://shopify/ProductVariant/2", "sku": "A-1", "__parentId": "gid://shopify/Product/1"})
        );
    }
}
