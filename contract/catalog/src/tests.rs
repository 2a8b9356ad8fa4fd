//! Consistency checks of the catalog's data.

use super::*;
use std::collections::HashSet;

#[test]
fn names_are_unique() {
    let mut seen = HashSet::new();
    for op in OPS {
        assert!(
            seen.insert(op.full_name()),
            "duplicate op {}",
            op.full_name()
        );
    }
    for t in TRIGGERS {
        assert!(
            seen.insert(t.full_name()),
            "duplicate trigger {}",
            t.full_name()
        );
    }
}

#[test]
fn every_op_belongs_to_a_connector_crate() {
    for op in OPS {
        let c = connector(op.connector)
            .unwrap_or_else(|| panic!("{} has no connector", op.full_name()));
        assert!(
            op.params.rust_path.starts_with(c.crate_name),
            "{}",
            op.full_name()
        );
        assert!(
            op.result.rust_path.starts_with(c.crate_name)
                || op.result.rust_path.starts_with("handled_runtime")
        );
        for group in op.one_of {
            for name in *group {
                assert!(
                    op.params.field(name).is_some(),
                    "{}: one_of names {name}",
                    op.full_name()
                );
            }
        }
    }
}

#[test]
fn every_seed_op_is_present() {
    for name in [
        "shopify.findProduct",
        "shopify.updateInventory",
        "shopify.getInventoryLevels",
        "shopify.getAllInventory",
        "shopify.updateProduct",
        "wms.updateInventory",
        "wms.getAllInventory",
        "amazon.updateInventory",
        "amazon.getAllInventory",
        "ebay.updateInventory",
        "analytics.track",
        "slack.sendMessage",
        "supplier.createPurchaseOrder",
        "email.send",
    ] {
        let (c, o) = name.split_once('.').unwrap_or_default();
        assert!(op(c, o).is_some(), "missing {name}");
    }
}

#[test]
fn rust_names() {
    assert_eq!(rust_field_name("productId"), "product_id");
    assert_eq!(rust_field_name("inventory_item_id"), "inventory_item_id");
    assert_eq!(rust_field_name("type"), "type_");
    assert_eq!(pascal_case("updateInventory"), "UpdateInventory");
}
