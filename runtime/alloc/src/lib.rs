//! The memory allocator of handled's binaries (compiled programs, the sandbox, the bench).
//!
//! mimalloc costs the runtime's many small allocations markedly less than the system allocator
//! does, but on Linux it asks for transparent huge pages for its arenas (`madvise`), and memory
//! it gave back to the kernel after a quiet second is then faulted in again a whole 2 MiB page
//! at a time, each zeroed: a tenth of the bench's CPU and a few percent of a program's went to
//! `clear_page` (BENCHMARKS.md). [`init`] turns transparent huge pages off for the process.

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
