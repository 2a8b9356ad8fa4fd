//! workflow! (being written).
