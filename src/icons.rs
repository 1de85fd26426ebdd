//! Icons as inline SVG paths in the text's colour: an emoji needs an emoji font, which some
//! systems lack (they show an empty box), and a page's fonts are not ours to rely on. Drawn by
//! the launcher (`crate::launcher::dom::icon`) and by the later parts (`crate::later::icons`).

/// A star: the member's standing.
pub const STAR: &str = "M12 2l2.9 6.9 7.1.6-5.4 4.7 1.7 7-6.3-3.9-6.3 3.9 1.7-7L2 9.5l7.1-.6z";

/// A wrapped present.
pub const GIFT: &str =
    "M3 8h18v4H3zM4 13h16v8H4zM11 8h2v13h-2zM12 8C10 4 6 3 6 6c0 2 4 2 6 2zm0 0c2-4 6-5 6-2 0 2-4 2-6 2z";

/// A burst of celebration.
pub const SPARKLE: &str =
    "M12 1l2.6 7.4L22 11l-7.4 2.6L12 21l-2.6-7.4L2 11l7.4-2.6zM19 1l.9 2.1L22 4l-2.1.9L19 7l-.9-2.1L16 4l2.1-.9z";

/// The × that closes a bubble, a prompt, a panel or a gift.
pub const CLOSE: &str = "×";
