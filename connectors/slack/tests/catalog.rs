//! The slack op's Rust types agree with the catalog.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod catalog_check;
}

use support::catalog_check::{check_all_listed, check_op};

#[test]
fn send_message_agrees_with_the_catalog() {
    check_op::<handled_slack::SendMessage>("SendMessage");
    check_all_listed("slack", &["sendMessage"]);
}
