// The browser's first load (issue #12): the wasm the page fetches before its first paint stays
// within its budget (the policy engine, importers and exporters load in the Web Worker), and a
// user's policy that runs into the engine's time limit runs in that worker: the page keeps
// answering clicks meanwhile and then shows the time-limit error. Real Chromium on the built
// dist/, real wasm, the real rule book.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { appHarness, dist, screenshots } from './serve.mjs';

// gzip -9 KiB of the app's wasm: 1,102 KiB when the policy engine, importers and exporters
// moved to the worker (BENCHMARKS.md, "Web app bundle"; 2,091 before); 1,292 KiB once the same
// session's maintenance/outage planner, renames, entry-wise edits and failure-domain panels
// were merged (all of them run on the page); 1,029 KiB once the page read only TOML (one copy
// of the model's deserializer instead of three) and the forms read the published schema
// instead of generating it; 1,076 KiB once the power-loss view, the hookscripts panel and the
// entity filter were merged (session 9: they decode their answers on the page); 994 KiB once
// the page's TOML reader lost its two wrappers (src/source/toml_plain.rs); 877 KiB once that
// reader wrote the parsed document as JSON for serde_json instead of running toml's
// deserializer (session 10); in session 11, 825 KiB once the page's analyses (boot timeline,
// maintenance, storage outages, device moves, comparisons, N-1) ran in the worker and
// whole-model changes came back from it as text, so the page lost the model's serialiser, and
// 823 KiB once every sort on the page shared one compact sort and maps were built by insertion
// (src/sort.rs) — each measured alone; 776 KiB with both merged. The target is 600:
// this budget only keeps what was won, with little room.
const BUDGET_KIB = Number(process.env.HOSTPLAN_WASM_BUDGET_KIB ?? 790);

const app = appHarness({ dist, screenshots });

test(`the wasm fetched before the first paint is at most ${BUDGET_KIB} KiB gzip, and the engine is not in it`, async () => {
  const page = await app.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname.slice(1)); });
  await page.goto(app.base);
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]', { timeout: 15000 });
  const interactive = await page.evaluate(() => performance.getEntriesByName('hostplan-interactive').length);
  assert.equal(interactive, 1, 'the app marks itself interactive after its first render');
  // The first request is the app's own wasm (the worker's is named hostplan-worker-…).
  const first = wasm[0];
  assert.ok(first && !first.startsWith('hostplan-worker'), `first wasm fetched: ${wasm.join(', ')}`);
  const bytes = fs.readFileSync(path.join(dist, first));
  const gzipKiB = zlib.gzipSync(bytes, { level: 9 }).length / 1024;
  assert.ok(gzipKiB <= BUDGET_KIB, `${first}: ${gzipKiB.toFixed(0)} KiB gzip -9 > ${BUDGET_KIB}`);
  // The policy engine's code is not in it (regorus names its errors; the worker has them).
  const worker = fs.readdirSync(dist).find((f) => /^hostplan-worker-.*_bg\.wasm$/.test(f));
  const marker = 'exceeded time limit';
  assert.ok(fs.readFileSync(path.join(dist, worker)).includes(marker), `the worker carries the engine (${marker})`);
  assert.ok(!bytes.includes(marker), 'the page\'s wasm does not carry the policy engine');
  // The findings still come (from the worker).
  await page.click('#tab-review');
  await page.waitForSelector('#findings-count[data-stale="false"]', { timeout: 30000 });
  assert.match(await page.textContent('#findings-count'), /open finding\(s\)/);
  await page.close();
});

// Two nested ranges: 400 million steps, far past the ten-second limit.
const looping = `package mine
import rego.v1

# METADATA
# title: Loops for ever
# custom:
#   id: MY-LOOP
#   severity: warning
warn contains {"rule": "MY-LOOP", "resource": "truenas", "message": "never"} if {
  some a in numbers.range(1, 20000)
  some b in numbers.range(1, 20000)
  a + b < 0
}
`;

test('a policy that runs into the time limit leaves the page responsive and says so', async () => {
  const { page, problems } = await app.openApp();
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask' });
  });
  await page.click('#tab-review');
  await page.waitForSelector('#findings-count[data-stale="false"]', { timeout: 30000 });
  await page.fill('#user-rego', looping);
  const loaded = Date.now();
  await page.click('#load-rego');
  // The new book is being evaluated…
  await page.waitForSelector('#findings-count[data-stale="true"]', { timeout: 15000 });
  // …and meanwhile the page answers: a tab switch and a selection on the graph take effect.
  const t0 = Date.now();
  await page.click('#tab-inspect');
  await page.waitForSelector('#tab-inspect[aria-selected="true"]', { timeout: 2000 });
  await page.click('svg#graph g.node[data-id="truenas"]');
  await page.waitForSelector('svg#graph g.node.selected[data-id="truenas"]', { timeout: 2000 });
  const answered = Date.now() - t0;
  assert.ok(answered < 2000, `the page answered in ${answered} ms`);
  // Still evaluating when the clicks were answered (they did not wait for the worker).
  await page.click('#tab-review');
  const stillEvaluating = await page.$('#findings-count[data-stale="true"]');
  assert.ok(stillEvaluating || Date.now() - loaded < 10000, 'the clicks were answered while the worker ran');
  // The engine stops at its time limit (10 s) and the review says so, naming the package.
  await page.waitForSelector('#evaluation-error', { timeout: 60000 });
  const error = await page.textContent('#evaluation-error');
  assert.match(error, /time limit/, error);
  assert.match(error, /mine/, error);
  assert.ok(Date.now() - loaded >= 9000, 'the error came from the time limit, not earlier');
  // The policy stays editable, and removing it brings the findings back.
  await page.fill('#user-rego', '');
  await page.click('#load-rego');
  await page.waitForSelector('#findings-count[data-stale="false"]', { timeout: 30000 });
  const longest = await page.evaluate(() => window.__longest);
  assert.ok(longest < 1000, `longest main-thread task while the policy ran: ${longest} ms`);
  await page.screenshot({ path: path.join(screenshots, 'policy-time-limit.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
