// End-to-end: the planning session (issue #17) — before/after with a baseline and its delta
// panel. Real Chromium on the built dist/, real wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { appHarness, root, dist, screenshots, screenshot } from './serve.mjs';

// The seed with a second passed-through storage NIC on TrueNAS (the case the issue met).
const secondNic = fs.readFileSync(path.join(root, 'tests/cases/compare/seed-second-storage-nic.toml'), 'utf8');

const app = appHarness({ dist, screenshots });
const { openApp } = app;

/** Replace the model through the Text tab (an edit, undoable, not an open). */
async function editText(page, text) {
  await page.click('#tab-text');
  await page.fill('#toml', text);
  await page.click('#apply-text');
  await page.waitForSelector('svg#graph g.node[data-id="nic3"]', { timeout: 15000 });
}

test('baseline → edit → the delta panel shows the new SPOF and worse downtime, marked on the graph', async () => {
  const { page, problems } = await openApp();
  await page.click('#tab-delta');
  // Nothing edited yet: the last opened seed stands in as the baseline, no difference.
  assert.match(await page.textContent('#baseline-status'), /No baseline set/);
  await page.waitForSelector('#delta-summary');
  assert.match(await page.textContent('#delta-summary'), /No difference/);
  await page.click('#set-baseline');
  assert.match(await page.textContent('#baseline-status'), /Baseline set/);
  await editText(page, secondNic);
  await page.click('#tab-delta');
  await page.waitForSelector('#delta-spofs');
  const spofs = await page.$$eval('#delta-spofs li', (els) => els.map((e) => e.textContent));
  assert.equal(spofs.length, 1, spofs.join('\n'));
  assert.match(spofs[0], /^\+ nic3 now takes down iscsi-k8s, talos#volumes/);
  assert.match(await page.textContent('#delta-summary'), /single points of failure \+1 −0, availability worse for 2 service/);
  const iscsi = await page.$eval('#delta-availability tr[data-service="iscsi-k8s"]', (tr) =>
    [...tr.querySelectorAll('td')].map((td) => td.textContent));
  assert.deepEqual(iscsi, ['405', '447', '+42 worse', '12 → 13']);
  assert.equal(await page.getAttribute('#delta-availability tr[data-service="iscsi-k8s"]', 'class'), 'worse');
  assert.match(await page.textContent('#delta-cold-start'), /282 s → 282 s/);
  const components = await page.$$eval('#delta-components li', (els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
  assert.deepEqual(components, ['+ devices nic3', '+ mappings NIC3', '~ vms truenas']);
  // Changed components are marked on the graph; unchanged ones are not.
  await page.waitForSelector('svg#graph g.node.changed[data-id="nic3"]');
  assert.match(await page.getAttribute('svg#graph g.node[data-id="truenas"]', 'class'), /\bchanged\b/);
  assert.doesNotMatch(await page.getAttribute('svg#graph g.node[data-id="hba0"]', 'class'), /\bchanged\b/);
  assert.match(await page.getAttribute('svg#graph g.node[data-id="nic3"]', 'aria-label'), /changed/);
  await page.screenshot({ path: screenshot('delta-wide.png'), fullPage: true });
  // Each item selects its component.
  await page.click('#delta-spofs li button.chip[data-id="nic3"]');
  assert.match(await page.getAttribute('svg#graph g.node[data-id="nic3"]', 'class'), /\bselected\b/);
  // Swapped, the same change reads as a removed SPOF and better downtime.
  await page.selectOption('#delta-before', 'current');
  await page.selectOption('#delta-after', 'baseline');
  await page.waitForFunction(() => document.querySelector('#delta-spofs li')?.textContent.startsWith('− nic3'));
  assert.match(await page.textContent('#delta-availability tr[data-service="iscsi-k8s"] .delta-change'), /-42 better/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('compare with a built-in example and with a file that is never opened', async () => {
  const { page, problems } = await openApp(420, 900);
  await page.click('#tab-delta');
  await page.selectOption('#delta-after', 'example:roadmap-bare-metal.toml');
  await page.waitForFunction(() => /nas01/.test(document.querySelector('#delta-spofs')?.textContent ?? ''));
  const spofs = await page.textContent('#delta-spofs');
  assert.match(spofs, /\+ nas01/);
  assert.match(spofs, /− truenas/);
  assert.match(await page.textContent('#delta-cold-start'), /282 s → 184 s/);
  // A file read for comparing: it becomes the before side and the editor keeps the seed.
  await page.selectOption('#delta-after', 'current');
  await page.setInputFiles('#delta-file', { name: 'second-nic.toml', mimeType: 'text/plain', buffer: Buffer.from(secondNic) });
  await page.waitForFunction(() => /nic3/.test(document.querySelector('#delta-spofs')?.textContent ?? ''));
  assert.match(await page.textContent('#delta-spofs'), /− nic3 no longer takes down/);
  assert.equal(await page.$eval('#delta-before', (s) => s.value), 'file');
  assert.equal(await page.$$eval('svg#graph g.node[data-id="nic3"]', (e) => e.length), 0, 'the file was not opened');
  await page.screenshot({ path: screenshot('delta-narrow.png'), fullPage: true });
  // A file that is not a topology is an error in the panel, not a replaced model.
  await page.setInputFiles('#delta-file', { name: 'bad.toml', mimeType: 'text/plain', buffer: Buffer.from('[[hosts]\n') });
  await page.waitForSelector('#delta-error');
  assert.match(await page.textContent('#delta-error'), /bad\.toml/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the import merge preview lists the errors the merge would create, before merging', async () => {
  const { page, problems } = await openApp();
  await page.click('#tab-transfer');
  await page.selectOption('#import-format', 'proxmox-conf');
  await page.fill('#import-host', 'srv01');
  await page.dispatchEvent('#import-host', 'change');
  const conf = fs.readFileSync(path.join(root, 'tests/cases/import/qm-confs/101.conf'));
  await page.setInputFiles('#import-file', { name: '101.conf', mimeType: 'text/plain', buffer: conf });
  await page.waitForSelector('#import-preview #after-this');
  assert.match(await page.textContent('#after-this'), /After this: 2 error\(s\) \(now 0\)/);
  const errors = await page.$$eval('#after-errors li', (els) => els.map((e) => e.textContent));
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.some((e) => /desktop.*0000:04:00\.0/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /unknown network `vlan20`/.test(e)), errors.join('\n'));
  assert.match(await page.getAttribute('#after-this', 'class'), /\bworse\b/);
  // Nothing merged yet: the model is unchanged until the button.
  assert.equal(await page.$$eval('svg#graph g.node[data-id="desktop"]', (e) => e.length), 0);
  await page.screenshot({ path: screenshot('import-preview.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a topology with validation errors gets no spec in the browser either', async () => {
  const { page, problems } = await openApp();
  const broken = fs.readFileSync(path.join(root, 'tests/cases/validate/unknown-host.toml'));
  await page.setInputFiles('#open-file', { name: 'unknown-host.toml', mimeType: 'text/plain', buffer: broken });
  await page.waitForSelector('#has-errors, #diagnostics');
  await page.click('#tab-transfer');
  await page.selectOption('#export-format', 'spec');
  await page.waitForSelector('#export-preview.refused');
  const text = await page.textContent('#export-preview');
  assert.match(text, /^Export refused: the topology has 1 validation error\(s\); a spec of it would not verify/);
  assert.match(text, /srv1/);
  assert.equal(await page.$$eval('button.download', (e) => e.length), 0, 'no spec to download');
  // Back on a valid model, the spec is there.
  await page.selectOption('#example', 'seed.toml');
  await page.click('#tab-transfer');
  await page.waitForSelector('button.download[data-file="hostplan.spec.json"]');
  assert.deepEqual(problems, []);
  await page.close();
});

const myPolicy = `package mine
import rego.v1

# METADATA
# title: More than one core
# custom:
#   id: MY-01
#   severity: warning
warn contains {"rule": "MY-01", "resource": id, "message": "more than one core"} if {
\tsome id, vm in input.vms
\tvm.cores > 1
}
`;

test('user policies count their matches, autosave, and travel in the share link', async () => {
  // One browser context: its pages share the local storage a reload reads back.
  const ctx = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(app.base);
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]', { timeout: 15000 });
  await page.click('#tab-review');
  await page.fill('#user-rego', myPolicy);
  await page.click('#load-rego');
  await page.waitForSelector('#user-rules li[data-rule="MY-01"]');
  assert.equal(await page.getAttribute('#user-rules li[data-rule="MY-01"]', 'data-matches'), '4');
  // The facts browser shows what input.vms looks like: keyed by id.
  await page.click('#facts-browser summary');
  await page.waitForSelector('#facts-browser li[data-fact="vms"]');
  assert.match(await page.textContent('#facts-browser li[data-fact="vms"]'), /input\.vms — 4 entries, keyed by id/);
  // Kept in this browser: a fresh page load has it back.
  const again = await ctx.newPage();
  await again.goto(app.base);
  await again.waitForSelector('svg#graph g.node[data-id="truenas"]');
  await again.click('#tab-review');
  await again.waitForSelector('#user-rules li[data-rule="MY-01"]');
  assert.equal(await again.inputValue('#user-rego'), myPolicy);
  await again.close();
  // The share link carries it, and says so.
  await page.click('#share');
  const link = await page.inputValue('#share-link');
  assert.match(link, /#t=[A-Za-z0-9_-]+&p=[A-Za-z0-9_-]+$/);
  assert.match(await page.textContent('#share-banner'), /and your policy user\.rego/);
  const fresh = await app.browser.newContext();
  const other = await fresh.newPage();
  await other.goto(link);
  await other.waitForSelector('svg#graph g.node[data-id="truenas"]');
  await other.click('#tab-review');
  await other.waitForSelector('#findings li.finding[data-rule="MY-01"]');
  assert.equal(await other.inputValue('#user-rego'), myPolicy);
  await fresh.close();
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('simulation answers say how to survive; K8S-01 links the Boot tab; adopt previews its errors', async () => {
  const { page, problems } = await openApp(420, 900);
  await page.click('#tab-simulate');
  await page.click('#lose-host');
  await page.waitForSelector('#affected .survive[data-for="talos"]');
  const groups = await page.$$eval('#affected h4', (els) => els.map((e) => e.textContent));
  assert.deepEqual(groups.map((g) => g.replace(/ \(\d+\)$/, '')), ['Services', 'VMs', 'Hardware and storage']);
  assert.match(await page.textContent('#affected .survive[data-for="talos"]'), /talos control plane only on srv01: add members on a second host/);
  assert.match(await page.textContent('#affected .survive[data-for="iscsi-k8s"]'), /iscsi-k8s is served only from srv01 \(by truenas\)/);
  await page.screenshot({ path: screenshot('survival-narrow.png'), fullPage: true });
  await page.click('#clear-sim');
  await page.click('#tab-review');
  const k8s = 'li.finding[data-rule="K8S-01"]';
  await page.waitForSelector(`${k8s} button[data-tab="boot"]`);
  assert.doesNotMatch(await page.textContent(`${k8s} .msg`), /hostplan boot/);
  await page.click(`${k8s} button[data-tab="boot"]`);
  assert.equal(await page.getAttribute('#tab-boot', 'aria-selected'), 'true');
  await page.click('#tab-whatif');
  await page.waitForSelector('#dr-plan #after-this');
  assert.match(await page.textContent('#dr-plan #after-this'), /After this: \d+ error\(s\)/);
  assert.deepEqual(problems, []);
  await page.close();
});
