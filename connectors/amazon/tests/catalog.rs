//! The amazon ops' Rust types agree with the catalog.

use handled_connector_core::contract::{check_connector, check_op};

#[test]
fn ops_agree_with_the_catalog() {
    let checked = check_connector(
        "amazon",
        &[
            (
                "updateInventory",
                check_op::<handled_amazon::UpdateInventory>,
            ),
            (
                "getAllInventory",
                check_op::<handled_amazon::GetAllInventory>,
            ),
        ],
    );
    assert_eq!(checked, Ok(()));
}
