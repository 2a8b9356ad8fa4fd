//! End-to-end harness for compiled programs, shared by the durability tests in `tests/` and the
//! `handled-bench` binary: the API emulators on one loopback server with a recorder of the
//! writes they receive ([`emulators`]), signed webhook deliveries and a redelivering sender
//! ([`webhooks`]), and the program as a child process ([`program`]).

pub mod emulators;
pub mod program;
pub mod recount;
pub mod webhooks;
