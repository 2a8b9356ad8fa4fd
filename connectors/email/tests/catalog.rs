//! The email ops' Rust types agree with the catalog.

use handled_connector_core::contract::{check_connector, check_op};

#[test]
fn ops_agree_with_the_catalog() {
    let checked = check_connector("email", &[("send", check_op::<handled_email::Send>)]);
    assert_eq!(checked, Ok(()));
}
