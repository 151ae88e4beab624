// Mermaid's own limits: a large site's Mermaid export comes in parts that Mermaid itself draws
// with its default configuration (at most 500 arrows and 50,000 characters per diagram), and
// the whole text — which Mermaid refuses — is what the parts add up to.
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

let browser, page, dir;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-mermaid-'));
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: mermaidJs });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
});
after(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Draw `src` with Mermaid's defaults; the number of arrows it drew, or the error it gave.
function draw(src, n) {
  return page.evaluate(async ([text, id]) => {
    try {
      const { svg } = await window.mermaid.render(`d${id}`, text);
      // Past maxTextSize Mermaid draws a notice instead of the diagram.
      return { arrows: (svg.match(/class="[^"]*flowchart-link/g) ?? []).length, refused: svg.includes('Maximum text size') };
    } catch (e) {
      return { error: String(e?.message ?? e) };
    }
  }, [src, n]);
}

test('a 60-host fleet exports Mermaid parts that Mermaid draws whole, and nothing is lost', async () => {
  const fleet = path.join(dir, 'fleet.toml');
  fs.writeFileSync(fleet, execFileSync(hostplan, ['generate', '--hosts', '60'], { encoding: 'utf8' }));
  const out = path.join(dir, 'mmd');
  const stdout = execFileSync(hostplan, ['export', fleet, '--format', 'mermaid', '-o', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(stdout, /wrote .*topology-1\.mmd/);
  const parts = fs.readdirSync(out).filter((f) => f.endsWith('.mmd')).sort();
  assert.ok(parts.length > 1, `${parts}`);
  let arrows = 0;
  for (const [i, name] of parts.entries()) {
    const text = fs.readFileSync(path.join(out, name), 'utf8');
    const drawn = await draw(text, i);
    assert.equal(drawn.error, undefined, `${name}: ${drawn.error}`);
    assert.equal(drawn.refused, false, `${name}: Mermaid refused its size`);
    arrows += drawn.arrows;
  }
  // The whole diagram, as the DOT export draws it, has exactly the arrows of the parts.
  const dot = execFileSync(hostplan, ['export', fleet, '--format', 'dot'], { encoding: 'utf8' });
  assert.equal(arrows, (dot.match(/ -> /g) ?? []).length);
  // And Mermaid refuses the parts glued back into one diagram: the limits are real.
  const glued = parts.map((name, i) => {
    const text = fs.readFileSync(path.join(out, name), 'utf8');
    return i === 0 ? text : text.replace(/^graph TD\n/, '');
  }).join('\n');
  const whole = await draw(glued, 'whole');
  assert.ok(whole.error || whole.refused, 'Mermaid drew a diagram past its limits');
});
