// Where the page's main thread spends its time while a generated fleet opens: a CPU profile
// (Chrome DevTools Protocol, sampled every 100 µs) of "Open topology…" → the overview painted
// and settled, summed per function (self and inclusive time). Wasm functions are named only
// when the dist keeps its name section: build one with `data-wasm-opt="0"` (see BENCHMARKS.md,
// "Web app bundle"), e.g. `trunk build --release .tmp/index-prof.html --dist .tmp/dist-prof`.
// With EDIT=1 the profile is of a form edit instead (the fleet opened, a VM found and
// selected, its memory changed: change → redraw, and the tasks that follow it).
//
//   HOSTPLAN_DIST=.tmp/dist-prof HOSTPLAN_BIN=target/debug/hostplan HOSTS=1000 node tests/e2e/profile.mjs
//   EDIT=1 HOSTPLAN_DIST=.tmp/dist-prof HOSTPLAN_BIN=target/debug/hostplan HOSTS=1000 node tests/e2e/profile.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist, launchChromium } from './serve.mjs';
import { generateFleet, observeLongTasks, openFleet } from './fleet.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.resolve(process.env.HOSTPLAN_DIST ?? path.join(root, 'dist'));
const hostplan = process.env.HOSTPLAN_BIN ?? path.join(root, 'target/debug/hostplan');
const hosts = Number(process.env.HOSTS ?? 1000);
const top = Number(process.env.TOP ?? 40);
const edit = process.env.EDIT === '1';

const { server, base } = await serveDist(dist);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await observeLongTasks(page);
  await page.goto(base);
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]', { timeout: 60000 });
  const fleet = generateFleet(hostplan, hosts);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  const ready = 'svg#graph g.tile[data-id="h00000"] text.tile-label';
  // The page's clock when the profile starts: long tasks are placed on the profile's timeline
  // with it (to within the few milliseconds the two calls take).
  let startedAt = 0;
  const start = async () => {
    await cdp.send('Profiler.start');
    startedAt = await page.evaluate(() => performance.now());
  };
  if (!edit) await start();
  const opened = await openFleet(page, `fleet-${hosts}.toml`, fleet, ready, { settleMs: 3000, timeout: 180000 });
  console.log(`${hosts} hosts: open → painted ${opened.openMs.toFixed(0)} ms; long tasks: ${opened.tasks.map((t) => t.duration.toFixed(0)).join(', ')} ms`);
  if (edit) {
    const vm = 'h00042-vm03';
    await page.fill('#search', vm);
    await page.press('#search', 'Enter');
    await page.waitForSelector(`svg#graph g.node[data-id="${vm}"]`);
    await page.click('svg#graph', { position: { x: 5, y: 5 } });
    await page.click(`svg#graph g.node[data-id="${vm}"]`);
    const field = await page.$eval('#inspector input[id$="--memory-mib"]', (e) => `#${e.id}`);
    await page.waitForTimeout(2000);
    await page.evaluate(() => { window.__longTasks = []; performance.clearMeasures('hostplan-edit'); });
    await page.fill(field, '7777');
    await start();
    await page.press(field, 'Enter');
    await page.waitForFunction((id) => document.querySelector(`svg#graph g.node[data-id="${id}"] .detail`)?.textContent.includes('7777 MiB'), vm, { timeout: 60000 });
    await page.waitForTimeout(2000);
    const ms = await page.evaluate(() => performance.getEntriesByName('hostplan-edit')[0]?.duration);
    const tasks = await page.evaluate(() => window.__longTasks.map((t) => t.duration.toFixed(0)).join(', '));
    console.log(`edit → redraw ${ms?.toFixed(0)} ms; long tasks after the edit: ${tasks} ms`);
  }
  const { profile } = await cdp.send('Profiler.stop');
  const longTasks = (await page.evaluate(() => window.__longTasks)).filter((t) => t.start >= startedAt - 5);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'anonymous'})`;
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const leaf = byId.get(id);
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const n = name(byId.get(at));
      if (seen.has(n)) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + dt);
    }
  });
  const show = (title, m) => {
    console.log(`\n${title} (of ${total.toFixed(0)} ms sampled)`);
    for (const [n, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${n.slice(0, 150)}`);
  };
  show('self time', self);
  show('inclusive time', inclusive);
  // Busy stretches (no idle sample for 2 ms) of 50 ms or more: roughly the long tasks, each
  // with the app's functions that took most of it.
  const generic = /^(\(root\)|\(program\)|\(idle\)|js-to-wasm|wasm-to-js|real|wasm_bindgen|js_sys|yew::|<yew|__wbg|\(anonymous\)|.*externref shim)/;
  let window = null;
  const windows = [];
  let t = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    const idle = name(byId.get(id)) === '(idle)';
    if (!idle) {
      if (!window || t - window.end > 8) { window = { start: t, end: t, fns: new Map() }; windows.push(window); }
      window.end = t;
      const seen = new Set();
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const n = name(byId.get(at));
        if (seen.has(n) || generic.test(n)) continue;
        seen.add(n);
        window.fns.set(n, (window.fns.get(n) ?? 0) + dt);
      }
    }
  });
  for (const w of windows.filter((w) => w.end - w.start >= 50)) {
    console.log(`\nbusy ${(w.end - w.start).toFixed(0)} ms at +${w.start.toFixed(0)} ms:`);
    for (const [n, ms] of [...w.fns].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${n.slice(0, 140)}`);
  }
  // Each long task of the page (PerformanceObserver) with the functions sampled in it.
  const times = [];
  let at = 0;
  profile.samples.forEach((id, i) => { at += (profile.timeDeltas[i] ?? 0) / 1000; times.push([at, id]); });
  for (const task of longTasks) {
    const from = task.start - startedAt;
    const to = from + task.duration;
    const fns = new Map();
    let prev = 0;
    for (const [t, id] of times) {
      const dt = t - prev;
      prev = t;
      if (t < from || t > to) continue;
      const seen = new Set();
      for (let a = id; a !== undefined; a = parent.get(a)) {
        const n = name(byId.get(a));
        if (seen.has(n) || generic.test(n)) continue;
        seen.add(n);
        fns.set(n, (fns.get(n) ?? 0) + dt);
      }
    }
    console.log(`\nlong task ${task.duration.toFixed(0)} ms at +${from.toFixed(0)} ms:`);
    for (const [n, ms] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${n.slice(0, 140)}`);
  }
} finally {
  await browser.close();
  server.close();
}
