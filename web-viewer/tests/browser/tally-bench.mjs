// The national tally in the browser, timed: one demo election (2,500 precincts, about 45,000
// entries, by default), each variant of the page in turn in a fresh browser context (empty
// cache), a few rounds, medians and each variant's ratio to the first. A benchmark, not a test:
// its figures go in BENCHMARKS.md.
//
//   cargo build -p demo && web-viewer/tests/browser/setup.sh
//   cd web-viewer/tests/browser && node tally-bench.mjs [--precincts 2500] [--rounds 3] [--variants 'workers=0,']
//        [--pkg DIR ...]
//
// A variant is the page's query string: `workers=0` (the page alone), `` (a worker per core),
// `workers=1`, and so on. Each runs on the site the demo embeds and, for each --pkg (another
// build of the wasm: `web-viewer/build.sh DIR`), on a copy of the site with that build, served
// from another origin beside the demo's policy (the page reads the log where the policy says).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repo, startDemo, stopDemo, launchChromium, staticHost } from './harness.mjs';
import { STRINGS as english } from '../../site/i18n-en.js';

const { values: opts } = parseArgs({
  options: {
    precincts: { type: 'string', default: '2500' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'workers=0,' },
    pkg: { type: 'string', multiple: true, default: [] },
  },
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shailoo-tally-bench-'));
const { demo, base } = await startDemo({ dir, precincts: Number(opts.precincts), readySeconds: 1800 });
const browser = await launchChromium();
// Where each build of the site is served: the demo's own, then a copy per --pkg.
const sites = [{ name: 'embedded', url: base, dir: null, server: null }];
let variants, runs, entries;
try {
  for (const pkg of opts.pkg) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'shailoo-tally-site-'));
    sites.push({ name: pkg, url: null, dir: copy, server: null });
    fs.cpSync(path.join(repo, 'web-viewer', 'site'), copy, { recursive: true });
    fs.rmSync(path.join(copy, 'pkg'), { recursive: true });
    fs.cpSync(pkg, path.join(copy, 'pkg'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'policy'), path.join(copy, 'policy'));
    const { server, url } = await staticHost(copy);
    Object.assign(sites.at(-1), { url: `${url}/index.html`, server });
  }
  variants = sites.flatMap((site) => opts.variants.split(',').map((query) => ({ site, query, name: `${site.name}?${query}` })));
  runs = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let round = 0; round < Number(opts.rounds); round++) {
    for (const { site, query, name } of variants) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
      const page = await ctx.newPage();
      await page.goto(`${site.url === base ? `${base}/` : site.url}?${query}#/tally`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      const t0 = Date.now();
      await page.getByRole('button', { name: english.tally_start }).click();
      await page.waitForSelector('#root-status [data-state]', { timeout: 600_000 });
      const ms = Date.now() - t0;
      const state = await page.locator('#root-status [data-state]').getAttribute('data-state');
      if (state !== 'verified') throw new Error(`variant '${name}': the tally ended ${state}`);
      const audit = await page.evaluate(() => ({ workers: window.shailoo.audit.workers, auditing: window.shailoo.audit.auditing }));
      entries = await page.evaluate(() => window.shailoo.cp.size);
      runs[name].push({ ms, ...audit });
      console.error(`round ${round + 1} '${name}': ${ms} ms (${audit.workers} workers, ${Math.round(audit.auditing)} ms auditing on the page)`);
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  await stopDemo(demo);
  for (const site of sites) {
    if (site.server) site.server.close();
    if (site.dir) fs.rmSync(site.dir, { recursive: true, force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
const first = median(runs[variants[0].name].map((r) => r.ms));
console.log(JSON.stringify({
  entries,
  cores: os.availableParallelism(),
  cpu: os.cpus()[0]?.model,
  variants: Object.fromEntries(variants.map(({ name }) => {
    const ms = runs[name].map((r) => r.ms);
    return [name, { runs_ms: ms, median_ms: median(ms), ratio_to_first: +(median(ms) / first).toFixed(2), workers: runs[name][0].workers }];
  })),
}, null, 2));
