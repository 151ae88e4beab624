// Every SARIF hostplan writes validates against the official SARIF 2.1.0 JSON Schema: the
// schema file comes from a registry package (npm @microsoft/jest-sarif ships the OASIS
// schema, sarif-2.1.0-rtm.5.json), read by a real JSON-Schema validator (Ajv, draft-04 as the
// schema declares, with its format checks: uri, date-time…). Covered: the seed, every broken
// policy case, the bare-metal example, and user rules without METADATA, conftest-style string
// results and rules named by conftest's prefixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, hostplan } from './serve.mjs';

const require = createRequire(import.meta.url);
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

function validator() {
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  assert.match(schema.title, /SARIF\) Version 2\.1\.0/);
  // The schema's `language` pattern has a stray `]`, valid in a plain JavaScript RegExp (what
  // draft-04 means by a pattern) but not with Ajv's default `u` flag.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const validate = validator();

function sarifOf(topology, policies = []) {
  const args = ['check', topology, '--format', 'sarif', '--today', '2026-11-26'];
  for (const p of policies) args.push('--policy', p);
  const r = spawnSync(hostplan, args, { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function assertValid(doc, what) {
  const ok = validate(doc);
  assert.ok(ok, `${what}: ${JSON.stringify(validate.errors, null, 1)}`);
}

test('the validator rejects what the SARIF schema forbids', () => {
  const doc = sarifOf(path.join(root, 'examples/seed.toml'));
  assertValid(doc, 'seed');
  // A broken copy must fail, or the tests below prove nothing.
  const broken = structuredClone(doc);
  broken.runs[0].tool.driver.rules[0].helpUri = null;
  assert.equal(validate(broken), false);
  const badLevel = structuredClone(doc);
  badLevel.runs[0].results[0].level = 'fatal';
  assert.equal(validate(badLevel), false);
  assert.equal(validate({ ...doc, version: '2.0.0' }), false);
});

test('SARIF of every example and broken policy case is valid', () => {
  const cases = path.join(root, 'tests/cases/policy');
  const files = [
    path.join(root, 'examples/seed.toml'),
    path.join(root, 'examples/roadmap-bare-metal.toml'),
    ...fs.readdirSync(cases).filter((f) => f.endsWith('.toml')).map((f) => path.join(cases, f)),
  ];
  assert.ok(files.length >= 20, `${files.length} files`);
  let results = 0;
  for (const f of files) {
    const doc = sarifOf(f);
    assertValid(doc, path.basename(f));
    results += doc.runs[0].results.length;
  }
  assert.ok(results > files.length, `only ${results} results`);
});

test('SARIF of a topology that does not validate lists its diagnostics, and is valid', () => {
  // check stops (exit 2) on such a file, but the Action still uploads what it wrote.
  const file = path.join(root, 'tests/cases/validate/bad-pci-address.toml');
  const r = spawnSync(hostplan, ['check', file, '--format', 'sarif'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  const doc = JSON.parse(r.stdout);
  assertValid(doc, 'bad-pci-address');
  assert.ok(doc.runs[0].results.length >= 1);
  assert.ok(doc.runs[0].results.every((x) => x.level === 'error' || x.level === 'warning' || x.level === 'note'));
  assert.ok(doc.runs[0].results[0].locations[0].physicalLocation.region.startLine > 1);
});

test('SARIF of user rules without METADATA, plain strings and conftest prefixes is valid', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-sarif-'));
  const policy = path.join(dir, 'site.rego');
  fs.writeFileSync(policy, `package site
import rego.v1

deny contains {"rule": "SITE-01", "resource": id, "message": sprintf("%s has no description", [id])} if {
	some id, _ in input.vms
}

warn contains "a plain conftest message" if true

violation contains {"msg": "conftest violation object"} if true

deny_reserved contains "a deny_ prefixed rule" if true

warn_naming contains {"rule": "SITE-02", "resource": "truenas", "message": "a warn_ prefixed rule"} if true
`);
  const doc = sarifOf(path.join(root, 'examples/seed.toml'), [policy]);
  assertValid(doc, 'user rules');
  const ids = new Set(doc.runs[0].results.map((r) => r.ruleId));
  for (const id of ['SITE-01', 'user', 'violation', 'deny_reserved', 'SITE-02']) {
    assert.ok(ids.has(id), `${id} not in ${[...ids].join(',')}`);
  }
  fs.rmSync(dir, { recursive: true });
});
