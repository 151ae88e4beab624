// Exported HCL parses with HashiCorp's own HCL library (npm @cdktf/hcl2json, a WebAssembly
// build of it) and means the same as the tfvars JSON, also for hostile names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, hostplan } from './serve.mjs';

const require = createRequire(import.meta.url);
const { parse } = require('@cdktf/hcl2json');

// hcl2json renders strings in Terraform's JSON syntax, where a literal `${` is written `$${`.
const literal = (v) =>
  typeof v === 'string' ? v.replaceAll('$${', '${').replaceAll('%%{', '%{')
  : Array.isArray(v) ? v.map(literal)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]))
  : v;

function exportBoth(topologyPath, extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-hcl-'));
  execFileSync(hostplan, ['export', topologyPath, '--format', 'hcl', '-o', dir, ...extra]);
  execFileSync(hostplan, ['export', topologyPath, '--format', 'tfvars', '-o', dir]);
  return dir;
}

async function checkSameMeaning(topologyPath, extra = []) {
  const dir = exportBoth(topologyPath, extra);
  const hcl = fs.readFileSync(path.join(dir, 'main.tf'), 'utf8');
  const parsed = await parse('main.tf', hcl);
  const modules = parsed.module;
  const tfvars = fs.readdirSync(dir).filter((f) => f.endsWith('.auto.tfvars.json'));
  assert.ok(tfvars.length > 0);
  assert.equal(Object.keys(modules).length, tfvars.length);
  for (const file of tfvars) {
    const name = file.replace('.auto.tfvars.json', '');
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const [block] = modules[name];
    const { source, ...inputs } = literal(block);
    assert.equal(typeof source, 'string');
    assert.deepEqual(inputs, json, `module ${name}`);
  }
  fs.rmSync(dir, { recursive: true });
  return { hcl, modules };
}

test('the seed exports HCL that HashiCorp parses into the tfvars values', async () => {
  const { modules } = await checkSameMeaning(path.join(root, 'examples/seed.toml'));
  assert.equal(modules.truenas[0].res_dedicated_memory, 32768);
  assert.deepEqual(modules.truenas[0].res_hostpci[0], { mapping: 'HBA', pcie: true, rombar: false });
});

test('hostile strings cannot inject HCL', async () => {
  const evil = [
    'x" } resource "null_resource" "pwn" { #',
    '${file("/etc/passwd")}',
    '%{ for x in y }',
    'line\nbreak',
    'EOT\n<<EOT',
  ];
  // Proxmox's formats keep these out of ids, CPU types, bridge and mapping names (validation
  // refuses them, tests/injection.rs); they still reach HCL as free text: mapping descriptions,
  // the module source, and VM ids (written as the DNS name Proxmox gets, labels sanitised).
  const vmId = 'x" } resource "null_resource" "pwn" { ${file("/etc/passwd")}';
  const mappings = evil.map((m, i) => `[[mappings]]\nid = "m${i}"\ndescription = ${JSON.stringify(m)}\nmap = [{ node = "h", path = "0000:0${i + 1}:00.0" }]\n`).join('\n');
  const hostpci = evil.map((_, i) => `[[vms.hostpci]]\nindex = ${i}\nmapping = "m${i}"\n`).join('\n');
  const devices = evil.map((_, i) => `[[devices]]\nid = "d${i}"\nhost = "h"\nkind = "nic"\naddress = "0000:0${i + 1}:00.0"\nvendor_device = "8086:1533"\n`).join('\n');
  const topo = `schema_version = 1\n[[hosts]]\nid = "h"\n${devices}\n${mappings}\n[[vms]]\nid = ${JSON.stringify(vmId)}\nvmid = 100\nhost = "h"\ncpu_type = "host"\n${hostpci}`;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-evil-')), 'evil.toml');
  fs.writeFileSync(file, topo);
  const source = evil[0] + evil[1];
  const { hcl, modules } = await checkSameMeaning(file, ['--module-source', source]);
  assert.equal(Object.keys(modules).length, 1, 'no extra blocks');
  assert.ok(!hcl.includes('resource "null_resource"\n'), hcl);
  const [block] = Object.values(modules)[0];
  assert.equal(literal(block).source, source);

  // The plain provider resources: the descriptions come back exactly, the VM name is the
  // DNS name Proxmox accepts, and nothing else appears.
  const res = await resources(file);
  assert.deepEqual(Object.keys(res.resource).sort(), [
    'proxmox_virtual_environment_hardware_mapping_pci',
    'proxmox_virtual_environment_vm',
  ]);
  const comments = Object.values(res.resource.proxmox_virtual_environment_hardware_mapping_pci)
    .map(([m]) => literal(m).comment);
  assert.deepEqual(comments.sort(), [...evil].sort());
  const vms = Object.values(res.resource.proxmox_virtual_environment_vm);
  assert.equal(vms.length, 1);
  assert.equal(vms[0][0].name, 'x----resource--null-resource---pwn------file---etc-passwd');
  assert.deepEqual(vms[0][0].hostpci.map((h) => h.mapping), evil.map((_, i) => `m${i}`));
});

async function resources(topologyPath) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-res-'));
  execFileSync(hostplan, ['export', topologyPath, '--format', 'hcl-resources', '-o', dir]);
  const text = fs.readFileSync(path.join(dir, 'resources.tf'), 'utf8');
  fs.rmSync(dir, { recursive: true });
  return parse('resources.tf', text);
}

test('the seed exports bpg resources HashiCorp parses, with the provider-default overrides explicit', async () => {
  const res = await resources(path.join(root, 'examples/seed.toml'));
  const [truenas] = res.resource.proxmox_virtual_environment_vm.truenas;
  assert.equal(truenas.on_boot, true);
  assert.equal(truenas.machine, 'q35');
  assert.deepEqual(truenas.memory, [{ dedicated: 32768, floating: 0 }]);
  assert.deepEqual(truenas.cpu, [{ cores: 6, type: 'host' }]);
  assert.deepEqual(truenas.hostpci[0], { device: 'hostpci0', mapping: 'HBA', pcie: true, rombar: false, xvga: false });
  const [hba] = res.resource.proxmox_virtual_environment_hardware_mapping_pci.HBA;
  assert.deepEqual(hba.map, [{ id: '1000:0072', iommu_group: 12, node: 'srv01', path: '0000:01:00.0', subsystem_id: '1000:3020' }]);
});
