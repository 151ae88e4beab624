// Web app benchmark (not a test): drives the built dist/ in the system Chromium and reports
//  1. time to interactive on the default topology: navigation start → the first render is on
//     screen (the app's `hostplan-interactive` mark), over fresh pages;
//  2. editing a field on a ~500-component topology: the field's change → re-validated, re-laid
//     out and redrawn (the app's `hostplan-edit` measure), over repeated edits;
//  3. opening generated fleets of 100 and 1,000 hosts: the file's `change` → the overview painted
//     (fleet.mjs), and the longest main-thread long task (PerformanceObserver `longtask`) from
//     the open until the page settles; then an edit on the focused host of the 1,000-host fleet;
//  4. the wasm bundle's size, raw and gzip -9.
// Run with scripts/bench-web; results go to BENCHMARKS.md by hand. PARTS=tti,small,fleets,bundle
// (the default: all) runs some of them; FLEETS=100,1000 picks the fleet sizes.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serveDist, launchChromium } from './serve.mjs';
import { generateFleet, observeLongTasks, openFleet } from './fleet.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = process.env.HOSTPLAN_DIST ?? path.join(root, 'dist');
const hostplan = process.env.HOSTPLAN_BIN ?? path.join(root, 'target/release/hostplan');
const runs = Number(process.env.RUNS ?? 10);
const parts = new Set((process.env.PARTS ?? 'tti,small,fleets,bundle').split(','));
const fleetSizes = (process.env.FLEETS ?? '100,1000').split(',').map(Number);

const { server, base } = await serveDist(dist);
const browser = await launchChromium();
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
};
const fmt = (o) => `median ${o.median.toFixed(1)} ms (min ${o.min.toFixed(1)}, max ${o.max.toFixed(1)}, n=${o.n})`;

// 1. Time to interactive, fresh context each time (no cache, no autosave).
const tti = [];
for (let i = 0; i < (parts.has('tti') ? runs : 0); i++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(base);
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]');
  tti.push(await page.evaluate(() => performance.getEntriesByName('hostplan-interactive')[0].startTime));
  await ctx.close();
}
if (tti.length) console.log(`interactive on the default topology: ${fmt(stats(tti))}`);

// Edit a VM's memory `n` times (the VM is found by search, which opens its host in a large site).
async function editVm(page, vm, n) {
  await page.fill('#search', vm);
  await page.press('#search', 'Enter');
  await page.waitForSelector(`svg#graph g.node[data-id="${vm}"]`);
  await page.click(`svg#graph g.node[data-id="${vm}"]`);
  const drawn = await page.evaluate(() => document.querySelectorAll('svg#graph g.node, svg#graph g.host').length);
  // Let the policy review of the opened file come back (it re-renders the inspector, and a
  // value typed meanwhile would be reset to the model's).
  await page.waitForTimeout(3000);
  // A first, unmeasured edit: the first value typed after opening a tile is sometimes reset by
  // a re-render before Enter (see the scale test).
  const fieldId = await page.$eval('#inspector input[id$="--memory-mib"]', (e) => `#${e.id}`);
  await page.fill(fieldId, '2999');
  await page.press(fieldId, 'Enter');
  await page.waitForTimeout(1500);
  const field = await page.$eval('#inspector input[id$="--memory-mib"]', (e) => `#${e.id}`);
  const edits = [];
  for (let i = 0; i < n; i++) {
    await page.evaluate(() => performance.clearMeasures('hostplan-edit'));
    // A value typed just as the policy review comes back is reset by the re-render: type again.
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.fill(field, String(3001 + 512 * (i % 7) + i + attempt * 10000));
      await page.press(field, 'Enter');
      const ok = await page.waitForFunction(() => performance.getEntriesByName('hostplan-edit').length > 0, null, { timeout: 20000 }).then(() => true, () => false);
      if (ok) break;
    }
    edits.push(await page.evaluate(() => performance.getEntriesByName('hostplan-edit')[0].duration));
  }
  return { drawn, edits };
}

// 2. Edits on a ~500-component site (now drawn as an overview; the VM's host is opened).
if (parts.has('small')) {
const big = execFileSync(hostplan, ['generate', '--hosts', '25', '--vms-per-host', '14'], { encoding: 'utf8' });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await ctx.newPage();
await page.goto(base);
await page.waitForSelector('svg#graph g.node[data-id="truenas"]');
await page.setInputFiles('#open-file', { name: 'fleet.toml', mimeType: 'text/plain', buffer: Buffer.from(big) });
await page.waitForSelector('#current-file:has-text("fleet.toml")');
const small = await editVm(page, 'h00003-vm05', runs * 2);
console.log(`edit a field on a 511-component site (${small.drawn} drawn in the focused view): ${fmt(stats(small.edits))}`);
await ctx.close();
}

// 3. Open generated fleets: open → overview painted, and the longest long task.
for (const hosts of parts.has('fleets') ? fleetSizes : []) {
  const fleet = generateFleet(hostplan, hosts);
  const opens = [];
  const longest = [];
  let editFigures;
  for (let i = 0; i < Number(process.env.OPEN_RUNS ?? 3); i++) {
    const c = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const p = await c.newPage();
    await observeLongTasks(p);
    await p.goto(base);
    await p.waitForSelector('svg#graph g.node[data-id="truenas"]');
    // Settle long enough for the policy review (in the worker) to come back.
    const r = await openFleet(p, `fleet-${hosts}.toml`, fleet, 'svg#graph g.tile[data-id="h00000"] text.tile-label', { settleMs: hosts >= 1000 ? 6000 : 2000, timeout: 120000 });
    opens.push(r.openMs);
    longest.push(r.longestTaskMs);
    if (i === 0) editFigures = await editVm(p, 'h00042-vm03', hosts >= 1000 ? 5 : 10);
    await c.close();
  }
  console.log(`open a ${hosts}-host fleet → overview painted: ${fmt(stats(opens))}`);
  console.log(`  longest main-thread task while opening (${hosts} hosts): ${fmt(stats(longest))}`);
  console.log(`  edit a VM's memory in the ${hosts}-host fleet (${editFigures.drawn} drawn): ${fmt(stats(editFigures.edits))}`);
}

// 4. Bundle size.
for (const f of parts.has('bundle') ? fs.readdirSync(dist).filter((f) => f.endsWith('.wasm') || f.endsWith('.js')) : []) {
  const bytes = fs.readFileSync(path.join(dist, f));
  console.log(`${f}: ${(bytes.length / 1024).toFixed(0)} KiB, gzip -9 ${(zlib.gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KiB`);
}
await browser.close();
server.close();
