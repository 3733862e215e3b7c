// The national tally in the browser, timed: one demo election (2,500 precincts, about 45,000
// entries, by default), each variant of the page in turn in a fresh browser context (empty
// cache), a few rounds, medians and each variant's ratio to the first. A benchmark, not a test:
// its figures go in BENCHMARKS.md.
//
//   cargo build -p demo && web-viewer/tests/browser/setup.sh
//   cd web-viewer/tests/browser && node tally-bench.mjs [--precincts 2500] [--rounds 3] [--variants 'workers=0,']
//
// A variant is the page's query string: `workers=0` (the page alone), `` (a worker per core),
// `workers=1`, and so on. DEMO_BIN picks the demo binary (and so the embedded site).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDemo, stopDemo, launchChromium } from './harness.mjs';
import { STRINGS } from '../../site/i18n.js';

const { values: opts } = parseArgs({
  options: {
    precincts: { type: 'string', default: '2500' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'workers=0,' },
  },
});
const variants = opts.variants.split(',');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shailoo-tally-bench-'));
const { demo, base } = await startDemo({ dir, precincts: Number(opts.precincts), readySeconds: 1800 });
const browser = await launchChromium();
const runs = Object.fromEntries(variants.map((v) => [v, []]));
let entries;
try {
  for (let round = 0; round < Number(opts.rounds); round++) {
    for (const variant of variants) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
      const page = await ctx.newPage();
      await page.goto(`${base}/?${variant}#/tally`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      const t0 = Date.now();
      await page.getByRole('button', { name: STRINGS.en.tally_start }).click();
      await page.waitForSelector('#root-status [data-state]', { timeout: 600_000 });
      const ms = Date.now() - t0;
      const state = await page.locator('#root-status [data-state]').getAttribute('data-state');
      if (state !== 'verified') throw new Error(`variant '${variant}': the tally ended ${state}`);
      const audit = await page.evaluate(() => ({ workers: window.shailoo.audit.workers, auditing: window.shailoo.audit.auditing }));
      entries = await page.evaluate(() => window.shailoo.cp.size);
      runs[variant].push({ ms, ...audit });
      console.error(`round ${round + 1} '${variant}': ${ms} ms (${audit.workers} workers, ${Math.round(audit.auditing)} ms auditing on the page)`);
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  await stopDemo(demo);
  fs.rmSync(dir, { recursive: true, force: true });
}
const first = median(runs[variants[0]].map((r) => r.ms));
console.log(JSON.stringify({
  entries,
  cores: os.availableParallelism(),
  cpu: os.cpus()[0]?.model,
  variants: Object.fromEntries(variants.map((v) => {
    const ms = runs[v].map((r) => r.ms);
    return [v || '(default)', { runs_ms: ms, median_ms: median(ms), ratio_to_first: +(median(ms) / first).toFixed(2), workers: runs[v][0].workers }];
  })),
}, null, 2));
