//! The memory allocator of handled's binaries (compiled programs, the sandbox, the bench).
//!
//! mimalloc costs the runtime's many small allocations markedly less than the system allocator
//! does, but on Linux it asks for transparent huge pages for its arenas (`madvise`): memory it
//! touches is then faulted in a whole 2 MiB page at a time, each zeroed, and counted whole in
//! the resident set. The bench spent a tenth of its CPU in `clear_page`, and a program's peak
//! RSS fell from 45 to 35 MiB without huge pages (BENCHMARKS.md). [`init`] turns transparent
//! huge pages off for the process.

/// The global allocator: name it in `main.rs` with `#[global_allocator]`.
pub use mimalloc::MiMalloc as Allocator;

/// Keeps the process off transparent huge pages (Linux; elsewhere nothing). Call it first in
/// `main`: pages already faulted in stay as they are. Children started afterwards inherit it.
pub fn init() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_thp_disable(true) {
        // Only a cost, never a fault: the process runs the same with huge pages.
        eprintln!("warning: cannot turn transparent huge pages off for this process: {e}");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn init_turns_transparent_huge_pages_off() {
        super::init();
        assert_eq!(nix::sys::prctl::get_thp_disable(), Ok(true));
    }
}
