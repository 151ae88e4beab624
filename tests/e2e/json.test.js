// JSON topologies (issue #12's bundle work): the page's wasm reads only TOML, so a JSON file
// opened, a JSON autosave restored and JSON applied in the text view are read by the Web
// Worker. Each must behave as before: the model shown, edits written as TOML, a bad text
// rejected beside it, nothing lost over a reload. Real Chromium, real wasm, files from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appHarness, dist, fastHostplan as hostplan, screenshots } from './serve.mjs';
import { generateFleet } from './fleet.mjs';

const app = appHarness({ dist, screenshots });

// 8 hosts, 80 VMs: more entries than the page decodes at once (web/src/chunked.rs).
const fleet = generateFleet(hostplan, 8, ['--format', 'json']);

async function openJson(page, name, text) {
  await page.setInputFiles('#open-file', { name, mimeType: 'application/json', buffer: Buffer.from(text) });
  await page.waitForFunction((n) => document.querySelector('#current-file').textContent.includes(n), name);
}

test('a JSON file opens through the worker, is edited as TOML and comes back after a reload', async () => {
  const { page, problems } = await app.openApp();
  await openJson(page, 'fleet.json', fleet);
  await page.waitForSelector('svg#graph g.node[data-id="h00007-vm09"]');
  assert.match(await page.textContent('#counts'), / 0 error\(s\)/);
  // The autosave holds the JSON: a reload reads it in the worker (the seed shows meanwhile),
  // and restoring is not an edit.
  await page.reload();
  // (Right after the reload the app may not be mounted yet: no header to read.)
  await page.waitForFunction(() => document.querySelector('#current-file')?.textContent.includes('fleet.json'), null, { timeout: 30000 });
  await page.waitForSelector('svg#graph g.node[data-id="h00007-vm09"]');
  assert.equal(await page.isDisabled('#undo'), true, 'restoring is not an edit');
  // A form edit writes the model as TOML (the file is named as what it now is).
  await page.click('svg#graph g.node[data-id="h00000-vm01"]');
  const cores = '#f-vms-1--cores';
  await page.fill(cores, '5');
  await page.press(cores, 'Enter');
  await page.waitForFunction(() => document.querySelector('#current-file').textContent.includes('fleet.toml'));
  assert.equal(await page.inputValue(cores), '5');
  assert.deepEqual(problems, []);
  await page.close();
});

test('JSON applied in the text view is read by the worker; broken JSON is rejected beside the text', async () => {
  const { page, problems } = await app.openApp();
  await openJson(page, 'fleet.json', fleet);
  await page.click('#tab-text');
  const text = await page.inputValue('#toml');
  assert.ok(text.trimStart().startsWith('{'), 'the text view shows the JSON as opened');
  const edited = JSON.parse(text);
  edited.vms[1].cores = 3;
  // Set as a paste would: Playwright's fill inserts text into a textarea superlinearly
  // (32 KB took 4.8 s even on an empty page in headless Chromium), past the timeout for this
  // 57 KB file on a loaded machine. The page reads the value only on Apply.
  await page.$eval('#toml', (t, v) => { t.value = v; }, JSON.stringify(edited, null, 2));
  await page.click('#apply-text');
  await page.click('#tab-inspect');
  await page.click('svg#graph g.node[data-id="h00000-vm01"]');
  await page.waitForFunction(() => document.querySelector('#f-vms-1--cores')?.value === '3');
  // Broken JSON: said next to the text, the model unchanged.
  await page.click('#tab-text');
  await page.fill('#toml', '{"schema_version": 1, "vms": [');
  await page.click('#apply-text');
  await page.waitForSelector('#text-panel .field-error', { timeout: 30000 });
  assert.match(await page.textContent('#current-file'), /fleet\.json/);
  await page.click('#tab-inspect');
  await page.click('svg#graph g.node[data-id="h00000-vm01"]');
  assert.equal(await page.inputValue('#f-vms-1--cores'), '3');
  assert.deepEqual(problems, []);
  await page.close();
});
