//! A small XML writer: elements, attributes and text, escaped, indented, and drained chunk by
//! chunk so a long document is sent as it is written. It cannot produce malformed XML: every
//! element is closed by `end` in the order it was opened, attribute values and text are
//! escaped, and characters XML 1.0 does not allow are written as U+FFFD.

/// One open element: its name, and whether anything was written inside it.
struct Open {
    name: &'static str,
    children: bool,
    text: bool,
}

pub struct XmlWriter {
    buf: String,
    stack: Vec<Open>,
    /// The start tag of the innermost element is still open (`<name attr="…"`).
    in_start_tag: bool,
}

impl XmlWriter {
    /// A writer that has written the XML declaration.
    pub fn new() -> Self {
        Self {
            buf: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            stack: Vec::new(),
            in_start_tag: false,
        }
    }

    fn close_start_tag(&mut self) {
        if self.in_start_tag {
            self.buf.push('>');
            self.in_start_tag = false;
        }
    }

    fn newline(&mut self) {
        self.buf.push('\n');
        for _ in 0..self.stack.len() {
            self.buf.push_str("  ");
        }
    }

    /// Opens an element; attributes may follow until anything else is written.
    pub fn start(&mut self, name: &'static str) -> &mut Self {
        self.close_start_tag();
        if let Some(parent) = self.stack.last_mut() {
            parent.children = true;
        }
        self.newline();
        self.buf.push('<');
        self.buf.push_str(name);
        self.stack.push(Open {
            name,
            children: false,
            text: false,
        });
        self.in_start_tag = true;
        self
    }

    /// An attribute of the element just opened.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Self {
        debug_assert!(self.in_start_tag, "attribute {name} after the start tag");
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        escape(&mut self.buf, value, true);
        self.buf.push('"');
        self
    }

    /// Text inside the innermost element.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.close_start_tag();
        if let Some(open) = self.stack.last_mut() {
            open.text = true;
        }
        escape(&mut self.buf, text, false);
        self
    }

    /// Closes the innermost element.
    pub fn end(&mut self) -> &mut Self {
        let Some(open) = self.stack.pop() else {
            return self;
        };
        if self.in_start_tag {
            self.buf.push_str("/>");
            self.in_start_tag = false;
            return self;
        }
        if open.children && !open.text {
            self.newline();
        }
        self.buf.push_str("</");
        self.buf.push_str(open.name);
        self.buf.push('>');
        self
    }

    /// `<name><narrative>text</narrative></name>`: IATI's way of holding human-readable text.
    pub fn narrative_element(&mut self, name: &'static str, text: &str) -> &mut Self {
        self.start(name).narrative(text).end()
    }

    /// A comment, for a reader of the file (not for IATI tools).
    pub fn comment(&mut self, text: &str) -> &mut Self {
        self.close_start_tag();
        if let Some(parent) = self.stack.last_mut() {
            parent.children = true;
        }
        self.newline();
        self.buf.push_str("<!-- ");
        let mut safe = String::new();
        escape(&mut safe, text, false);
        self.buf.push_str(&safe.replace("--", "- -"));
        self.buf.push_str(" -->");
        self
    }

    /// `<narrative>text</narrative>`.
    pub fn narrative(&mut self, text: &str) -> &mut Self {
        self.start("narrative").text(text).end()
    }

    /// An element with attributes only.
    pub fn empty(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.start(name);
        for (key, value) in attrs {
            self.attr(key, value);
        }
        self.end()
    }

    /// What was written since the last call, leaving the writer ready to go on.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.buf)
    }

    /// Closes every open element and returns the rest of the document.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.end();
        }
        self.buf.push('\n');
        self.buf
    }
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether XML 1.0 allows a character in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text or an attribute value. In attributes, tabs and line breaks are written as
/// character references, which a parser keeps (it would turn them into spaces otherwise); in
/// text a carriage return is, as a parser would drop it.
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped_and_elements_nest() {
        let mut w = XmlWriter::new();
        w.start("a").attr("ref", "x\"<&>\ny");
        w.narrative_element("title", "Tom & Jerry <3 \u{1}");
        w.empty("b", &[("code", "1")]);
        let doc = w.finish();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a ref=\"x&quot;&lt;&amp;&gt;&#10;y\">\n  \
             <title>\n    <narrative>Tom &amp; Jerry &lt;3 \u{FFFD}</narrative>\n  </title>\n  \
             <b code=\"1\"/>\n</a>\n"
        );
    }
}
