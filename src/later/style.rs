use web_sys::{CssStyleSheet, Element};
use yew::prelude::*;

/// src/later/style.css, minified by build.rs.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/later.min.css"));

thread_local! {
    /// One stylesheet object shared by every widget on the page.
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new().ok().filter(|s| s.replace_sync(STYLE).is_ok());
}

/// Adds the later parts' stylesheet to the widget's shadow root, beside the first one, once;
/// during the first render, so nothing is ever drawn without it.
#[hook]
pub fn use_style(host: &Element) {
    let host = host.clone();
    use_memo((), move |_| {
        let Some(root) = host.shadow_root() else {
            return;
        };
        SHEET.with(|sheet| {
            let Some(sheet) = sheet else { return };
            let sheets = root.adopted_style_sheets();
            if !sheets.includes(sheet, 0) {
                sheets.push(sheet);
                root.set_adopted_style_sheets(&sheets);
            }
        });
    });
}
