//! What the connector learnt from Shopify moments ago, kept for a while: a map whose entries
//! count only while they are fresh, and which drops the stale ones when it grows.

use handled_contract::lock;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Entries kept before the stale ones are dropped (unless a map says otherwise).
const ENTRIES: usize = 10_000;

/// Values that answer for `fresh_for` after they were put.
#[derive(Debug)]
pub(crate) struct Recent<K, V> {
    fresh_for: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// An empty map whose values answer for `fresh_for`.
    pub(crate) fn new(fresh_for: Duration) -> Self {
        Self::with_capacity(fresh_for, ENTRIES)
    }

    /// An empty map whose values answer for `fresh_for`, swept when it holds `capacity`.
    pub(crate) fn with_capacity(fresh_for: Duration, capacity: usize) -> Self {
        Recent {
            fresh_for,
            capacity: capacity.max(2),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        lock(&self.entries)
    }

    /// Puts a value, fresh from now. When the map is full it drops the stale entries, and
    /// every entry if over half of them are still fresh (they only save requests), so that the
    /// sweep happens at most once every `capacity / 2` puts.
    pub(crate) fn put(&self, key: K, value: V) {
        let mut entries = self.entries();
        if entries.len() >= self.capacity {
            entries.retain(|_, (_, at)| at.elapsed() < self.fresh_for);
            if entries.len() >= self.capacity / 2 {
                entries.clear();
            }
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// The value, if it is fresh.
    pub(crate) fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.entries();
        let (value, at) = entries.get(key)?;
        (at.elapsed() < self.fresh_for).then(|| value.clone())
    }

    /// Takes the value out, and returns it if it was fresh.
    pub(crate) fn take<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let (value, at) = self.entries().remove(key)?;
        (at.elapsed() < self.fresh_for).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_answer_while_fresh_and_stale_ones_go_when_it_grows() {
        let recent = Recent::new(Duration::from_millis(50));
        recent.put("a".to_string(), 1);
        assert_eq!(recent.get("a"), Some(1));
        assert_eq!(recent.take("a"), Some(1));
        assert_eq!(recent.get("a"), None, "taken");
        recent.put("b".to_string(), 2);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(recent.get("b"), None, "stale");
        for i in 0..ENTRIES {
            recent.put(i.to_string(), 0);
        }
        assert!(
            !recent.entries().contains_key("b"),
            "the stale entry is dropped when the map grows"
        );
    }

    #[test]
    fn a_map_full_of_fresh_entries_is_emptied_rather_than_swept_at_every_put() {
        let recent = Recent::new(Duration::from_secs(60));
        for i in 0..ENTRIES {
            recent.put(i, 0);
        }
        assert_eq!(recent.entries().len(), ENTRIES);
        recent.put(ENTRIES, 0);
        assert_eq!(recent.entries().len(), 1, "emptied, then the new entry put");
        assert_eq!(recent.get(&ENTRIES), Some(0));
    }
}
