// End-to-end accessibility (issue #17 §6): axe-core, injected into the page in the real
// Chromium, finds no serious or critical violation on the main views (graph, simulate, review,
// boot); the skip link passes the graph; simulation results reach the live region; the amber
// "degraded" text has at least 4.5:1 contrast where it is drawn.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { serveDist, launchChromium, dist } from './serve.mjs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server, browser, base;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/ is missing: run `trunk build --release` first');
  ({ server, base } = await serveDist(dist));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openApp(width = 1400, height = 900) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(base);
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]', { timeout: 15000 });
  await page.addScriptTag({ content: axeSource });
  return page;
}

// axe's serious and critical violations, each with the first few offending elements.
async function seriousViolations(page) {
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return { serious: result.filter((v) => v.impact === 'serious' || v.impact === 'critical'), all: result };
}

test('axe-core: no serious or critical violations on the graph, simulate, review and boot views', async () => {
  const page = await openApp();
  const seen = {};
  // The graph with the inspector.
  seen.graph = await seriousViolations(page);
  // Simulate: a host lost, so the degraded and down states are drawn.
  await page.click('#tab-simulate');
  await page.click('#lose-host');
  await page.waitForSelector('#affected');
  seen.simulate = await seriousViolations(page);
  await page.click('#tab-review');
  await page.waitForSelector('#findings-count', { timeout: 30000 });
  seen.review = await seriousViolations(page);
  await page.click('#tab-boot');
  await page.waitForSelector('#gantt');
  seen.boot = await seriousViolations(page);
  for (const [view, v] of Object.entries(seen)) {
    assert.deepEqual(v.serious, [], `${view}: ${JSON.stringify(v.serious, null, 1)}`);
  }
  // axe did run and look: it reports passes on every view (a page it could not read has none).
  const passes = await page.evaluate(async () => (await window.axe.run(document)).passes.length);
  assert.ok(passes > 10, `axe passed only ${passes} rules`);
  await page.close();
});

test('the skip link passes the graph to the side panel', async () => {
  const page = await openApp();
  await page.keyboard.press('Tab');
  // The header's controls come first; tab until the skip link (a bounded number of stops).
  let text = '';
  for (let i = 0; i < 30 && text !== 'Skip past the graph'; i += 1) {
    text = await page.evaluate(() => document.activeElement?.textContent ?? '');
    if (text !== 'Skip past the graph') await page.keyboard.press('Tab');
  }
  assert.equal(text, 'Skip past the graph');
  const visible = await page.evaluate(() => document.activeElement.getBoundingClientRect().width > 20);
  assert.ok(visible, 'the skip link shows when focused');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'side-panel');
  // The next Tab goes into the side panel, not back into the graph.
  await page.keyboard.press('Tab');
  const inside = await page.evaluate(() => !!document.activeElement.closest('#side-panel'));
  assert.ok(inside, 'Tab after the skip link lands in the side panel');
  await page.close();
});

test('simulation results are announced in a live region', async () => {
  const page = await openApp();
  assert.equal(await page.getAttribute('#graph-status', 'aria-live'), 'polite');
  assert.equal((await page.textContent('#graph-status')).trim(), '');
  await page.click('#tab-simulate');
  await page.click('#lose-host');
  await page.waitForFunction(() => /Simulation: 1 failed, \d+ down/.test(document.querySelector('#graph-status').textContent));
  await page.close();
});

test('degraded text has at least 4.5:1 contrast', async () => {
  const page = await openApp();
  await page.click('#tab-simulate');
  await page.click('#lose-host');
  await page.waitForSelector('#affected');
  // Contrast of the legend's "degraded" text against the page, computed from the rendered colours.
  const ratio = await page.$eval('.legend .lg-degraded', (el) => {
    const rgb = (s) => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    let bg = null;
    for (let e = el; e && !bg; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && !/rgba\(0, 0, 0, 0\)|transparent/.test(c)) bg = c;
    }
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg ?? 'rgb(255,255,255)'))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
  assert.ok(ratio >= 4.5, `degraded text contrast ${ratio.toFixed(2)}:1`);
  await page.close();
});
