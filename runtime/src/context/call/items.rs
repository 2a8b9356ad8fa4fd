//! One forEach entry's calls made together (RUNTIME.md §2: the calls of one op may be sent as
//! the API's bulk call): each item's call is resumed or prepared in list order, every write's
//! intent is stored in one write, and the first attempts go to the connector at once, as one
//! batch, which its bulk wrapper sends in as few requests as the API allows (with other runs'
//! calls of the op). Two items
//! writing the same SKU never go together: the second waits for the first (per-key order).
//! Retries and outcomes are handled one call at a time, as for any action.

use handled_contract::batch::waves_by;

use super::super::{CallOutcome, ItemFailed, RunContext, Scope, StepError};
use super::Call;
use crate::connector::Op;
use crate::store::StepSlot;
use handled_js::Value;

impl RunContext {
    /// The calls of entry `entry` of forEach step `step` for the items `items` (indices into
    /// `list`), made together; one outcome per item, in the order given. `f` evaluates one
    /// item's params.
    pub async fn item_actions<O: Op, F>(
        &mut self,
        step: usize,
        entry: usize,
        list: &[Value],
        items: &[usize],
        f: F,
    ) -> Vec<(usize, Result<Option<O::Output>, ItemFailed>)>
    where
        F: Fn(&Scope<'_>, &Value) -> Result<Option<O::Params>, StepError> + Send + Sync,
    {
        let info = self.step_info(step);
        let op = format!("{}.{}", O::CONNECTOR, O::NAME);
        let mut outcomes: Vec<Option<Result<Option<O::Output>, ItemFailed>>> =
            (0..items.len()).map(|_| None).collect();
        // Each item resumed from the journal or prepared, in list order.
        let mut prepared: Vec<(usize, Call)> = Vec::new();
        for (at, &i) in items.iter().enumerate() {
            if let Some(reason) = &self.interrupted {
                outcomes[at] = Some(Err(ItemFailed {
                    message: format!("interrupted: {reason}"),
                }));
                continue;
            }
            let Some(item) = list.get(i) else {
                continue;
            };
            let slot = StepSlot::item(step, i, entry);
            if let Some(resumed) = self.resume::<O>(slot, info, &op) {
                outcomes[at] = Some(self.item_outcome(resumed));
                continue;
            }
            match self.prepare_unflushed::<O, _>(slot, info, op.clone(), |scope| f(scope, item)) {
                Ok(call) => prepared.push((at, call)),
                Err(outcome) => outcomes[at] = Some(self.item_outcome(outcome)),
            }
        }
        // Every write's intent stored before any is sent.
        if prepared.iter().any(|(_, c)| c.is_write)
            && let Err(stop) = self.flush().await
        {
            let message = stop.to_string();
            for (at, _) in prepared.drain(..) {
                self.items_failed += 1;
                outcomes[at] = Some(Err(ItemFailed {
                    message: message.clone(),
                }));
            }
        }
        // Waves in which no SKU is written twice, each wave's first attempts at once.
        let keys: Vec<Option<String>> = prepared
            .iter()
            .map(|(_, c)| {
                c.connector
                    .written_quantity(O::NAME, &c.params)
                    .map(|(sku, _)| sku)
            })
            .collect();
        let order: Vec<usize> = (0..prepared.len()).collect();
        // A call that writes no SKU is a key of its own.
        let waves = waves_by(&order, |k| keys[k].as_deref().ok_or(k));
        let mut slots: Vec<Option<(usize, Call)>> = prepared.into_iter().map(Some).collect();
        for wave in waves {
            let mut calls: Vec<(usize, Call)> =
                wave.into_iter().filter_map(|k| slots[k].take()).collect();
            for (_, call) in &mut calls {
                call.record.attempts += 1;
            }
            let refs: Vec<&Call> = calls.iter().map(|(_, call)| call).collect();
            let firsts = self.attempt_all::<O>(&refs).await;
            for ((at, mut call), first) in calls.into_iter().zip(firsts) {
                let outcome = match self.send_from::<O>(&mut call, Some(first)).await {
                    Ok(answer) => self.settle::<O>(call, answer).await,
                    Err(stop) => CallOutcome::Failed(stop),
                };
                outcomes[at] = Some(self.item_outcome(outcome));
            }
        }
        items
            .iter()
            .zip(outcomes)
            .filter_map(|(&i, o)| o.map(|o| (i, o)))
            .collect()
    }
}
