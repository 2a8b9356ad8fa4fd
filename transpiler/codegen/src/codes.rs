//! The registry of diagnostic codes. A code is never reused for another meaning; each entry
//! says what it catches, why, an example and the fix, and the same text is what
//! `hs2rs explain CODE` prints.

/// One registered diagnostic code.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    /// `E0104`, `W0001`, …
    pub code: &'static str,
    /// A few words.
    pub title: &'static str,
    /// What it catches, why, an example and the fix.
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($code:literal, $title:literal, $text:literal;)*) => {
        /// Every registered code, in order.
        pub static CODES: &[CodeInfo] = &[$(CodeInfo { code: $code, title: $title, explanation: $text }),*];
    };
}

/// The entry for a code (case-insensitive).
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

codes! {
    "E0001", "syntax error",
    "The parser met a token that cannot stand where it is.\n\nExample:\n    transform t { output = 1 }\n\nFields are written `name: value`. The message says what was expected; fix the text at the caret. The parser recovers and reports the file's other syntax errors in the same run.";
    "E0002", "malformed literal",
    "A string, template, number or comment is not well formed: it is not closed, or it has an escape JavaScript does not accept (`\\u` escapes that produce a lone surrogate are refused).\n\nExample:\n    message: \"Low stock\n\nClose the literal on the same line, or use a template literal `...` for text over several lines.";
    "E0003", "nesting too deep",
    "Expressions, objects, arrays and blocks may nest at most 128 levels deep. Deeper input is refused rather than risking a stack overflow in the transpiler.\n\nSplit the expression into several transforms, or into `const` declarations in an arrow block.";
    "E0004", "unsupported JavaScript",
    "The construct is JavaScript, but not part of the HandledScript subset (LANGUAGE.md §4): `function`, `class`, `var`, regular expression literals, assignment outside `let`, loops, calling a function stored in a variable, arrow functions anywhere but as the callback of an array method, and methods that are not listed.\n\nExample:\n    output: input.items.filter(function (x) { return x.ok })\n\nUse an arrow function: `input.items.filter(x => x.ok)`.";
    "E0101", "unknown connector",
    "A trigger or action names a connector the catalog does not have.\n\nExample:\n    action shopfy.updateInventory { … }\n\nThe connectors are shopify, wms, amazon, ebay, slack, email, analytics and supplier (and, for triggers, webhook and schedule). The help suggests the closest name.";
    "E0102", "unknown trigger",
    "The trigger's event is not one the connector offers.\n\nExample:\n    trigger shopify.orderCreated { … }\n\nSee CONNECTORS.md §1 for the triggers; the help suggests the closest one.";
    "E0103", "unknown op",
    "An action (or a forEach entry's `action` string) names an op the connector does not have.\n\nExample:\n    action shopify.setInventory { … }\n\nSee CONNECTORS.md §2 for the ops; the help suggests the closest one.";
    "E0104", "unknown name",
    "An expression uses a name that nothing defines. In HandledScript an expression can name `env`, `trigger`, `transform`, `action`, `run`, `input` (inside a transform), `item` (inside forEach), the built-ins (`Math`, `Number`, `JSON`, …), and the parameters and `const`/`let` names of the arrow functions around it.\n\nExample:\n    duration: syncEndTime - syncStartTime\n\nCompute the value in a transform and refer to it as `transform.<name>.<field>`.";
    "E0105", "unknown step",
    "`transform.<name>` or `action.<…>` refers to a step the workflow does not have.\n\nExample:\n    itemsUpdated: transform.inventoryUpdates.length\n\nCheck the step's name; the help suggests the closest one.";
    "E0106", "step used before it runs",
    "An expression refers to a step that comes later in the workflow (or to the step it is in). Steps run in the order written, so its output does not exist yet.\n\nMove the referenced step above the one that uses it.";
    "E0107", "unknown field",
    "The expression reads a field that the value's type does not have. Payloads, op results and transform outputs have known shapes, so a misspelt field is caught here rather than becoming `undefined` at run time.\n\nExample:\n    sku: action.shopify.findProduct.skuCode\n\nThe help suggests the closest field.";
    "E0108", "ambiguous action reference",
    "`action.<connector>.<op>` is ambiguous because the workflow calls that op more than once without naming the calls.\n\nName each call with `as`: `action shopify.updateInventory as setShopify { … }`, then refer to `action.setShopify`.";
    "E0109", "duplicate workflow",
    "Two workflows have the same name (in one file or across the files given together). Workflow names identify runs, webhook paths and journal entries, so they must be unique.\n\nRename one of them.";
    "E0110", "duplicate step name",
    "Two transforms, or two action aliases, of one workflow have the same name, so `transform.<name>` / `action.<name>` would be ambiguous.\n\nRename one of them.";
    "E0111", "name used out of its scope",
    "`input` exists only inside a transform, and `item` only inside a forEach's actions.\n\nRefer to the value through its step instead (`transform.<name>`), or move the expression into a transform.";
    "E0201", "missing parameter",
    "An op is called without a parameter it requires (CONNECTORS.md §2), or a trigger lacks a required field.\n\nExample:\n    action slack.sendMessage { channel: \"#ops\" }\n\nAdd the parameter (`message: …`).";
    "E0202", "unknown parameter",
    "An action passes a parameter the op does not take, or a trigger or transform has a field it does not know. A misspelt parameter would otherwise be silently ignored.\n\nExample:\n    action wms.updateInventory { sku: s, qty: 3 }\n\nThe help suggests the closest name (`quantity`).";
    "E0203", "type mismatch",
    "A value of one type is used where another is required: a string where a number is required, an object where a list is required, a non-boolean `validate` rule, and so on. JavaScript would coerce silently; connectors need the declared type.\n\nExample:\n    quantity: \"12\"\n\nConvert explicitly (`Number(x)`, `String(x)`) or fix the value.";
    "E0204", "fraction where an integer is required",
    "A quantity must be an integer, and this number is computed from known integers by an operation that can leave a fraction (`/`, `*` by a fraction, `Math.sqrt`, …).\n\nExample:\n    quantity: transform.alloc.total * 0.6\n\nWrap it in `Math.floor(…)`, `Math.round(…)` or `Math.trunc(…)`. (A number that comes from `json` is converted when the run reaches it, and a fraction then fails that run.)";
    "E0205", "negative quantity",
    "A quantity is known at compile time to be below zero. Channels refuse negative stock.\n\nUse `Math.max(0, …)` or fix the value.";
    "E0206", "bad trigger configuration",
    "A trigger field has a value that cannot work: an `events` entry that is not a string, a `path` that does not start with `/`, a `key` that does not read the payload, and so on.\n\nThe message names the field and what it needs.";
    "E0207", "invalid cron expression",
    "`schedule.cron`'s `expression` is not a valid cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first).\n\nExample:\n    expression: \"0 */6 * *\"\n\nAdd the missing field: \"0 */6 * * *\".";
    "E0208", "unknown time zone",
    "`timezone` must be an IANA time zone name such as `America/New_York` or `Europe/Berlin` (abbreviations like EST are ambiguous and not accepted).\n\nThe help suggests the closest name.";
    "E0209", "invalid duration",
    "A duration (`coalesce`, `timeout`, `retry.backoff`) must be a string literal such as \"500ms\", \"5s\", \"2m\" or \"1h\".\n\nExample:\n    coalesce: 5\n\nWrite \"5s\".";
    "E0210", "bad forEach entry",
    "Each entry of a forEach's `actions` must have an `action` field whose value is a string literal naming an op (\"slack.sendMessage\"); its `condition`, if any, must be a string literal holding an expression.\n\nExample:\n    { action: slack.sendMessage, channel: \"#a\", message: \"…\" }\n\nQuote the op name: `action: \"slack.sendMessage\"`.";
    "E0211", "bad condition expression",
    "A forEach entry's `condition` string does not parse as an expression. The string is compiled like any other expression, so its syntax errors are reported at their position inside the string.\n\nExample:\n    condition: \"item.currentStock = 0\"\n\nUse `===` to compare.";
    "E0212", "email template problem",
    "`email.send`'s `template` must be a string literal naming `templates/NAME.txt` and/or `templates/NAME.html` beside the program, and the template must parse (minijinja syntax, subject in a `subject` block).\n\nCreate the file, or fix the name; the message says which files were looked for.";
    "E0213", "bad transform",
    "A transform needs an `output` field; its fields are `input`, `output` and `validate`, and `validate` must be an object literal of named rules.\n\nExample:\n    transform t { input: trigger.payload }\n\nAdd `output: …`.";
    "E0214", "parameter group",
    "The op takes one of several groups of parameters, and none (or more than one) was given in full. For `shopify.updateInventory`: give `sku`, or `productId` together with `variantId`.\n\nThe message lists the groups.";
    "E0215", "duplicate field",
    "A block gives the same field twice; only one can win, which is probably not what was meant.\n\nRemove one of them.";
    "E0216", "not a function",
    "The expression calls something that is not a function of that value: a method the value's type does not have (`\"abc\".map(…)`), a property that is not a method, or a method of an object that has none.\n\nExample:\n    output: input.sku.toUpper()\n\nThe help suggests the closest method (`toUpperCase`).";
    "E0217", "bad assignment",
    "Only names declared with `let` in the same arrow function may be assigned; `const` names, parameters and outer names cannot.\n\nDeclare the name with `let`, or use a new `const`.";
    "E0218", "bad retry option",
    "An action's `retry` must be an object literal of `attempts` (every attempt, the first included: a whole number from 1 to 100) and `backoff` (a duration literal: the longest wait before the first retry; it doubles for each further retry, with full jitter, and an API's Retry-After is honoured). Either may be left out; what is left out comes from the program's retry policy.\n\nExample:\n    retry: { attempts: 2.5, backof: \"1s\" }\n\nWrite `retry: { attempts: 3, backoff: \"1s\" }`.";
    "W0001", "string used as a condition",
    "`env` values are strings, and every non-empty string is truthy in JavaScript, so `\"false\"` and `\"0\"` count as true.\n\nExample:\n    condition: \"item.supplier && env.AUTO_REORDER_ENABLED\"\n\nCompare explicitly: `env.AUTO_REORDER_ENABLED === \"true\"`.";
    "W0002", "== between different types",
    "`==` between values of different known types (a number and a string, say) uses JavaScript's coercions, which is rarely intended.\n\nUse `===` and convert one side explicitly (`Number(x) === 3`).";
    "W0003", "possible fraction where an integer is required",
    "A quantity is computed from a `json` value by an operation that can leave a fraction (`* 0.6`, `/ 2`). It compiles, but a run whose value has a fraction will fail when the value is converted.\n\nWrap it in `Math.floor(…)`, `Math.round(…)` or `Math.trunc(…)`.";
    "W0004", "unreachable alternative",
    "A `??` whose left side can never be `null` or `undefined` (a number, a boolean, an object literal) never uses its right side.\n\nUse `||` if falsy values should be replaced, or remove the right side.";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    /// E0101's explanation lists the connectors by hand; it must be the catalog's list, in the
    /// catalog's order, so that adding a connector to the catalog fails here until the text
    /// says so.
    #[test]
    fn unknown_connector_text_lists_the_catalog() {
        let names: Vec<&str> = handled_catalog::CONNECTORS.iter().map(|c| c.name).collect();
        let (last, rest) = names.split_last().expect("the catalog has connectors");
        let listed = format!("The connectors are {} and {last}", rest.join(", "));
        let info = super::lookup("E0101").expect("E0101 is registered");
        assert!(
            info.explanation.contains(&listed),
            "E0101 should say `{listed}`; it says {:?}",
            info.explanation
        );
    }
}
