//! Two files in one program, a second call in its own module, and a warning silenced by
//! `#[allow(deprecated)]` around the call.

handled_macros::workflow!(path = "../flows/ok.hs", path = "../flows/orders.hs");

#[allow(deprecated)]
mod reorder {
    handled_macros::workflow!(path = "../flows/env_condition.hs", module = flows);
}

fn main() {
    let mut app = handled_runtime::App::new();
    register(&mut app);
    reorder::flows::register(&mut app);
    let names: Vec<&str> = app.workflows().iter().map(|w| w.name).collect();
    assert_eq!(names, ["StockSync", "Restock", "Reorder"]);
    assert!(app.connector_names().contains(&"shopify"));
    assert!(app.connector_names().contains(&"slack"));
}
