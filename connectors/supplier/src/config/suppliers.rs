//! The suppliers that take purchase orders by email, and their addresses: the list of
//! `SUPPLIER_ORDER_EMAILS`, or the same as JSON in a sandbox's fixture.

use std::collections::BTreeMap;

use handled_connector_core::mail::{Mailbox, Mailboxes};
use handled_contract::Json;

use super::{ORDER_EMAILS, SANDBOX_FIELD};

/// A supplier's name as orders are matched to it: trimmed, inner whitespace collapsed,
/// lowercased (`"  ACME  Corp "` is `"acme corp"`).
pub fn normalize_supplier(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The suppliers that take purchase orders by email, each with its recipients.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmailSuppliers {
    /// Normalized name ([`normalize_supplier`]) → (name as written, recipients).
    by_name: BTreeMap<String, (String, Vec<Mailbox>)>,
}

impl EmailSuppliers {
    /// Parses `SUPPLIER_ORDER_EMAILS`: entries `Supplier name=address[, address…]` separated
    /// by `;` or line breaks (`Acme Corp=orders@acme.example; Globex=po@globex.example,
    /// buyer@globex.example`). Every bad entry is named.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let entries = text
            .split([';', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
            .map(|(i, entry)| match entry.split_once('=') {
                Some((name, addresses)) => Ok((name, addresses)),
                None => Err(format!(
                    "{ORDER_EMAILS}: entry {} ({entry:?}) is not `Supplier name=address`",
                    i + 1
                )),
            });
        let mut problems = Vec::new();
        let mut pairs = Vec::new();
        for entry in entries {
            match entry {
                Ok(pair) => pairs.push(pair),
                Err(p) => problems.push(p),
            }
        }
        match (
            EmailSuppliers::from_pairs(ORDER_EMAILS, pairs),
            problems.is_empty(),
        ) {
            (Ok(suppliers), true) => Ok(suppliers),
            (Ok(_), false) => Err(problems),
            (Err(more), _) => Err(problems.into_iter().chain(more).collect()),
        }
    }

    /// The suppliers of (name, comma-separated addresses) pairs; every bad pair is named,
    /// after `source` (the variable or field they come from).
    pub fn from_pairs<'a>(
        source: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<String>> {
        let mut by_name = BTreeMap::new();
        let mut problems = Vec::new();
        for (name, addresses) in pairs {
            let name = name.trim();
            let key = normalize_supplier(name);
            if key.is_empty() {
                problems.push(format!("{source}: an entry has no supplier name"));
                continue;
            }
            match recipients(source, name, addresses) {
                Err(p) => problems.push(p),
                Ok(_) if by_name.contains_key(&key) => {
                    problems.push(format!("{source}: supplier {name:?} is named twice"));
                }
                Ok(to) => {
                    by_name.insert(key, (name.to_string(), to));
                }
            }
        }
        if problems.is_empty() {
            Ok(EmailSuppliers { by_name })
        } else {
            Err(problems)
        }
    }

    /// The suppliers of a sandbox's JSON (`{"Acme": "orders@acme.example", "Globex":
    /// ["po@globex.example", "buyer@globex.example"]}`; null is none); every bad entry is
    /// named.
    pub fn from_json(value: &Json) -> Result<Self, Vec<String>> {
        let map = match value {
            Json::Null => return Ok(EmailSuppliers::default()),
            Json::Object(map) => map,
            _ => {
                return Err(vec![format!(
                    "{SANDBOX_FIELD} must be an object of supplier name → addresses"
                )]);
            }
        };
        let mut pairs = Vec::new();
        let mut problems = Vec::new();
        for (name, addresses) in map {
            let list = match addresses {
                Json::String(s) => s.clone(),
                Json::Array(items) if items.iter().all(Json::is_string) => items
                    .iter()
                    .filter_map(Json::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => {
                    problems.push(format!(
                        "{SANDBOX_FIELD}: {name:?} must be an address or a list of addresses"
                    ));
                    continue;
                }
            };
            pairs.push((name.as_str(), list));
        }
        let parsed =
            EmailSuppliers::from_pairs(SANDBOX_FIELD, pairs.iter().map(|(n, l)| (*n, l.as_str())));
        match parsed {
            Ok(suppliers) if problems.is_empty() => Ok(suppliers),
            Ok(_) => Err(problems),
            Err(more) => Err(problems.into_iter().chain(more).collect()),
        }
    }

    /// The supplier's name as written in the list and where its orders are emailed, if it
    /// takes them by email.
    pub fn get(&self, supplier: &str) -> Option<(&str, &[Mailbox])> {
        self.by_name
            .get(&normalize_supplier(supplier))
            .map(|(name, to)| (name.as_str(), to.as_slice()))
    }

    /// Where orders for `supplier` are emailed, if it takes them by email.
    pub fn recipients(&self, supplier: &str) -> Option<&[Mailbox]> {
        self.get(supplier).map(|(_, to)| to)
    }

    /// Whether no supplier takes orders by email.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// `{"Supplier name": "address, address", …}`, names as written.
    pub fn to_json(&self) -> Json {
        Json::Object(
            self.by_name
                .values()
                .map(|(name, to)| {
                    let list: Vec<String> = to.iter().map(Mailbox::to_string).collect();
                    (name.clone(), list.join(", ").into())
                })
                .collect(),
        )
    }
}

/// The recipients of one supplier's entry, or why they are refused.
fn recipients(source: &str, name: &str, addresses: &str) -> Result<Vec<Mailbox>, String> {
    if addresses.trim().is_empty() {
        return Err(format!("{source}: supplier {name:?} has no email address"));
    }
    let list: Mailboxes = addresses.trim().parse().map_err(|e| {
        format!("{source}: supplier {name:?}: {addresses:?} is not a list of email addresses ({e})")
    })?;
    Ok(list.into_iter().collect())
}
