// Shared by the e2e tests and the benchmark: serve the built dist/ on 127.0.0.1 (a stand-in
// for any static host) and launch the system Chromium (no browser download).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// Where the tests find what they use, each overridable from the environment.
/** The repository. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built site (`trunk build --release`). */
export const dist = process.env.HOSTPLAN_DIST ?? path.join(root, 'dist');
/** Where screenshots go (the docs' and the reviewer's). */
export const screenshots = process.env.HOSTPLAN_SCREENSHOTS
  ? path.resolve(process.env.HOSTPLAN_SCREENSHOTS)
  : path.join(root, '.tmp', 'screenshots');
export const screenshot = (name) => path.join(screenshots, name);
/** The CLI the test command builds (debug). */
export const hostplan = process.env.HOSTPLAN_BIN ?? path.join(root, 'target/debug/hostplan');
/** The CLI for generating big fleets: the release build when there is one (much faster). */
export const fastHostplan = process.env.HOSTPLAN_BIN
  ?? (fs.existsSync(path.join(root, 'target/release/hostplan')) ? path.join(root, 'target/release/hostplan') : hostplan);

/** Open `text` as the file `name` (the header's file input) and wait until the app shows it. */
export async function openFile(page, name, text) {
  await page.setInputFiles('#open-file', { name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.waitForFunction((n) => document.querySelector('#current-file')?.textContent.includes(n), name);
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/** Serve `dist` on a free port; resolves to `{ server, base }`. */
export async function serveDist(dist) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.join(dist, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (!file.startsWith(dist) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

/** Debian's Chromium, headless (override with CHROMIUM=/path). */
export function launchChromium() {
  // Playwright saves downloads under os.tmpdir(), and Chromium cancels a download into a path
  // with `..` in it, as TMPDIR="$PWD/../../.tmp" gives: hand it the resolved path.
  if (process.env.TMPDIR) process.env.TMPDIR = path.resolve(process.env.TMPDIR);
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * For a test file: serve `dist` and launch Chromium before its tests, close both after.
 * `openApp(width, height)` opens the app in a new page (with `pageOptions`), waits for the
 * seed's graph, and collects console errors and page errors in `problems`.
 */
export function appHarness({ dist, screenshots, pageOptions = {} }) {
  const app = { server: null, browser: null, base: null };
  before(async () => {
    assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/ is missing: run `trunk build --release` first');
    fs.mkdirSync(screenshots, { recursive: true });
    ({ server: app.server, base: app.base } = await serveDist(dist));
    app.browser = await launchChromium();
  });
  after(async () => {
    await app.browser?.close();
    app.server?.close();
  });
  app.openApp = async (width = 1400, height = 900) => {
    const page = await app.browser.newPage({ viewport: { width, height }, ...pageOptions });
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(app.base);
    await page.waitForSelector('svg#graph g.node[data-id="truenas"]', { timeout: 15000 });
    return { page, problems };
  };
  return app;
}
