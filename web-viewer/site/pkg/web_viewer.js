/**
 * The whole-log audit (`election::audit::Auditor`), fed entry bundle by entry bundle, with the
 * tree recomputed from the same entries.
 */
export class Audit {
    static __wrap(ptr) {
        const obj = Object.create(Audit.prototype);
        obj.__wbg_ptr = ptr;
        AuditFinalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        AuditFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_audit_free(ptr, 0);
    }
    /**
     * An audit under the policy's pinned root key (its `root` line).
     * @param {string} policy_text
     */
    constructor(policy_text) {
        const ptr0 = passStringToWasm0(policy_text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.audit_new(ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0];
        AuditFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Audits the next entry bundle (`width` entries, in log order) and hashes its entries into
     * the tree; returns how many entries it held.
     * @param {Uint8Array | number[]} bundle
     * @param {number} width
     * @returns {number}
     */
    push_bundle(bundle, width) {
        const val2 = +width;
        const ptr0 = passArray8ToWasm0(bundle, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.audit_push_bundle(this.__wbg_ptr, ptr0, len0, val2);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return ret[0] >>> 0;
    }
    /**
     * [`Audit::push_bundle`] for a bundle whose entries a Web Worker already decoded and
     * checked the signatures of ([`verify_bundle`]: `checked` holds a 1 for each entry that
     * passed). Those are decoded again here (cheap) and their signatures not checked twice;
     * any other entry goes through the whole gate here, which says what is wrong with it.
     * @param {Uint8Array | number[]} bundle
     * @param {number} width
     * @param {Uint8Array | number[]} checked
     * @returns {number}
     */
    push_bundle_checked(bundle, width, checked) {
        const val3 = +width;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray8ToWasm0(bundle, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(checked, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.audit_push_bundle_checked(this.__wbg_ptr, ptr0, len0, val3, ptr1, len1);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return ret[0] >>> 0;
    }
    /**
     * The report so far, as of `checkpoint` (the signed checkpoint audited: its witnessed
     * time is the audit's "now"): `{entries, root_ok, root_error?, election, definition,
     * registry, records_by_kind, findings, tally, final_results}`. `root_ok`: the entries read
     * are the whole tree the checkpoint signs — the log serves the entries it signed.
     * @param {string} lang
     * @param {Uint8Array | number[]} checkpoint
     * @returns {string}
     */
    report(lang, checkpoint) {
        let deferred3_0;
        let deferred3_1;
        try {
            let ptr0, len0, ptr1, len1;
            try {
                ptr0 = passStringToWasm0(lang, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArray8ToWasm0(checkpoint, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
                throw e;
            }
            const ret = wasm.audit_report(this.__wbg_ptr, ptr0, len0, ptr1, len1);
            deferred3_0 = ret[0];
            deferred3_1 = ret[1];
            return getStringFromWasm0(ret[0], ret[1]);
        } finally {
            wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
        }
    }
    /**
     * An audit with another complaint deadline (seconds) than the election definition's, as
     * `verifier audit --complaint-deadline` (a court that extended it, a test's short one).
     * @param {string} policy_text
     * @param {number} seconds
     * @returns {Audit}
     */
    static with_complaint_deadline(policy_text, seconds) {
        const val2 = +seconds;
        const ptr0 = passStringToWasm0(policy_text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.audit_with_complaint_deadline(ptr0, len0, val2);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return Audit.__wrap(ret[0]);
    }
}
if (Symbol.dispose) Audit.prototype[Symbol.dispose] = Audit.prototype.free;

/**
 * The page of one precinct. The page hands over what it fetched and proved — the definition
 * and registry (`context`), each listed record with its inclusion proof's outcome, each
 * document — and draws the verdict this returns; it decides nothing itself.
 */
export class PrecinctPage {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        PrecinctPageFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_precinctpage_free(ptr, 0);
    }
    /**
     * An election definition or precinct registry entry (in log order), with the outcome of
     * its inclusion proof: what the records' precincts and contests are checked against
     * (`record.reference`). One that could not be proved fails the page, as a record would:
     * without it, the page could only claim that precincts are not registered.
     * @param {number} index
     * @param {Uint8Array | number[]} entry
     * @param {boolean} proved
     * @param {string} error
     */
    context(index, entry, proved, error) {
        const val3 = +index;
        const val4 = +proved;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray8ToWasm0(entry, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(error, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.precinctpage_context(this.__wbg_ptr, val3, ptr0, len0, val4, ptr1, len1);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * A document fetched for the listed record at `index`, named by its SHA-256 `sha256`:
     * checked against that record's reference, size and hash (`{ok, error?}`); `fetch_error`
     * if it could not be fetched (then `bytes` are ignored).
     * @param {number} index
     * @param {string} sha256
     * @param {Uint8Array | number[]} bytes
     * @param {string} fetch_error
     * @returns {string}
     */
    document(index, sha256, bytes, fetch_error) {
        let deferred5_0;
        let deferred5_1;
        try {
            const val4 = +index;
            let ptr0, len0, ptr1, len1, ptr2, len2;
            try {
                ptr0 = passStringToWasm0(sha256, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArray8ToWasm0(bytes, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passStringToWasm0(fetch_error, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
                len2 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
                throw e;
            }
            const ret = wasm.precinctpage_document(this.__wbg_ptr, val4, ptr0, len0, ptr1, len1, ptr2, len2);
            deferred5_0 = ret[0];
            deferred5_1 = ret[1];
            return getStringFromWasm0(ret[0], ret[1]);
        } finally {
            wasm.__wbindgen_free(deferred5_0, deferred5_1, 1);
        }
    }
    /**
     * @param {number} precinct
     */
    constructor(precinct) {
        const ret = wasm.precinctpage_new(precinct);
        this.__wbg_ptr = ret;
        PrecinctPageFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * A record the log's index lists for this precinct (in log order): its entry, and the
     * outcome of its inclusion proof (`verify_inclusion_from_tiles`'s `ok` and `error`).
     * @param {number} index
     * @param {Uint8Array | number[]} entry
     * @param {boolean} proved
     * @param {string} error
     */
    record(index, entry, proved, error) {
        const val3 = +index;
        const val4 = +proved;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray8ToWasm0(entry, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(error, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.precinctpage_record(this.__wbg_ptr, val3, ptr0, len0, val4, ptr1, len1);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The verdict: `{ok, findings, records: [{index, ok, error?}], context_error?}` — `ok`
     * when the checkpoint was accepted (`checkpoint_ok`), every context entry is proved, the
     * index listed records, each is proved, signed (its signature holds) and this precinct's,
     * and every document matches. The findings are those of the rules this precinct's records
     * decide alone (`election::audit::precinct_findings`); who may sign, and what needs the
     * whole log, are the full audit's ([`crate::Audit`]).
     *
     * The index is not trusted: an entry listed here that is not this precinct's record (nor a
     * correction of one listed before it) is named as such and left out.
     * @param {boolean} checkpoint_ok
     * @param {string} lang
     * @returns {string}
     */
    verdict(checkpoint_ok, lang) {
        let deferred3_0;
        let deferred3_1;
        try {
            const val2 = +checkpoint_ok;
            const ptr0 = passStringToWasm0(lang, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            const ret = wasm.precinctpage_verdict(this.__wbg_ptr, val2, ptr0, len0);
            deferred3_0 = ret[0];
            deferred3_1 = ret[1];
            return getStringFromWasm0(ret[0], ret[1]);
        } finally {
            wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
        }
    }
}
if (Symbol.dispose) PrecinctPage.prototype[Symbol.dispose] = PrecinctPage.prototype.free;

/**
 * The page's verdict on the checkpoint it fetched: [`verify_checkpoint`]'s, then related to
 * what this browser accepted before (`remembered`, as [`crate::adopt_remembered`] took it, or
 * empty) with the tiles [`consistency_tiles_needed`] named (`paths`, `data`, `lens`; a tile
 * that could not be fetched is left out). A checkpoint refused for its quorum is related too,
 * since the log's signature on two contradicting trees is the evidence (`spec/tlog.md` §11
 * step 2); only a fork adds to that refusal.
 *
 * Returns [`verify_checkpoint`]'s JSON with `consistency: {ok, error, size, damaged,
 * evidence}` when there was a tree to relate to, `remembered_ignored` when `remembered` is
 * not a checkpoint this log signed (`adopt_remembered`), and `remember`: the text to store in
 * place of `remembered` (a checkpoint accepted that does not go back), or null.
 * @param {string} policy_text
 * @param {Uint8Array | number[]} checkpoint
 * @param {string} remembered
 * @param {string} paths
 * @param {Uint8Array | number[]} data
 * @param {Uint32Array | number[]} lens
 * @returns {string}
 */
export function accept_checkpoint(policy_text, checkpoint, remembered, paths, data, lens) {
    let deferred7_0;
    let deferred7_1;
    try {
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
        try {
            ptr0 = passStringToWasm0(policy_text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(checkpoint, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passStringToWasm0(remembered, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passStringToWasm0(paths, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray8ToWasm0(data, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArray32ToWasm0(lens, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.accept_checkpoint(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5);
        deferred7_0 = ret[0];
        deferred7_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred7_0, deferred7_1, 1);
    }
}

/**
 * Whether a remembered checkpoint (`{size, root, checkpoint}` as JSON) is this log's: its
 * checkpoint must carry the log's signature under this policy and say the same size and root. Every memory is
 * checked so each time — anything on the page's origin can write to its storage — and an
 * older version's memory is taken only so, that an upgrade does not forget.
 * @param {string} policy_text
 * @param {string} origin
 * @param {string} remembered
 * @returns {boolean}
 */
export function adopt_remembered(policy_text, origin, remembered) {
    let ptr0, len0, ptr1, len1, ptr2, len2;
    try {
        ptr0 = passStringToWasm0(policy_text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(origin, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
        ptr2 = passStringToWasm0(remembered, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len2 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
    const ret = wasm.adopt_remembered(ptr0, len0, ptr1, len1, ptr2, len2);
    return ret !== 0;
}

/**
 * Chooses the page's policy and log (`spec/tlog.md` §11.1).
 *
 * - `site_policy`, `page_url`: the text of the `policy` file beside the page (empty if there
 *   is none) and the page's own URL;
 * - `offered_policy`, `offered_source`, `offered_trusted`: a policy from a `?policy=` link or
 *   pasted by the person (empty if none), where it came from, and whether the person chose
 *   to trust it;
 * - `log_param`: the `?log=` URL (empty if none): where to read the log, never what to trust.
 *
 * Returns JSON `{ok, use: "site"|"offered", policy, fingerprint, source, log, operator_copy,
 * viewers, offered: {fingerprint, source, trusted, error?}|null}`, or `{ok: false, error,
 * offered}` when there is no policy to use.
 * @param {string} site_policy
 * @param {string} page_url
 * @param {string} offered_policy
 * @param {string} offered_source
 * @param {boolean} offered_trusted
 * @param {string} log_param
 * @returns {string}
 */
export function choose_policy(site_policy, page_url, offered_policy, offered_source, offered_trusted, log_param) {
    let deferred7_0;
    let deferred7_1;
    try {
        const val6 = +offered_trusted;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passStringToWasm0(site_policy, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(page_url, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passStringToWasm0(offered_policy, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passStringToWasm0(offered_source, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passStringToWasm0(log_param, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.choose_policy(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, val6, ptr4, len4);
        deferred7_0 = ret[0];
        deferred7_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred7_0, deferred7_1, 1);
    }
}

/**
 * The tile paths a browser fetches to prove that the tree of `old` leaves is a prefix of the
 * tree of `new` leaves (`spec/tlog.md` §11 step 2), and to hash the new tree from the same
 * tiles (to tell damaged tiles from a fork): JSON `{ok, tiles: [path]}`.
 * @param {number} old
 * @param {number} _new
 * @returns {string}
 */
export function consistency_tiles_needed(old, _new) {
    let deferred1_0;
    let deferred1_1;
    try {
        const ret = wasm.consistency_tiles_needed(old, _new);
        deferred1_0 = ret[0];
        deferred1_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
    }
}

/**
 * Decodes an entry as an election record (canonical CBOR, `spec/records.md`) and checks its
 * signature: `{ok, kind, election, signer, time, signature_ok, body}` or `{ok: false, error}`.
 * @param {Uint8Array | number[]} entry
 * @returns {string}
 */
export function decode_record(entry) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passArray8ToWasm0(entry, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.decode_record(ptr0, len0);
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}

/**
 * The entry at `offset` in an entry bundle of `width` entries (untrusted until proved).
 * @param {Uint8Array | number[]} bundle
 * @param {number} width
 * @param {number} offset
 * @returns {Uint8Array}
 */
export function entry_from_bundle(bundle, width, offset) {
    const val2 = +width;
    const val3 = +offset;
    const ptr0 = passArray8ToWasm0(bundle, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.entry_from_bundle(ptr0, len0, val2, val3);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v4 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    return v4;
}

/**
 * The tile paths (relative to the log's URL) a browser fetches to prove entry `index` in the
 * tree of `size`: JSON `{ok, tiles: [path], bundle: path}` where `bundle` is the entry bundle
 * holding the entry.
 * @param {number} index
 * @param {number} size
 * @returns {string}
 */
export function inclusion_tiles_needed(index, size) {
    let deferred1_0;
    let deferred1_1;
    try {
        const ret = wasm.inclusion_tiles_needed(index, size);
        deferred1_0 = ret[0];
        deferred1_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
    }
}

/**
 * The kind names of `spec/records.md` §4, in code order.
 * @returns {string}
 */
export function kind_names() {
    let deferred1_0;
    let deferred1_1;
    try {
        const ret = wasm.kind_names();
        deferred1_0 = ret[0];
        deferred1_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
    }
}

/**
 * A policy's fingerprint (`spec/tlog.md` §10), which the page shows and keys trust by.
 * @param {string} text
 * @returns {string}
 */
export function policy_fingerprint(text) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passStringToWasm0(text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.policy_fingerprint(ptr0, len0);
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}

/**
 * Where this browser remembers the checkpoint it accepted for the log `origin`: per origin and
 * the policy's keys for it (`spec/tlog.md` §11: two logs may share an origin), and apart for a
 * policy that is not the site's own (`site` false: keyed by its hash), so that a linked
 * policy never overwrites what the site's remembered — while an edit of the site's policy (a
 * witness added) keeps the memory. JSON `{key, earlier: [..]}`: `earlier` are the places older
 * versions of the page used, to be adopted (`adopt_remembered`) when `key` holds nothing.
 * @param {string} policy_text
 * @param {string} origin
 * @param {boolean} site
 * @returns {string}
 */
export function remembered_keys(policy_text, origin, site) {
    let deferred4_0;
    let deferred4_1;
    try {
        const val3 = +site;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(policy_text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(origin, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.remembered_keys(ptr0, len0, ptr1, len1, val3);
        deferred4_0 = ret[0];
        deferred4_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred4_0, deferred4_1, 1);
    }
}

/**
 * The rules' titles in a language: `{rule id: title}`.
 * @param {string} lang
 * @returns {string}
 */
export function rule_titles(lang) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passStringToWasm0(lang, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.rule_titles(ptr0, len0);
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}

/**
 * SHA-256 of `data`, lower-case hex: the page names what a person chose to trust by the
 * policy's hash.
 * @param {Uint8Array | number[]} data
 * @returns {string}
 */
export function sha256_hex(data) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passArray8ToWasm0(data, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.sha256_hex(ptr0, len0);
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}

/**
 * The costly, stateless part of the audit, for a Web Worker: each entry of the bundle
 * decoded and its signature checked. One byte per entry: 1 if it passed. The page's auditor
 * takes these with [`Audit::push_bundle_checked`], so the national tally uses every core.
 * @param {Uint8Array | number[]} bundle
 * @param {number} width
 * @returns {Uint8Array}
 */
export function verify_bundle(bundle, width) {
    const val2 = +width;
    const ptr0 = passArray8ToWasm0(bundle, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.verify_bundle(ptr0, len0, val2);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v3 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    return v3;
}

/**
 * Verifies a signed checkpoint against a trust policy (`spec/tlog.md` §10): the log's
 * signature and the witnesses' quorum. Returns `{ok, origin, size, root, cosigners, policy,
 * relate}` or `{ok: false, error, policy?, relate}`, where `relate` (`{origin, size, root}` or
 * null) is the tree to relate to the one accepted before ([`accept_checkpoint`]): this one's,
 * or, for a checkpoint refused for its quorum, the tree the log signed.
 * @param {string} policy_text
 * @param {Uint8Array | number[]} checkpoint
 * @returns {string}
 */
export function verify_checkpoint(policy_text, checkpoint) {
    let deferred3_0;
    let deferred3_1;
    try {
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(policy_text, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(checkpoint, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.verify_checkpoint(ptr0, len0, ptr1, len1);
        deferred3_0 = ret[0];
        deferred3_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
    }
}

/**
 * Checks that a checkpoint this browser accepted before (`old` leaves, root `old_root`) and the
 * current one (`new`, `new_root`) are consistent, with the proof computed from the fetched
 * tiles (`paths`, `data`, `lens` as for [`crate::verify_inclusion_from_tiles`]). A smaller new
 * size is a rollback; a failed proof is a fork only if the same tiles hash to the new signed
 * root — otherwise they are damaged (`{ok: false, damaged: true, error}`: nothing is proved
 * about the log, as `spec/tlog.md` §11 says); `{ok: false, kind, evidence, error}` otherwise.
 * @param {number} old
 * @param {string} old_root
 * @param {number} _new
 * @param {string} new_root
 * @param {string} paths
 * @param {Uint8Array | number[]} data
 * @param {Uint32Array | number[]} lens
 * @returns {string}
 */
export function verify_consistency_from_tiles(old, old_root, _new, new_root, paths, data, lens) {
    let deferred8_0;
    let deferred8_1;
    try {
        const val6 = +old;
        const val7 = +_new;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passStringToWasm0(old_root, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(new_root, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passStringToWasm0(paths, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray8ToWasm0(data, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray32ToWasm0(lens, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.verify_consistency_from_tiles(val6, ptr0, len0, val7, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4);
        deferred8_0 = ret[0];
        deferred8_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred8_0, deferred8_1, 1);
    }
}

/**
 * Proves that `entry` is at `index` in the tree of `size` whose root (base64) a verified
 * checkpoint gave: computes the inclusion proof from the fetched (untrusted) tiles and checks
 * it. `paths` is a JSON array of tile paths; `data` their contents concatenated, `lens` their
 * lengths. Returns `{ok, leaf_hash, proof_len}` or `{ok: false, error}`.
 * @param {number} index
 * @param {number} size
 * @param {string} root
 * @param {string} paths
 * @param {Uint8Array | number[]} data
 * @param {Uint32Array | number[]} lens
 * @param {Uint8Array | number[]} entry
 * @returns {string}
 */
export function verify_inclusion_from_tiles(index, size, root, paths, data, lens, entry) {
    let deferred8_0;
    let deferred8_1;
    try {
        const val6 = +index;
        const val7 = +size;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passStringToWasm0(root, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(paths, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(data, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray32ToWasm0(lens, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray8ToWasm0(entry, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.verify_inclusion_from_tiles(val6, val7, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4);
        deferred8_0 = ret[0];
        deferred8_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred8_0, deferred8_1, 1);
    }
}

/**
 * Proves that `entry` is at `index` in the tree of `size` whose root (base64) a verified
 * checkpoint gave, with the proof a log's API sent (`GET /api/v1/proof/inclusion/<index>?size=`,
 * its JSON `answer`, untrusted): a few hundred bytes instead of the hash tiles, and no more
 * trusted — the hashes lead to the signed root, or the proof fails. Answers as
 * [`verify_inclusion_from_tiles`] does.
 * @param {number} index
 * @param {number} size
 * @param {string} root
 * @param {string} answer
 * @param {Uint8Array | number[]} entry
 * @returns {string}
 */
export function verify_inclusion_proof(index, size, root, answer, entry) {
    let deferred6_0;
    let deferred6_1;
    try {
        const val4 = +index;
        const val5 = +size;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passStringToWasm0(root, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(answer, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(entry, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.verify_inclusion_proof(val4, val5, ptr0, len0, ptr1, len1, ptr2, len2);
        deferred6_0 = ret[0];
        deferred6_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred6_0, deferred6_1, 1);
    }
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
            throw new Error(getStringFromWasm0(arg0, arg1));
        },
        __wbindgen_generic_0000000000000001: function(arg0, arg1) {
            // Cast intrinsic for `Ref(String) -> Externref`.
            const ret = getStringFromWasm0(arg0, arg1);
            return ret;
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            table.set(0, undefined);
            table.set(1024, undefined);
            table.set(1025, null);
            table.set(1026, true);
            table.set(1027, false);
        },
    };
    return {
        __proto__: null,
        "./web_viewer_bg.js": import0,
    };
}

const AuditFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_audit_free(ptr, 1));
const PrecinctPageFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_precinctpage_free(ptr, 1));

function getArrayU8FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

let cachedUint32ArrayMemory0 = null;
function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(bytes) {
    numBytesDecoded += bytes.length;
    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
        cachedTextDecoder.decode();
        numBytesDecoded = bytes.length;
    }
    return cachedTextDecoder.decode(bytes);
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
    wasmInstance = instance;
    wasm = instance.exports;
    wasmModule = module;
    cachedUint32ArrayMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();
    return wasm;
}

async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (!module.ok) {
            throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
        }

        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);
            } catch (e) {
                const validResponse = expectedResponseType(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else { throw e; }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);
    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };
        } else {
            return instance;
        }
    }

    function expectedResponseType(type) {
        switch (type) {
            case 'basic': case 'cors': case 'default': return true;
        }
        return false;
    }
}

function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

let __wbg_init_promise;
async function __wbg_init(module_or_path) {
    if (wasm !== undefined) return wasm;
    if (__wbg_init_promise === undefined) {
        __wbg_init_promise = __wbg_init_once(module_or_path);
        __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
    }
    return __wbg_init_promise;
}

async function __wbg_init_once(module_or_path) {

    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('web_viewer_bg.wasm?v=220f0495a65749c2', import.meta.url);
    }
    const imports = __wbg_get_imports();

    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }

    const { instance, module } = await __wbg_load(await module_or_path, imports);

    return __wbg_finalize_init(instance, module);
}

export { initSync, __wbg_init as default };
