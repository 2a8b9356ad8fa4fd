//! What every bulk form needs: members grouped by what must be sent apart (credentials,
//! sellers), members split into waves in which a key (a SKU, a level) appears once, and the
//! results put back in the members' order.

use crate::call::CallError;

/// The indices of `items` grouped by `key`, groups in order of first appearance and members in
/// their order.
pub fn groups_by<'a, T, K: PartialEq>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<(K, Vec<usize>)> {
    let mut groups: Vec<(K, Vec<usize>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let k = key(item);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, members)) => members.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    groups
}

/// `members` split into waves in which no key appears twice: each member goes in the wave
/// after the last one holding its key, so that two members of one key are sent in their order.
pub fn waves_by<K: PartialEq>(members: &[usize], key: impl Fn(usize) -> K) -> Vec<Vec<usize>> {
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for &i in members {
        let k = key(i);
        let after = waves
            .iter()
            .rposition(|w| w.iter().any(|&j| key(j) == k))
            .map_or(0, |w| w + 1);
        match waves.get_mut(after) {
            Some(wave) => wave.push(i),
            None => waves.push(vec![i]),
        }
    }
    waves
}

/// One result slot per member, filled as the requests answer.
pub struct Results<T> {
    slots: Vec<Option<Result<T, CallError>>>,
}

impl<T> Results<T> {
    /// Slots for `count` members.
    pub fn new(count: usize) -> Self {
        Results {
            slots: (0..count).map(|_| None).collect(),
        }
    }

    /// Member `i`'s result.
    pub fn set(&mut self, i: usize, result: Result<T, CallError>) {
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Some(result);
        }
    }

    /// The results in the members' order; a member no request answered gets an error naming
    /// `connector`.
    pub fn finish(self, connector: &str) -> Vec<Result<T, CallError>> {
        self.slots
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(CallError::retryable(format!(
                        "{connector}: the bulk request gave this call no result"
                    )))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_order_and_waves_keep_a_keys_members_in_order() {
        let items = ["a", "b", "a", "c", "b"];
        let groups = groups_by(&items, |s| *s);
        assert_eq!(
            groups,
            vec![("a", vec![0, 2]), ("b", vec![1, 4]), ("c", vec![3])]
        );
        let skus = ["X", "Y", "X", "X", "Z"];
        let waves = waves_by(&[0, 1, 2, 3, 4], |i| skus[i]);
        assert_eq!(waves, vec![vec![0, 1, 4], vec![2], vec![3]]);
        let mut results = Results::new(3);
        results.set(0, Ok(1));
        results.set(2, Err(CallError::permanent("no")));
        let done = results.finish("toy");
        assert_eq!(done[0].as_ref().ok(), Some(&1));
        assert!(done[1].as_ref().is_err_and(|e| e.message.contains("toy")));
        assert_eq!(
            done[2].as_ref().err().map(|e| e.message.as_str()),
            Some("no")
        );
    }
}
