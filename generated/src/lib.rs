//! The checked-in output of `hs2rs` for every program in `examples/`, compiled as part of the
//! workspace with warnings denied. A test regenerates each file and fails on any difference
//! (`UPDATE_EXPECT=1` rewrites them locally; never under CI).

#![deny(warnings)]

#[rustfmt::skip]
pub mod best_practice_conflict_and_buffer;
#[rustfmt::skip]
pub mod pattern1_bidirectional_shopify_wms;
#[rustfmt::skip]
pub mod pattern2_multichannel_distribution;
#[rustfmt::skip]
pub mod pattern3_low_stock_monitoring;
#[rustfmt::skip]
pub mod pattern4_daily_reconciliation;
