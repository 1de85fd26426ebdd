use std::rc::Rc;

use moments_protocol::wire::Slot;
use yew::prelude::*;

use crate::config::WidgetConfig;
use crate::exposures;
use crate::state::Session;

/// Reports the experiments in `slot` as seen once `shown` (`crate::exposures`).
#[hook]
pub fn use_exposures(session: Rc<Session>, config: Rc<WidgetConfig>, slot: Slot, shown: bool) {
    let reported = use_mut_ref(Vec::<String>::new);
    use_effect_with(shown, move |&shown| {
        if shown {
            exposures::report(&session, &config, slot, &mut reported.borrow_mut());
        }
    });
}
