//! The page the log serves at `/`. The browser viewer (verification in WebAssembly) is not
//! built yet; until it is, this page says what the log serves and how to check it.

/// The HTML served at `/`.
pub fn index_html() -> String {
    "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
     <title>Shailoo Ledger</title>\
     <h1>Shailoo Ledger</h1>\
     <p>This transparency log serves <a href=checkpoint>its cosigned checkpoint</a>, hash tiles and entry bundles \
     under <code>/tile/</code> (C2SP tlog-tiles), documents under <code>/blob/</code>, and proofs under <code>/api/v1/</code>.</p>\
     <p>Check it yourself with the <code>verifier</code> command: <code>verifier audit --policy policy</code>.</p>\
     <p>The browser viewer, which checks every proof in your browser, is not built yet.</p></html>"
        .to_string()
}
