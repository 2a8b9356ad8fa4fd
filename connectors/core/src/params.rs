//! Checks of op parameters that the catalog's shapes cannot express (the JSON boundary itself
//! is `handled_contract::ops`).

use handled_contract::CallError;

/// Refuses a negative quantity (CONNECTORS.md §2: checked at run time when not known earlier).
pub fn non_negative(what: &str, quantity: i64) -> Result<(), CallError> {
    if quantity < 0 {
        return Err(CallError::permanent(format!(
            "{what} must not be negative (got {quantity})"
        )));
    }
    Ok(())
}
