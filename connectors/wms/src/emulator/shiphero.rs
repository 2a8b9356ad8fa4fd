//! ShipHero's `POST /graphql`, answered by validating and executing each request against
//! ShipHero's published schema (`specs/shiphero-inventory.graphql`) with apollo-compiler, so that
//! what ShipHero refuses is refused here: an unknown type, field or argument, a variable declared
//! with a type its position does not take (`$data: UpdateInventoryInput!` given to
//! `inventory_replace(data: ReplaceInventoryInput!)`), a required input field missing, an input
//! field the type does not have, a value of the wrong type.
//!
//! - The document or its variables do not conform: HTTP 400 `{"errors":[{"message","locations"}]}`
//!   (no `data`), a GraphQL request error; the messages are apollo-compiler's wording.
//! - A field fails while resolving (unknown SKU, a page out of range): HTTP 200 with ShipHero's
//!   error shape, `{"errors":[{"message","operation","field","request_id","code"}],
//!   "data":{"inventory_replace":null}}` (developer.shiphero.com/troubleshooting/error-glossary).
//!   Codes: 5 for what does not exist (the glossary's example), 22 for a value out of range and
//!   for the operations the emulator does not serve.
//!
//! The answer is shaped by the request's selection and checked against the schema's result types
//! by the executor, so the emulator cannot answer a field ShipHero does not have either.

use std::cell::RefCell;
use std::sync::LazyLock;

use apollo_compiler::executable::Operation;
use apollo_compiler::request::coerce_variable_values;
use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{
    ExecutionResponse, GraphQLError, JsonMap, JsonValue, ResponseDataPathSegment,
};
use apollo_compiler::schema::{ExtendedType, Type};
use apollo_compiler::validation::{Valid, WithErrors};
use apollo_compiler::{ExecutableDocument, Schema};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use handled_connector_core::Json;
use serde_json::{Map, json};

use super::{EmulatorHandle, fxhash, reply};

/// The part of ShipHero's schema the emulator serves (see the file's header for its sources).
pub const SCHEMA_SDL: &str = include_str!("../../specs/shiphero-inventory.graphql");

/// The most nodes one page of a connection returns.
const MAX_PAGE: i64 = 100;
/// ShipHero's cursors are base64 of `arrayconnection:<index>`.
const CURSOR_PREFIX: &str = "arrayconnection:";
/// The code of an error about something that does not exist.
const NOT_FOUND: u32 = 5;
/// The code of an error about a value out of range, or an operation the emulator lacks.
const INVALID: u32 = 22;
/// What the executor puts before the message of an error a resolver returned.
const RESOLVER_PREFIX: &str = "resolver error: ";

static SCHEMA: LazyLock<Result<Valid<Schema>, String>> = LazyLock::new(|| {
    Schema::parse_and_validate(SCHEMA_SDL, "shiphero-inventory.graphql")
        .map_err(|e| format!("specs/shiphero-inventory.graphql: {}", e.errors))
});

/// ShipHero's schema, parsed and validated once.
pub fn schema() -> Result<&'static Valid<Schema>, String> {
    SCHEMA.as_ref().map_err(Clone::clone)
}

/// A GraphQL request as posted.
#[derive(Debug, serde::Deserialize)]
struct Request {
    query: String,
    #[serde(default)]
    variables: Option<Json>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
}

/// `POST /graphql`.
pub(super) async fn graphql(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(req) = serde_json::from_slice::<Request>(&body) else {
        return request_error(vec![
            json!({"message": "the body is not a GraphQL request: JSON with a `query` string"}),
        ]);
    };
    let schema = match schema() {
        Ok(s) => s,
        Err(e) => {
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"errors": [{"message": e}]}),
            );
        }
    };
    let parsed =
        ExecutableDocument::parse_and_validate(schema, req.query.as_str(), "request.graphql");
    let doc = match &parsed {
        Ok(doc) => doc,
        Err(with_errors) => &with_errors.partial,
    };
    h.inner
        .counters
        .received(counted_op(doc, req.operation_name.as_deref()));
    if !h.bearer_ok(&headers) {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"errors": [{"message": "Unauthorized", "code": 401}]}),
        );
    }
    match parsed {
        Ok(doc) => {
            let request_id = format!("{:08x}{:016x}", h.next_serial(), fxhash(&body));
            match execute(&h, schema, &doc, &req, &request_id) {
                Ok(answer) => reply(StatusCode::OK, answer),
                Err(errors) => request_error(errors),
            }
        }
        Err(with_errors) => request_error(diagnostics(&with_errors)),
    }
}

/// The reasons a document does not validate, as GraphQL errors.
fn diagnostics(with_errors: &WithErrors<ExecutableDocument>) -> Vec<Json> {
    with_errors
        .errors
        .iter()
        .map(|d| to_json(&d.to_json()))
        .collect()
}

/// A request error: HTTP 400 and no `data`.
fn request_error(errors: Vec<Json>) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({ "errors": errors }))
}

fn to_json(error: &GraphQLError) -> Json {
    serde_json::to_value(error).unwrap_or_else(|_| json!({"message": error.message}))
}

/// The op a request counts under: what its first known root field does.
fn counted_op(doc: &ExecutableDocument, operation_name: Option<&str>) -> &'static str {
    let Ok(op) = doc.operations.get(operation_name) else {
        return "unknown";
    };
    op.root_fields(doc)
        .find_map(|f| match f.name.as_str() {
            "inventory_replace" => Some("updateInventory"),
            "warehouse_products" => Some("getAllInventory"),
            _ => None,
        })
        .unwrap_or("unknown")
}

/// Coerces the variables, executes the operation and puts the answer in ShipHero's shape; `Err`
/// is a request error's list.
fn execute(
    h: &EmulatorHandle,
    schema: &Valid<Schema>,
    doc: &Valid<ExecutableDocument>,
    req: &Request,
    request_id: &str,
) -> Result<Json, Vec<Json>> {
    let fail = |e: apollo_compiler::request::RequestError| {
        vec![to_json(&e.to_graphql_error(&doc.sources))]
    };
    let op = doc
        .operations
        .get(req.operation_name.as_deref())
        .map_err(fail)?;
    let raw = variables(req.variables.as_ref())?;
    let vars = coerce_variable_values(schema, op, &raw).map_err(fail)?;
    let root = Root::new(h, op, request_id);
    let response = Execution::new(schema, doc)
        .operation(op)
        .coerced_variable_values(&vars)
        .execute_sync(&root)
        .map_err(fail)?;
    Ok(root.answer(response))
}

/// The request's variables as the executor takes them (absent or null: none).
fn variables(raw: Option<&Json>) -> Result<JsonMap, Vec<Json>> {
    match raw {
        None | Some(Json::Null) => Ok(JsonMap::new()),
        Some(v @ Json::Object(_)) => serde_json::from_value(v.clone())
            .map_err(|e| vec![json!({"message": format!("variables: {e}")})]),
        Some(_) => Err(vec![json!({"message": "`variables` must be an object"})]),
    }
}

/// A field error with ShipHero's code.
struct ShipHeroError {
    message: String,
    code: u32,
}

impl ShipHeroError {
    fn new(message: impl Into<String>, code: u32) -> Self {
        ShipHeroError {
            message: message.into(),
            code,
        }
    }
}

/// The root object (`Query` or `Mutation`) of one request; it keeps the codes of the field
/// errors raised, which the executor's errors do not carry.
struct Root<'h> {
    handle: &'h EmulatorHandle,
    type_name: String,
    request_id: &'h str,
    codes: RefCell<Vec<(String, u32)>>,
}

impl<'h> Root<'h> {
    fn new(handle: &'h EmulatorHandle, op: &Operation, request_id: &'h str) -> Self {
        Root {
            handle,
            type_name: op.object_type().to_string(),
            request_id,
            codes: RefCell::new(Vec::new()),
        }
    }

    /// Records the error's code and hands the executor its message.
    fn fail(&self, e: ShipHeroError) -> FieldError {
        self.codes.borrow_mut().push((e.message.clone(), e.code));
        FieldError { message: e.message }
    }

    /// The response with ShipHero's error objects.
    fn answer(&self, response: ExecutionResponse) -> Json {
        let data = response
            .data
            .map(|d| serde_json::to_value(d).unwrap_or(Json::Null))
            .unwrap_or(Json::Null);
        if response.errors.is_empty() {
            return json!({ "data": data });
        }
        let errors: Vec<Json> = response.errors.iter().map(|e| self.error(e)).collect();
        json!({ "errors": errors, "data": data })
    }

    fn error(&self, e: &GraphQLError) -> Json {
        let fields: Vec<&str> = e
            .path
            .iter()
            .filter_map(|s| match s {
                ResponseDataPathSegment::Field(name) => Some(name.as_str()),
                ResponseDataPathSegment::ListIndex(_) => None,
            })
            .collect();
        let message = e
            .message
            .strip_prefix(RESOLVER_PREFIX)
            .unwrap_or(&e.message);
        let code = self
            .codes
            .borrow()
            .iter()
            .find(|(m, _)| m == message)
            .map(|(_, c)| *c);
        json!({"message": message, "operation": fields.first(), "field": fields.last(),
               "request_id": self.request_id, "code": code})
    }

    /// `inventory_replace(data:)`: sets the quantity of a SKU in a warehouse.
    fn replace(&self, args: &Json) -> Result<Json, ShipHeroError> {
        let data = &args["data"];
        let (Some(sku), Some(warehouse), Some(quantity)) = (
            data["sku"].as_str(),
            data["warehouse_id"].as_str(),
            data["quantity"].as_i64(),
        ) else {
            return Err(ShipHeroError::new(
                "sku, warehouse_id and quantity are required",
                INVALID,
            ));
        };
        if !self.handle.write(sku, warehouse, quantity) {
            return Err(ShipHeroError::new(
                format!("Product with sku {sku} not found"),
                NOT_FOUND,
            ));
        }
        self.handle.inner.counters.applied("updateInventory");
        Ok(json!({"request_id": self.request_id, "complexity": 10,
                  "warehouse_product": warehouse_product(sku, warehouse, quantity)}))
    }
}

impl ObjectValue for Root<'_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let args = serde_json::to_value(info.arguments()).unwrap_or(Json::Null);
        let answer = match info.field_name() {
            "inventory_replace" => self.replace(&args),
            "warehouse_products" => {
                return Ok(ResolvedValue::object(Products {
                    root: self,
                    filter: args,
                }));
            }
            other => Err(ShipHeroError::new(
                format!(
                    "{other} is not served by the emulator (inventory_replace and warehouse_products are)"
                ),
                INVALID,
            )),
        };
        match answer {
            Ok(value) => Ok(resolved(info.schema(), &info.field_definition().ty, &value)),
            Err(e) => Err(self.fail(e)),
        }
    }
}

/// `WarehouseProductsQueryResult`: its `data` connection pages the rows that pass the query's
/// `warehouse_id`, `sku` and `active` filters.
struct Products<'r> {
    root: &'r Root<'r>,
    filter: Json,
}

impl Products<'_> {
    /// The rows the query's filters keep, in the warehouse's order.
    fn rows(&self) -> Vec<(String, String, i64)> {
        let wanted = |key: &str, value: &str| self.filter[key].as_str().is_none_or(|w| w == value);
        if self.filter["active"] == json!(false) {
            return Vec::new();
        }
        self.root
            .handle
            .rows()
            .into_iter()
            .filter(|(sku, warehouse, _)| wanted("sku", sku) && wanted("warehouse_id", warehouse))
            .collect()
    }

    /// `data(first:, after:)`: one page of the connection.
    fn page(&self, args: &Json) -> Result<Json, ShipHeroError> {
        if !args["last"].is_null() || !args["before"].is_null() {
            return Err(ShipHeroError::new(
                "the emulator pages forward only (first/after)",
                INVALID,
            ));
        }
        let first = args["first"].as_i64().unwrap_or(MAX_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ShipHeroError::new(
                format!("first must be between 1 and {MAX_PAGE}"),
                INVALID,
            ));
        }
        let start = match args["after"].as_str() {
            Some(cursor) => cursor_index(cursor)
                .map(|i| i + 1)
                .ok_or_else(|| ShipHeroError::new(format!("invalid cursor {cursor}"), INVALID))?,
            None => 0,
        };
        let rows = self.rows();
        let edges: Vec<Json> = rows
            .iter()
            .enumerate()
            .skip(start)
            .take(first as usize)
            .map(|(i, (sku, warehouse, q))| json!({"cursor": cursor(i), "node": warehouse_product(sku, warehouse, *q)}))
            .collect();
        let end = start + edges.len();
        let bound = |i: usize| {
            if edges.is_empty() {
                Json::Null
            } else {
                json!(cursor(i))
            }
        };
        self.root.handle.inner.counters.applied("getAllInventory");
        Ok(
            json!({"pageInfo": {"hasNextPage": end < rows.len(), "hasPreviousPage": start > 0,
                               "startCursor": bound(start), "endCursor": bound(end.saturating_sub(1))},
                  "edges": edges}),
        )
    }
}

impl ObjectValue for Products<'_> {
    fn type_name(&self) -> &str {
        "WarehouseProductsQueryResult"
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let value = match info.field_name() {
            "request_id" => json!(self.root.request_id),
            "complexity" => json!(MAX_PAGE + 1),
            "data" => {
                let args = serde_json::to_value(info.arguments()).unwrap_or(Json::Null);
                self.page(&args).map_err(|e| self.root.fail(e))?
            }
            _ => Json::Null,
        };
        Ok(resolved(info.schema(), &info.field_definition().ty, &value))
    }
}

/// A `WarehouseProduct` as the emulator keeps it: every unit on hand is available.
fn warehouse_product(sku: &str, warehouse: &str, quantity: i64) -> Json {
    let id = base64::engine::general_purpose::STANDARD.encode(format!(
        "WarehouseProduct:{}",
        fxhash(format!("{sku}\u{0}{warehouse}").as_bytes()) % 1_000_000_000
    ));
    json!({"id": id, "account_id": "QWNjb3VudDox", "sku": sku, "warehouse_id": warehouse,
           "warehouse_identifier": "Primary", "on_hand": quantity, "available": quantity,
           "allocated": 0, "backorder": 0, "reserve_inventory": 0, "non_sellable_quantity": 0,
           "sell_ahead": 0, "active": true})
}

fn cursor(index: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{CURSOR_PREFIX}{index}"))
}

fn cursor_index(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix(CURSOR_PREFIX)?
        .parse()
        .ok()
}

/// A JSON value as the executor's resolved value of a field of type `ty`: objects become
/// [`Node`]s of their schema type, lists are resolved item by item, the rest are leaves (which
/// the executor checks against their scalar types).
fn resolved<'a>(schema: &Schema, ty: &Type, value: &Json) -> ResolvedValue<'a> {
    match value {
        Json::Null => ResolvedValue::null(),
        Json::Array(items) if ty.is_list() => ResolvedValue::list(
            items
                .iter()
                .map(|item| resolved(schema, ty.item_type(), item))
                .collect::<Vec<_>>(),
        ),
        Json::Object(map) if is_object_type(schema, ty) => ResolvedValue::object(Node {
            type_name: ty.inner_named_type().to_string(),
            fields: map.clone(),
        }),
        other => ResolvedValue::leaf(JsonValue::from(other.clone())),
    }
}

fn is_object_type(schema: &Schema, ty: &Type) -> bool {
    matches!(
        schema.types.get(ty.inner_named_type()),
        Some(ExtendedType::Object(_))
    )
}

/// An object of the answer held as JSON; each field is its key.
struct Node {
    type_name: String,
    fields: Map<String, Json>,
}

impl ObjectValue for Node {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let value = self.fields.get(info.field_name()).unwrap_or(&Json::Null);
        Ok(resolved(info.schema(), &info.field_definition().ty, value))
    }
}
