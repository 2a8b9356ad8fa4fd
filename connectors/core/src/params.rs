//! Typed op parameters in, typed results out: the JSON boundary of `Connector::call`.

use handled_contract::{CallError, Json};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses an op's params JSON into its params struct; a mismatch is a Permanent error.
pub fn parse<T: DeserializeOwned>(op: &str, params: Json) -> Result<T, CallError> {
    serde_json::from_value(params)
        .map_err(|e| CallError::permanent(format!("{op}: bad parameters: {e}")))
}

/// Serializes an op's result struct to JSON.
pub fn output<T: Serialize>(value: &T) -> Result<Json, CallError> {
    serde_json::to_value(value)
        .map_err(|e| CallError::permanent(format!("cannot serialize the result: {e}")))
}

/// The error for an op name this connector does not have.
pub fn unknown_op(connector: &str, op: &str) -> CallError {
    CallError::permanent(format!("{connector} has no op `{op}`"))
}

/// Refuses a negative quantity (CONNECTORS.md §2: checked at run time when not known earlier).
pub fn non_negative(what: &str, quantity: i64) -> Result<(), CallError> {
    if quantity < 0 {
        return Err(CallError::permanent(format!(
            "{what} must not be negative (got {quantity})"
        )));
    }
    Ok(())
}
