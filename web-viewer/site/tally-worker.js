// A Web Worker of the national tally: it checks the signatures of the entry bundles the page
// hands it (the costly part of the audit, which needs no log state) with the same wasm, and
// answers one byte per entry; the page's auditor applies every rule in log order.
import init, { verify_bundle } from './pkg/web_viewer.js';

const ready = init();
self.onmessage = async ({ data: { id, bundle, width } }) => {
  await ready;
  let checked;
  try {
    checked = verify_bundle(bundle, width);
  } catch {
    checked = new Uint8Array(0); // the page checks every entry itself, and says what is wrong
  }
  self.postMessage({ id, checked }, [checked.buffer]);
};
