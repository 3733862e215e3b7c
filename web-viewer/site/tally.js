// The national tally: every entry bundle up to the checkpoint, read in log order and audited
// by the wasm (election::audit), with the signatures checked by Web Workers on the other cores
// (tally-worker.js). A worker that fails, answers nothing in time, or cannot start costs only
// speed: its bundles are checked on the page's own thread, which says what is wrong with them.

// The bundle width of the log (tlog-tiles: 256 entries to a full bundle).
const WIDTH = 256;
// A worker that has not answered a bundle in this long is given up on.
const WORKER_PATIENCE_MS = 30_000;

// `n` Web Workers (0: none), each with its own unanswered bundles.
class WorkerPool {
  constructor(n) {
    this.workers = [];
    for (let i = 0; i < n; i++) {
      try {
        this.workers.push(this.start(new Worker(new URL('tally-worker.js', import.meta.url), { type: 'module' })));
      } catch {
        break; // no workers here (an old browser, a policy that forbids them): the page checks alone
      }
    }
  }

  start(worker) {
    const slot = { worker, waiting: new Map(), broken: false };
    const fail = () => this.fail(slot);
    worker.onmessage = ({ data }) => {
      const resolve = slot.waiting.get(data && data.id);
      if (!resolve) return;
      slot.waiting.delete(data.id);
      resolve(data.checked instanceof Uint8Array ? data.checked : new Uint8Array(0));
    };
    worker.onerror = fail;
    worker.onmessageerror = fail;
    return slot;
  }

  // A worker that failed answers nothing more: what it held is checked on the page.
  fail(slot) {
    slot.broken = true;
    for (const resolve of slot.waiting.values()) resolve(new Uint8Array(0));
    slot.waiting.clear();
    slot.worker.terminate();
  }

  get size() {
    return this.workers.filter((s) => !s.broken).length;
  }

  // The bytes of `checked` for bundle `id`: one per entry, 1 where the signature verified;
  // empty if no worker could say.
  check(id, bundle, width) {
    const live = this.workers.filter((s) => !s.broken);
    if (!live.length) return Promise.resolve(new Uint8Array(0));
    const slot = live[id % live.length];
    const copy = bundle.slice(); // handed over: the page keeps its own
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fail(slot), WORKER_PATIENCE_MS);
      slot.waiting.set(id, (checked) => { clearTimeout(timer); resolve(checked); });
      slot.worker.postMessage({ id, bundle: copy, width }, [copy.buffer]);
    });
  }

  close() {
    for (const s of this.workers) s.worker.terminate();
  }
}

// Audits the log up to `size` entries into `audit` (a wv.Audit). `read(n)` fetches bundle n
// ({bytes, width, forget}); `progress(read)` after each bundle; `current()` false once a newer
// tally or another trust policy made this one moot (it then stops, and returns false).
// `stats` gains byWorkers (bundles the workers checked) and auditing (ms on the page).
export async function tallyLog({ audit, size, workers, read, progress, current, stats }) {
  const bundles = Math.ceil(size / WIDTH);
  const pool = new WorkerPool(workers);
  stats.workers = pool.size;
  // Fetched, and handed to a worker, a few bundles ahead of the auditor.
  const start = (n) => read(n).then(async (b) => ({ ...b, checked: await pool.check(n, b.bytes, b.width) }));
  const ahead = Math.max(2, pool.size * 2);
  const queue = [];
  try {
    for (let n = 0; n < Math.min(ahead, bundles); n++) queue.push(start(n));
    for (let n = 0; n < bundles; n++) {
      const cur = await queue.shift();
      if (!current()) return false;
      if (n + ahead < bundles) queue.push(start(n + ahead));
      const t0 = performance.now();
      if (cur.checked.length) { audit.push_bundle_checked(cur.bytes, cur.width, cur.checked); stats.byWorkers += 1; }
      else audit.push_bundle(cur.bytes, cur.width);
      stats.auditing += performance.now() - t0;
      cur.forget();
      progress(Math.min(size, (n + 1) * WIDTH));
    }
    return true;
  } finally {
    pool.close();
    // Bundles fetched ahead of a failure: nothing waits for them any more.
    for (const p of queue) p.catch(() => {});
  }
}

// How many workers to start: one per core, or ?workers=N (0: none), for comparisons.
export function workersWanted(params) {
  const asked = params.has('workers') ? Number(params.get('workers')) : navigator.hardwareConcurrency || 2;
  return Math.max(0, Math.min(8, Number.isInteger(asked) ? asked : 2));
}
