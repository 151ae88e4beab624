// End-to-end: forms that keep your place and do the typing (issue #17 §4). The planning change
// "add a second host srv02 like srv01, move two Talos workers to it" through the forms within
// an action budget; renames and mapping edits keep the selection and focus; pickers offer what
// exists on the VM's host; a form edit keeps the file's comments; the Text tab shows
// diagnostics by line and jumps to them. Real Chromium, real wasm, the CLI reads the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { appHarness, root, dist, hostplan, screenshots } from './serve.mjs';

// The graph opens at a legible zoom, so a box may lie outside the view: Fit, then click it.
async function clickNode(page, id) {
  await page.click('#fit');
  await page.click(`svg#graph g.node[data-id="${id}"]`);
}

const seed = fs.readFileSync(path.join(root, 'examples/seed.toml'), 'utf8');

const app = appHarness({ dist, screenshots });
const { openApp } = app;

const title = (page) => page.textContent('#inspector-title');
const textOf = async (page) => {
  await page.click('#tab-text');
  const text = await page.inputValue('#toml');
  await page.click('#tab-inspect');
  return text;
};

/** The model the CLI reads from `text` (the facts document). */
function facts(text) {
  const file = path.join(root, '.tmp', `forms-${process.pid}.toml`);
  fs.writeFileSync(file, text);
  return JSON.parse(execFileSync(hostplan, ['facts', file], { encoding: 'utf8' }));
}

test('the srv02 change takes 9 UI actions, and the file keeps its comments', async () => {
  const { page, problems } = await openApp();
  let actions = 0;
  const act = async (what) => { actions += 1; await what(); };

  await act(() => page.click('svg#graph g.host[data-id="srv01"] .host-handle'));
  assert.equal(await title(page), 'srv01');
  await act(() => page.click('#clone-host'));
  await page.waitForSelector('svg#graph g.host[data-id="srv02"]');
  assert.equal(await title(page), 'srv02', 'the copy is selected');
  // Two hosts no longer fit at a legible zoom: one Fit shows every VM to click.
  await act(() => page.click('#fit'));
  for (const [vm, i] of [['talos-w1', 2], ['talos-w2', 3]]) {
    await act(() => page.click(`svg#graph g.node[data-id="${vm}"]`));
    assert.equal(await title(page), vm);
    const host = `#f-vms-${i}--host`;
    // The host field is a picker of the hosts that exist.
    assert.deepEqual(await page.$$eval(`${host} option`, (os) => os.map((o) => o.value)), ['srv01', 'srv02']);
    await act(() => page.selectOption(host, 'srv02'));
    assert.equal(await title(page), vm, 'an edit keeps the selection');
    // The boot storage picker now offers srv02's storage only; the old one is marked missing.
    const storage = `#f-vms-${i}--boot-storage`;
    await page.waitForFunction((s) => [...document.querySelectorAll(`${s} option`)].some((o) => o.value === 'local-lvm-srv02'), storage);
    assert.deepEqual(await page.$$eval(`${storage} option`, (os) => os.map((o) => o.textContent)), ['local-lvm (not a choice here)', 'local-lvm-srv02']);
    await act(() => page.selectOption(storage, 'local-lvm-srv02'));
  }
  assert.ok(actions <= 10, `${actions} actions`);
  assert.equal(actions, 9);
  await page.waitForFunction(() => /0 error\(s\), 0 warning\(s\)/.test(document.querySelector('#counts').textContent));

  const text = await textOf(page);
  const model = facts(text);
  assert.deepEqual(Object.keys(model.hosts).sort(), ['srv01', 'srv02']);
  assert.equal(model.vms['talos-w1'].host, 'srv02');
  assert.equal(model.vms['talos-w2'].host, 'srv02');
  assert.equal(model.vms['talos-w1'].boot_storage, 'local-lvm-srv02');
  assert.equal(model.vms['talos-cp1'].host, 'srv01');
  assert.deepEqual(model.hosts.srv02.bridges, model.hosts.srv01.bridges.map((b) => ({ ...b, ports: ['nic0-srv02'] })));
  // Every comment of the seed is still there, and no default was written.
  for (const line of seed.split('\n').filter((l) => l.includes('#'))) assert.ok(text.includes(line), `lost: ${line}`);
  assert.doesNotMatch(text, /ha = false|hostpci = \[\]/);
  // The seed's text is untouched but for the appended entries: everything up to the end of
  // srv01's entry is still the file's start, and the switch and links after it are intact.
  const physical = seed.indexOf('# --- Physical network');
  assert.ok(physical > 0);
  assert.ok(text.startsWith(seed.slice(0, physical)));
  assert.ok(text.includes(seed.slice(physical, seed.indexOf('[[networks]]'))));
  await page.screenshot({ path: path.join(screenshots, 'forms-srv02.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a rename keeps the selection and focus and renames what names it; a dangling reference\'s diagnostic selects the entry holding it', async () => {
  const { page, problems } = await openApp();
  await page.click('svg#graph g.node[data-id="talos-w2"]');
  await page.fill('#f-vms-3--id', 'talos-w9');
  await page.press('#f-vms-3--id', 'Tab');
  await page.waitForSelector('svg#graph g.node[data-id="talos-w9"]');
  assert.equal(await title(page), 'talos-w9');
  // Focus moved on to the next field, not to the page body.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-vms-3--agent');
  // The rename took the consumer's worker list with it: nothing names talos-w2 any more.
  await page.waitForFunction(() => /0 error\(s\)/.test(document.querySelector('#counts').textContent));
  // A reference left dangling (typed in the Text tab): the diagnostic selects the consumer
  // holding it, not some other entity called like the missing id.
  await page.click('#tab-text');
  const renamed = await page.inputValue('#toml');
  assert.ok(renamed.includes('workers = ["talos-w1", "talos-w9"]'));
  await page.fill('#toml', renamed.replace('workers = ["talos-w1", "talos-w9"]', 'workers = ["talos-w1", "talos-w2"]'));
  await page.click('#apply-text');
  await page.click('#tab-inspect');
  const diag = '#diagnostics li.diag[data-code="unknown-reference"]';
  await page.waitForSelector(diag);
  assert.equal(await page.getAttribute(diag, 'data-owner'), 'talos');
  await page.click(`${diag} button`);
  assert.equal(await title(page), 'talos');
  // A mapping edit keeps the mapping selected.
  await page.selectOption('#entity-pick', 'HBA');
  await page.fill('#f-mappings-0--description', 'the HBA of srv01');
  await page.press('#f-mappings-0--description', 'Tab');
  await page.waitForFunction(() => document.querySelector('#f-mappings-0--description').value === 'the HBA of srv01');
  assert.equal(await title(page), 'HBA');
  assert.notEqual(await page.evaluate(() => document.activeElement.tagName), 'BODY');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a new hostpci takes the next free index; "+ VM here" puts the VM on the host', async () => {
  const { page, problems } = await openApp();
  await page.click('svg#graph g.node[data-id="truenas"]');
  await page.click('#inspector button:has-text("+ add to hostpci")');
  await page.waitForSelector('#f-vms-0--hostpci-3--index');
  assert.equal(await page.inputValue('#f-vms-0--hostpci-3--index'), '3');
  // Passed-through devices are picked from the VM's host.
  const devices = await page.$$eval('#f-vms-0--hostpci-3--device option', (os) => os.map((o) => o.value));
  assert.deepEqual(devices, ['', 'nic0', 'hba0', 'nic1', 'nic2']);
  await page.click('svg#graph g.host[data-id="srv01"] .host-handle');
  await page.click('#add-here-vms');
  await page.waitForFunction(() => document.querySelector('#inspector-title')?.textContent === 'new-vm-1');
  assert.equal(await page.inputValue('#f-vms-4--host'), 'srv01');
  assert.equal(await page.inputValue('#f-vms-4--vmid'), '213');
  const text = await textOf(page);
  assert.match(text, /\[\[vms\]\]\nid = "new-vm-1"\nhost = "srv01"\nvmid = 213\n/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Text tab marks lines with problems, jumps to them, and reports a syntax error once', async () => {
  const { page, problems } = await openApp();
  await page.click('#tab-text');
  const text = seed.replace('host = "srv01"\nrole = "talos"\nmemory_mib = 4096', 'host = "srv09"\nrole = "talos"\nmemory_mib = 4096');
  const line = text.split('\n').findIndex((l) => l === 'host = "srv09"') + 1;
  await page.fill('#toml', text);
  await page.click('#apply-text');
  await page.waitForSelector('#text-diagnostics li.diag');
  const gutter = (await page.textContent('#text-panel .gutter')).split('\n');
  assert.equal(gutter[line - 1], `✖${String(line).padStart(5)}`);
  const item = `#text-diagnostics li.diag:has-text("line ${line}:")`;
  assert.match(await page.textContent(item), /unknown host `srv09`/);
  await page.click(`${item} button`);
  const [focused, caret] = await page.evaluate(() => [document.activeElement.id, document.querySelector('#toml').selectionStart]);
  assert.equal(focused, 'toml');
  assert.equal(caret, text.split('\n').slice(0, line - 1).join('\n').length + 1);
  await page.screenshot({ path: path.join(screenshots, 'text-diagnostics.png') });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: path.join(screenshots, 'text-diagnostics-narrow.png'), fullPage: true });
  await page.setViewportSize({ width: 1400, height: 900 });

  await page.fill('#toml', '[[hosts]\nid = "x"\n');
  await page.click('#apply-text');
  await page.waitForSelector('#text-rejected');
  assert.equal(await page.$('#rejected'), null, 'no "Could not open" banner for text being edited');
  const body = await page.textContent('body');
  assert.doesNotMatch(body, /Could not open/);
  const message = await page.textContent('#text-rejected .msg');
  assert.equal(body.split(message).length - 1, 1, `reported once: ${message}`);
  assert.match(await page.textContent('#current-file'), /seed\.toml/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots: the inspector with pickers, wide and narrow', async () => {
  for (const width of [1400, 420]) {
    const { page, problems } = await openApp(width, 900);
    await clickNode(page, 'talos-w1');
    await page.waitForSelector('#f-vms-2--host.picker');
    await page.$eval('#inspector', (e) => e.scrollIntoView());
    await page.screenshot({ path: path.join(screenshots, `inspector-pickers-${width}.png`), fullPage: true });
    await page.click('svg#graph g.host[data-id="srv01"] .host-handle');
    await page.waitForSelector('#clone-host');
    await page.screenshot({ path: path.join(screenshots, `inspector-host-${width}.png`), fullPage: width < 500 });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('in a 100-host fleet the pickers list every host and a VM moves to a cloned host', { timeout: 180000 }, async () => {
  const { generateFleet, openFleet } = await import('./fleet.mjs');
  const fleet = generateFleet(hostplan, 100);
  for (const width of [1400, 420]) {
    const { page, problems } = await openApp(width, 900);
    await openFleet(page, 'fleet-100.toml', fleet, 'svg#graph g.tile[data-id="h00000"] text.tile-label', { settleMs: 500, timeout: 120000 });
    // Select a host through the inspector's own picker, then clone it.
    await page.selectOption('#entity-pick', 'h00042');
    await page.waitForSelector('#clone-host');
    await page.click('#clone-host');
    await page.waitForFunction(() => document.querySelector('#inspector-title')?.textContent === 'h00100');
    // 1,600 components: the picker lists the first 500, and its filter narrows the list.
    assert.match(await page.textContent('#entity-pick-more'), /^… \d+ more: type in the filter to narrow$/);
    await page.fill('#entity-filter', 'h00042-vm0');
    await page.waitForFunction(() => document.querySelectorAll('#entity-pick option').length < 20);
    await page.selectOption('#entity-pick', 'h00042-vm03');
    const vm = await page.$eval('#inspector select[id$="--host"].picker', (e) => `#${e.id}`);
    const hosts = await page.$$eval(`${vm} option`, (os) => os.map((o) => o.value));
    assert.equal(hosts.length, 101);
    assert.ok(hosts.includes('h00100'));
    await page.selectOption(vm, 'h00100');
    await page.waitForFunction((s) => document.querySelector(s)?.value === 'h00100', vm);
    assert.equal(await title(page), 'h00042-vm03');
    await page.$eval('#inspector', (e) => e.scrollIntoView());
    await page.screenshot({ path: path.join(screenshots, `forms-fleet-100-${width}.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  }
});
