//! The small type language of the catalog: the shapes of parameters, payloads and results.

/// The shape of a value that crosses a connector or trigger boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A string (Rust `String`).
    String,
    /// One of a fixed set of strings (Rust `String`; the checker refuses other literals).
    Enum(&'static [&'static str]),
    /// Any JavaScript number (Rust `f64`).
    Number,
    /// An integer, such as a quantity (Rust `i64`); fractions are refused.
    Integer,
    /// `true` or `false` (Rust `bool`).
    Boolean,
    /// Any JSON value whose shape nothing declares (Rust `handled_runtime::Json`).
    Json,
    /// A list (Rust `Vec<T>`).
    Array(&'static Shape),
    /// An object with known fields (a Rust struct named by [`ObjectShape::rust_path`]).
    Object(&'static ObjectShape),
    /// The shape, or `null` (Rust `Option<T>`).
    Nullable(&'static Shape),
}

/// An object with known fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectShape {
    /// The full path of the Rust struct that holds it, without the leading `::`,
    /// such as `handled_shopify::FindProductResult`.
    pub rust_path: &'static str,
    /// Its fields, in the order they are documented.
    pub fields: &'static [FieldDef],
}

impl ObjectShape {
    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The Rust type name (the last segment of [`ObjectShape::rust_path`]).
    pub fn rust_name(&self) -> &'static str {
        self.rust_path.rsplit("::").next().unwrap_or(self.rust_path)
    }
}

/// One field of an object shape, a parameter list or a trigger's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// The name as written in HandledScript and on the wire (`productId`).
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// Whether it must be given. An optional field is `Option<T>` in Rust.
    pub required: bool,
    /// One line for diagnostics and documentation.
    pub doc: &'static str,
}

impl FieldDef {
    /// The Rust field name: the name in snake_case (`productId` → `product_id`).
    pub fn rust_name(&self) -> String {
        rust_field_name(self.name)
    }
}

/// Turns a catalog name into the Rust field name that holds it (`productId` → `product_id`,
/// `inventory_item_id` stays as it is).
pub fn rust_field_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if matches!(
        out.as_str(),
        "type" | "match" | "ref" | "move" | "self" | "struct" | "fn"
    ) {
        out.push('_');
    }
    out
}

/// A required field.
pub const fn req(name: &'static str, shape: Shape, doc: &'static str) -> FieldDef {
    FieldDef {
        name,
        shape,
        required: true,
        doc,
    }
}

/// An optional field.
pub const fn opt(name: &'static str, shape: Shape, doc: &'static str) -> FieldDef {
    FieldDef {
        name,
        shape,
        required: false,
        doc,
    }
}
