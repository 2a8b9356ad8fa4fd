//! Outside-in tests of handled live in `tests/`: they run the real `hs2rs`, build programs from
//! `examples/`, and talk to them over their command line and HTTP. This library is empty.
