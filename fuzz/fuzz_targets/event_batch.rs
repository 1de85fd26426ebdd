//! A batch of events and a session request as a browser (or anyone) may send them: parsing
//! never panics, and an event that parses keeps its meaning when written and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moments_protocol::domain::{SessionId, SessionStart, ValidEvent};
use moments_protocol::wire::{Event, EventBatch, SessionRequest};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = serde_json::from_slice::<EventBatch<Value>>(data) {
        let _ = SessionId::parse(&batch.session_id);
        for raw in batch.events {
            let Ok(event) = serde_json::from_value::<Event>(raw) else { continue };
            let Ok(valid) = ValidEvent::try_from(event.clone()) else { continue };
            let again: Event = serde_json::from_value(serde_json::to_value(&event).expect("events serialize")).expect("written events read back");
            assert_eq!(ValidEvent::try_from(again).expect("still valid"), valid);
        }
    }
    if let Ok(request) = serde_json::from_slice::<SessionRequest>(data) {
        let _ = SessionStart::try_from(request);
    }
});
