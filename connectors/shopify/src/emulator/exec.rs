//! A small GraphQL executor over the emulated shop: resolves the root fields the connector
//! (and reasonable clients) use, projects results onto the selection sets, and prices queries
//! the way Shopify does (objects 1, connections 2 + first × items, mutations 10).

use std::collections::HashMap;

use apollo_compiler::ast::{Document, Field, FragmentDefinition, Selection, Value};
use apollo_compiler::{Name, Node};
use handled_connector_core::Json;
use serde_json::{Map, json};

use super::shop::Shop;

/// The most items a connection returns in one page.
pub const MAX_PAGE: usize = 250;

/// A resolved value before projection.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Null,
    Scalar(Json),
    List(Vec<Val>),
    Obj(Obj),
}

/// An object whose fields are resolved on demand.
#[derive(Clone, Debug)]
pub(crate) enum Obj {
    Product(usize),
    Variant(usize),
    Item(usize),
    Level(usize, u64),
    Location(u64),
    Quantity(String, i64),
    /// nodes, index of the first node, whether more follow, node type name.
    Conn(Vec<Obj>, usize, bool, &'static str),
    Map(&'static str, Vec<(String, Val)>),
    Json(Json),
}

/// A GraphQL error raised while executing (becomes an `errors[]` entry).
#[derive(Clone, Debug)]
pub(crate) struct GqlError {
    pub message: String,
    pub code: &'static str,
}

impl GqlError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        GqlError {
            message: message.into(),
            code,
        }
    }
}

type R<T> = Result<T, GqlError>;

/// Turns an argument value into JSON, substituting variables.
pub(crate) fn value_to_json(v: &Value, vars: &Map<String, Json>) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Enum(n) => json!(n.as_str()),
        Value::Variable(n) => vars.get(n.as_str()).cloned().unwrap_or(Json::Null),
        Value::String(s) => json!(s),
        Value::Float(f) => f
            .as_str()
            .parse::<f64>()
            .map(Json::from)
            .unwrap_or(Json::Null),
        Value::Int(i) => i
            .as_str()
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or(Json::Null),
        Value::Boolean(b) => json!(b),
        Value::List(items) => Json::Array(items.iter().map(|i| value_to_json(i, vars)).collect()),
        Value::Object(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), value_to_json(v, vars)))
                .collect(),
        ),
    }
}

/// A field's arguments as JSON.
pub(crate) fn args(f: &Field, vars: &Map<String, Json>) -> Map<String, Json> {
    f.arguments
        .iter()
        .map(|a| (a.name.to_string(), value_to_json(&a.value, vars)))
        .collect()
}

/// Runs projections over a shop.
pub(crate) struct Exec<'a> {
    pub shop: &'a Shop,
    pub vars: &'a Map<String, Json>,
    pub fragments: &'a HashMap<Name, &'a Node<FragmentDefinition>>,
    /// A bulk operation's read: connections are read whole, whatever their `first`.
    pub bulk: bool,
}

/// The operations of a document, in order.
pub(crate) fn operations(doc: &Document) -> Vec<&Node<apollo_compiler::ast::OperationDefinition>> {
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            apollo_compiler::ast::Definition::OperationDefinition(o) => Some(o),
            _ => None,
        })
        .collect()
}

/// The fragments of a document by name.
pub(crate) fn fragments(doc: &Document) -> HashMap<Name, &Node<FragmentDefinition>> {
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            apollo_compiler::ast::Definition::FragmentDefinition(f) => Some((f.name.clone(), f)),
            _ => None,
        })
        .collect()
}

fn gid(kind: &str, id: u64) -> Json {
    json!(format!("gid://shopify/{kind}/{id}"))
}

/// The numeric id in `gid://shopify/<kind>/<id>` (or a bare number).
pub(crate) fn parse_gid(v: &Json, kind: &str) -> Option<u64> {
    match v {
        Json::String(s) => {
            let rest = match s.strip_prefix("gid://shopify/") {
                Some(r) => r.strip_prefix(kind)?.strip_prefix('/')?,
                None => s.as_str(),
            };
            rest.split('?').next()?.parse().ok()
        }
        Json::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn s(v: impl Into<String>) -> Val {
    Val::Scalar(Json::String(v.into()))
}

impl<'a> Exec<'a> {
    fn typename(&self, obj: &Obj) -> String {
        match obj {
            Obj::Product(_) => "Product".into(),
            Obj::Variant(_) => "ProductVariant".into(),
            Obj::Item(_) => "InventoryItem".into(),
            Obj::Level(..) => "InventoryLevel".into(),
            Obj::Location(_) => "Location".into(),
            Obj::Quantity(..) => "InventoryQuantity".into(),
            Obj::Conn(_, _, _, t) => format!("{t}Connection"),
            Obj::Map(t, _) => (*t).into(),
            Obj::Json(_) => "Object".into(),
        }
    }

    /// Projects a resolved value onto a selection set.
    pub(crate) fn complete(&self, v: Val, sel: &[Selection]) -> R<Json> {
        Ok(match v {
            Val::Null => Json::Null,
            Val::Scalar(j) => j,
            Val::List(items) => Json::Array(
                items
                    .into_iter()
                    .map(|i| self.complete(i, sel))
                    .collect::<R<_>>()?,
            ),
            Val::Obj(o) => {
                if sel.is_empty() {
                    return Err(GqlError::new(
                        "selectionMismatch",
                        format!(
                            "Field of type '{}' must have a selection of subfields",
                            self.typename(&o)
                        ),
                    ));
                }
                let mut out = Map::new();
                self.collect(&o, sel, &mut out)?;
                Json::Object(out)
            }
        })
    }

    fn collect(&self, obj: &Obj, sel: &[Selection], out: &mut Map<String, Json>) -> R<()> {
        for s in sel {
            match s {
                Selection::Field(f) => {
                    let key = f.alias.as_ref().unwrap_or(&f.name).to_string();
                    let v = if f.name == "__typename" {
                        Val::Scalar(json!(self.typename(obj)))
                    } else {
                        self.field(obj, f)?
                    };
                    let j = self.complete(v, &f.selection_set)?;
                    out.insert(key, j);
                }
                Selection::InlineFragment(fr) => {
                    let applies = fr
                        .type_condition
                        .as_ref()
                        .is_none_or(|t| self.matches_type(obj, t.as_str()));
                    if applies {
                        self.collect(obj, &fr.selection_set, out)?;
                    }
                }
                Selection::FragmentSpread(sp) => {
                    let Some(fr) = self.fragments.get(&sp.fragment_name) else {
                        return Err(GqlError::new(
                            "undefinedFragment",
                            format!("Fragment {} was used, but not defined", sp.fragment_name),
                        ));
                    };
                    if self.matches_type(obj, fr.type_condition.as_str()) {
                        self.collect(obj, &fr.selection_set, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn matches_type(&self, obj: &Obj, t: &str) -> bool {
        let name = self.typename(obj);
        name == t || t == "Node" || matches!(obj, Obj::Json(_) | Obj::Map(..))
    }

    fn undefined(&self, obj: &Obj, field: &str) -> GqlError {
        GqlError::new(
            "undefinedField",
            format!(
                "Field '{field}' doesn't exist on type '{}'",
                self.typename(obj)
            ),
        )
    }

    /// A page of a list: `first`/`after` from the field's arguments.
    pub(crate) fn page(&self, f: &Field, all: Vec<Obj>, node_type: &'static str) -> R<Val> {
        if self.bulk {
            return Ok(Val::Obj(Obj::Conn(all, 0, false, node_type)));
        }
        let a = args(f, self.vars);
        let first = match a.get("first").and_then(Json::as_i64) {
            Some(n) if n < 0 => {
                return Err(GqlError::new(
                    "argumentLiteralsIncompatible",
                    "first must not be negative",
                ));
            }
            Some(n) if n as usize > MAX_PAGE => {
                return Err(GqlError::new(
                    "BAD_REQUEST",
                    format!("The `first` argument must be at most {MAX_PAGE}, received {n}"),
                ));
            }
            Some(n) => n as usize,
            None => {
                return Err(GqlError::new(
                    "BAD_REQUEST",
                    "you must provide one of first or last",
                ));
            }
        };
        let start = match a.get("after").and_then(Json::as_str) {
            Some(c) => match c
                .strip_prefix("cursor:")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(i) => i + 1,
                None => {
                    return Err(GqlError::new(
                        "BAD_REQUEST",
                        format!("Invalid cursor for current pagination: {c}"),
                    ));
                }
            },
            None => 0,
        };
        let total = all.len();
        let nodes: Vec<Obj> = all.into_iter().skip(start).take(first).collect();
        let has_next = start + nodes.len() < total;
        Ok(Val::Obj(Obj::Conn(nodes, start, has_next, node_type)))
    }

    fn field(&self, obj: &Obj, f: &Field) -> R<Val> {
        let name = f.name.as_str();
        let shop = self.shop;
        match obj {
            Obj::Json(j) => Ok(json_val(j.get(name).cloned().unwrap_or(Json::Null))),
            Obj::Map(_, fields) => Ok(fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or(Val::Null)),
            Obj::Quantity(n, q) => match name {
                "name" => Ok(s(n.clone())),
                "quantity" => Ok(Val::Scalar(json!(q))),
                "id" => Ok(s(format!("gid://shopify/InventoryQuantity/{n}"))),
                "updatedAt" => Ok(Val::Null),
                _ => Err(self.undefined(obj, name)),
            },
            Obj::Conn(nodes, start, has_next, _) => match name {
                "nodes" => Ok(Val::List(nodes.iter().cloned().map(Val::Obj).collect())),
                "edges" => Ok(Val::List(
                    nodes
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            Val::Obj(Obj::Map(
                                "Edge",
                                vec![
                                    ("cursor".into(), s(format!("cursor:{}", start + i))),
                                    ("node".into(), Val::Obj(n.clone())),
                                ],
                            ))
                        })
                        .collect(),
                )),
                "pageInfo" => {
                    let end = if nodes.is_empty() {
                        Json::Null
                    } else {
                        json!(format!("cursor:{}", start + nodes.len() - 1))
                    };
                    let first = if nodes.is_empty() {
                        Json::Null
                    } else {
                        json!(format!("cursor:{start}"))
                    };
                    Ok(Val::Obj(Obj::Json(
                        json!({"hasNextPage": has_next, "hasPreviousPage": *start > 0,
                        "endCursor": end, "startCursor": first}),
                    )))
                }
                _ => Err(self.undefined(obj, name)),
            },
            Obj::Product(p) => {
                let Some(prod) = shop.products.get(*p) else {
                    return Ok(Val::Null);
                };
                match name {
                    "id" => Ok(Val::Scalar(gid("Product", prod.id))),
                    "legacyResourceId" => Ok(s(prod.id.to_string())),
                    "title" => Ok(s(prod.title.clone())),
                    "vendor" => Ok(s(prod.vendor.clone())),
                    "status" => Ok(s(prod.status.clone())),
                    "handle" => Ok(s(prod.title.to_lowercase().replace(' ', "-"))),
                    "tags" => Ok(Val::Scalar(json!(prod.tags))),
                    "totalInventory" => {
                        let total: i64 = prod
                            .variants
                            .iter()
                            .filter_map(|v| shop.variants.get(*v))
                            .flat_map(|v| {
                                shop.levels
                                    .iter()
                                    .filter(move |((i, _), _)| *i == v.item_id)
                            })
                            .map(|(_, l)| l.available)
                            .sum();
                        Ok(Val::Scalar(json!(total)))
                    }
                    "variants" => self.page(
                        f,
                        prod.variants.iter().map(|v| Obj::Variant(*v)).collect(),
                        "ProductVariant",
                    ),
                    _ => Err(self.undefined(obj, name)),
                }
            }
            Obj::Variant(v) => {
                let Some(var) = shop.variants.get(*v) else {
                    return Ok(Val::Null);
                };
                match name {
                    "id" => Ok(Val::Scalar(gid("ProductVariant", var.id))),
                    "legacyResourceId" => Ok(s(var.id.to_string())),
                    "sku" => Ok(s(var.sku.clone())),
                    "title" | "displayName" => Ok(s("Default Title")),
                    "product" => Ok(Val::Obj(Obj::Product(var.product))),
                    "inventoryItem" => Ok(Val::Obj(Obj::Item(*v))),
                    "inventoryQuantity" => Ok(Val::Scalar(json!(
                        shop.levels
                            .iter()
                            .filter(|((i, _), _)| *i == var.item_id)
                            .map(|(_, l)| l.available)
                            .sum::<i64>()
                    ))),
                    _ => Err(self.undefined(obj, name)),
                }
            }
            Obj::Item(v) => {
                let Some(var) = shop.variants.get(*v) else {
                    return Ok(Val::Null);
                };
                match name {
                    "id" => Ok(Val::Scalar(gid("InventoryItem", var.item_id))),
                    "legacyResourceId" => Ok(s(var.item_id.to_string())),
                    "sku" => Ok(s(var.sku.clone())),
                    "tracked" => Ok(Val::Scalar(json!(var.tracked))),
                    "variant" => Ok(Val::Obj(Obj::Variant(*v))),
                    "variants" => self.page(f, vec![Obj::Variant(*v)], "ProductVariant"),
                    "inventoryLevel" => {
                        let a = args(f, self.vars);
                        let loc = parse_gid(a.get("locationId").unwrap_or(&Json::Null), "Location")
                            .ok_or_else(|| {
                                GqlError::new("BAD_REQUEST", "inventoryLevel needs a locationId")
                            })?;
                        Ok(if shop.levels.contains_key(&(var.item_id, loc)) {
                            Val::Obj(Obj::Level(*v, loc))
                        } else {
                            Val::Null
                        })
                    }
                    "inventoryLevels" => {
                        let levels = shop
                            .levels
                            .keys()
                            .filter(|(i, _)| *i == var.item_id)
                            .map(|(_, l)| Obj::Level(*v, *l))
                            .collect();
                        self.page(f, levels, "InventoryLevel")
                    }
                    _ => Err(self.undefined(obj, name)),
                }
            }
            Obj::Level(v, loc) => {
                let Some(var) = shop.variants.get(*v) else {
                    return Ok(Val::Null);
                };
                let Some(level) = shop.levels.get(&(var.item_id, *loc)) else {
                    return Ok(Val::Null);
                };
                match name {
                    "id" => Ok(s(format!(
                        "gid://shopify/InventoryLevel/{loc}?inventory_item_id={}",
                        var.item_id
                    ))),
                    "item" => Ok(Val::Obj(Obj::Item(*v))),
                    "location" => Ok(Val::Obj(Obj::Location(*loc))),
                    "updatedAt" | "createdAt" => Ok(s(level.updated_at.clone())),
                    "isActive" | "canDeactivate" => Ok(Val::Scalar(json!(true))),
                    "quantities" => {
                        let a = args(f, self.vars);
                        let Some(names) = a.get("names").and_then(Json::as_array) else {
                            return Err(GqlError::new(
                                "missingRequiredArguments",
                                "quantities needs `names`",
                            ));
                        };
                        let mut out = Vec::new();
                        for n in names {
                            let n = n.as_str().unwrap_or_default();
                            let Some(q) = level.quantity(n) else {
                                return Err(GqlError::new(
                                    "BAD_REQUEST",
                                    format!("Invalid quantity name: {n}"),
                                ));
                            };
                            out.push(Val::Obj(Obj::Quantity(n.to_string(), q)));
                        }
                        Ok(Val::List(out))
                    }
                    _ => Err(self.undefined(obj, name)),
                }
            }
            Obj::Location(id) => {
                let Some(l) = shop.locations.iter().find(|l| l.id == *id) else {
                    return Ok(Val::Null);
                };
                match name {
                    "id" => Ok(Val::Scalar(gid("Location", l.id))),
                    "legacyResourceId" => Ok(s(l.id.to_string())),
                    "name" => Ok(s(l.name.clone())),
                    "isActive" => Ok(Val::Scalar(json!(l.active))),
                    "isPrimary" => Ok(Val::Scalar(json!(l.primary))),
                    "fulfillsOnlineOrders" | "hasActiveInventory" => Ok(Val::Scalar(json!(true))),
                    "inventoryLevels" => {
                        let mut levels: Vec<Obj> = Vec::new();
                        for (vi, var) in shop.variants.iter().enumerate() {
                            if shop.levels.contains_key(&(var.item_id, l.id)) {
                                levels.push(Obj::Level(vi, l.id));
                            }
                        }
                        self.page(f, levels, "InventoryLevel")
                    }
                    "inventoryLevel" => {
                        let a = args(f, self.vars);
                        let item = parse_gid(
                            a.get("inventoryItemId").unwrap_or(&Json::Null),
                            "InventoryItem",
                        );
                        Ok(match item.and_then(|i| shop.variant_by_item(i)) {
                            Some(v)
                                if shop.levels.contains_key(&(shop.variants[v].item_id, l.id)) =>
                            {
                                Val::Obj(Obj::Level(v, l.id))
                            }
                            _ => Val::Null,
                        })
                    }
                    _ => Err(self.undefined(obj, name)),
                }
            }
        }
    }
}

/// A JSON value as a resolved value (objects stay projectable).
pub(crate) fn json_val(j: Json) -> Val {
    match j {
        Json::Null => Val::Null,
        Json::Array(items) => Val::List(items.into_iter().map(json_val).collect()),
        o @ Json::Object(_) => Val::Obj(Obj::Json(o)),
        other => Val::Scalar(other),
    }
}

/// The requested cost of a selection set (Shopify's rules, simplified).
pub(crate) fn cost(
    sel: &[Selection],
    vars: &Map<String, Json>,
    frags: &HashMap<Name, &Node<FragmentDefinition>>,
    depth: usize,
) -> f64 {
    if depth > 30 {
        return 0.0;
    }
    let mut total = 0.0;
    for s in sel {
        match s {
            Selection::Field(f) => {
                if f.selection_set.is_empty() {
                    continue;
                }
                let a = args(f, vars);
                let n = a
                    .get("first")
                    .or_else(|| a.get("last"))
                    .and_then(Json::as_f64);
                match n {
                    Some(n) => {
                        let n = n.clamp(0.0, MAX_PAGE as f64);
                        let mut c = 2.0;
                        for child in &f.selection_set {
                            let one = cost(std::slice::from_ref(child), vars, frags, depth + 1);
                            let is_page_info =
                                matches!(child, Selection::Field(cf) if cf.name == "pageInfo");
                            c += if is_page_info { 0.0 } else { n * one };
                        }
                        total += c;
                    }
                    None => total += 1.0 + cost(&f.selection_set, vars, frags, depth + 1),
                }
            }
            Selection::InlineFragment(fr) => {
                total += cost(&fr.selection_set, vars, frags, depth + 1)
            }
            Selection::FragmentSpread(sp) => {
                if let Some(fr) = frags.get(&sp.fragment_name) {
                    total += cost(&fr.selection_set, vars, frags, depth + 1);
                }
            }
        }
    }
    total
}

/// The actual cost of a selection set whose result is `data`: the requested cost's rules with
/// each connection counted by the nodes it returned, not by its `first`, and an object that
/// came back null costing nothing (the bucket is refunded the difference).
pub(crate) fn actual_cost(
    sel: &[Selection],
    data: &Json,
    vars: &Map<String, Json>,
    frags: &HashMap<Name, &Node<FragmentDefinition>>,
    depth: usize,
) -> f64 {
    if depth > 30 {
        return 0.0;
    }
    let mut total = 0.0;
    for s in sel {
        match s {
            Selection::Field(f) => {
                if f.selection_set.is_empty() {
                    continue;
                }
                let key = f.alias.as_ref().unwrap_or(&f.name).as_str();
                let value = &data[key];
                if value.is_null() {
                    continue;
                }
                let a = args(f, vars);
                let is_connection = a.get("first").or_else(|| a.get("last")).is_some();
                if is_connection {
                    let mut c = 2.0;
                    for child in &f.selection_set {
                        let Selection::Field(cf) = child else {
                            continue;
                        };
                        if cf.name == "pageInfo" {
                            continue;
                        }
                        let child_key = cf.alias.as_ref().unwrap_or(&cf.name).as_str();
                        for item in value[child_key].as_array().into_iter().flatten() {
                            c += 1.0 + actual_cost(&cf.selection_set, item, vars, frags, depth + 1);
                        }
                    }
                    total += c;
                } else {
                    let one = match value {
                        Json::Array(items) => items.first().unwrap_or(&Json::Null),
                        other => other,
                    };
                    total += 1.0 + actual_cost(&f.selection_set, one, vars, frags, depth + 1);
                }
            }
            Selection::InlineFragment(fr) => {
                total += actual_cost(&fr.selection_set, data, vars, frags, depth + 1)
            }
            Selection::FragmentSpread(sp) => {
                if let Some(fr) = frags.get(&sp.fragment_name) {
                    total += actual_cost(&fr.selection_set, data, vars, frags, depth + 1);
                }
            }
        }
    }
    total
}
