use moments_protocol::Locale;
use yew::prelude::*;

use crate::i18n::{self, Messages};

/// The catalog of the widget being rendered (English outside a provider).
#[hook]
pub fn use_messages() -> &'static Messages {
    use_context::<&'static Messages>().unwrap_or_else(|| i18n::messages(Locale::En))
}
