// Web app benchmark (not a test): drives the built dist/ in the system Chromium and reports
//  1. time to interactive on the default topology: navigation start → the first render is on
//     screen (the app's `hostplan-interactive` mark), over fresh pages;
//  2. editing a field on a ~500-component topology: the field's change → re-validated, re-laid
//     out and redrawn (the app's `hostplan-edit` measure), over repeated edits;
//  3. the wasm bundle's size, raw and gzip -9.
// Run with scripts/bench-web; results go to BENCHMARKS.md by hand.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serveDist, launchChromium } from './serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = process.env.HOSTPLAN_DIST ?? path.join(root, 'dist');
const hostplan = process.env.HOSTPLAN_BIN ?? path.join(root, 'target/release/hostplan');
const runs = Number(process.env.RUNS ?? 10);

const { server, base } = await serveDist(dist);
const browser = await launchChromium();
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
};
const fmt = (o) => `median ${o.median.toFixed(1)} ms (min ${o.min.toFixed(1)}, max ${o.max.toFixed(1)}, n=${o.n})`;

// 1. Time to interactive, fresh context each time (no cache, no autosave).
const tti = [];
for (let i = 0; i < runs; i++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(base);
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]');
  tti.push(await page.evaluate(() => performance.getEntriesByName('hostplan-interactive')[0].startTime));
  await ctx.close();
}
console.log(`interactive on the default topology: ${fmt(stats(tti))}`);

// 2. Edits on ~500 components.
const big = execFileSync(hostplan, ['generate', '--hosts', '25', '--vms-per-host', '14'], { encoding: 'utf8' });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await ctx.newPage();
await page.goto(base);
await page.waitForSelector('svg#graph g.node[data-id="truenas"]');
await page.setInputFiles('#open-file', { name: 'fleet.toml', mimeType: 'text/plain', buffer: Buffer.from(big) });
await page.waitForSelector('#current-file:has-text("fleet.toml")');
const components = await page.evaluate(() => document.querySelectorAll('svg#graph g.node, svg#graph g.host').length);
const vm = await page.$eval('svg#graph g.node.vm', (e) => e.dataset.id);
await page.click(`svg#graph g.node[data-id="${vm}"]`);
const field = await page.$eval('#inspector input[id$="--memory-mib"]', (e) => `#${e.id}`);
const edits = [];
for (let i = 0; i < runs * 2; i++) {
  await page.evaluate(() => performance.clearMeasures('hostplan-edit'));
  await page.fill(field, String(2048 + 512 * (i % 7) + i));
  await page.press(field, 'Enter');
  await page.waitForFunction(() => performance.getEntriesByName('hostplan-edit').length > 0);
  edits.push(await page.evaluate(() => performance.getEntriesByName('hostplan-edit')[0].duration));
}
console.log(`edit a field on ${components} drawn components: ${fmt(stats(edits))}`);
await ctx.close();

// 3. Bundle size.
for (const f of fs.readdirSync(dist).filter((f) => f.endsWith('.wasm') || f.endsWith('.js'))) {
  const bytes = fs.readFileSync(path.join(dist, f));
  console.log(`${f}: ${(bytes.length / 1024).toFixed(0)} KiB, gzip -9 ${(zlib.gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KiB`);
}
await browser.close();
server.close();
