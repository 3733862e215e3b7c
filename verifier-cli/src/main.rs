//! The verifier for citizens, journalists and observers.
//!
//! Not yet written: see the project's open issues. The crate exists so that the workspace has
//! its final shape from the first commit.
#![forbid(unsafe_code)]

fn main() {
    eprintln!("verifier: not yet implemented; see README.md for what works today");
    std::process::exit(3);
}
