// End-to-end: power loss (issue #15 part 3) — the Boot tab's "Power loss" scenario: the staged
// shutdown of every host against the UPS's low-battery and empty lines, the verdicts and what
// is lost, and the downloads (the plan as Markdown, the NUT files), which must be exactly the
// CLI's output of the same core. Real Chromium, real wasm; the plan is computed in the Web
// Worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { appHarness, root, dist, hostplan, screenshots, screenshot, openFile } from './serve.mjs';
import { generateFleet } from './fleet.mjs';

const app = appHarness({ dist, screenshots, pageOptions: { acceptDownloads: true } });
const { openApp } = app;

async function downloadText(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: dl.suggestedFilename(), text: fs.readFileSync(await dl.path(), 'utf8') };
}

async function powerLoss(page) {
  await page.click('#tab-boot');
  await page.selectOption('#boot-scenario', 'power-loss');
  await page.waitForSelector('#power-summary');
  await page.waitForSelector('#power-gantt');
}

test('power loss on the seed: no UPS, srv01 is cut with everything on it, and no NUT file is offered', async () => {
  for (const [w, h] of [[1400, 900], [420, 900]]) {
    const { page, problems } = await openApp(w, h);
    await powerLoss(page);
    assert.equal(await page.getAttribute('#power-summary', 'data-verdict'), 'no-clean-shutdown');
    const srv = await page.textContent('#power-hosts li[data-host="srv01"]');
    assert.match(srv, /srv01 \(on no UPS: power cut at once\)/);
    assert.match(srv, /Still running when power is gone: truenas, talos-cp1, talos-w1, talos-w2, srv01/);
    assert.equal(await page.$$eval('#power-downloads .download', (b) => b.length), 0);
    assert.match(await page.textContent('#power-notes'), /no host runs upsmon/);
    // The chart: srv01's row is out of power from the start.
    assert.equal(await page.$$eval('#power-gantt g.power-host[data-host="srv01"] rect.outage', (r) => r.length), 1);
    await page.screenshot({ path: screenshot(`power-loss-seed-${w}.png`), fullPage: false });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('power loss on the 3-node cluster: consumers stop before TrueNAS, everything is off before ups1 is empty, and the downloads are the CLI\'s', async () => {
  const file = path.join(root, 'examples/cluster-ha.toml');
  for (const [w, h] of [[1400, 900], [420, 900]]) {
    const { page, problems } = await openApp(w, h);
    await openFile(page, 'cluster-ha.toml', fs.readFileSync(file, 'utf8'));
    await powerLoss(page);
    assert.equal(await page.getAttribute('#power-summary', 'data-verdict'), 'finishes');
    assert.match(await page.textContent('#power-ups'), /ups1 carries 460 W: low battery at \+9 min 33 s, empty at \+14 min 33 s/);
    assert.match(await page.textContent('#power-hosts li[data-host="pve1"]'), /pve1 \(primary of ups1\): finishes in time, even at the guests' timeouts — 45 s spare/);
    // Geometry: TrueNAS (pve1's providers stage) starts after talos-cp2 (pve2's consumers) has
    // stopped, and pve1's power-off ends left of ups1's empty line, even at the timeouts.
    const box = (sel) => page.$eval(sel, (el) => { const b = el.getBBox(); return { x: b.x, end: b.x + b.width }; });
    const truenas = await box('#power-gantt g.power-stage[data-host="pve1"][data-stage="providers"] rect.bar');
    const cp2 = await box('#power-gantt g.power-stage[data-host="pve2"][data-stage="consumers"] rect.bar');
    assert.ok(truenas.x >= cp2.end - 0.5, `truenas ${truenas.x} before talos-cp2 ends ${cp2.end}`);
    const off = await box('#power-gantt g.power-stage[data-host="pve1"][data-stage="host"] rect.worst');
    const empty = await page.$eval('#empty-ups1', (l) => Number(l.getAttribute('x1')));
    assert.ok(off.end < empty, `pve1 off at ${off.end}, ups1 empty at ${empty}`);
    assert.match(await page.textContent('#power-ha-start'), /ha-manager set vm:201 --state started/);
    await page.screenshot({ path: screenshot(`power-loss-cluster-${w}.png`), fullPage: false });
    if (w === 1400) {
      const md = await downloadText(page, '#power-md');
      assert.equal(md.name, 'power-loss.md');
      const cliMd = execFileSync(hostplan, ['power-loss', file, '--format', 'markdown'], { encoding: 'utf8' });
      assert.equal(md.text, cliMd);
      const names = await page.$$eval('#power-downloads .download', (b) => b.map((x) => x.dataset.file));
      assert.deepEqual(names, ['upsmon-pve1.conf', 'hostplan-power-shutdown-pve1', 'upsmon-pve2.conf', 'hostplan-power-shutdown-pve2', 'upsmon-pve3.conf', 'hostplan-power-shutdown-pve3']);
      const out = path.join(root, '.tmp', 'power-loss-nut');
      fs.rmSync(out, { recursive: true, force: true });
      execFileSync(hostplan, ['power-loss', file, '--format', 'nut', '-o', out]);
      for (const name of ['upsmon-pve1.conf', 'hostplan-power-shutdown-pve1']) {
        const got = await downloadText(page, `#power-downloads .download[data-file="${name}"]`);
        assert.equal(got.name, name);
        assert.equal(got.text, fs.readFileSync(path.join(out, name), 'utf8'));
      }
      const script = path.join(out, 'hostplan-power-shutdown-pve1');
      execFileSync('bash', ['-n', script]);
      execFileSync('shellcheck', [script]);
    }
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('power loss with too little battery at low battery: the plan says it does not finish and names what is lost', async () => {
  const { page, problems } = await openApp(1400, 900);
  await openFile(page, 'cluster-short-runtime.toml', fs.readFileSync(path.join(root, 'tests/cases/power/cluster-short-runtime.toml'), 'utf8'));
  await powerLoss(page);
  assert.equal(await page.getAttribute('#power-summary', 'data-verdict'), 'does-not-finish');
  const pve1 = await page.textContent('#power-hosts li[data-host="pve1"]');
  assert.match(pve1, /does NOT finish before the battery is empty — short by 3 min 15 s/);
  assert.match(pve1, /Still running when power is gone: truenas, pve1/);
  assert.equal(await page.getAttribute('#power-gantt g.power-host[data-host="pve1"]', 'data-verdict'), 'does-not-finish');
  await page.screenshot({ path: screenshot('power-loss-short-1400.png'), fullPage: false });
  assert.deepEqual(problems, []);
  await page.close();
});

test('power loss on a generated fleet of 40 hosts: every host has its row and its verdict', async () => {
  const fleet = generateFleet(hostplan, 40);
  for (const [w, h] of [[1400, 900], [420, 900]]) {
    const { page, problems } = await openApp(w, h);
    await openFile(page, 'fleet40.toml', fleet);
    await powerLoss(page);
    assert.equal(await page.$$eval('#power-hosts li', (l) => l.length), 40);
    assert.equal(await page.$$eval('#power-gantt g.power-host', (g) => g.length), 40);
    await page.screenshot({ path: screenshot(`power-loss-fleet40-${w}.png`), fullPage: false });
    assert.deepEqual(problems, []);
    await page.close();
  }
});
