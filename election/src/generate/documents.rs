//! Small generated "scans": SVG images that a browser renders, listing the figures of the
//! record they belong to. Real deployments store real scans; these keep demos and tests
//! honest about documents — each is stored outside the log and checked against its hash.

use crate::records::DocumentRef;

/// A generated document and its reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub reference: DocumentRef,
    pub bytes: Vec<u8>,
}

pub const MEDIA_TYPE: &str = "image/svg+xml";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An A4-shaped page with a title and lines of text.
pub fn page(title: &str, lines: &[String]) -> Document {
    let height = 120 + 22 * lines.len();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"{height}\" viewBox=\"0 0 600 {height}\">\
<rect width=\"600\" height=\"{height}\" fill=\"#fbfaf5\"/>\
<text x=\"30\" y=\"50\" font-family=\"serif\" font-size=\"20\">{}</text>",
        escape(title)
    );
    for (i, line) in lines.iter().enumerate() {
        svg.push_str(&format!(
            "<text x=\"30\" y=\"{}\" font-family=\"monospace\" font-size=\"14\">{}</text>",
            90 + 22 * i,
            escape(line)
        ));
    }
    svg.push_str("<text x=\"30\" y=\"");
    svg.push_str(&(height - 20).to_string());
    svg.push_str("\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#777\">synthetic document — Shailoo Ledger demo</text></svg>\n");
    let bytes = svg.into_bytes();
    Document {
        reference: DocumentRef::to(&bytes, MEDIA_TYPE),
        bytes,
    }
}
