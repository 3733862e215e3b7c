//! A fourth observers' witness that listens nowhere: it dials out to a bastion (`witness
//! bastion`, with a certificate from a throw-away CA) and the ledger reaches it through the
//! bastion's URL.

use crate::process::Daemon;
use crate::system::{ElectionNight, ORIGIN, path, witness};
use crate::tls::TestCa;
use crate::{Run, binaries};
use std::process::Command;

/// The bastion and the witness behind it.
pub struct BastionedWitness {
    pub name: String,
    /// The witness's URL at the bastion: `https://127.0.0.1:PORT/<key hash>`.
    pub url: String,
    pub bastion: Daemon,
    pub witness: Daemon,
    _ca: TestCa,
}

impl ElectionNight {
    /// Adds witness `name` (Ed25519 key) reached only through a bastion: starts the bastion
    /// (allowing that witness alone) and `witness serve --bastion`, stops the ledger, adds the
    /// witness (`ledger witness add --url https://BASTION/<hash>`), and starts the ledger again
    /// trusting the bastion's CA (the policy file then names its new URL). The policy's
    /// quorum is unchanged: this witness cosigns too.
    pub fn add_witness_behind_a_bastion(&mut self, name: &str) -> BastionedWitness {
        let ca = TestCa::new();
        let trust = ("SSL_CERT_FILE", ca.ca.display().to_string());
        let dir = self.file(name);
        let identity = format!("observers.example.kg/{name}");
        witness(&["init", path(&dir), "--name", &identity, "--keys", "ed25519"]).expect(0, &[]);
        let vkey = witness(&["vkey", path(&dir)])
            .expect(0, &[])
            .last_line()
            .to_string();
        witness(&[
            "add-log",
            path(&dir),
            "--origin",
            ORIGIN,
            "--vkey",
            &self.log_vkey,
        ])
        .expect(0, &[]);
        let hash = witness(&["bastion-hash", path(&dir)])
            .expect(0, &[])
            .last_line()
            .to_string();
        let backends = self.file(&format!("{name}-bastion-backends"));
        std::fs::write(&backends, format!("{hash}\n")).expect("the backends file");
        let mut bastion = Command::new(&binaries().witness);
        bastion
            .args(["bastion", "--listen", "127.0.0.1:0"])
            .args(["--tls-cert", path(&ca.cert), "--tls-key", path(&ca.key)])
            .args(["--backends", path(&backends)]);
        let bastion = Daemon::start(bastion, &self.file(&format!("{name}-bastion.log")));
        let mut serve = Command::new(&binaries().witness);
        serve
            .args(["serve", path(&dir), "--bastion", &bastion.url])
            .env(trust.0, &trust.1);
        let witness = Daemon::start(serve, &self.file(&format!("{name}.log")));
        let url = witness.url.clone();
        assert_eq!(url, format!("{}/{hash}", bastion.url));
        assert!(
            self.ledger
                .take()
                .expect("the ledger runs")
                .stop()
                .success()
        );
        let mut add = Command::new(&binaries().ledger);
        add.args(["witness", "add", path(&self.log_dir()), "--name", name])
            .args(["--vkey", &vkey, "--url", &url]);
        Run::of(add).expect(0, &[]);
        self.ledger_env.push(trust);
        self.start_ledger();
        // The ledger came back on another port: the observers' policy names where it is now.
        let policy = self.policy_text(self.url());
        std::fs::write(&self.policy, policy).expect("the policy file");
        BastionedWitness {
            name: name.to_string(),
            url,
            bastion,
            witness,
            _ca: ca,
        }
    }
}
