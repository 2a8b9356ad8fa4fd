//! The amazon ops' Rust types agree with the catalog.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod catalog_check;
}

use support::catalog_check::{check_all_listed, check_op};

#[test]
fn ops_agree_with_the_catalog() {
    check_op::<handled_amazon::UpdateInventory>("UpdateInventory");
    check_op::<handled_amazon::GetAllInventory>("GetAllInventory");
    check_all_listed("amazon", &["updateInventory", "getAllInventory"]);
}
