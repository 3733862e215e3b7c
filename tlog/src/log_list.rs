//! The witness network's log lists (`logs/v0`): which logs a witness should witness, with
//! each log's verifier key, origin, how many checkpoints a day it may ask to have cosigned,
//! and whom to contact. Public witnesses configure themselves from such lists; the ledger
//! prints its own entry for the list's maintainers.
//!
//! The format, as the network's lists and validator use it: a `logs/v0` line, then one
//! entry per log, each of these lines in this order —
//!
//! ```text
//! vkey <the log's verifier key>
//! origin <its origin line>          (optional: absent, the origin is the key's name)
//! qpd <checkpoints per day, > 0>
//! contact <free text for humans>
//! ```
//!
//! Blank lines and lines starting with `#` are ignored; surrounding white space is not
//! significant.

use crate::keys::VerifierKey;
use crate::note::NoteVerifier;
use std::fmt;

/// The first line of a list.
pub const HEADER: &str = "logs/v0";

/// One log of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedLog {
    /// The log's verifier key, as the list gives it (checked to parse).
    pub vkey: String,
    /// The first line of its checkpoints.
    pub origin: String,
    /// The add-checkpoint requests it may make per day.
    pub qpd: u64,
    /// How to reach its operator.
    pub contact: String,
}

impl ListedLog {
    /// The entry's lines, without a trailing blank line; `origin` only when it is not the
    /// key's name (as the format recommends for new logs).
    pub fn to_lines(&self) -> String {
        let mut lines = format!("vkey {}\n", self.vkey);
        if self.vkey.split('+').next() != Some(self.origin.as_str()) {
            lines.push_str(&format!("origin {}\n", self.origin));
        }
        lines.push_str(&format!("qpd {}\ncontact {}\n", self.qpd, self.contact));
        lines
    }
}

/// A list that does not follow the format: where, and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct LogListError {
    /// 1-based; the line after the last for an entry left incomplete.
    pub line: usize,
    pub problem: String,
}

/// What the parser expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Header,
    Vkey,
    OriginOrQpd,
    Qpd,
    Contact,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Header => "the `logs/v0` header",
            Expect::Vkey => "`vkey`",
            Expect::OriginOrQpd => "`origin` or `qpd`",
            Expect::Qpd => "`qpd`",
            Expect::Contact => "`contact`",
        })
    }
}

/// Parses a `logs/v0` list.
pub fn parse(text: &str) -> Result<Vec<ListedLog>, LogListError> {
    let mut logs = Vec::new();
    let mut expect = Expect::Header;
    let mut entry: Option<ListedLog> = None;
    let mut last = 0;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        last = line_no;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |problem: String| LogListError {
            line: line_no,
            problem,
        };
        if expect == Expect::Header {
            if line != HEADER {
                return Err(fail(format!(
                    "expected the `{HEADER}` header, found {line:?}"
                )));
            }
            expect = Expect::Vkey;
            continue;
        }
        let (keyword, value) = match line.split_once(' ') {
            Some((k, v)) => (k, v.trim()),
            None => (line, ""),
        };
        let value_needed = |what: &str| {
            if value.is_empty() {
                Err(fail(format!("`{keyword}` without {what}")))
            } else {
                Ok(value.to_string())
            }
        };
        match (expect, keyword) {
            (Expect::Vkey, "vkey") => {
                let vkey = value_needed("a key")?;
                let key = VerifierKey::parse(&vkey)
                    .map_err(|e| fail(format!("not a verifier key: {e}")))?;
                entry = Some(ListedLog {
                    vkey,
                    origin: key.name().to_string(),
                    qpd: 0,
                    contact: String::new(),
                });
                expect = Expect::OriginOrQpd;
            }
            (Expect::OriginOrQpd, "origin") => {
                entry.as_mut().expect("after vkey").origin = value_needed("an origin")?;
                expect = Expect::Qpd;
            }
            (Expect::OriginOrQpd | Expect::Qpd, "qpd") => {
                let qpd = value
                    .parse::<u64>()
                    .ok()
                    .filter(|&q| q > 0)
                    .ok_or_else(|| {
                        fail(format!("qpd must be a whole number above 0, not {value:?}"))
                    })?;
                entry.as_mut().expect("after vkey").qpd = qpd;
                expect = Expect::Contact;
            }
            (Expect::Contact, "contact") => {
                let mut done = entry.take().expect("after vkey");
                done.contact = value_needed("contact details")?;
                logs.push(done);
                expect = Expect::Vkey;
            }
            (expected, found) => {
                return Err(fail(format!("expected {expected}, found {found:?}")));
            }
        }
    }
    match expect {
        Expect::Vkey => Ok(logs),
        expected => Err(LogListError {
            line: last + 1,
            problem: format!("the list ends where {expected} was expected"),
        }),
    }
}

/// A list of `logs`, each entry after a blank line.
pub fn format(logs: &[ListedLog]) -> String {
    let mut text = format!("{HEADER}\n");
    for log in logs {
        text.push('\n');
        text.push_str(&log.to_lines());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SignerKey;

    fn vkey(name: &str, seed: u8) -> String {
        SignerKey::from_seed(name, crate::keys::ALG_ED25519, &[seed; 32])
            .unwrap()
            .verifier()
            .to_string()
    }

    #[test]
    fn a_list_is_read_with_its_comments_blank_lines_and_optional_origins() {
        let (a, b) = (vkey("ledger.example.kg/a", 1), vkey("b.example.org", 2));
        let text = format!(
            "# observers' list\r\n  logs/v0\n\n# the CEC's log\nvkey {a}\norigin shailoo.gov.kg/ledger/x\nqpd 1440\ncontact it@shailoo.gov.kg\n\n  vkey {b}  \nqpd 24\ncontact ops (at) b.example.org | https://b.example.org\n"
        );
        let logs = parse(&text).unwrap();
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[0].origin, "shailoo.gov.kg/ledger/x");
        assert_eq!(
            (logs[0].qpd, logs[0].contact.as_str()),
            (1440, "it@shailoo.gov.kg")
        );
        assert_eq!(logs[1].origin, "b.example.org", "no origin: the key's name");
        assert_eq!(
            logs[1].contact,
            "ops (at) b.example.org | https://b.example.org"
        );
        assert_eq!(parse(&format(&logs)).unwrap(), logs, "format then parse");
        assert!(
            !format(&logs[1..]).contains("origin"),
            "{}",
            format(&logs[1..])
        );
        assert_eq!(parse("logs/v0\n").unwrap(), vec![]);
    }

    #[test]
    fn every_departure_from_the_format_names_its_line() {
        let a = vkey("a.example", 3);
        let cases = [
            ("logs/v1\n".to_string(), 1, "header"),
            ("logs/v0\nqpd 3\n".to_string(), 2, "expected `vkey`"),
            (
                "logs/v0\nvkey nonsense\n".to_string(),
                2,
                "not a verifier key",
            ),
            (
                format!("logs/v0\nvkey {a}\ncontact x\n"),
                3,
                "`origin` or `qpd`",
            ),
            (
                format!("logs/v0\nvkey {a}\norigin o\norigin p\n"),
                4,
                "expected `qpd`",
            ),
            (
                format!("logs/v0\nvkey {a}\nqpd 0\ncontact x\n"),
                3,
                "above 0",
            ),
            (
                format!("logs/v0\nvkey {a}\nqpd many\ncontact x\n"),
                3,
                "above 0",
            ),
            (
                format!("logs/v0\nvkey {a}\nqpd 5\ncontact\n"),
                4,
                "without contact",
            ),
            (
                format!("logs/v0\nvkey {a}\nqpd 5\n"),
                4,
                "ends where `contact`",
            ),
            (
                format!("logs/v0\nvkey {a}\norigin\n"),
                3,
                "without an origin",
            ),
        ];
        for (text, line, phrase) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(phrase), "{text:?}: {e}");
        }
    }
}
