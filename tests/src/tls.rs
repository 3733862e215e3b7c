//! A throw-away certificate authority made in the test, and a certificate it signs for the
//! servers on loopback (`127.0.0.1`, `localhost`): what `--tls-cert`, `--tls-key` and a
//! client's `SSL_CERT_FILE` are given.

use crate::TempDir;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// The CA's certificate and a server certificate with its key, as PEM files.
pub struct TestCa {
    _dir: TempDir,
    /// The CA's certificate: what clients trust (`SSL_CERT_FILE`).
    pub ca: PathBuf,
    /// The server's certificate, signed by the CA.
    pub cert: PathBuf,
    /// The server's private key (mode 0600).
    pub key: PathBuf,
}

impl TestCa {
    pub fn new() -> TestCa {
        let dir = crate::temp_dir("tls");
        let ca_key = rcgen::KeyPair::generate().expect("a CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Shailoo test CA (throw-away)");
        let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_key = rcgen::KeyPair::generate().expect("a server key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("server params");
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress([127, 0, 0, 1].into()));
        let server_cert = params
            .signed_by(&server_key, &issuer)
            .expect("the server certificate");
        let write = |name: &str, text: String, mode: u32| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("a PEM file");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .expect("its mode");
            path
        };
        TestCa {
            ca: write("ca.pem", ca_cert.pem(), 0o644),
            cert: write("server.pem", server_cert.pem(), 0o644),
            key: write("server.key", server_key.serialize_pem(), 0o600),
            _dir: dir,
        }
    }
}

impl Default for TestCa {
    fn default() -> TestCa {
        TestCa::new()
    }
}
