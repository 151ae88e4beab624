// End-to-end: serve the built dist/ on 127.0.0.1 and drive it in the system Chromium.
// Real browser, real DOM, real wasm; no browser download (playwright-core + /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { appHarness, root, dist, hostplan, screenshots, screenshot } from './serve.mjs';

// The graph opens at a legible zoom, so a box may lie outside the view: Fit, then click it.
async function clickNode(page, id) {
  await page.click('#fit');
  await page.click(`svg#graph g.node[data-id="${id}"]`);
}

// HOSTPLAN_DIST lets the same tests run on another build (e.g. the Debian-toolchain one).
// Screenshots go to a scratch folder, so a test run never modifies the tracked docs/*.png;
// scripts/screenshots points HOSTPLAN_SCREENSHOTS at docs/ to refresh them on purpose.

const app = appHarness({ dist, screenshots });
const { openApp } = app;

test('the default topology is drawn as a graph with passthrough links', async () => {
  const { page, problems } = await openApp();
  const ids = await page.$$eval('svg#graph g.node', (els) => els.map((e) => e.dataset.id).sort());
  for (const id of ['srv01', 'hba0', 'nic1', 'nic2', 'local3tb', 'truenas', 'tank', 'iscsi-k8s', 'talos', 'storage50']) {
    if (id === 'srv01') continue; // hosts are containers, checked below
    assert.ok(ids.includes(id), `missing node ${id} in ${ids}`);
  }
  assert.equal(await page.$$eval('svg#graph g.host[data-id="srv01"]', (e) => e.length), 1);
  const pt = await page.$$eval('svg#graph path.edge.passthrough', (els) => els.map((e) => `${e.dataset.from}->${e.dataset.to}`).sort());
  assert.deepEqual(pt, ['truenas->hba0', 'truenas->nic1', 'truenas->nic2']);
  assert.match(await page.textContent('#diagnostics-clean'), /No problems found/);
  assert.match(await page.textContent('#counts'), /0 error\(s\), 0 warning\(s\)/);
  await page.screenshot({ path: screenshot('screenshot.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('selecting a component shows what it requires and what requires it', async () => {
  const { page } = await openApp();
  await clickNode(page, 'hba0');
  assert.match(await page.textContent('#inspector h3'), /hba0/);
  const [requires, requiredBy] = await page.$$eval('#inspector h4 + ul', (els) => els.map((e) => e.textContent));
  assert.match(requires, /srv01/);
  assert.doesNotMatch(requires, /truenas/);
  assert.match(requiredBy, /truenas/);
  assert.match(requiredBy, /tank-d1/);
  // What it depends on and what depends on it are outlined in the graph.
  assert.match(await page.getAttribute('svg#graph g.node[data-id="truenas"]', 'class'), /\bdependent\b/);
  await page.close();
});

test('a file with errors lists located diagnostics; an unreadable one changes nothing', async () => {
  const { page } = await openApp();
  const broken = fs.readFileSync(path.join(root, 'tests/cases/validate/unknown-host.toml'));
  await page.setInputFiles('#open-file', { name: 'unknown-host.toml', mimeType: 'text/plain', buffer: broken });
  await page.waitForSelector('#diagnostics li.diag.error');
  const diag = await page.textContent('#diagnostics');
  assert.match(diag, /unknown-reference/);
  assert.match(diag, /unknown-host\.toml:8:8/);
  assert.match(diag, /did you mean `srv01`\?/);
  assert.equal(await page.getAttribute('svg#graph g.node[data-id="hba0"]', 'class'), 'node device flagged');

  await page.setInputFiles('#open-file', { name: 'junk.toml', mimeType: 'text/plain', buffer: Buffer.from('[[hosts]\n') });
  await page.waitForSelector('#rejected');
  assert.match(await page.textContent('#rejected'), /Could not open junk\.toml — your current topology is unchanged/);
  assert.match(await page.textContent('#current-file'), /unknown-host\.toml/);

  await page.click('text=Restore previous');
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]');
  assert.match(await page.textContent('#current-file'), /seed\.toml/);
  await page.close();
});

test('hostile names render as text, never as markup', async () => {
  const { page, problems } = await openApp();
  const evil = '<img src=x onerror=alert(1)>';
  const topo = `schema_version = 1\n[[hosts]]\nid = "h"\n[[vms]]\nid = "${evil}"\nvmid = 100\nhost = "h"\n`;
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });
  await page.setInputFiles('#open-file', { name: 'evil.toml', mimeType: 'text/plain', buffer: Buffer.from(topo) });
  // Read in the worker: the header names the file once it is open.
  await page.waitForSelector('#current-file:has-text("evil.toml")');
  await page.waitForSelector('svg#graph g.node.vm');
  assert.equal(await page.$$eval('img', (e) => e.length), 0);
  assert.match(await page.textContent('svg#graph g.node.vm title'), /<img src=x onerror=alert\(1\)>/);
  // …and everywhere else: the inspector, the simulation, the review, the export previews.
  await page.click('svg#graph g.node.vm');
  assert.match(await page.textContent('#inspector h3'), /<img src=x onerror=alert\(1\)>/);
  await tab(page, 'simulate');
  await page.click('#lose-host');
  await page.waitForSelector('#affected');
  assert.match(await page.textContent('#affected'), /<img src=x onerror=alert\(1\)>/);
  await tab(page, 'review');
  await page.waitForSelector('#findings-count');
  await tab(page, 'transfer');
  // The diagrams carry the id as text; the Proxmox conf and the bpg resources carry the DNS
  // name Proxmox gets (`img-src-x-onerror-alert-1`), so DOT is checked last.
  for (const f of ['proxmox', 'hcl-resources', 'mermaid', 'dot']) {
    await page.selectOption('#export-format', f);
    // Rendered by the worker: the preview names the format it shows once it is there.
    await page.waitForSelector(`#export-preview[data-format="${f}"]`);
  }
  assert.match(await page.textContent('#export-preview'), /<img src=x onerror=alert\(1\)>/);
  assert.equal(await page.$$eval('img', (e) => e.length), 0);
  assert.equal(dialogs, 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page works in a narrow window', async () => {
  const { page } = await openApp(420, 900);
  const aside = await page.$('aside');
  const box = await aside.boundingBox();
  assert.ok(box.width <= 420, `side panel ${box.width}px wide in a 420px window`);
  await page.screenshot({ path: screenshot('screenshot-narrow.png') });
  await page.close();
});

async function tab(page, name) {
  await page.click(`#tab-${name}`);
  await page.waitForSelector(`#panel`);
}

test('losing srv01 turns TrueNAS and the Talos volumes red, with the cause chain', async () => {
  const { page, problems } = await openApp();
  await page.click('svg#graph g.host[data-id="srv01"] .host-handle');
  assert.match(await page.textContent('#inspector h3'), /srv01/);
  await tab(page, 'simulate');
  await page.click('#lose-host');
  await page.waitForSelector('svg#graph g.node[data-id="truenas"][data-state="down"]');
  for (const id of ['truenas', 'talos', 'iscsi-k8s', 'tank']) {
    assert.equal(await page.getAttribute(`svg#graph g.node[data-id="${id}"]`, 'data-state'), 'down', id);
    assert.match(await page.getAttribute(`svg#graph g.node[data-id="${id}"]`, 'class'), /\bdown\b/);
  }
  // The state is also an icon, not colour alone.
  assert.equal(await page.textContent('svg#graph g.node[data-id="truenas"] .state-icon'), '✖');
  const volumes = await page.textContent('#affected li[data-id="talos#volumes"]');
  assert.match(volumes, /talos#volumes down ← iscsi-k8s down ← truenas down ← srv01 failed/);
  await page.click('svg#graph g.node[data-id="truenas"]');
  assert.match(await page.textContent('#selected-chain'), /truenas down ← srv01 failed/);
  await page.screenshot({ path: screenshot('screenshot-simulation.png'), fullPage: true });
  await page.click('#clear-sim');
  await page.waitForSelector('svg#graph g.node[data-id="truenas"][data-state="up"]');
  assert.deepEqual(problems, []);
  await page.close();
});

test('ballooning on the TrueNAS VM shows PT-10; removing it clears it', async () => {
  const { page, problems } = await openApp();
  await page.click('svg#graph g.node[data-id="truenas"]');
  const field = '#f-vms-0--balloon-mib';
  assert.equal(await page.inputValue(field), '0');
  await page.fill(field, '16384');
  await page.press(field, 'Enter');
  await tab(page, 'review');
  await page.waitForSelector('#findings li.finding[data-rule="PT-10"][data-resource="truenas"]');
  assert.match(await page.textContent('#findings li.finding[data-rule="PT-10"]'), /balloons down to 16384 MiB/);
  await page.screenshot({ path: screenshot('screenshot-review.png'), fullPage: true });
  await tab(page, 'inspect');
  await page.fill(field, '0');
  await page.press(field, 'Enter');
  await tab(page, 'review');
  await page.waitForSelector('#findings-count[data-stale="false"]');
  assert.equal(await page.$$eval('#findings li.finding[data-rule="PT-10"]', (e) => e.length), 0);
  // Undo brings the finding back; redo clears it again.
  await page.click('#undo');
  await page.waitForSelector('#findings li.finding[data-rule="PT-10"]');
  await page.click('#redo');
  await page.waitForFunction(() => !document.querySelector('#findings li.finding[data-rule="PT-10"]'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the exported spec downloads and `hostplan verify` accepts it', async () => {
  const { page } = await openApp();
  await tab(page, 'transfer');
  await page.waitForSelector('#export-preview[data-format="spec"]');
  assert.match(await page.textContent('#export-preview'), /"spec_version"/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('button.download[data-file="hostplan.spec.json"]'),
  ]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-spec-')), 'hostplan.spec.json');
  await download.saveAs(file);
  const out = execFileSync(hostplan, ['verify', file], { encoding: 'utf8' });
  assert.match(out, /verified/i);
  // Every other format previews as text.
  for (const f of ['tfvars', 'hcl', 'hcl-resources', 'proxmox', 'mermaid', 'dot']) {
    await page.selectOption('#export-format', f);
    await page.waitForSelector(`#export-preview[data-format="${f}"]`);
    assert.ok((await page.textContent('#export-preview')).length > 20, f);
  }
  assert.match(await page.textContent('#export-preview'), /digraph/);
  await page.close();
});

test('an edit survives a reload; the share link opens the same topology in a fresh profile', async () => {
  const { page } = await openApp();
  await page.click('svg#graph g.node[data-id="truenas"]');
  await page.fill('#f-vms-0--cores', '8');
  await page.press('#f-vms-0--cores', 'Enter');
  await page.waitForFunction(() => document.querySelector('#saved').textContent.includes('saved'));
  await page.reload();
  await page.waitForSelector('svg#graph g.node[data-id="truenas"]');
  await page.click('svg#graph g.node[data-id="truenas"]');
  assert.equal(await page.inputValue('#f-vms-0--cores'), '8');

  await page.click('#share');
  const link = await page.inputValue('#share-link');
  assert.match(link, /#t=[A-Za-z0-9_-]+$/);
  const fresh = await app.browser.newContext();
  const other = await fresh.newPage();
  await other.goto(link);
  await other.waitForSelector('svg#graph g.node[data-id="truenas"]');
  assert.match(await other.textContent('#current-file'), /shared\.toml/);
  await other.click('svg#graph g.node[data-id="truenas"]');
  assert.equal(await other.inputValue('#f-vms-0--cores'), '8');
  await fresh.close();
  await page.close();
});

test('a bad import or text never replaces the work; imports show what was not mapped first', async () => {
  const { page } = await openApp();
  await tab(page, 'text');
  await page.fill('#toml', '[[hosts]\n');
  await page.click('#apply-text');
  await page.waitForSelector('#text-panel .field-error');
  assert.match(await page.textContent('#current-file'), /seed\.toml/);
  await tab(page, 'transfer');
  const conf = 'name: truenas\nmemory: 65536\nostype: l26\n';
  await page.setInputFiles('#import-file', { name: '100.conf', mimeType: 'text/plain', buffer: Buffer.from(conf) });
  await page.waitForSelector('#import-preview');
  const preview = await page.textContent('#import-preview');
  assert.match(preview, /updates truenas \([^)]*memory_mib/);
  assert.doesNotMatch(preview, /does not say which node/, 'the host field places the VM');
  assert.match(preview, /ostype: l26` is not modelled/);
  await page.click('#import-merge');
  await tab(page, 'inspect');
  await page.click('svg#graph g.node[data-id="truenas"]');
  assert.equal(await page.inputValue('#f-vms-0--memory-mib'), '65536');
  await page.close();
});

test('the boot timeline marks waits, and the suggested order is one click away', async () => {
  const { page, problems } = await openApp();
  await tab(page, 'boot');
  await page.waitForSelector('#gantt');
  assert.ok(await page.$$eval('#gantt rect.wait', (e) => e.length) > 0, 'the Talos volumes wait for iSCSI');
  const before = await page.textContent('#boot-summary');
  assert.match(await page.textContent('#boot-suggestion'), /truenas/);
  await page.screenshot({ path: screenshot('screenshot-boot.png'), fullPage: true });
  await page.click('#apply-suggestion');
  await page.waitForFunction(() => !document.querySelector('#boot-suggestion'));
  assert.notEqual(await page.textContent('#boot-summary'), before);
  await tab(page, 'inspect');
  await page.click('svg#graph g.node[data-id="truenas"]');
  assert.equal(await page.inputValue('#f-vms-0--startup-order'), '1');
  // The DR what-if: moving the HBA to a new server keeps the pool importable.
  await tab(page, 'whatif');
  await page.waitForSelector('#dr-plan');
  assert.match(await page.textContent('#dr-plan'), /imports pool tank/);
  assert.match(await page.textContent('#compare'), /iscsi-k8s/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the panels are keyboard reachable: arrow keys move between tabs', async () => {
  const { page } = await openApp();
  await page.focus('#tab-inspect');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#tab-text', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-text');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-transfer');
  await page.waitForSelector('#transfer-panel');
  // Graph components take Enter like buttons.
  await page.focus('svg#graph g.node[data-id="hba0"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('svg#graph g.node.selected[data-id="hba0"]');
  await page.close();
});

test('hosts collapse to one box; search finds and selects by id', async () => {
  const { page } = await openApp();
  await page.click('#collapse-all');
  await page.waitForSelector('svg#graph g.node.host-box[data-id="srv01"]');
  assert.equal(await page.$$eval('svg#graph g.node[data-id="hba0"]', (e) => e.length), 0);
  await page.click('#collapse-all');
  await page.waitForSelector('svg#graph g.node[data-id="hba0"]');
  await page.fill('#search', 'nic2');
  await page.press('#search', 'Enter');
  await page.waitForSelector('svg#graph g.node.selected[data-id="nic2"]');
  assert.match(await page.getAttribute('svg#graph g.node[data-id="nic2"]', 'class'), /\bmatch\b/);
  await page.close();
});

test('long analyses run in a Web Worker with progress and cancel; the page stays responsive', async () => {
  const { page, problems } = await openApp();
  await tab(page, 'simulate');
  await page.click('#run-pairs');
  await page.waitForSelector('#pairs-result', { timeout: 30000 });
  assert.match(await page.textContent('#pairs-result'), /candidate pair\(s\) examined/);

  // The Monte Carlo pass is bounded to about a second of work (MAX_SAMPLE_WORK), so the job is
  // short: Cancel is clicked from inside the page the moment it appears (a click sent from here
  // after a selection raced the job's end and failed on a loaded machine).
  await page.fill('#mc-samples', '20000000');
  await page.press('#mc-samples', 'Enter');
  await page.evaluate(() => {
    window.__cancelClicked = false;
    new MutationObserver((_, observer) => {
      const cancel = document.querySelector('#availability-cancel');
      if (cancel) {
        cancel.click();
        window.__cancelClicked = true;
        observer.disconnect();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.click('#run-availability');
  await page.waitForSelector('#availability-cancelled');
  assert.ok(await page.evaluate(() => window.__cancelClicked));

  // The UI thread is free while the worker samples: a timer on the page keeps firing, with no
  // gap of a long task's length, for as long as the progress bar shows.
  await page.evaluate(() => {
    window.__gaps = [];
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      if (document.querySelector('#availability-progress')) window.__gaps.push(now - last);
      last = now;
      if (!document.querySelector('#availability-result')) setTimeout(tick, 10);
    };
    setTimeout(tick, 10);
  });
  await page.click('#run-availability');
  await page.waitForSelector('#availability-result', { timeout: 60000 });
  const gaps = await page.evaluate(() => window.__gaps);
  assert.ok(gaps.length >= 5, `only ${gaps.length} timer ticks while the job ran`);
  assert.ok(Math.max(...gaps) < 500, `the page was blocked ${Math.max(...gaps)} ms during the job`);
  // Selecting still works once the job is done.
  await clickNode(page, 'hba0');
  await page.waitForSelector('svg#graph g.node.selected[data-id="hba0"]');

  assert.match(await page.textContent('#availability-result'), /iscsi-k8s/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('rules that need an unknown fact are listed apart as not evaluated, never as findings', async () => {
  const { page, problems } = await openApp();
  const seed = fs.readFileSync(path.join(root, 'examples/seed.toml'), 'utf8');
  const topo = seed.replace('memory_mib = 32768    # 32 GB ECC RAM, critical for ARC',
    'memory_mib = 0\nunknown = [{ field = "memory_mib", from = "main.tf:39:5", expression = "var.truenas_memory" }]');
  assert.notEqual(topo, seed);
  await page.setInputFiles('#open-file', { name: 'unknown.toml', mimeType: 'text/plain', buffer: Buffer.from(topo) });
  await tab(page, 'review');
  await page.waitForSelector('#not-evaluated li[data-rule="TN-04"][data-resource="truenas"]');
  // TrueNAS's memory reads 0 in the model, but TN-04 is not a finding: it was not evaluated.
  assert.equal(await page.$$eval('#findings li.finding[data-rule="TN-04"]', (e) => e.length), 0);
  assert.match(await page.textContent('#findings-count'), /not evaluated/);
  assert.deepEqual(problems, []);
  await page.close();
});
