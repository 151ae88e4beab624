// End-to-end: the cluster in the inspector, collapsed switches and UPSes, and the state roll-up
// (issue #14). The inspector edits `[cluster]` like any entity (a node's votes change the quorum
// the simulation shows, undo brings it back); a switch collapses into one box hiding its links,
// with what it hides rolled up; a VM whose network path is down is drawn degraded, not down.
// Real Chromium, real wasm.
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

const state = (page, id) => page.getAttribute(`svg#graph g.node[data-id="${id}"]`, 'data-state');

test('a cluster node\'s votes edited in the inspector change the quorum the simulation shows; undo restores it', async () => {
  const { page, problems } = await openApp();
  await openFile(page, 'two-node-cluster.toml', twoNode);
  await page.waitForSelector('svg#graph g.host[data-id="pve2"]');
  await tab(page, 'simulate');
  await page.selectOption('#sim-host', 'pve2');
  await page.click('#lose-host');
  await page.waitForSelector('#sim-quorum');
  assert.match(await page.textContent('#sim-quorum'), /No quorum: home has 1 of the 2 votes it needs \(2 expected\)/);

  await tab(page, 'inspect');
  const options = await page.$$eval('#entity-pick option', (os) => os.map((o) => o.value));
  assert.ok(options.includes('cluster'), JSON.stringify(options.slice(0, 5)));
  await page.selectOption('#entity-pick', 'cluster');
  await page.waitForFunction(() => document.querySelector('#inspector-title')?.textContent === 'cluster');
  // The node is a picker of the file's hosts; the votes a number.
  const hosts = await page.$$eval('#f-cluster-nodes-0--host option', (os) => os.map((o) => o.value));
  assert.ok(hosts.includes('pve1') && hosts.includes('pve2'), JSON.stringify(hosts));
  assert.equal(await page.inputValue('#f-cluster-nodes-0--host'), 'pve1');
  await page.fill('#f-cluster-nodes-0--votes', '2');
  await page.press('#f-cluster-nodes-0--votes', 'Tab');
  await page.waitForFunction(() => document.querySelector('#f-cluster-nodes-0--votes')?.value === '2');
  assert.equal(await page.$('#edit-error'), null);
  await page.screenshot({ path: screenshot('cluster-edit-inspector-wide.png'), fullPage: true });

  // pve2 is still failed: pve1's 2 votes of 3 keep the cluster quorate now.
  await tab(page, 'simulate');
  await page.waitForFunction(() => /Quorate/.test(document.querySelector('#sim-quorum')?.textContent ?? ''));
  assert.match(await page.textContent('#sim-quorum'), /Quorate: home has 2 vote\(s\), 2 needed \(3 expected\)/);

  // The edit is in the text, the file's comments kept.
  await tab(page, 'text');
  const text = await page.inputValue('#toml');
  assert.match(text, /nodes = \[\{ host = "pve1", votes = 2 \}, \{ host = "pve2" \}\]/);
  assert.match(text, /^# A two-node Proxmox VE cluster/m);

  // Undo: one step back to the file as it was, and to no quorum.
  await page.keyboard.press('Control+z');
  await tab(page, 'simulate');
  await page.waitForFunction(() => /No quorum/.test(document.querySelector('#sim-quorum')?.textContent ?? ''));
  assert.deepEqual(problems, []);
  await page.close();
});

test('a new resource-affinity rule from the inspector: HA VMs as checkboxes', async () => {
  const { page, problems } = await openApp();
  await openCluster(page);
  await page.selectOption('#entity-pick', 'cluster');
  await page.waitForFunction(() => document.querySelector('#inspector-title')?.textContent === 'cluster');
  await page.click('text=+ add to resource_affinity');
  await page.waitForSelector('#f-cluster-ha-resource-affinity-0--id');
  await page.fill('#f-cluster-ha-resource-affinity-0--id', 'spread');
  await page.press('#f-cluster-ha-resource-affinity-0--id', 'Tab');
  await page.waitForFunction(() => document.querySelector('#f-cluster-ha-resource-affinity-0--id')?.value === 'spread');
  const choices = await page.$$eval('#f-cluster-ha-resource-affinity-0--vms label', (ls) => ls.map((l) => l.dataset.value));
  // Only the HA-managed guests are offered: the control plane, not TrueNAS (not HA).
  assert.deepEqual(choices, ['talos-cp1', 'talos-cp2', 'talos-cp3']);
  for (const vm of ['talos-cp1', 'talos-cp2']) {
    await page.check(`#f-cluster-ha-resource-affinity-0--vms label[data-value="${vm}"] input`);
    await page.waitForFunction((v) => document.querySelector(`#f-cluster-ha-resource-affinity-0--vms label[data-value="${v}"] input`)?.checked, vm);
  }
  await tab(page, 'text');
  const text = await page.inputValue('#toml');
  assert.match(text, /\[\[cluster\.ha\.resource_affinity\]\]\nid = "spread"\nvms = \["talos-cp1", "talos-cp2"\]/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a switch collapses into one box hiding its links; a UPS hides the supplies on it', async () => {
  const { page, problems } = await openApp();
  await openCluster(page);
  assert.ok(await page.$('svg#graph g.node[data-id="pve1-a"]'));
  assert.match(await page.textContent('#collapse-infra'), /Collapse switches and UPSes/);
  await page.click('#collapse-infra');
  await page.waitForSelector('svg#graph g.node[data-id="sw1"]');
  await page.waitForFunction(() => !document.querySelector('svg#graph g.node[data-id="pve1-a"]'));
  assert.match(await page.textContent('svg#graph g.node[data-id="sw1"] .detail'), /▸ \d+ link\(s\) hidden/);
  // The bonds are cabled to the switches themselves now; the UPS's supplies are gone.
  assert.equal(await page.$$eval('svg#graph path.edge.cable[data-from="pve1#bond0"][data-to="sw1"]', (p) => p.length), 1);
  assert.equal(await page.$('svg#graph g.node[data-id="pve1#psu0"]'), null);
  assert.equal(await page.$$eval('svg#graph path.edge.power[data-to="ups1"]', (p) => p.length), 0);
  assert.equal(await page.getAttribute('#collapse-infra', 'aria-pressed'), 'true');
  await page.click('#fit');
  await page.screenshot({ path: screenshot('cluster-collapsed-infra-wide.png'), fullPage: true });

  // A hidden link that fails rolls up into its switch as degraded, not down.
  await tab(page, 'simulate');
  await page.selectOption('#fail-part-pick', 'pve1-a');
  await page.click('#fail-part');
  await page.waitForFunction(() => document.querySelector('svg#graph g.node[data-id="sw1"]')?.dataset.state === 'degraded');
  // Double-clicking sw1 expands it alone: the failed link is drawn again, down. Fit first:
  // under load the simulation's redraw can land after the earlier fit, leaving sw1 outside the
  // canvas's clip (the click then hits the view around it).
  await page.click('#fit');
  await page.dblclick('svg#graph g.node[data-id="sw1"]');
  await page.waitForSelector('svg#graph g.node[data-id="pve1-a"][data-state="down"]');
  assert.equal(await state(page, 'sw1'), 'up');
  assert.equal(await page.$('svg#graph g.node[data-id="pve1#psu0"]'), null, 'the UPS stays collapsed');
  assert.deepEqual(problems, []);
  await page.close();
});

test('roll-up: the seed\'s truenas is degraded, not down, when only its storage path is down', async () => {
  const { page, problems } = await openApp();
  await tab(page, 'simulate');
  await page.selectOption('#fail-part-pick', 'sw1');
  await page.click('#fail-part');
  await page.waitForSelector('svg#graph g.node[data-id="sw1"].failed');
  await page.waitForSelector('svg#graph g.node[data-id="iscsi-k8s"][data-state="down"]');
  // truenas#storage50 (its path to the storage VLAN) is down; the VM itself runs.
  assert.equal(await state(page, 'truenas'), 'degraded');
  assert.match(await page.getAttribute('svg#graph g.node[data-id="truenas"]', 'aria-label'), /— degraded/);
  // Losing its host is what takes it down.
  await page.click('#clear-sim');
  await page.selectOption('#sim-host', 'srv01');
  await page.click('#lose-host');
  await page.waitForSelector('svg#graph g.node[data-id="truenas"][data-state="down"]');
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots: the cluster with switches and UPSes collapsed, and the cluster form, narrow and wide', async () => {
  for (const [width, size] of [[420, 'narrow'], [1400, 'wide']]) {
    const { page, problems } = await openApp(width, 900);
    await openCluster(page);
    await page.click('#collapse-infra');
    await page.waitForFunction(() => !document.querySelector('svg#graph g.node[data-id="pve1-a"]'));
    await page.click('#fit');
    await page.selectOption('#entity-pick', 'cluster');
    await page.waitForFunction(() => document.querySelector('#inspector-title')?.textContent === 'cluster');
    await page.screenshot({ path: screenshot(`cluster-edit-${size}.png`), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  }
});
