//! The JSON form of records: what the CEC's and the commissions' people write, and what
//! `shailoo sign` turns into a signed canonical record (`spec/records.md` §7).
//!
//! A record to sign is one object: `{"election": …, "kind": …, "body": {…}}` (in any order),
//! `kind` one of the names of `spec/records.md` §4, `body` the kind's fields by the names the
//! spec gives, none missing (but optional ones) and none unknown. Keys and hashes
//! are lower-case hex; enumerations are their kebab-case names. An error names the field (its
//! path, e.g. `body.pages[0].sha256`), the line and column, and what was expected.

use crate::records::*;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A record's content and election, not yet signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedRecord {
    /// The election's id: the last segment of the log's origin.
    pub election: String,
    pub body: Body,
}

/// Why a JSON record was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonRecordError {
    /// Where in the document: `body.votes[3]`, or `.` for the whole.
    pub path: String,
    pub message: String,
    /// Where in the text, from 1; 0 where only the path is known.
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for JsonRecordError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for JsonRecordError {}

impl UnsignedRecord {
    /// The record's JSON form, as people write it (two-space indentation).
    pub fn to_json(&self) -> String {
        let mut form = body_to_json(&self.body);
        form["election"] = serde_json::Value::String(self.election.clone());
        let mut text = serde_json::to_string_pretty(&form).expect("plain data");
        text.push('\n');
        text
    }

    /// Reads a record from its JSON form.
    pub fn from_json(text: &str) -> Result<UnsignedRecord, JsonRecordError> {
        // The kind says what type the body has; tools may write "body" before it (many sort
        // keys), so it is read first, then the whole record with the body's type known.
        #[derive(Deserialize)]
        struct KindOnly {
            kind: String,
        }
        let named: KindOnly = serde_json::from_str(text).map_err(|e| {
            let about_kind = e.to_string().contains("`kind`");
            located(if about_kind { "kind" } else { "." }.into(), e)
        })?;
        let kind = Kind::from_name(&named.kind).ok_or_else(|| {
            let names = Kind::ALL.map(Kind::name).join(", ");
            JsonRecordError {
                path: "kind".into(),
                message: format!("unknown kind {:?}, expected one of {names}", named.kind),
                line: 0,
                column: 0,
            }
        })?;
        let mut reader = serde_json::Deserializer::from_str(text);
        let mut track = serde_path_to_error::Track::new();
        let record = RecordOfKind(kind)
            .deserialize(serde_path_to_error::Deserializer::new(
                &mut reader,
                &mut track,
            ))
            .map_err(|e| located(track.path().to_string(), e))?;
        reader.end().map_err(|e| located(".".into(), e))?;
        // Serde also reads a struct from an array, by position, and an enumeration from a
        // one-key object: forms in which a field's name is never checked. Only the form the
        // record writes back as is taken.
        let written: serde_json::Value =
            serde_json::from_str(text).map_err(|e| located(".".into(), e))?;
        let canonical = body_to_json(&record.body);
        if let Some(path) = first_difference(&written["body"], &canonical["body"], "body") {
            return Err(JsonRecordError {
                path,
                message: "not in the JSON form: a map is written as an object with its fields \
                          by name, an enumeration as its name (spec/records.md §7)"
                    .into(),
                line: 0,
                column: 0,
            });
        }
        Ok(record)
    }
}

/// The path of the first place where `written` is not `canonical` (a missing field and a
/// `null` are the same: both are an absent optional field).
fn first_difference(
    written: &serde_json::Value,
    canonical: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (written, canonical) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                first_difference(x, y, &format!("{path}.{k}"))
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        (a, b) => (a != b).then(|| path.to_string()),
    }
}

/// A `serde_json` error with the path it arose at.
fn located(path: String, error: serde_json::Error) -> JsonRecordError {
    let message = error.to_string();
    // serde_json appends " at line L column C"; it is given apart.
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    JsonRecordError {
        path,
        message,
        line: error.line(),
        column: error.column(),
    }
}

/// The kind's body, read as the type that kind has.
fn body_of<'de, A: MapAccess<'de>>(kind: Kind, map: &mut A) -> Result<Body, A::Error> {
    fn next<'de, A: MapAccess<'de>, T: DeserializeOwned>(map: &mut A) -> Result<T, A::Error> {
        map.next_value::<T>()
    }
    Ok(match kind {
        Kind::KeyEnrollment => Body::KeyEnrollment(next(map)?),
        Kind::KeyRevocation => Body::KeyRevocation(next(map)?),
        Kind::ElectionDefinition => Body::ElectionDefinition(next(map)?),
        Kind::PrecinctRegistry => Body::PrecinctRegistry(next(map)?),
        Kind::PrecinctProtocol => Body::PrecinctProtocol(next(map)?),
        Kind::UrnResult => Body::UrnResult(next(map)?),
        Kind::Turnout => Body::Turnout(next(map)?),
        Kind::IdentificationReport => Body::IdentificationReport(next(map)?),
        Kind::ComplaintFiled => Body::ComplaintFiled(next(map)?),
        Kind::ComplaintDecision => Body::ComplaintDecision(next(map)?),
        Kind::FinanceReport => Body::FinanceReport(next(map)?),
        Kind::BankStatement => Body::BankStatement(next(map)?),
        Kind::Annulment => Body::Annulment(next(map)?),
        Kind::Correction => Body::Correction(next(map)?),
        Kind::FinalResult => Body::FinalResult(next(map)?),
        Kind::LogCheckpoint => Body::LogCheckpoint(next(map)?),
    })
}

/// Reads a record whose kind is known.
struct RecordOfKind(Kind);

impl<'de> DeserializeSeed<'de> for RecordOfKind {
    type Value = UnsignedRecord;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<UnsignedRecord, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordOfKind {
    type Value = UnsignedRecord;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"a record: {"election": …, "kind": …, "body": {…}}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UnsignedRecord, A::Error> {
        const FIELDS: &[&str] = &["election", "kind", "body"];
        let (mut election, mut kind_seen, mut body) = (None, false, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "election" if election.is_none() => election = Some(map.next_value()?),
                // Already read: the same value.
                "kind" if !kind_seen => {
                    kind_seen = true;
                    map.next_value::<de::IgnoredAny>()?;
                }
                "body" if body.is_none() => body = Some(body_of(self.0, &mut map)?),
                "election" | "kind" | "body" => {
                    return Err(de::Error::custom(format!("{key:?} is given twice")));
                }
                other => return Err(de::Error::unknown_field(other, FIELDS)),
            }
        }
        Ok(UnsignedRecord {
            election: election.ok_or_else(|| de::Error::missing_field("election"))?,
            body: body.ok_or_else(|| de::Error::missing_field("body"))?,
        })
    }
}

/// The JSON form of a record's body: `{"kind": …, "body": {…}}` without the election.
pub fn body_to_json(body: &Body) -> serde_json::Value {
    fn value<T: serde::Serialize>(inner: &T) -> serde_json::Value {
        serde_json::to_value(inner).expect("record bodies serialize")
    }
    let inner = match body {
        Body::KeyEnrollment(b) => value(b),
        Body::KeyRevocation(b) => value(b),
        Body::ElectionDefinition(b) => value(b),
        Body::PrecinctRegistry(b) => value(b),
        Body::PrecinctProtocol(b) => value(b),
        Body::UrnResult(b) => value(b),
        Body::Turnout(b) => value(b),
        Body::IdentificationReport(b) => value(b),
        Body::ComplaintFiled(b) => value(b),
        Body::ComplaintDecision(b) => value(b),
        Body::FinanceReport(b) => value(b),
        Body::BankStatement(b) => value(b),
        Body::Annulment(b) => value(b),
        Body::Correction(b) => value(b),
        Body::FinalResult(b) => value(b),
        Body::LogCheckpoint(b) => value(b),
    };
    serde_json::json!({"kind": body.kind().name(), "body": inner})
}

/// `[u8; 32]` as 64 lower-case hex digits.
pub(crate) mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let well_formed = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let bytes = well_formed
            .then(|| hex::decode(&text).ok())
            .flatten()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.ok_or_else(|| de::Error::custom("expected 64 lower-case hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_form_with_field_names_is_taken() {
        let by_name = r#"{"election": "e", "kind": "key-revocation",
            "body": {"key": "0909090909090909090909090909090909090909090909090909090909090909",
                     "effective": 4, "reason": "lost"}}"#;
        assert!(UnsignedRecord::from_json(by_name).is_ok());
        let by_position = r#"{"election": "e", "kind": "key-revocation",
            "body": ["0909090909090909090909090909090909090909090909090909090909090909", 4, "lost"]}"#;
        let e = UnsignedRecord::from_json(by_position).unwrap_err();
        assert_eq!(e.path, "body");
        let nested = by_name.replace("\"effective\": 4", "\"effective\": 4, \"effective\": 5");
        let e = UnsignedRecord::from_json(&nested).unwrap_err();
        assert!(e.message.contains("duplicate field `effective`"), "{e}");
        let role_as_object = r#"{"election": "e", "kind": "key-enrollment", "body": {
            "key": "0909090909090909090909090909090909090909090909090909090909090909",
            "role": {"finance-office": null}, "holder": "x",
            "scope": {"all": true, "territories": [], "precincts": []},
            "valid_from": 1, "valid_until": 2}}"#;
        let e = UnsignedRecord::from_json(role_as_object).unwrap_err();
        assert_eq!(e.path, "body.role", "{e}");
        let scope_by_position = role_as_object
            .replace(r#"{"finance-office": null}"#, r#""finance-office""#)
            .replace(
                r#"{"all": true, "territories": [], "precincts": []}"#,
                "[true, [], []]",
            );
        let e = UnsignedRecord::from_json(&scope_by_position).unwrap_err();
        assert_eq!(e.path, "body.scope", "{e}");
        let nested_unknown = role_as_object
            .replace(r#"{"finance-office": null}"#, r#""finance-office""#)
            .replace(r#""all": true"#, r#""all": true, "everyone": true"#);
        let e = UnsignedRecord::from_json(&nested_unknown).unwrap_err();
        assert_eq!(e.path, "body.scope.everyone", "{e}");
    }

    #[test]
    fn a_wrong_field_is_named_with_its_line_and_what_was_expected() {
        let text = r#"{
  "election": "e",
  "kind": "key-revocation",
  "body": {
    "key": "0909090909090909090909090909090909090909090909090909090909090909",
    "efective": 4,
    "reason": "lost"
  }
}"#;
        let e = UnsignedRecord::from_json(text).unwrap_err();
        assert_eq!(e.path, "body.efective");
        assert_eq!(e.line, 6);
        assert!(
            e.message
                .contains("unknown field `efective`, expected one of `key`, `effective`, `reason`"),
            "{e}"
        );

        let short_key = text
            .replace("0909\"", "09\"")
            .replace("efective", "effective");
        let e = UnsignedRecord::from_json(&short_key).unwrap_err();
        assert_eq!(e.path, "body.key");
        assert!(e.message.contains("64 lower-case hex digits"), "{e}");

        let unknown_kind = text.replace("key-revocation", "key-revokation");
        let e = UnsignedRecord::from_json(&unknown_kind).unwrap_err();
        assert!(
            e.message
                .contains("unknown kind \"key-revokation\", expected one of key-enrollment"),
            "{e}"
        );
        assert_eq!(e.path, "kind");
        let e = UnsignedRecord::from_json("{\"election\": \"e\", \"kind\": ").unwrap_err();
        assert_eq!(e.path, ".", "a syntax error is not about the kind: {e}");

        let missing = text.replace("\"efective\": 4,", "");
        let e = UnsignedRecord::from_json(&missing).unwrap_err();
        assert!(e.message.contains("missing field `effective`"), "{e}");
    }
}
