//! The CEC's set-up from its own files: `shailoo define` (the definition and the precinct
//! registry CSV), `enroll` (the key list CSV), and several records signed at once — each
//! mistake named by its line and column, and nothing written when there is one.

mod common;
use common::*;
use std::path::Path;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"))
}

const HEADER: &str =
    "precinct,territory,region,station_ky,station_ru,address_ky,address_ru,registered";

#[test]
fn define_reads_the_registry_csv_into_parts_that_fit_an_entry() {
    let dir = shailoo_e2e::temp_dir("define");
    // The examples: four precincts, one part, the definition told so.
    let out = dir.path().join("setup");
    let made = run(&[
        "define",
        "--definition",
        path(&examples().join("election.json")),
        "--precincts",
        path(&examples().join("precincts.csv")),
        "--out",
        path(&out),
        "--json",
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(answer["precincts"], 4);
    assert_eq!(answer["registered"], 4950);
    let registry = shailoo::sign::read_json(&out.join("01-precinct-registry-000.json")).unwrap();
    let election::Body::PrecinctRegistry(part) = registry.body else {
        panic!("a registry part")
    };
    let address = part.precincts[1].address.as_ref().unwrap();
    assert_eq!(address.ru, "г. Бишкек, ул. Токтогула, 160");
    // An existing directory is never written into.
    let again = run(&[
        "define",
        "--definition",
        path(&examples().join("election.json")),
        "--precincts",
        path(&examples().join("precincts.csv")),
        "--out",
        path(&out),
    ]);
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again.stderr).contains("exists already"));

    // The whole country: 2,500 precincts with long addresses need several parts, each of
    // which fits in an entry when signed.
    let mut csv = format!("{HEADER}\n");
    for id in 1..=2500 {
        let territory = 1 + id % 2;
        csv.push_str(&format!(
            "{id},{territory},1,№{id} орто мектеп,Средняя школа №{id},\"Бишкек ш., Чүй проспекти, {id}-үй, {id}-кабинет\",\"г. Бишкек, проспект Чуй, дом {id}, кабинет {id}\",{}\n",
            1000 + id
        ));
    }
    let big = dir.path().join("country.csv");
    std::fs::write(&big, csv).unwrap();
    let country = dir.path().join("country");
    let made = run(&[
        "define",
        "--definition",
        path(&examples().join("election.json")),
        "--precincts",
        path(&big),
        "--out",
        path(&country),
        "--json",
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let parts = answer["registry_parts"].as_u64().unwrap();
    assert!(parts > 1, "{answer}");
    let definition =
        shailoo::sign::read_json(&country.join("00-election-definition.json")).unwrap();
    let election::Body::ElectionDefinition(defined) = definition.body else {
        panic!("a definition")
    };
    assert_eq!(defined.registry_parts as u64, parts);
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let mut listed = 0;
    for n in 0..parts {
        let part =
            shailoo::sign::read_json(&country.join(format!("01-precinct-registry-{n:03}.json")))
                .unwrap();
        let election::Body::PrecinctRegistry(registry) = &part.body else {
            panic!("a registry part")
        };
        assert_eq!(registry.part as u64, n);
        listed += registry.precincts.len();
        let signed = election::Record::sign(&part.election, u64::MAX, part.body, &key);
        assert!(signed.to_bytes().len() <= election::record::MAX_RECORD_SIZE);
    }
    assert_eq!(listed, 2500);
}

#[test]
fn a_wrong_row_is_named_by_its_line_and_column_and_nothing_is_written() {
    let dir = shailoo_e2e::temp_dir("define-wrong");
    for (rows, says) in [
        (
            "1001,1,1,a,b,c,d,100\n1002,7,1,a,b,c,d,100\n",
            "line 3, column territory: territory 7 is not in the election definition",
        ),
        (
            "1001,2,2,a,b,c,d,100\n",
            "line 2, column region: territory 2 is in region 1",
        ),
        (
            "1001,1,1,a,b,c,d,many\n",
            "line 2, column registered: \"many\"; expected a number of voters",
        ),
        (
            "1001,1,1,a,b,c,d,100\n1001,1,1,a,b,c,d,100\n",
            "line 3, column precinct: precinct 1001 is listed already, on line 2",
        ),
        ("1001,1,1,a,,c,d,100\n", "line 2, column station_ru: empty"),
    ] {
        let csv = dir.path().join("precincts.csv");
        std::fs::write(&csv, format!("{HEADER}\n{rows}")).unwrap();
        let out = dir.path().join("setup");
        let refused = run(&[
            "define",
            "--definition",
            path(&examples().join("election.json")),
            "--precincts",
            path(&csv),
            "--out",
            path(&out),
        ]);
        assert_eq!(refused.status.code(), Some(2), "{rows}");
        assert!(
            text(&refused.stderr).contains(says),
            "{}",
            text(&refused.stderr)
        );
        assert!(!out.exists(), "{rows}: nothing is written");
    }
}

#[test]
fn enroll_signs_one_enrollment_per_row_and_names_a_wrong_one() {
    let dir = shailoo_e2e::temp_dir("enroll");
    keygen(dir.path(), "root");
    let commission = keygen(dir.path(), "uik-1001");
    let keys = dir.path().join("keys.csv");
    std::fs::write(
        &keys,
        format!(
            "key,role,holder,scope,valid_from,valid_until\n{commission},precinct-commission,\"УИК №1001\",precinct:1001,2026-11-01T00:00:00Z,2027-01-01T00:00:00Z\n"
        ),
    )
    .unwrap();
    let root = dir.path().join("root.key");
    let done = run(&[
        "enroll",
        "--key",
        path(&root),
        "--keys",
        path(&keys),
        "--election",
        "2026-11-29-parliamentary",
        "--json",
    ]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let signed: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(signed["kind"], "key-enrollment");
    let entry = std::fs::read(
        dir.path()
            .join("keys.enrollments/0001-precinct-commission.signed"),
    )
    .unwrap();
    let record = election::Record::from_bytes(&entry).unwrap();
    record.verify_signature().unwrap();
    let election::Body::KeyEnrollment(enrolled) = record.body else {
        panic!("an enrollment")
    };
    assert_eq!(enrolled.key, commission.public_key());
    assert_eq!(enrolled.scope.precincts, vec![1001]);
    assert_eq!(enrolled.valid_from, 1_793_491_200);

    for (row, says) in [
        (
            format!("{commission},precinct-comission,x,all,1,2"),
            "line 2, column role: \"precinct-comission\"; expected one of cec-operator,",
        ),
        (
            format!("{commission},urn-device,x,district:4,1,2"),
            "line 2, column scope:",
        ),
        (
            format!("{commission},urn-device,x,all,2026-11-31T00:00:00Z,2"),
            "line 2, column valid_from:",
        ),
        (
            "AAAA,urn-device,x,all,1,2".to_string(),
            "line 2, column key:",
        ),
    ] {
        std::fs::write(
            &keys,
            format!("key,role,holder,scope,valid_from,valid_until\n{row}\n"),
        )
        .unwrap();
        let out = dir.path().join("wrong");
        let refused = run(&[
            "enroll",
            "--key",
            path(&root),
            "--keys",
            path(&keys),
            "--election",
            "2026-11-29-parliamentary",
            "--out",
            path(&out),
        ]);
        assert_eq!(refused.status.code(), Some(2), "{row}");
        assert!(
            text(&refused.stderr).contains(says),
            "{}",
            text(&refused.stderr)
        );
        assert!(!out.exists());
    }
}

#[test]
fn several_records_are_signed_at_once_or_not_at_all() {
    let dir = shailoo_e2e::temp_dir("sign-several");
    let root = keygen(dir.path(), "root");
    let other = keygen(dir.path(), "other");
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");
    std::fs::write(&first, enrollment_json(&root, "cec-operator")).unwrap();
    std::fs::write(&second, enrollment_json(&other, "finance-office")).unwrap();
    let stray = dir.path().join("stray.pdf");
    std::fs::write(&stray, b"%PDF-1.7 not referenced").unwrap();
    let key = dir.path().join("root.key");
    let refused = run(&[
        "sign",
        "--key",
        path(&key),
        path(&first),
        path(&second),
        "--document",
        path(&stray),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("what is referenced: none"));
    assert!(!first.with_extension("signed").exists());
    let done = run(&["sign", "--key", path(&key), path(&first), path(&second)]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(first.with_extension("signed").exists() && second.with_extension("signed").exists());
}
