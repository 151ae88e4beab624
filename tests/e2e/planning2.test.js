// End-to-end: the rest of the planning session (issue #17) — a reboot's outage per service,
// N-2 pairs naming what they take down, finding badges on the graph, and a share link whose
// policy part is damaged. Real Chromium on the built dist/, real wasm, real Rego.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { appHarness, root, dist, hostplan, screenshots, screenshot } from './serve.mjs';
import { generateFleet } from './fleet.mjs';

const seed = fs.readFileSync(path.join(root, 'examples/seed.toml'), 'utf8');

const app = appHarness({ dist, screenshots });
const { openApp } = app;

/** The cells of the outage table's row for `id`. */
async function outageRow(page, id) {
  return page.$eval(`#outages-srv01 tr[data-id="${id}"]`, (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()));
}

for (const [width, name] of [[1400, 'wide'], [420, 'narrow']]) {
  test(`reboot shows the outage of each service and guest, from the boot model (${name})`, async () => {
    const { page, problems } = await openApp(width, 900);
    await page.click('#tab-simulate');
    await page.selectOption('#sim-host', 'srv01');
    await page.click('#reboot-host');
    await page.waitForSelector('#outages-srv01 table.outages');
    // The core's reading of the reboot timeline: truenas stops at 60 s, iSCSI answers 30 s
    // after it is back up at 308 s; talos loses its only control-plane member at 40 s.
    assert.deepEqual((await outageRow(page, 'iscsi-k8s')).slice(0, 3), ['80 s', '338 s', '4.3 min']);
    assert.deepEqual((await outageRow(page, 'talos')).slice(0, 3), ['40 s', '235 s', '3.2 min']);
    assert.deepEqual((await outageRow(page, 'truenas')).slice(0, 3), ['60 s', '308 s', '4.1 min']);
    // Services first, then the guests.
    const rows = await page.$$eval('#outages-srv01 tbody tr', (trs) => trs.map((r) => r.dataset.id ?? `— ${r.textContent}`));
    assert.deepEqual(rows, ['— Services', 'talos', 'talos#volumes', 'iscsi-k8s', '— VMs', 'talos-w2', 'talos-w1', 'talos-cp1', 'truenas']);
    // Each bar sits on the reboot's scale: iSCSI's starts later and is longer than talos-w1's.
    const bar = (id) => page.$eval(`#outages-srv01 tr[data-id="${id}"] .outage-bar`, (b) => [parseFloat(b.style.left), parseFloat(b.style.width)]);
    const [iscsiLeft, iscsiWidth] = await bar('iscsi-k8s');
    const [w1Left, w1Width] = await bar('talos-w1');
    assert.ok(iscsiLeft > w1Left && iscsiWidth > w1Width, `${iscsiLeft},${iscsiWidth} vs ${w1Left},${w1Width}`);
    // A name selects it.
    await page.click('#outages-srv01 tr[data-id="truenas"] button.chip');
    await page.waitForSelector('svg#graph g.node.selected[data-id="truenas"]');
    await page.screenshot({ path: screenshot(`reboot-outage-${name}.png`), fullPage: true });
    await page.locator('#outages-srv01').screenshot({ path: screenshot(`reboot-outage-table-${name}.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('N-2: each critical pair names what it takes down, and a name selects it', async () => {
  const { page, problems } = await openApp();
  await page.selectOption('#example', 'cluster-ha.toml');
  await page.waitForSelector('svg#graph g.node[data-id="hba0"]', { timeout: 15000 });
  await page.click('#tab-simulate');
  await page.click('#run-pairs');
  await page.waitForSelector('#pairs-result', { timeout: 30000 });
  const first = await page.$eval('#pairs li', (li) => ({
    text: li.textContent,
    chips: [...li.querySelectorAll('.pair-down button.chip')].map((b) => b.textContent),
  }));
  // mains + ups1 takes down 41 components: twelve named, the rest counted.
  assert.match(first.text, /^mains \+ ups1 → nfs-vm, iscsi-k8s, talos, talos#volumes/);
  assert.equal(first.chips.length, 12, first.chips.join(', '));
  assert.deepEqual(first.chips.slice(0, 3), ['pve1#power', 'pve1', 'pve2#power']);
  assert.match(first.text, /and 29 more/);
  // Every pair lists something, none lists its own members.
  const lists = await page.$$eval('#pairs li', (lis) => lis.map((li) => ({
    pair: [...li.querySelectorAll(':scope > button.chip')].map((b) => b.textContent),
    down: [...li.querySelectorAll('.pair-down button.chip')].map((b) => b.textContent),
  })));
  assert.ok(lists.length > 10, `${lists.length} pairs`);
  for (const l of lists) {
    assert.ok(l.down.length > 0, JSON.stringify(l));
    assert.ok(!l.down.some((d) => l.pair.includes(d)), JSON.stringify(l));
  }
  await page.click('#pairs li:first-child .pair-down button.chip:text-is("hba0")');
  await page.waitForSelector('svg#graph g.node.selected[data-id="hba0"]');
  assert.deepEqual(problems, []);
  await page.close();
});

for (const [width, name] of [[1400, 'wide'], [420, 'narrow']]) {
  test(`findings are marked on the graph with the worst severity and count; a click lists them (${name})`, async () => {
    const { page, problems } = await openApp(width, 900);
    // The rule book's open findings on the seed: TN-09 and DR-05 on truenas (info).
    await page.waitForSelector('svg#graph g.fbadge[data-badge="truenas"]', { timeout: 30000 });
    assert.equal(await page.textContent('svg#graph g.fbadge[data-badge="truenas"] text'), 'i2');
    assert.match(await page.getAttribute('svg#graph g.fbadge[data-badge="truenas"]', 'class'), /\binfo\b/);
    assert.match(await page.getAttribute('svg#graph g.node[data-id="truenas"]', 'aria-label'), /2 finding\(s\), worst info/);
    // Clean components carry none.
    assert.equal(await page.$$eval('svg#graph g.fbadge[data-badge="hba0"]', (e) => e.length), 0);
    // The legend explains the badge and the Δ of Before / after.
    const legend = await page.textContent('#graph-legend');
    assert.match(legend, /findings: worst severity/);
    assert.match(legend, /Δ changed since the baseline/);
    await page.click('#fit');
    await page.click('svg#graph g.fbadge[data-badge="truenas"]');
    await page.waitForSelector('#findings-pop');
    const items = await page.$$eval('#findings-pop li', (els) => els.map((e) => e.textContent));
    assert.equal(items.length, 2, items.join('\n'));
    assert.ok(items.some((i) => /TN-09/.test(i)) && items.some((i) => /DR-05/.test(i)), items.join('\n'));
    await page.waitForSelector('svg#graph g.node.selected[data-id="truenas"]');
    await page.screenshot({ path: screenshot(`badges-${name}.png`), fullPage: true });
    // The graph at the legible zoom it opens at, with the list open over it.
    await page.click('#zoom-selection');
    await page.locator('section.canvas').screenshot({ path: screenshot(`badges-graph-${name}.png`) });
    await page.click('#findings-pop-close');
    assert.equal(await page.$$eval('#findings-pop', (e) => e.length), 0);
    // A validation error is an error badge on the entity holding it, worst first.
    await page.click('#tab-text');
    await page.fill('#toml', seed.replace('id = "hba0"\nhost = "srv01"', 'id = "hba0"\nhost = "srv1"'));
    await page.click('#apply-text');
    await page.waitForSelector('svg#graph g.fbadge.error[data-badge="hba0"]', { timeout: 15000 });
    assert.match(await page.textContent('svg#graph g.fbadge[data-badge="hba0"] text'), /^!\d+$/);
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('on a generated fleet every entity with open findings carries a badge, and only those', async () => {
  // Small enough to be drawn whole (under the overview's 300 boxes, bonds and PSUs counted).
  const text = generateFleet(hostplan, 8);
  const file = path.join(root, '.tmp', `planning2-fleet-${process.pid}.toml`);
  fs.writeFileSync(file, text);
  // The CLI's findings, by the entity they are drawn on (`h00005-tank#data-0` on the pool).
  const report = JSON.parse(execFileSync(hostplan, ['check', file, '--format', 'json'], { encoding: 'utf8' }));
  const expected = [...new Set(report.findings.filter((f) => f.status === 'open').map((f) => f.resource.split('#')[0]))].sort();
  assert.ok(expected.length > 5, expected.join(', '));
  const { page, problems } = await openApp(1400, 900);
  await page.setInputFiles('#open-file', { name: 'fleet8.toml', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.waitForSelector('svg#graph g.host[data-id="h00007"]', { timeout: 30000 });
  // What the graph draws (a UPS has no box of its own yet): every drawn entity with findings.
  const drawn = new Set(await page.$$eval('svg#graph g.node, svg#graph g.host', (els) => els.map((e) => e.dataset.id)));
  const want = expected.filter((id) => drawn.has(id));
  assert.ok(want.length > 5 && want.some((id) => id === 'h00000') && want.some((id) => id.startsWith('k8s')), want.join(', '));
  await page.waitForFunction((n) => document.querySelectorAll('svg#graph g.fbadge').length >= n, want.length, { timeout: 30000 });
  const badges = await page.$$eval('svg#graph g.fbadge', (els) => els.map((e) => e.dataset.badge).sort());
  assert.deepEqual(badges, want);
  // A warning outranks infos on the same entity.
  const worst = Object.fromEntries(expected.map((id) => [id, report.findings.filter((f) => f.resource.split('#')[0] === id).some((f) => f.level === 'warning') ? 'warning' : 'info']));
  for (const id of want) {
    assert.match(await page.getAttribute(`svg#graph g.fbadge[data-badge="${id}"]`, 'class'), new RegExp(`\\b${worst[id]}\\b`), id);
  }
  // At the legible zoom the graph opens at (Fit shows 15 hosts too small to read).
  await page.screenshot({ path: screenshot('badges-fleet-wide.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a share link whose policy part is damaged says so and still opens the topology', async () => {
  const { page } = await openApp();
  await page.click('#share');
  const link = await page.inputValue('#share-link');
  assert.match(link, /#t=[A-Za-z0-9_-]+$/);
  await page.close();
  const fresh = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const other = await fresh.newPage();
  const problems = [];
  other.on('pageerror', (e) => problems.push(String(e)));
  await other.goto(`${link}&p=!!!damaged`);
  await other.waitForSelector('svg#graph g.node[data-id="truenas"]', { timeout: 15000 });
  assert.match(await other.textContent('#current-file'), /shared\.toml/);
  const banner = await other.textContent('#link-policy-damaged');
  assert.match(banner, /policy part \(p=\) is damaged: the link is damaged \(not base64url\)/);
  assert.match(banner, /only the built-in rule book is used/);
  assert.equal(await other.$$eval('#rejected', (e) => e.length), 0);
  await other.click('#link-policy-damaged button');
  assert.equal(await other.$$eval('#link-policy-damaged', (e) => e.length), 0);
  // A link without a policy part opens without the banner.
  await other.goto(link);
  await other.reload();
  await other.waitForSelector('svg#graph g.node[data-id="truenas"]');
  assert.equal(await other.$$eval('#link-policy-damaged', (e) => e.length), 0);
  assert.deepEqual(problems, []);
  await fresh.close();
});

test('list references are checkboxes of what exists; a rename updates what names it, one undo restores it', async () => {
  const { page, problems } = await openApp();
  await page.click('#fit');
  await page.click('svg#graph g.node[data-id="talos"]');
  assert.equal(await page.textContent('#inspector-title'), 'talos');
  const workers = '#f-consumers-0--workers';
  // The workers are picked from the VMs, the ones named ticked.
  const options = await page.$$eval(`${workers} .multi-option`, (els) => els.map((e) => [e.dataset.value, e.querySelector('input').checked]));
  assert.deepEqual(options, [['truenas', false], ['talos-cp1', false], ['talos-w1', true], ['talos-w2', true]]);
  await page.uncheck(`${workers} .multi-option[data-value="talos-w2"] input`);
  await page.waitForFunction((w) => !document.querySelector(`${w} .multi-option[data-value="talos-w2"] input`).checked, workers);
  await page.check(`${workers} .multi-option[data-value="truenas"] input`);
  await page.waitForFunction((w) => document.querySelector(`${w} .multi-option[data-value="truenas"] input`).checked, workers);
  assert.equal(await page.textContent('#inspector-title'), 'talos', 'an edit keeps the selection');
  await page.click('#tab-text');
  let text = await page.inputValue('#toml');
  assert.ok(text.includes('workers = ["talos-w1", "truenas"]'), text.slice(text.indexOf('[[consumers]]')));
  await page.click('#tab-inspect');
  await page.click('#undo');
  await page.click('#undo');
  // The rename preview names the references a rename of talos-w1 takes along.
  await page.click('svg#graph g.node[data-id="talos-w1"]');
  assert.equal(await page.textContent('#rename-preview'), 'Renaming also updates 1 reference (consumers[0].workers[0]).');
  await page.fill('#f-vms-2--id', 'talos-worker1');
  await page.press('#f-vms-2--id', 'Tab');
  await page.waitForSelector('svg#graph g.node[data-id="talos-worker1"]');
  await page.waitForFunction(() => /0 error\(s\)/.test(document.querySelector('#counts').textContent));
  await page.click('#tab-text');
  text = await page.inputValue('#toml');
  assert.ok(text.includes('workers = ["talos-worker1", "talos-w2"]'), text.slice(text.indexOf('[[consumers]]')));
  // The file keeps every comment.
  for (const line of seed.split('\n').filter((l) => l.trim().startsWith('#'))) assert.ok(text.includes(line), `lost: ${line}`);
  await page.click('#tab-inspect');
  // One undo restores the id and the reference together: the seed again.
  await page.click('#undo');
  await page.waitForSelector('svg#graph g.node[data-id="talos-w1"]');
  await page.click('#tab-text');
  assert.equal(await page.inputValue('#toml'), seed);
  assert.deepEqual(problems, []);
  await page.close();
});
