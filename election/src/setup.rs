//! The CEC's set-up, from the files the CEC already keeps (`spec/records.md` §8): the
//! precinct registry and the list of keys to enroll, both as CSV (UTF-8, a header row naming
//! the columns, fields with commas in double quotes, as any spreadsheet writes them).
//!
//! Each row becomes part of a record; an error names the line, the column and what was
//! expected, and nothing is made from a file with any error in it.

use crate::record::{MAX_RECORD_SIZE, Record};
use crate::records::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a set-up file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError {
    /// The line in the file, from 1 (0: the file as a whole).
    pub line: u64,
    /// The column, by its name in the header.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match (&self.column, self.line) {
            (Some(column), line) => write!(f, "line {line}, column {column}: {}", self.message),
            (None, 0) => write!(f, "{}", self.message),
            (None, line) => write!(f, "line {line}: {}", self.message),
        }
    }
}

impl std::error::Error for SetupError {}

/// The precinct registry's columns, in the order the CEC's export writes them (any order is
/// read).
pub const REGISTRY_COLUMNS: [&str; 8] = [
    "precinct",
    "territory",
    "region",
    "station_ky",
    "station_ru",
    "address_ky",
    "address_ru",
    "registered",
];

/// The key list's columns.
pub const KEY_COLUMNS: [&str; 6] = [
    "key",
    "role",
    "holder",
    "scope",
    "valid_from",
    "valid_until",
];

/// A CSV file's rows, each a map from column name to field, with its line.
struct Rows {
    rows: Vec<(u64, BTreeMap<String, String>)>,
}

impl Rows {
    /// Reads `text`, whose header must name exactly `columns`.
    fn read(text: &str, columns: &[&str]) -> Result<Rows, SetupError> {
        let whole = |message: String| SetupError {
            line: 1,
            column: None,
            message,
        };
        // Spreadsheets often start a UTF-8 file with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| whole(e.to_string()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let given: BTreeSet<&str> = header.iter().map(String::as_str).collect();
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !given.contains(c))
            .collect();
        let unknown: Vec<&str> = header
            .iter()
            .map(String::as_str)
            .filter(|h| !columns.contains(h))
            .collect();
        if !missing.is_empty() || !unknown.is_empty() || given.len() != header.len() {
            return Err(whole(format!(
                "the header must name the columns {} once each{}{}",
                columns.join(","),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("; missing: {}", missing.join(", "))
                },
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!("; unknown: {}", unknown.join(", "))
                },
            )));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| SetupError {
                line: e.position().map(|p| p.line()).unwrap_or(0),
                column: None,
                message: e.to_string(),
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let fields = header
                .iter()
                .cloned()
                .zip(record.iter().map(|f| f.trim().to_string()))
                .collect();
            rows.push((line, fields));
        }
        Ok(Rows { rows })
    }
}

/// One row being read: its fields by column, and errors that name the line and column.
struct Row<'a> {
    line: u64,
    fields: &'a BTreeMap<String, String>,
}

impl Row<'_> {
    fn error(&self, column: &str, message: String) -> SetupError {
        SetupError {
            line: self.line,
            column: Some(column.to_string()),
            message,
        }
    }

    /// A text field: not empty, no control characters.
    fn text(&self, column: &str) -> Result<String, SetupError> {
        let value = &self.fields[column];
        if value.is_empty() {
            return Err(self.error(column, "empty; expected text".into()));
        }
        if value.chars().any(char::is_control) {
            return Err(self.error(column, "a control character".into()));
        }
        Ok(value.clone())
    }

    fn number<T: std::str::FromStr>(&self, column: &str, what: &str) -> Result<T, SetupError> {
        let value = &self.fields[column];
        value
            .parse()
            .map_err(|_| self.error(column, format!("{value:?}; expected {what}")))
    }
}

/// The precincts of the registry CSV, checked against the election definition: each territory
/// defined, in the region the row names; each precinct number once.
pub fn precincts_from_csv(
    text: &str,
    definition: &ElectionDefinition,
) -> Result<Vec<Precinct>, SetupError> {
    let rows = Rows::read(text, &REGISTRY_COLUMNS)?;
    let regions: BTreeMap<TerritoryId, u16> = definition
        .territories
        .iter()
        .map(|t| (t.id, t.region))
        .collect();
    let mut seen = BTreeMap::new();
    let mut precincts = Vec::new();
    for (line, fields) in &rows.rows {
        let row = Row {
            line: *line,
            fields,
        };
        let id: PrecinctId = row.number("precinct", "a precinct number")?;
        if let Some(first) = seen.insert(id, *line) {
            return Err(row.error(
                "precinct",
                format!("precinct {id} is listed already, on line {first}"),
            ));
        }
        let territory: TerritoryId = row.number("territory", "a territory number")?;
        let region: u16 = row.number("region", "a region number")?;
        match regions.get(&territory) {
            None => {
                return Err(row.error(
                    "territory",
                    format!("territory {territory} is not in the election definition"),
                ));
            }
            Some(&defined) if defined != region => {
                return Err(row.error(
                    "region",
                    format!(
                        "territory {territory} is in region {defined} in the election definition, not {region}"
                    ),
                ));
            }
            Some(_) => {}
        }
        let names = |ky: &str, ru: &str| -> Result<Names, SetupError> {
            Ok(Names {
                ky: row.text(ky)?,
                ru: row.text(ru)?,
                en: None,
            })
        };
        precincts.push(Precinct {
            id,
            territory,
            registered: row.number("registered", "a number of voters")?,
            station: Some(names("station_ky", "station_ru")?),
            address: Some(names("address_ky", "address_ru")?),
        });
    }
    if precincts.is_empty() {
        return Err(SetupError {
            line: 0,
            column: None,
            message: "the registry lists no precinct".into(),
        });
    }
    Ok(precincts)
}

/// The registry in parts, each as full as fits in an entry of `election`'s log.
pub fn registry_parts(
    election: &str,
    precincts: &[Precinct],
) -> Result<Vec<PrecinctRegistry>, SetupError> {
    // A part's size signed: the envelope around its body, the signature included.
    let signed_size = |part: &PrecinctRegistry| {
        Record {
            election: election.to_string(),
            signer: [0; 32],
            time: u64::MAX,
            body: Body::PrecinctRegistry(part.clone()),
            signature: [0; 64],
        }
        .to_bytes()
        .len()
    };
    let empty = signed_size(&PrecinctRegistry {
        part: u16::MAX,
        precincts: vec![],
    });
    // The array's length header grows by at most 4 bytes, the body's by at most 2.
    let room = MAX_RECORD_SIZE.saturating_sub(empty + 6);
    let mut parts: Vec<PrecinctRegistry> = Vec::new();
    let mut current: Vec<Precinct> = Vec::new();
    let mut used = 0;
    for precinct in precincts {
        let size = crate::cbor::encode(precinct).len();
        if size > room {
            return Err(SetupError {
                line: 0,
                column: None,
                message: format!(
                    "precinct {} alone does not fit in an entry ({size} bytes)",
                    precinct.id
                ),
            });
        }
        if used + size > room {
            parts.push(PrecinctRegistry {
                part: parts.len() as u16,
                precincts: std::mem::take(&mut current),
            });
            used = 0;
        }
        current.push(precinct.clone());
        used += size;
    }
    if !current.is_empty() {
        parts.push(PrecinctRegistry {
            part: parts.len() as u16,
            precincts: current,
        });
    }
    debug_assert!(parts.iter().all(|p| signed_size(p) <= MAX_RECORD_SIZE));
    Ok(parts)
}

/// The enrollments of the key list CSV: `key` a public key as `shailoo keygen` prints it (or
/// 64 hex digits), `role` a role's name, `holder` who holds it, `scope` `all` or
/// space-separated `territory:N` and `precinct:N`, `valid_from` and `valid_until` times (UTC,
/// `2026-11-29T08:00:00Z`, or Unix seconds).
pub fn enrollments_from_csv(text: &str) -> Result<Vec<KeyEnrollment>, SetupError> {
    let rows = Rows::read(text, &KEY_COLUMNS)?;
    let mut seen = BTreeMap::new();
    let mut enrollments = Vec::new();
    for (line, fields) in &rows.rows {
        let row = Row {
            line: *line,
            fields,
        };
        let key = parse_key(&fields["key"]).map_err(|why| row.error("key", why))?;
        if let Some(first) = seen.insert(key, *line) {
            return Err(row.error(
                "key",
                format!("this key is listed already, on line {first}"),
            ));
        }
        let role = Role::from_name(&fields["role"]).ok_or_else(|| {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
            row.error(
                "role",
                format!("{:?}; expected one of {}", fields["role"], names.join(", ")),
            )
        })?;
        let scope = parse_scope(&fields["scope"]).map_err(|why| row.error("scope", why))?;
        let time = |column: &str| parse_time(&fields[column]).map_err(|why| row.error(column, why));
        let (valid_from, valid_until) = (time("valid_from")?, time("valid_until")?);
        if valid_until <= valid_from {
            return Err(row.error("valid_until", "not after valid_from".into()));
        }
        enrollments.push(KeyEnrollment {
            key,
            role,
            holder: row.text("holder")?,
            scope,
            valid_from,
            valid_until,
        });
    }
    Ok(enrollments)
}

/// An Ed25519 public key: a verifier key (`name+hash+base64`, as `shailoo keygen` prints it)
/// or 64 hex digits.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    // A vkey can be 64 characters long too (a 10-character name): hex is all hex digits.
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut key = [0u8; 32];
        return hex::decode_to_slice(text, &mut key)
            .map(|()| key)
            .map_err(|_| format!("{text:?} is not 64 hex digits"));
    }
    let vkey = tlog::keys::VerifierKey::parse(text).map_err(|e| {
        format!("{text:?}: expected a public key as `shailoo keygen` prints it ({e})")
    })?;
    if vkey.alg() != tlog::keys::ALG_ED25519 {
        return Err("not an Ed25519 signing key (a witness's cosignature key?)".into());
    }
    Ok(vkey.public_key())
}

/// A scope: `all`, or space-separated `territory:N` and `precinct:N`.
pub fn parse_scope(text: &str) -> Result<Scope, String> {
    if text == "all" {
        return Ok(Scope::everything());
    }
    let mut scope = Scope::default();
    for item in text.split_whitespace() {
        let wrong = || format!("{item:?}; expected `all`, or `territory:N` and `precinct:N` items");
        match item.split_once(':') {
            Some(("territory", n)) => scope.territories.push(n.parse().map_err(|_| wrong())?),
            Some(("precinct", n)) => scope.precincts.push(n.parse().map_err(|_| wrong())?),
            _ => return Err(wrong()),
        }
    }
    if scope.territories.is_empty() && scope.precincts.is_empty() {
        return Err("empty; expected `all`, or `territory:N` and `precinct:N` items".into());
    }
    Ok(scope)
}

/// A time: Unix seconds, or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn parse_time(text: &str) -> Result<u64, String> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(seconds);
    }
    let wrong =
        || format!("{text:?}; expected a UTC time like 2026-11-29T08:00:00Z, or Unix seconds");
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return Err(wrong());
    }
    if b[16] != b':' || b[19] != b'Z' {
        return Err(wrong());
    }
    let number = |from: usize, to: usize| -> Result<u64, String> {
        let digits = &text[from..to];
        if !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(wrong());
        }
        digits.parse().map_err(|_| wrong())
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > month_days[month as usize - 1]
    {
        return Err(wrong());
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(wrong());
    }
    let days_before_year: u64 = (1970..year)
        .map(|y| {
            if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
                366
            } else {
                365
            }
        })
        .sum();
    let days = days_before_year + month_days[..month as usize - 1].iter().sum::<u64>() + day - 1;
    Ok(days * 86_400 + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("2026-11-29T08:00:00Z"), Ok(1_795_939_200));
        assert_eq!(parse_time("2024-02-29T23:59:59Z"), Ok(1_709_251_199));
        assert_eq!(parse_time("1795939200"), Ok(1_795_939_200));
        for wrong in [
            "2026-02-29T00:00:00Z",
            "2026-11-29 08:00:00Z",
            "2026-11-29T08:00:00+06:00",
            "2026-13-01T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "-1",
            "",
        ] {
            assert!(parse_time(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn a_key_is_read_as_hex_or_as_a_vkey_even_of_64_characters() {
        let key = tlog::keys::SignerKey::from_seed("x.kg/other", tlog::keys::ALG_ED25519, &[5; 32])
            .unwrap()
            .verifier();
        let vkey = key.to_string();
        assert_eq!(vkey.len(), 64);
        assert_eq!(parse_key(&vkey), Ok(key.public_key()));
        assert_eq!(
            parse_key(&hex::encode(key.public_key())),
            Ok(key.public_key())
        );
        assert!(parse_key(&"g".repeat(64)).is_err());
    }

    #[test]
    fn scopes_read_from_their_items() {
        assert_eq!(parse_scope("all"), Ok(Scope::everything()));
        let scope = parse_scope("territory:3 precinct:1001  precinct:1002").unwrap();
        assert_eq!(scope.territories, vec![3]);
        assert_eq!(scope.precincts, vec![1001, 1002]);
        assert!(!scope.all);
        for wrong in [
            "",
            "territory:",
            "district:4",
            "all precinct:1",
            "precinct:x",
        ] {
            assert!(parse_scope(wrong).is_err(), "{wrong}");
        }
    }
}
