// End-to-end: readiness-gated boot hookscripts in the Maintenance tab (issue #15 part 4). The
// scripts are written in the Web Worker; the seed states no address for its iSCSI portal, so
// nothing can be downloaded until one is typed — then each download is the CLI's file
// (`hostplan hookscripts --address …`), byte for byte, and parses under `bash -n`. Real
// Chromium, real wasm.
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

test('the seed: no address, no download; typed, the downloads are the CLI\'s hookscripts', async () => {
  const { page, problems } = await openApp(1400, 900);
  await page.click('#tab-maintain');
  await page.waitForSelector('#hookscript-missing li');
  const missing = await page.$$eval('#hookscript-missing li', (lis) => lis.map((l) => [l.dataset.id, l.textContent]));
  // One line per missing value, naming every guest it leaves without a script.
  assert.equal(missing.length, 1, JSON.stringify(missing));
  assert.equal(missing[0][0], 'iscsi-k8s');
  assert.match(missing[0][1], /^the address of iscsi-k8s is not in the model \(set services\[0\]\.address\): talos-cp1, talos-w1, talos-w2 get no hookscript$/);
  assert.equal(await page.$$eval('#hookscript-downloads button', (b) => b.length), 0);
  await page.locator('#hookscripts').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot('hookscripts-seed-missing-wide.png'), fullPage: false });

  await page.fill('input[data-service="iscsi-k8s"]', '10.50.0.10');
  await page.press('input[data-service="iscsi-k8s"]', 'Tab');
  await page.waitForSelector('#hookscript-downloads button[data-file="hostplan-gate-201.sh"]');
  const files = await page.$$eval('#hookscript-downloads button', (b) => b.map((x) => x.dataset.file));
  assert.deepEqual(files, ['hostplan-gate-201.sh', 'hostplan-gate-211.sh', 'hostplan-gate-212.sh', 'install-srv01.sh']);
  const listed = await page.$$eval('#hookscript-list li', (lis) => lis.map((l) => l.textContent));
  assert.match(listed[0], /^talos-cp1 \(201 on srv01\): waits for iscsi-k8s at 10\.50\.0\.10:3260 .*gives up after 336 s/);
  assert.match(listed[0], /qm set 201 --hookscript local:snippets\/hostplan-gate-201\.sh/);
  await page.locator('#hookscripts').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot('hookscripts-seed-wide.png'), fullPage: false });

  const out = path.join(root, '.tmp', 'e2e-hookscripts');
  fs.rmSync(out, { recursive: true, force: true });
  execFileSync(hostplan, ['hookscripts', path.join(root, 'examples/seed.toml'), '--address', 'iscsi-k8s=10.50.0.10', '-o', out]);
  for (const f of files) {
    const dl = await downloadText(page, `#hookscript-downloads button[data-file="${f}"]`);
    assert.equal(dl.name, f);
    assert.equal(dl.text, fs.readFileSync(path.join(out, f), 'utf8'), f);
    const tmp = path.join(out, `downloaded-${f}`);
    fs.writeFileSync(tmp, dl.text);
    execFileSync('bash', ['-n', tmp]);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('narrow, and a generated fleet: every guest without an address is listed, nothing to download', async () => {
  const { page, problems } = await openApp(420, 900);
  await page.click('#tab-maintain');
  await page.waitForSelector('#hookscript-missing li');
  await page.locator('#hookscripts').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot('hookscripts-seed-narrow.png'), fullPage: false });
  await page.setViewportSize({ width: 1400, height: 900 });
  const fleet = generateFleet(hostplan, 40);
  await openFile(page, 'fleet.toml', fleet);
  await page.click('#tab-maintain');
  await page.waitForFunction(() => document.querySelectorAll('#hookscript-missing li').length > 3);
  const ids = await page.$$eval('#hookscript-missing li', (lis) => lis.map((l) => l.dataset.id));
  const cli = (() => {
    const tmp = path.join(root, '.tmp', 'e2e-fleet.toml');
    fs.writeFileSync(tmp, fleet);
    try {
      execFileSync(hostplan, ['hookscripts', tmp], { stdio: 'pipe' });
      return null;
    } catch (e) {
      return e.stderr.toString();
    }
  })();
  assert.ok(cli !== null, 'the CLI wrote hookscripts for a fleet without addresses');
  // The CLI names the same services, one error per guest.
  const cliIds = [...new Set([...cli.matchAll(/gets no hookscript: .* \[([^\]]+)\] \(at services/g)].map((m) => m[1]))].sort();
  assert.deepEqual([...ids].sort(), cliIds);
  assert.equal(await page.$$eval('#hookscript-downloads button', (b) => b.length), 0);
  await page.locator('#hookscripts').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot('hookscripts-fleet-wide.png'), fullPage: false });
  assert.deepEqual(problems, []);
  await page.close();
});
