// End-to-end: operations (issue #15) — the Maintenance tab (pick a host → what stops, what
// moves, what is down, the runbook; Markdown and script downloads) and the storage outage
// under Simulate (a provider gone for its reboot or N minutes → per-consumer verdicts). Real
// Chromium, real wasm; the downloads are compared with the CLI's output of the same core, and
// the script is checked with `bash -n`.
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

test('maintenance of srv01 on the seed: everything stops, consumers before TrueNAS, and the downloads are the CLI\'s runbook', async () => {
  const { page, problems } = await openApp(1400, 900);
  await page.click('#tab-maintain');
  await page.waitForSelector('#maintain-plan');
  assert.equal(await page.inputValue('#maintain-host'), 'srv01');
  const fates = await page.$$eval('#maintain-guests li', (lis) => lis.map((l) => [l.querySelector('strong').textContent, l.dataset.fate]));
  assert.deepEqual(fates.map((f) => f[1]), ['stops', 'stops', 'stops', 'stops']);
  assert.match(fates[0][0], /^truenas \(100\) stops/);
  assert.match(await page.textContent('#maintain-plan'), /Storage outage: iscsi-k8s \(iscsi from truenas\) for 4 min 38 s/);
  const steps = await page.$$eval('#maintain-runbook li > strong', (s) => s.map((x) => x.textContent));
  const at = (re) => steps.findIndex((s) => re.test(s));
  assert.ok(at(/^Drain Kubernetes node talos-w1/) >= 0, steps.join('\n'));
  assert.ok(at(/^Shut down talos-cp1/) < at(/^Shut down truenas/));
  assert.ok(at(/^Shut down truenas/) < at(/^Reboot srv01/));
  assert.ok(at(/^Wait until iscsi-k8s answers/) < at(/^Start talos-cp1/));
  assert.ok(at(/^Uncordon talos-cp1/) === steps.length - 1);
  await page.screenshot({ path: screenshot('maintain-seed-wide.png'), fullPage: false });

  const md = await downloadText(page, '#maintain-md');
  assert.equal(md.name, 'maintenance-srv01.md');
  const cliMd = execFileSync(hostplan, ['maintain', path.join(root, 'examples/seed.toml'), '--host', 'srv01', '--format', 'markdown'], { encoding: 'utf8' });
  assert.equal(md.text, cliMd);
  const sh = await downloadText(page, '#maintain-sh');
  assert.equal(sh.name, 'maintenance-srv01.sh');
  const cliSh = execFileSync(hostplan, ['maintain', path.join(root, 'examples/seed.toml'), '--host', 'srv01', '--format', 'script'], { encoding: 'utf8' });
  assert.equal(sh.text, cliSh);
  const tmp = path.join(root, '.tmp', 'maintenance-srv01.sh');
  fs.writeFileSync(tmp, sh.text);
  execFileSync('bash', ['-n', tmp]);

  // Shutdown: down until someone powers srv01 on again.
  await page.selectOption('#maintain-mode', 'shutdown');
  await page.waitForFunction(() => /until powered on/.test(document.querySelector('#maintain-downtime')?.textContent ?? ''));
  assert.match(await page.textContent('#maintain-runbook'), /Do the work, then power srv01 on/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('maintenance of a cluster node: HA moves its guest, the cluster keeps quorum', async () => {
  const { page, problems } = await openApp(1400, 900);
  await openFile(page, 'cluster-ha.toml', fs.readFileSync(path.join(root, 'examples/cluster-ha.toml'), 'utf8'));
  await page.click('#tab-maintain');
  await page.selectOption('#maintain-host', 'pve2');
  await page.waitForFunction(() => /pve2/.test(document.querySelector('#maintain-quorum')?.textContent ?? ''));
  assert.match(await page.textContent('#maintain-quorum'), /Quorum without pve2: \d+ votes left, \d+ needed — quorate/);
  const cp2 = await page.$eval('#maintain-guests li', (l) => [l.dataset.fate, l.textContent]);
  assert.equal(cp2[0], 'ha-migrates');
  assert.match(cp2[1], /talos-cp2 \(202\) ha-migrates to pve\d/);
  assert.match(await page.textContent('#maintain-runbook'), /ha-manager crm-command node-maintenance enable pve2/);
  // pve1 carries TrueNAS: its HBA mapping has one node, so it stops, and the Talos volumes
  // elsewhere (replacement_timeout 120 s stated) would not ride through: drained first.
  await page.selectOption('#maintain-host', 'pve1');
  await page.waitForFunction(() => /truenas \(100\) stops/.test(document.querySelector('#maintain-guests')?.textContent ?? ''));
  assert.match(await page.textContent('#maintain-plan'), /talos volumes via iscsi-k8s: needs-restart/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('storage outage under Simulate: a TrueNAS reboot sends the Talos volumes read-only; a minute only stalls them', async () => {
  const { page, problems } = await openApp(1400, 900);
  await page.click('#tab-simulate');
  await page.waitForSelector('#outage-result');
  assert.equal(await page.inputValue('#outage-target'), 'truenas');
  const first = await page.$eval('#outage-result .verdicts li', (l) => [l.dataset.verdict, l.textContent]);
  assert.equal(first[0], 'needs-restart');
  assert.match(first[1], /replacement_timeout 120 s \(open-iscsi default, assumed\)/);
  assert.match(first[1], /read-only/);
  assert.match(await page.textContent('#outage-result'), /iscsi-k8s gone 3 min 08 s — truenas reboots/);
  await page.screenshot({ path: screenshot('outage-seed-wide.png'), fullPage: false });

  await page.fill('#outage-minutes', '1');
  await page.press('#outage-minutes', 'Enter');
  await page.waitForFunction(() => document.querySelector('#outage-result .verdicts li')?.dataset.verdict === 'stalls-then-resumes');
  assert.match(await page.textContent('#outage-result'), /I\/O continues by itself at 1 min 03 s/);

  // A bad duration says so and leaves the model alone.
  await page.fill('#outage-minutes', '-3');
  await page.press('#outage-minutes', 'Enter');
  await page.waitForSelector('#outage-error');
  assert.match(await page.textContent('#outage-error'), /not a number of minutes/);
  assert.ok(await page.$('svg#graph g.node[data-id="truenas"]'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots: the Maintenance tab narrow on the seed, wide on a generated fleet', async () => {
  const { page, problems } = await openApp(420, 900);
  await page.click('#tab-maintain');
  await page.waitForSelector('#maintain-plan');
  await page.$eval('#side-panel', (el) => el.scrollIntoView());
  await page.screenshot({ path: screenshot('maintain-seed-narrow.png'), fullPage: false });
  await page.close();

  const fleet = generateFleet(hostplan, 100);
  const big = await openApp(1400, 900);
  await openFile(big.page, 'fleet-100.toml', fleet);
  await big.page.click('#tab-maintain');
  await big.page.waitForSelector('#maintain-plan', { timeout: 30000 });
  const guests = await big.page.$$eval('#maintain-guests li', (l) => l.length);
  assert.ok(guests > 0);
  await big.page.screenshot({ path: screenshot('maintain-fleet-wide.png'), fullPage: false });
  assert.deepEqual(problems, []);
  assert.deepEqual(big.problems, []);
  await big.page.close();
});
