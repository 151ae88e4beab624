// Diagrams cannot be injected: topologies whose ids are hostile strings (quotes, brackets,
// `%%{init}%%` directives, `-->`, `end`, HTML, backslash escapes…) export DOT and Mermaid that
// Graphviz and Mermaid themselves read back to exactly the nodes, groups and edges of the same
// topology with plain ids, each label carrying its id. Seeded, so a failure reproduces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launchChromium, hostplan } from './serve.mjs';

const require = createRequire(import.meta.url);
const mermaidJs = path.join(path.dirname(require.resolve('mermaid/package.json')), 'dist/mermaid.min.js');
const CASES = Number(process.env.HOSTPLAN_INJECT_CASES ?? 30);

// mulberry32: a small deterministic generator.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces that try to leave a label, a node statement, a subgraph or the diagram. Ids may hold
// anything but `#` and control characters (validation refuses those).
const PIECES = ['"', "'", '[', ']', '(', ')', '{', '}', '%%{init: {"securityLevel": "loose"}}%%', '%%',
  '-->', ' end ', 'subgraph x', '`**md**`', '<img src=x onerror=alert(1)>', '&amp;', '\\', '\\N', '\\"',
  ';', '|', 'style n0 fill:#f00', 'click n0 call alert()', ' -- ', '日本語', '\u2028', ' '];

function hostileId(next, i) {
  let s = `v${i}`; // a letter first: a VM id must leave a DNS name
  const n = 1 + Math.floor(next() * 4);
  for (let k = 0; k < n; k++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s.replace(/[\u0000-\u001f\u007f#]/g, '');
}

// A small site touching every diagram construct: a host with a passed-through HBA and NIC, disks,
// a storage, a TrueNAS VM importing a pool, a service on a network, a Kubernetes consumer.
function topology(id) {
  return {
    schema_version: 1,
    hosts: [{ id: 'h1', cpu: { cores: 8, vendor: 'intel', iommu: true, interrupt_remapping: true, aes_ni: true },
      ram_gib: 64, boot_disks: [id('boot')], bridges: [{ name: 'vmbr0', ports: [id('nic0')], networks: [id('lan')] }] }],
    devices: [
      { id: id('nic0'), host: 'h1', kind: 'nic', address: '0000:00:1f.6', nic: { ports: 1, speed_gbps: 1, networks: [id('lan')] } },
      { id: id('hba'), host: 'h1', kind: 'hba', address: '0000:01:00.0', model: 'LSI "9211" #quot; %%{x}%%\nend' },
      { id: id('nic1'), host: 'h1', kind: 'nic', address: '0000:02:00.0', nic: { ports: 1, speed_gbps: 10, networks: [id('lan')] } },
    ],
    disks: [
      { id: id('boot'), host: 'h1', controller: 'onboard', size_gb: 500, media: 'ssd' },
      ...[1, 2, 3].map((k) => ({ id: id(`d${k}`), host: 'h1', controller: id('hba'), size_gb: 4000 })),
    ],
    storages: [{ id: 'local-lvm', host: 'h1', kind: 'lvm-thin', disks: [id('boot')] }],
    pools: [{ id: id('tank'), owner: id('truenas'), vdevs: [{ layout: 'raidz1', disks: [1, 2, 3].map((k) => id(`d${k}`)) }] }],
    networks: [{ id: id('lan') }],
    vms: [
      { id: id('truenas'), vmid: 100, host: 'h1', role: 'truenas', memory_mib: 16384, cores: 4, cpu_type: 'host',
        machine: 'q35', boot_storage: 'local-lvm', boot_disk_gb: 32, onboot: true,
        hostpci: [{ index: 0, device: id('hba'), pcie: true }, { index: 1, device: id('nic1'), pcie: true }],
        nics: [{ network: id('lan'), device: id('nic1') }] },
      { id: id('worker'), vmid: 101, host: 'h1', memory_mib: 4096, cores: 2, cpu_type: 'host', boot_storage: 'local-lvm',
        boot_disk_gb: 20, onboot: true, nics: [{ network: id('lan'), bridge: 'vmbr0' }] },
    ],
    services: [{ id: id('nfs'), kind: 'nfs', provider: id('truenas'), pool: id('tank'), network: id('lan'), ready_after_s: 30 }],
    consumers: [{ id: id('k8s'), workers: [id('worker')], services: [id('nfs')] }],
  };
}

const NAMES = ['boot', 'nic0', 'hba', 'nic1', 'd1', 'd2', 'd3', 'tank', 'lan', 'truenas', 'worker', 'nfs', 'k8s'];

function exportAs(topo, format) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-inject-'));
  const file = path.join(dir, 't.json');
  fs.writeFileSync(file, JSON.stringify(topo));
  const text = execFileSync(hostplan, ['export', file, '--format', format], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  fs.rmSync(dir, { recursive: true });
  return text;
}

// Graphviz's own reading of a DOT file: node names and labels, clusters, edges.
function readDot(text) {
  const json = JSON.parse(execFileSync('dot', ['-Tjson0'], { input: text, encoding: 'utf8' }));
  const objects = json.objects ?? [];
  const unescape = (s) => s.replace(/\\(.)/g, (_, c) => (c === 'n' || c === 'l' || c === 'r' ? '\n' : c));
  return {
    clusters: objects.filter((o) => o.name.startsWith('cluster_')).map((o) => [o.name, unescape(o.label)]),
    nodes: objects.filter((o) => !o.name.startsWith('cluster_')).map((o) => [o.name, unescape(o.label).split('\n')[0]]),
    edges: (json.edges ?? []).map((e) => [objects[e.tail].name, objects[e.head].name]),
  };
}

let browser, page;
before(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: mermaidJs });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
});
after(async () => { await browser?.close(); });

// Mermaid's own parser, in Chromium: vertices with their text, subgraphs, edges, and the
// configuration after parsing (a directive that got through would change it).
function readMermaid(text) {
  return page.evaluate(async (src) => {
    // Mermaid's parser keeps entity codes as placeholders (`#quot;` → `ﬂ°quot¶ß`, `#37;` →
    // `ﬂ°°37¶ß`) and decodes them only when it draws; undo both spellings.
    const named = { quot: '"', amp: '&', lt: '<', gt: '>' };
    const decode = (s) => s
      .replace(/ﬂ°°(\d+)¶ß|#(\d+);/g, (_, a, b) => String.fromCodePoint(Number(a ?? b)))
      .replace(/ﬂ°(\w+)¶ß|#(\w+);/g, (m, a, b) => named[a ?? b] ?? m);
    const diagram = await window.mermaid.mermaidAPI.getDiagramFromText(src);
    const db = diagram.db;
    const vertices = db.getVertices();
    const list = vertices instanceof Map ? [...vertices.values()] : Object.values(vertices);
    return {
      type: diagram.type,
      nodes: list.map((v) => [v.id, decode(String(v.text).split(/<br\/?>/)[0])]),
      subgraphs: db.getSubGraphs().map((g) => [g.id, decode(String(g.title))]),
      edges: db.getEdges().map((e) => [e.start, e.end]),
      securityLevel: window.mermaid.mermaidAPI.getConfig().securityLevel,
    };
  }, text);
}

const sorted = (xs) => [...xs].map((x) => JSON.stringify(x)).sort();

test('hostile ids export DOT that Graphviz reads as exactly the plain topology', () => {
  const plainIds = Object.fromEntries(NAMES.map((n) => [n, n]));
  const plain = readDot(exportAs(topology((n) => plainIds[n]), 'dot'));
  assert.ok(plain.nodes.length >= NAMES.length && plain.edges.length > 0);
  for (let seed = 1; seed <= CASES; seed++) {
    const next = rng(seed);
    const ids = Object.fromEntries(NAMES.map((n, i) => [n, hostileId(next, i)]));
    const dot = readDot(exportAs(topology((n) => ids[n]), 'dot'));
    const rename = (label) => NAMES.find((n) => ids[n] === label) ?? label;
    assert.deepEqual(sorted(dot.edges), sorted(plain.edges), `seed ${seed}: edges`);
    assert.deepEqual(sorted(dot.nodes.map(([k, l]) => [k, rename(l)])), sorted(plain.nodes), `seed ${seed}: nodes`);
    assert.deepEqual(dot.clusters.map(([k]) => k).sort(), plain.clusters.map(([k]) => k).sort(), `seed ${seed}: clusters`);
  }
});

test('hostile ids export Mermaid that Mermaid parses as exactly the plain topology, no directive applied', async () => {
  const plainIds = Object.fromEntries(NAMES.map((n) => [n, n]));
  const plain = await readMermaid(exportAs(topology((n) => plainIds[n]), 'mermaid'));
  assert.equal(plain.type, 'flowchart-v2');
  assert.ok(plain.nodes.length >= NAMES.length && plain.edges.length > 0);
  for (let seed = 1; seed <= CASES; seed++) {
    const next = rng(seed);
    const ids = Object.fromEntries(NAMES.map((n, i) => [n, hostileId(next, i)]));
    const text = exportAs(topology((n) => ids[n]), 'mermaid');
    const m = await readMermaid(text);
    // Mermaid trims label text, and the export turns line separators into spaces.
    const norm = (s) => s.replace(/\u2028/g, ' ').trim();
    const rename = (label) => NAMES.find((n) => norm(ids[n]) === norm(label)) ?? label;
    assert.equal(m.type, 'flowchart-v2', `seed ${seed}`);
    assert.equal(m.securityLevel, 'strict', `seed ${seed}: a directive was applied\n${text}`);
    assert.deepEqual(sorted(m.edges), sorted(plain.edges), `seed ${seed}: edges\n${text}`);
    assert.deepEqual(sorted(m.nodes.map(([k, l]) => [k, rename(l)])), sorted(plain.nodes.map(([k, l]) => [k, rename(l)])), `seed ${seed}: nodes\n${text}`);
    assert.deepEqual(m.subgraphs.map(([k]) => k).sort(), plain.subgraphs.map(([k]) => k).sort(), `seed ${seed}: subgraphs`);
  }
});
