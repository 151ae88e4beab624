// End-to-end: failure domains in the browser (issue #14) — the graph draws switches, links,
// bonds, PSUs and UPS units; the simulation fails a switch (the seed's iSCSI goes down with its
// cause chain), loses a node of a two-node cluster ("no quorum" shown as the cause) and cuts
// the mains (UPS runtime); the inspector edits a switch. Real Chromium, real wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appHarness, dist, screenshots, screenshot, openFile } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const twoNode = fs.readFileSync(path.join(here, 'fixtures/two-node-cluster.toml'), 'utf8');

const app = appHarness({ dist, screenshots });
const { openApp } = app;

async function tab(page, name) {
  await page.click(`#tab-${name}`);
  await page.waitForSelector('#panel');
}

async function openCluster(page) {
  await page.selectOption('#example', 'cluster-ha.toml');
  await page.waitForSelector('svg#graph g.host[data-id="pve3"]');
}

const kindOf = (page, id) => page.getAttribute(`svg#graph g.node[data-id="${id}"]`, 'class');

test('the seed draws sw1 and its three links; failing sw1 takes iSCSI down with its cause chain', async () => {
  const { page, problems } = await openApp();
  assert.match(await kindOf(page, 'sw1'), /\bswitch\b/);
  for (const link of ['srv01-nic0', 'truenas-nic1', 'truenas-nic2']) {
    assert.match(await kindOf(page, link), /\blink\b/, link);
    assert.equal(await page.$$eval(`svg#graph path.edge.cable[data-from="${link}"][data-to="sw1"]`, (p) => p.length), 1, link);
  }
  assert.match(await page.textContent('#graph-legend'), /switch/);
  assert.match(await page.textContent('#graph-legend'), /link cabled to a switch/);
  await tab(page, 'simulate');
  const parts = await page.$$eval('#fail-part-pick option', (os) => os.map((o) => o.value));
  assert.deepEqual(parts, ['sw1', 'srv01-nic0', 'truenas-nic1', 'truenas-nic2']);
  await page.selectOption('#fail-part-pick', 'sw1');
  await page.click('#fail-part');
  await page.waitForSelector('svg#graph g.node[data-id="sw1"].failed');
  await page.waitForSelector('#affected li[data-id="iscsi-k8s"]');
  assert.match(await page.textContent('#affected li[data-id="iscsi-k8s"]'),
    /iscsi-k8s down ← truenas#storage50 down ← truenas-nic2 down ← sw1 failed/);
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="iscsi-k8s"]', 'data-state'), 'down');
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="truenas-nic2"]', 'data-state'), 'down');
  // The seed has no cluster and no UPS: nothing about quorum or batteries is invented.
  assert.equal(await page.$('#sim-quorum'), null);
  assert.equal(await page.$('#sim-power'), null);
  assert.equal(await page.textContent('#fail-part'), 'Bring back');
  await page.screenshot({ path: screenshot('failure-seed-sw1-wide.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a two-node cluster losing a node shows "no quorum" as the cause', async () => {
  const { page, problems } = await openApp();
  await openFile(page, 'two-node-cluster.toml', twoNode);
  await page.waitForSelector('svg#graph g.host[data-id="pve2"]');
  await tab(page, 'simulate');
  await page.selectOption('#sim-host', 'pve2');
  await page.click('#lose-host');
  await page.waitForSelector('#sim-quorum');
  const quorum = await page.textContent('#sim-quorum');
  assert.match(quorum, /No quorum: home has 1 of the 2 votes it needs/);
  assert.equal(await page.getAttribute('#sim-quorum', 'role'), 'alert');
  // The HA guest on the surviving node is down because of the quorum, not of its own host.
  assert.match(await page.textContent('#affected li[data-id="homeassistant"]'),
    /homeassistant down ← cluster#quorum down \(no quorum\) ← pve2#vote-1 down ← pve2 failed/);
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="homeassistant"]', 'data-state'), 'down');
  assert.match(await page.textContent('#sim-ha li[data-vm="pihole"]'), /pihole stays down — not recovered: no quorum/);
  await page.screenshot({ path: screenshot('failure-two-node-wide.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the cluster example: bonds, PSUs and the UPS drawn; a mains loss runs the UPS down', async () => {
  const { page, problems } = await openApp();
  await openCluster(page);
  assert.match(await kindOf(page, 'pve1#bond0'), /\bbond\b/);
  assert.match(await kindOf(page, 'pve1#psu0'), /\bpsu\b/);
  assert.match(await kindOf(page, 'ups1'), /\bups\b/);
  assert.equal(await page.$$eval('svg#graph path.edge.power[data-from="pve1#psu0"][data-to="ups1"]', (p) => p.length), 1);
  assert.equal(await page.$$eval('svg#graph path.edge.cable[data-from="pve1-b"][data-to="sw2"]', (p) => p.length), 1);
  // A bond is part of its host: selecting it selects the host.
  await page.click('#fit');
  await page.click('svg#graph g.node[data-id="pve1#bond0"]');
  assert.equal(await page.textContent('#inspector-title'), 'pve1');
  await page.screenshot({ path: screenshot('failure-cluster-wide.png'), fullPage: true });
  await tab(page, 'simulate');
  await page.click('#power-cut');
  await page.waitForSelector('#sim-power tr[data-ups="ups1"]');
  const row = await page.textContent('#sim-power tr[data-ups="ups1"]');
  assert.match(row, /460 W/);
  assert.match(row, /14\.6 min/);
  assert.match(row, /9\.6 min/);
  assert.match(await page.textContent('#sim-quorum'), /Quorate/);
  // Failing the UPS alone: the switch on it goes down, its MLAG peer on the wall keeps the bonds up.
  await page.click('#clear-sim');
  await page.selectOption('#fail-part-pick', 'ups1');
  await page.click('#fail-part');
  await page.waitForSelector('svg#graph g.node[data-id="sw1"][data-state="down"]');
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="sw2"]', 'data-state'), 'up');
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="pve1#bond0"]', 'data-state'), 'degraded');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the inspector edits a switch: description, MLAG peer and power from pickers', async () => {
  const { page, problems } = await openApp();
  await openCluster(page);
  await page.selectOption('#entity-pick', 'sw2');
  await page.waitForFunction(() => document.querySelector('#inspector-title')?.textContent === 'sw2');
  const peers = await page.$$eval('#f-switches-1--mlag-peer option', (os) => os.map((o) => o.value));
  assert.ok(peers.includes('sw1') && peers.includes('sw2'), JSON.stringify(peers));
  const power = await page.$$eval('#f-switches-1--psus-0--power option', (os) => os.map((o) => o.value));
  assert.ok(power.includes('mains') && power.includes('ups1'), JSON.stringify(power));
  await page.fill('#f-switches-1--description', 'MLAG member 2, now on the UPS');
  await page.press('#f-switches-1--description', 'Tab');
  await page.selectOption('#f-switches-1--psus-0--power', 'ups1');
  await page.waitForFunction(() => document.querySelector('#f-switches-1--psus-0--power').value === 'ups1');
  await page.click('#tab-text');
  const text = await page.inputValue('#toml');
  assert.match(text, /description = "MLAG member 2, now on the UPS"\npsus = \[\{ power = "ups1" \}\]/);
  // The file's comments survive the form edits.
  assert.match(text, /^# /m);
  // Both switches on the UPS now: failing it takes both down, and with them every bond.
  await tab(page, 'simulate');
  await page.selectOption('#fail-part-pick', 'ups1');
  await page.click('#fail-part');
  await page.waitForSelector('svg#graph g.node[data-id="sw2"][data-state="down"]');
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="pve1#bond0"]', 'data-state'), 'down');
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots: the seed and the cluster, fitted, narrow and wide', async () => {
  for (const [width, size] of [[420, 'narrow'], [1400, 'wide-fit']]) {
    for (const [name, open] of [['seed', async () => {}], ['cluster', openCluster]]) {
      const { page, problems } = await openApp(width, 900);
      await open(page);
      await page.click('#fit');
      await page.screenshot({ path: screenshot(`failure-${name}-${size}.png`), fullPage: true });
      assert.deepEqual(problems, []);
      await page.close();
    }
  }
});
