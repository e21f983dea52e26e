// What the browser tests share: Debian's headless chromium at a
// projector's 1280x720 through playwright-core, with a throw-away profile;
// named checks that count and print their result; the page's script errors
// collected; and the summary line and exit status.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let passed = 0, failed = 0;

// Runs fn as the check called name: "ok" when it returns, "FAIL" with the
// first line of what it threw otherwise.
export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log('ok   ' + name);
  } catch (e) {
    failed++;
    console.log('FAIL ' + name + ': ' + (e && e.message ? e.message.split('\n')[0] : e));
  }
}

export function expect(cond, what) {
  if (!cond) throw new Error(what);
}

// Opens chromium and runs body(page, errors), errors being the page's
// script errors and console errors (but those for which expected(text)
// holds); closes it and removes its profile whatever happens. Every wait
// is on a condition, so the generous limit costs nothing on an idle
// machine and keeps a heavily loaded one (load average 12 and more)
// passing.
export async function withPage(body, expected = () => false) {
  const profile = mkdtempSync(join(tmpdir(), 'chainsim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 720 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(180000);
  context.setDefaultNavigationTimeout(180000);
  try {
    const page = context.pages()[0] || await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !expected(m.text())) errors.push(m.text());
    });
    await body(page, errors);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// Prints "LABEL: N passed, M failed" and exits 0 when nothing failed.
export function finish(label) {
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
