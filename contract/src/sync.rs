//! Locking: the one way this workspace takes a `std::sync::Mutex` (`clippy.toml` refuses
//! `Mutex::lock` everywhere else).
//!
//! A lock is poisoned when a thread panicked while holding it. Everything kept behind our locks
//! (counters, caches, emulator state) stays consistent between statements, so the guard is taken
//! back from the poison instead of unwrapping it, which would turn one panic into many.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, recovering the guard of a poisoned lock.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    #[allow(clippy::disallowed_methods)]
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_is_taken_back() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let held = std::sync::Arc::clone(&m);
        let _ = std::thread::spawn(move || {
            let _guard = lock(&held);
            panic!("poison it");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
