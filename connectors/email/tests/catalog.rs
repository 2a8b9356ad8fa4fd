//! The email op's Rust types agree with the catalog.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod catalog_check;
}

use support::catalog_check::{check_all_listed, check_op};

#[test]
fn send_agrees_with_the_catalog() {
    check_op::<handled_email::Send>("Send");
    check_all_listed("email", &["send"]);
}
