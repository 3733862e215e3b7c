// The browser's costliest step, timed in Node (V8, the engine of Chromium): `verify_bundle`
// (each entry of a bundle decoded and its signature checked, what a tally worker does) from
// one or more builds of the viewer's wasm, alternating, on the same entry bundle.
//
//   node web-viewer/bench/verify-bundle.mjs --bundle LOG/public/tile/entries/000 \
//        --pkg web-viewer/site/pkg [--pkg /tmp/other-build] [--rounds 7] [--repeat 20]
//
// Each round runs every build once: `repeat` calls on the bundle (the signers' keys are
// remembered after the first, as in a worker). Prints signatures/s per build (median of the
// rounds) and each build's ratio to the first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: opts } = parseArgs({
  options: {
    bundle: { type: 'string' },
    pkg: { type: 'string', multiple: true, default: ['web-viewer/site/pkg'] },
    width: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '7' },
    repeat: { type: 'string', default: '20' },
  },
});
if (!opts.bundle) throw new Error('--bundle FILE is needed (a full entry bundle of a demo log)');
const bundle = new Uint8Array(fs.readFileSync(opts.bundle));
const width = Number(opts.width);

// Each build in its own module instance: a copy of the glue per build, as the glue keeps the
// module in a global of its own.
const builds = [];
for (const dir of opts.pkg) {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-bench-'));
  fs.copyFileSync(path.join(dir, 'web_viewer.js'), path.join(copy, 'web_viewer.js'));
  const glue = await import(pathToFileURL(path.join(copy, 'web_viewer.js')).href);
  const wasm = fs.readFileSync(path.join(dir, 'web_viewer_bg.wasm'));
  glue.initSync({ module: wasm });
  const checked = glue.verify_bundle(bundle, width);
  const passed = checked.reduce((a, b) => a + b, 0);
  if (passed !== width) throw new Error(`${dir}: ${passed} of ${width} signatures verified (a full bundle of a real log is needed)`);
  builds.push({ dir, glue, wasmBytes: wasm.length, rates: [] });
  fs.rmSync(copy, { recursive: true, force: true });
}

for (let round = 0; round < Number(opts.rounds); round++) {
  for (const b of builds) {
    const t0 = performance.now();
    for (let i = 0; i < Number(opts.repeat); i++) b.glue.verify_bundle(bundle, width);
    const s = (performance.now() - t0) / 1000;
    b.rates.push(Math.round((width * Number(opts.repeat)) / s));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(builds[0].rates);
console.log(JSON.stringify({
  node: process.version,
  cpu: os.cpus()[0]?.model,
  builds: builds.map((b) => ({
    pkg: b.dir, wasm_bytes: b.wasmBytes, signatures_per_s: b.rates, median: median(b.rates), ratio_to_first: +(median(b.rates) / base).toFixed(2),
  })),
}, null, 2));
