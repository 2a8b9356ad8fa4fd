//! The checked-in output of `hs2rs` for every program in `examples/`, compiled as part of the
//! workspace with warnings denied. A test regenerates each file and fails on any difference
//! (`UPDATE_GENERATED=1` rewrites them locally; never under CI).

#![deny(warnings)]

pub mod best_practice_conflict_and_buffer;
pub mod pattern1_bidirectional_shopify_wms;
pub mod pattern2_multichannel_distribution;
pub mod pattern3_low_stock_monitoring;
pub mod pattern4_daily_reconciliation;
