//! The few DOM calls the launcher draws with: elements by `createElement` and `setAttribute`
//! (never `innerHTML`, which a page enforcing Trusted Types refuses), each failing softly.

use web_sys::{Document, Element, Node};

use crate::listener::Listener;

fn document() -> Option<Document> {
    crate::browser::window()?.document()
}

/// `<tag attribute="value" …>`.
pub fn element(tag: &str, attributes: &[(&str, &str)]) -> Option<Element> {
    let element = document()?.create_element(tag).ok()?;
    set(&element, attributes);
    Some(element)
}

pub fn set(element: &Element, attributes: &[(&str, &str)]) {
    for (name, value) in attributes {
        let _ = element.set_attribute(name, value);
    }
}

/// `element` with `text` as its only content.
pub fn with_text(element: Element, text: &str) -> Element {
    element.set_text_content(Some(text));
    element
}

/// Appends what there is of `children`.
pub fn append(parent: &Element, children: impl IntoIterator<Item = Option<Element>>) {
    for child in children.into_iter().flatten() {
        let _ = parent.append_child(&child);
    }
}

/// An icon (`crate::icons`) in the text's colour, hidden from assistive technology.
pub fn icon(class: &str, path: &str) -> Option<Element> {
    const SVG: Option<&str> = Some("http://www.w3.org/2000/svg");
    let document = document()?;
    let svg = document.create_element_ns(SVG, "svg").ok()?;
    set(
        &svg,
        &[
            ("class", class),
            ("viewBox", "0 0 24 24"),
            ("width", "1em"),
            ("height", "1em"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    );
    let shape = document.create_element_ns(SVG, "path").ok()?;
    set(&shape, &[("d", path), ("fill", "currentColor")]);
    svg.append_child(&shape).ok()?;
    Some(svg)
}

/// A `<button type="button">` with `attributes`, and `on_click` listening to it.
pub fn button(
    attributes: &[(&str, &str)],
    on_click: impl FnMut(web_sys::Event) + 'static,
) -> Option<(Element, Listener)> {
    let button = element("button", attributes)?;
    set(&button, &[("type", "button")]);
    let listener = Listener::new(&button, "click", false, on_click)?;
    Some((button, listener))
}

/// Puts `node` into `parent` before `before` (at the end for `None`) when `present`, and takes
/// it out when not; a node already where it belongs is left alone (moving it would take the
/// focus away from it).
pub fn place(parent: &Element, node: &Node, before: Option<&Node>, present: bool) {
    let here = node.parent_node().is_some_and(|p| p.is_same_node(Some(parent)));
    if present && !here {
        let _ = parent.insert_before(node, before);
    } else if !present && here {
        let _ = parent.remove_child(node);
    }
}
