//! A compiled program for the command-line tests: the test workflows and the fake connector,
//! with the `main` that hs2rs generates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

use std::sync::Arc;

fn register(app: &mut handled_runtime::App) {
    let state = Arc::new(common::FakeState::default());
    let full = common::app(&state);
    for w in full.workflows() {
        app.add_workflow(*w);
    }
    app.add_connector(Box::new(common::FakeFactory { state }));
}

fn main() -> std::process::ExitCode {
    handled_runtime::main(register)
}
