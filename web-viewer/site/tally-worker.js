// A Web Worker of the national tally: it checks the signatures of the entry bundles the page
// hands it (the costly part of the audit, which needs no log state) with the same wasm, and
// answers one byte per entry; the page's auditor applies every rule in log order.
// It always answers: an empty answer (the wasm did not start, the bundle did not parse) makes
// the page check that bundle itself, and say what is wrong with it.
import init, { verify_bundle } from './pkg/web_viewer.js';

const ready = init().then(() => true, () => false);
self.onmessage = async ({ data: { id, bundle, width } }) => {
  let checked = new Uint8Array(0);
  if (await ready) {
    try {
      checked = verify_bundle(bundle, width);
    } catch {
      // left empty: the page checks this bundle on its own thread
    }
  }
  self.postMessage({ id, checked }, [checked.buffer]);
};
