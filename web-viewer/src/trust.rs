//! The page's trust root (`spec/tlog.md` §11.1): which policy it verifies with, where the log
//! is read, and what the person is told about both. The page only fetches the candidates; this
//! decides.

use election::policy::TrustPolicy;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// The scheme, host and port of a URL (`https://a.example:8443`), or the URL if it has none.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// The directory of a URL, with its trailing slash (`http://a/b/index.html` → `http://a/b/`).
fn directory(url: &str) -> String {
    let path_start = url.find("://").map_or(0, |i| i + 3);
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    match url[path_start..cut].rfind('/') {
        Some(i) => url[..path_start + i + 1].to_string(),
        None => format!("{}/", &url[..cut]),
    }
}

/// A policy's fingerprint (`spec/tlog.md` §10), which the page shows and keys trust by.
#[wasm_bindgen]
pub fn policy_fingerprint(text: &str) -> String {
    TrustPolicy::fingerprint(text)
}

/// Chooses the page's policy and log (`spec/tlog.md` §11.1).
///
/// - `site_policy`, `page_url`: the text of the `policy` file beside the page (empty if there
///   is none) and the page's own URL;
/// - `offered_policy`, `offered_source`, `offered_trusted`: a policy from a `?policy=` link or
///   pasted by the person (empty if none), where it came from, and whether the person chose
///   to trust it;
/// - `log_param`: the `?log=` URL (empty if none): where to read the log, never what to trust.
///
/// Returns JSON `{ok, use: "site"|"offered", policy, fingerprint, source, log, operator_copy,
/// viewers, offered: {fingerprint, source, trusted, error?}|null}`, or `{ok: false, error,
/// offered}` when there is no policy to use.
#[wasm_bindgen]
pub fn choose_policy(
    site_policy: &str,
    page_url: &str,
    offered_policy: &str,
    offered_source: &str,
    offered_trusted: bool,
    log_param: &str,
) -> String {
    let site_url = format!("{}policy", directory(page_url));
    let offered = (!offered_policy.is_empty()).then(|| {
        let parsed = TrustPolicy::parse(offered_policy);
        let mut info = json!({
            "fingerprint": TrustPolicy::fingerprint(offered_policy),
            "source": offered_source,
            "trusted": offered_trusted,
        });
        if let Err(e) = &parsed {
            info["error"] = e.to_string().into();
        }
        (parsed, info)
    });
    let offered_info = offered
        .as_ref()
        .map_or(Value::Null, |(_, info)| info.clone());
    let site = (!site_policy.is_empty()).then(|| TrustPolicy::parse(site_policy));
    // The offered policy only once the person chose it; otherwise the site's own.
    let chosen = match (&offered, &site) {
        (Some((Ok(policy), _)), _) if offered_trusted => Ok((
            "offered",
            policy,
            offered_policy,
            offered_source.to_string(),
        )),
        (_, Some(Ok(policy))) => Ok(("site", policy, site_policy, site_url.clone())),
        (_, Some(Err(e))) => Err(format!("this site's policy ({site_url}) is malformed: {e}")),
        (_, None) => Err(format!(
            "this site has no trust policy of its own ({site_url} is missing): it cannot verify anything"
        )),
    };
    let (used, policy, text, source) = match chosen {
        Ok(chosen) => chosen,
        Err(error) => {
            return json!({"ok": false, "error": error, "offered": offered_info}).to_string();
        }
    };
    let served_here = |url: &str| origin(url).eq_ignore_ascii_case(origin(&site_url));
    // A page served by one of the policy's mirrors reads the copy beside it: the mirror is
    // there for when the log's own server is not.
    let by_a_mirror = policy.policy.mirror_urls().any(served_here);
    let log = if !log_param.is_empty() {
        log_param.to_string()
    } else if by_a_mirror {
        directory(page_url)
    } else {
        policy
            .policy
            .logs
            .iter()
            .find_map(|l| l.url.clone())
            .unwrap_or_else(|| directory(page_url))
    };
    // The policy came from the very server whose log it checks: the operator's own copy —
    // whatever `?log=` says, if that server is where the policy's `log` line points. (Not
    // one of the observers' mirrors the policy names.)
    let operator_copy = used == "site"
        && !by_a_mirror
        && (served_here(&log)
            || policy
                .policy
                .logs
                .iter()
                .filter_map(|l| l.url.as_deref())
                .any(served_here));
    json!({
        "ok": true,
        "use": used,
        "policy": text,
        "fingerprint": TrustPolicy::fingerprint(text),
        "source": source,
        "log": format!("{}/", log.trim_end_matches('/')),
        "operator_copy": operator_copy,
        "viewers": policy.viewers,
        "offered": offered_info,
    })
    .to_string()
}

/// Where this browser remembers the checkpoint it accepted for the log `origin`: per origin and
/// the policy's keys for it (`spec/tlog.md` §11: two logs may share an origin), and apart for a
/// policy that is not the site's own (`site` false: keyed by its hash), so that a linked
/// policy never overwrites what the site's remembered — while an edit of the site's policy (a
/// witness added) keeps the memory. JSON `{key, earlier: [..]}`: `earlier` are the places older
/// versions of the page used, to be adopted (`adopt_remembered`) when `key` holds nothing.
#[wasm_bindgen]
pub fn remembered_keys(policy_text: &str, origin: &str, site: bool) -> String {
    let Ok(trust) = TrustPolicy::parse(policy_text) else {
        return json!({"key": "", "earlier": []}).to_string();
    };
    let keys = trust.policy.log_keys_for(origin);
    let place = |id: String| {
        format!(
            "shailoo.seen.{}",
            tlog::hash::sha256(id.as_bytes()).to_hex()
        )
    };
    let whose = match site {
        true => "site".to_string(),
        false => tlog::hash::sha256(policy_text.as_bytes()).to_hex(),
    };
    json!({
        "key": place(format!("{origin}\n{keys}\n{whose}")),
        // Keyed by the whole policy text, then by the origin alone.
        "earlier": [place(format!("{origin}\n{keys}\n{policy_text}")), format!("shailoo.seen.{origin}")],
    })
    .to_string()
}

/// Whether a remembered checkpoint (`{size, root, checkpoint}` as JSON) is this log's: its
/// checkpoint must carry the log's signature under this policy and say the same size and root. Every memory is
/// checked so each time — anything on the page's origin can write to its storage — and an
/// older version's memory is taken only so, that an upgrade does not forget.
#[wasm_bindgen]
pub fn adopt_remembered(policy_text: &str, origin: &str, remembered: &str) -> bool {
    let Ok(trust) = TrustPolicy::parse(policy_text) else {
        return false;
    };
    let Ok(old) = serde_json::from_str::<Value>(remembered) else {
        return false;
    };
    let Some(note) = old["checkpoint"].as_str() else {
        return false;
    };
    // The log's signature is what makes it evidence (`spec/tlog.md` §11 step 2); nothing else
    // on this origin can forge it.
    trust
        .policy
        .verify_log_signature(note.as_bytes())
        .is_ok_and(|v| {
            v.checkpoint.origin == origin
                && old["size"].as_u64() == Some(v.checkpoint.size)
                && old["root"].as_str() == Some(v.checkpoint.root.to_base64().as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_with_mirror() -> String {
        let log = tlog::keys::SignerKey::from_seed("log.example", 0x01, &[1; 32]).unwrap();
        let mirror = tlog::keys::SignerKey::from_seed("m.example", 0x04, &[2; 32]).unwrap();
        format!(
            "log {} https://log.example/\nmirror m {} https://mirror.example/\nquorum none\n",
            log.verifier(),
            mirror.verifier()
        )
    }

    #[test]
    fn a_page_served_by_a_mirror_reads_the_mirror() {
        let policy = policy_with_mirror();
        let choose = |page: &str, log_param: &str| -> Value {
            serde_json::from_str(&choose_policy(&policy, page, "", "", false, log_param)).unwrap()
        };
        let at_mirror = choose("https://mirror.example/index.html", "");
        assert_eq!(at_mirror["log"], "https://mirror.example/");
        assert_eq!(at_mirror["operator_copy"], false);
        // Elsewhere, the policy's log line; `?log=` always wins.
        let elsewhere = choose("https://observers.example/viewer/", "");
        assert_eq!(elsewhere["log"], "https://log.example/");
        let asked = choose("https://mirror.example/", "https://other.example");
        assert_eq!(asked["log"], "https://other.example/");
        // The log's own server still says it is the operator's copy.
        assert_eq!(choose("https://log.example/", "")["operator_copy"], true);
    }

    #[test]
    fn urls_are_cut_to_their_origin_and_directory() {
        assert_eq!(
            origin("http://a.example:8080/x/y?z"),
            "http://a.example:8080"
        );
        assert_eq!(origin("https://a.example"), "https://a.example");
        assert_eq!(directory("http://a/b/index.html?log=x#/p"), "http://a/b/");
        assert_eq!(directory("http://a/b/"), "http://a/b/");
        assert_eq!(directory("http://a"), "http://a/");
    }
}
