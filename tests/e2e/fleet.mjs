// Shared by the scale tests and the benchmark: generate a fleet with the release CLI, open it
// in the page, and time it the way a user meets it (the file's `change` → the new topology's
// first view painted), with every main-thread long task recorded by a PerformanceObserver.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `hostplan generate --hosts n` as TOML text. */
export function generateFleet(hostplan, hosts, extra = []) {
  return execFileSync(hostplan, ['generate', '--hosts', String(hosts), ...extra], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

/** Record every long task (> 50 ms) of the page from its first script on: `window.__longTasks`. */
export async function observeLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // When a file input changes (capture: before the app's own handler runs).
    document.addEventListener('change', (e) => {
      if (e.target && e.target.id === 'open-file') window.__openStart = performance.now();
    }, true);
  });
}

/**
 * Open `text` as `name` through the "Open topology…" input and wait until `readySelector` is
 * in the DOM and painted. Returns `{ openMs, longestTaskMs, tasks }`: open → painted, and the
 * long tasks from the open until `settleMs` after it was painted (policies run after the redraw
 * and still block the page if they are slow, so they count).
 */
export async function openFleet(page, name, text, readySelector, { settleMs = 1500, timeout = 60000 } = {}) {
  await page.evaluate(() => { window.__longTasks = []; window.__openStart = undefined; window.__painted = undefined; });
  // From a file on disk, as a user picks one: the browser reads it. (Handed over as a buffer,
  // Playwright decodes the 3 MB of a thousand hosts with a script in the page, a ~600 ms task
  // of its own that the long-task figures then counted as the app's.)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostplan-fleet-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  await page.setInputFiles('#open-file', file);
  await page.waitForFunction((sel) => {
    if (window.__painted) return true;
    if (!document.querySelector(sel)) return false;
    // The frame after the one that holds the new DOM: it has been painted.
    requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now(); }, 0));
    return false;
  }, readySelector, { timeout, polling: 'raf' });
  // (Read by now: the new topology is on screen.)
  fs.rmSync(dir, { recursive: true, force: true });
  const openMs = await page.evaluate(() => window.__painted - window.__openStart);
  await page.waitForTimeout(settleMs);
  const tasks = await page.evaluate(() => window.__longTasks.filter((t) => t.start + t.duration >= window.__openStart));
  const longestTaskMs = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
  return { openMs, longestTaskMs, tasks };
}
