// End-to-end: a graph you can read (issue #17 §3) — labels never under 11 px on screen at the
// default window, the graph and the Gantt exported as SVG and PNG, keyboard moves between nodes,
// the Gantt on the main canvas. Real Chromium, real wasm, measured in the rendered page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { appHarness, root, dist, hostplan, screenshots, screenshot, openFile } from './serve.mjs';

const app = appHarness({ dist, screenshots, pageOptions: { acceptDownloads: true } });
const { openApp } = app;

// Every visible text element of the graph: its computed font size times the SVG's scale
// (rendered width over viewBox width), i.e. the size it has on screen.
async function smallestLabels(page) {
  return page.$eval('svg#graph', (svg) => {
    const vb = svg.viewBox.baseVal;
    const scale = svg.getBoundingClientRect().width / vb.width;
    const out = [];
    for (const t of svg.querySelectorAll('text')) {
      const cs = getComputedStyle(t);
      if (cs.display === 'none' || cs.visibility === 'hidden' || !t.textContent.trim()) continue;
      out.push({ text: t.textContent, px: parseFloat(cs.fontSize) * scale });
    }
    out.sort((a, b) => a.px - b.px);
    return { count: out.length, scale, smallest: out.slice(0, 3) };
  });
}

test('no label under 11 px on screen for the seed and the roadmap at the default window', async () => {
  for (const [width, height] of [[1400, 900], [420, 900]]) {
    const { page, problems } = await openApp(width, height);
    const seed = await smallestLabels(page);
    assert.ok(seed.count > 30, `only ${seed.count} labels drawn on the seed`);
    assert.ok(seed.smallest[0].px >= 11 - 1e-6, `seed at ${width}px: ${JSON.stringify(seed.smallest)}`);
    await page.selectOption('#example', 'roadmap-bare-metal.toml');
    await page.waitForSelector('svg#graph g.host[data-id="nas01"]');
    const roadmap = await smallestLabels(page);
    assert.ok(roadmap.count > 30, `only ${roadmap.count} labels drawn on the roadmap`);
    assert.ok(roadmap.smallest[0].px >= 11 - 1e-6, `roadmap at ${width}px: ${JSON.stringify(roadmap.smallest)}`);
    if (width === 1400) await page.screenshot({ path: screenshot('screenshot-roadmap.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('Fit shows the whole graph in both directions; zoom to selection brings labels back', async () => {
  const { page } = await openApp();
  await page.click('#fit');
  const fitted = await page.$eval('svg#graph', (svg) => {
    const r = svg.getBoundingClientRect();
    const g = svg.querySelector('.frames').getBBox();
    const vb = svg.viewBox.baseVal;
    return { h: r.height, w: r.width, inner: innerHeight, vb: [vb.x, vb.y, vb.width, vb.height], g: [g.x, g.y, g.width, g.height] };
  });
  assert.ok(fitted.vb[2] >= fitted.g[2] && fitted.vb[3] >= fitted.g[3], JSON.stringify(fitted));
  assert.ok(fitted.h <= fitted.inner, `the fitted graph is ${fitted.h}px tall in a ${fitted.inner}px window`);
  await page.click('svg#graph g.node[data-id="tank-d6"]', { force: true });
  await page.click('#zoom-selection');
  const after = await smallestLabels(page);
  assert.ok(after.smallest[0].px >= 11 - 1e-6, JSON.stringify(after.smallest));
  const inView = await page.$eval('svg#graph', (svg) => {
    const b = svg.querySelector('g.node[data-id="tank-d6"]').getBoundingClientRect();
    const s = svg.getBoundingClientRect();
    return b.left >= s.left && b.right <= s.right && b.top >= s.top && b.bottom <= s.bottom;
  });
  assert.ok(inView, 'the selection is in view after zooming to it');
  await page.close();
});

test('bridges and VLAN trunks are drawn; passthrough links are on top', async () => {
  const { page } = await openApp();
  assert.equal(await page.$$eval('svg#graph g.node.bridge[data-id="srv01/vmbr0"]', (e) => e.length), 1);
  const trunks = await page.$$eval('svg#graph path.edge.trunk', (els) => els.map((e) => `${e.dataset.from}->${e.dataset.to}`).sort());
  assert.deepEqual(trunks, ['srv01/vmbr0->lan', 'srv01/vmbr0->storage50']);
  const labels = await page.$$eval('svg#graph text.edge-label', (els) => els.map((e) => e.textContent).sort());
  assert.deepEqual(labels, ['VLAN 50', 'untagged']);
  // Passthrough links come after every box in the drawing, so nothing paints over them.
  const order = await page.$eval('svg#graph', (svg) => {
    const all = [...svg.querySelectorAll('g.node, path.edge.passthrough')];
    const lastNode = all.map((e) => e.matches('g.node')).lastIndexOf(true);
    const firstPt = all.findIndex((e) => e.matches('path.edge.passthrough'));
    return { lastNode, firstPt };
  });
  assert.ok(order.firstPt > order.lastNode, JSON.stringify(order));
  // Clicking a bridge selects its host (a bridge is not an entity of the file).
  await page.click('svg#graph g.node.bridge', { force: true });
  await page.waitForFunction(() => /srv01/.test(document.querySelector('#inspector h3')?.textContent ?? ''));
  await page.close();
});

test('keyboard: one tab stop for the graph, arrow keys move between nodes, selection announced', async () => {
  const { page } = await openApp();
  const stops = await page.$$eval('svg#graph [tabindex="0"]', (els) => els.length);
  assert.equal(stops, 1, 'the graph is one tab stop (roving tabindex)');
  assert.equal(await page.$$eval('svg#graph path[tabindex]', (e) => e.length), 0, 'edges are not focusable');
  await page.focus('svg#graph [tabindex="0"]');
  const first = await page.evaluate(() => document.activeElement.dataset.key);
  await page.keyboard.press('ArrowRight');
  const second = await page.evaluate(() => document.activeElement.dataset.key);
  assert.notEqual(second, first);
  await page.keyboard.press('ArrowDown');
  const third = await page.evaluate(() => document.activeElement.dataset.key);
  assert.notEqual(third, second);
  // Move to a VM and select it with Enter: it is announced as pressed.
  let key = third;
  for (let i = 0; i < 40 && !(key ?? '').startsWith('b:talos'); i += 1) {
    await page.keyboard.press('ArrowRight');
    key = await page.evaluate(() => document.activeElement.dataset.key);
  }
  assert.match(key, /^b:talos/);
  await page.keyboard.press('Enter');
  const id = key.slice(2);
  await page.waitForFunction((id) => document.querySelector(`svg#graph g.node[data-id="${id}"]`)?.getAttribute('aria-pressed') === 'true', id);
  assert.equal(await page.$$eval('svg#graph [tabindex="0"]', (els) => els.length), 1);
  assert.equal(await page.getAttribute(`svg#graph g.node[data-id="${id}"]`, 'tabindex'), '0');
  // VMs are grouped under their host for screen readers.
  const grouped = await page.$eval(`svg#graph g.node[data-id="${id}"]`, (e) => e.closest('[role=group][aria-label^="host "]')?.getAttribute('aria-label'));
  assert.equal(grouped, 'host srv01');
  await page.close();
});

test('the graph downloads as SVG (standalone, with the seed\'s labels) and as PNG', async () => {
  const { page, problems } = await openApp();
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-graph-svg')]);
  assert.equal(svgDl.suggestedFilename(), 'hostplan-graph.svg');
  const svg = fs.readFileSync(await svgDl.path(), 'utf8');
  // It parses as XML (the browser's own parser, as an image viewer would) and carries labels.
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const err = doc.querySelector('parsererror');
    return { err: err?.textContent ?? null, root: doc.documentElement.nodeName, texts: [...doc.querySelectorAll('text')].map((t) => t.textContent) };
  }, svg);
  assert.equal(parsed.err, null);
  assert.equal(parsed.root, 'svg');
  for (const id of ['srv01', 'truenas', 'hba0', 'tank-d1', 'local-lvm', 'iscsi-k8s', 'talos', 'storage50', 'mains']) {
    assert.ok(parsed.texts.some((t) => t.includes(id)), `${id} missing from the exported SVG`);
  }
  assert.match(svg, /style="[^"]*fill:/, 'styles are inlined');
  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-graph-png')]);
  assert.equal(pngDl.suggestedFilename(), 'hostplan-graph.png');
  const png = fs.readFileSync(await pngDl.path());
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.length > 20000, `PNG of ${png.length} bytes`);
  // Width and height from the IHDR chunk: the whole drawing at twice its size.
  assert.ok(png.readUInt32BE(16) > 1000 && png.readUInt32BE(20) > 800, `${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Gantt takes the main canvas, labels its bars, marks the outage, shows the suggestion, and exports', async () => {
  const { page, problems } = await openApp();
  await page.click('#tab-boot');
  await page.waitForSelector('main #gantt');
  const w = await page.$eval('#gantt', (e) => e.getBoundingClientRect().width);
  assert.ok(w > 800, `the Gantt is ${w}px wide`);
  const small = await page.$eval('#gantt', (svg) => {
    const vb = svg.viewBox.baseVal;
    const scale = svg.getBoundingClientRect().width / vb.width;
    return Math.min(...[...svg.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
  });
  assert.ok(small >= 11 - 1e-6, `smallest Gantt text ${small}px`);
  assert.ok(await page.$$eval('#gantt text.bar-label', (e) => e.length) >= 4, 'bars are labelled');
  assert.ok(await page.$$eval('#gantt rect.wait', (e) => e.length) > 0, 'the Talos volumes wait for iSCSI');
  // A reboot of srv01: everything on it is out, drawn in the outage style.
  await page.selectOption('#boot-scenario', 'reboot:srv01');
  await page.waitForSelector('#gantt rect.outage');
  await page.screenshot({ path: screenshot('screenshot-boot-reboot.png'), fullPage: true });
  assert.match(await page.textContent('#gantt-suggestion'), /suggested order/i);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-gantt-svg')]);
  const svg = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(svg, /truenas/);
  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-gantt-png')]);
  const png = fs.readFileSync(await pngDl.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.length > 5000, `PNG of ${png.length} bytes`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a 1,000-host fleet still opens as the overview, legible', async () => {
  const text = execFileSync(hostplan, ['generate', '--hosts', '1000'], { maxBuffer: 1 << 28 }).toString();
  const { page, problems } = await openApp();
  await openFile(page, 'fleet-1000.toml', text);
  await page.waitForSelector('svg#graph.overview g.tile', { timeout: 60000 });
  const small = await page.$eval('svg#graph.overview', (svg) => {
    const vb = svg.viewBox.baseVal;
    const scale = svg.getBoundingClientRect().width / vb.width;
    const sizes = [...svg.querySelectorAll('text')].filter((t) => getComputedStyle(t).display !== 'none').map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    return Math.min(...sizes);
  });
  assert.ok(small >= 11 - 1e-6, `smallest overview text ${small}px`);
  await page.screenshot({ path: screenshot('screenshot-fleet-1000.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
