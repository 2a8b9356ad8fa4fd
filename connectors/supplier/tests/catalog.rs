//! The supplier ops' Rust types agree with the catalog.

use handled_connector_core::contract::{check_connector, check_op};

#[test]
fn ops_agree_with_the_catalog() {
    let checked = check_connector(
        "supplier",
        &[(
            "createPurchaseOrder",
            check_op::<handled_supplier::CreatePurchaseOrder>,
        )],
    );
    assert_eq!(checked, Ok(()));
}
