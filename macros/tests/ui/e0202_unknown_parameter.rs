//! E0202: `wms.updateInventory` has no parameter `qty`

handled_macros::workflow!(path = "flows/e0202_unknown_parameter.hs");

fn main() {}
