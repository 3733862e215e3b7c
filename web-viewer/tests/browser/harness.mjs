// What the browser tests and the tally benchmark share: a real `demo` (a log, three witnesses,
// a simulated election) started on loopback, and Debian's chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../../..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(repo, 'target');
// DEMO_BIN overrides the binary ($CARGO_TARGET_DIR/debug/demo by default).
export const demoBin = process.env.DEMO_BIN || path.join(targetDir, 'debug', 'demo');

// Starts `demo` on an OS-assigned port with an election of `precincts` kept in `dir`; resolves
// once it says `ready`, with the process and the log's base URL.
export function startDemo({ dir, precincts, bin = demoBin, readySeconds = 180 }) {
  return new Promise((resolve, reject) => {
    const demo = spawn(bin, ['--dir', dir, '--listen', '127.0.0.1:0', '--precincts', String(precincts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let base;
    // Not ready in time: stopped, so that nothing is left running behind a failed start.
    const timer = setTimeout(() => { demo.kill('SIGKILL'); reject(new Error(`demo not ready in ${readySeconds} s:\n${out}`)); }, readySeconds * 1000);
    const onData = (d) => {
      out += d;
      const m = out.match(/log listening on (http:\/\/[^\s]+)/);
      if (m) base = m[1];
      if (/^ready$/m.test(out) && base) { clearTimeout(timer); resolve({ demo, base }); }
    };
    demo.stdout.on('data', onData);
    demo.stderr.on('data', onData);
    demo.on('exit', (code) => { clearTimeout(timer); reject(new Error(`demo exited ${code}:\n${out}`)); });
  });
}

// Stops a demo started above (SIGTERM, then waits for it, at most 10 s).
export async function stopDemo(demo) {
  if (!demo || demo.exitCode !== null) return;
  demo.removeAllListeners('exit');
  demo.kill('SIGTERM');
  await new Promise((r) => { demo.once('exit', r); setTimeout(r, 10_000); });
}

// Debian's chromium, headless, never a browser of Playwright's own.
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // playwright-core gives each launch a fresh --user-data-dir of its own (it refuses one here).
  });
}

// A plain static file server for `root` on another port: another origin, as an observer's host.
export async function staticHost(root) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'text/plain' }).end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}
