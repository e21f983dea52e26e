// Drives the dashboard in Debian's headless chromium through playwright-core:
// every node is drawn, forks show in the block tree, a transaction sent with
// the form is confirmed, a refused one shows the server's reason, search
// finds the transaction, pause and resume change the state, and a full-page
// screenshot is saved. Usage: node dashboard.test.mjs URL SCREENSHOT.png
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
  console.error('usage: node dashboard.test.mjs URL SCREENSHOT.png');
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'chainsim-chromium-'));
let passed = 0, failed = 0;
const errors = [];

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log('ok   ' + name);
  } catch (e) {
    failed++;
    console.log('FAIL ' + name + ': ' + (e && e.message ? e.message.split('\n')[0] : e));
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// Every wait is on a condition, so a generous limit costs nothing on an idle
// machine and keeps a heavily loaded one (load average 12 and more) passing.
context.setDefaultTimeout(180000);
context.setDefaultNavigationTimeout(180000);
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  // The refused transaction below is answered 422 on purpose; anything else is an error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 422')) errors.push(m.text());
  });
  await page.goto(url);

  await check('every node is listed and drawn', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#nodes tbody tr:not(.empty)').length === 5);
    const drawn = await page.$$eval('#network .net-node', (g) => g.map((n) => n.getAttribute('data-node')));
    expect(drawn.join(',') === '1,2,3,4,5', 'drawn nodes: ' + drawn);
    // Node 5 crashes at 70 s of virtual time.
    await page.waitForFunction(() => [...document.querySelectorAll('#nodes tbody tr')].filter((r) => r.textContent.includes('crashed')).length === 1);
  });

  await check('the state is live and virtual time advances', async () => {
    await page.waitForFunction(() => document.getElementById('state').textContent === 'live');
    const t1 = await page.textContent('#vtime');
    await page.waitForFunction((t) => document.getElementById('vtime').textContent !== t, t1);
  });

  await check('the block tree shows the main chain and a losing fork', async () => {
    // The fork (from the partition at 20-60 s) stays in the tree but may be
    // scrolled out of view, and out of the ten most recent blocks, by the
    // time a slow machine gets here: look for it in the tree only.
    await page.waitForSelector('#chain .block.fork', { state: 'attached' });
    const main = await page.$$eval('#chain .block.main', (b) => b.length);
    expect(main >= 2, 'main blocks: ' + main);
    await page.waitForSelector('#blocks tbody tr >> text=main');
  });

  let txid = null;
  await check('a transaction sent with the form gets confirmed', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#send-from option').length === 4);
    await page.selectOption('#send-from', '1');
    await page.selectOption('#send-to', '3');
    await page.fill('#send-amount', '25');
    await page.selectOption('#send-node', '2');
    await page.click('#send-button');
    await page.waitForSelector('#send-result.ok');
    expect((await page.textContent('#send-result')).includes('accepted'), 'no acceptance message');
    await page.waitForSelector('#mine tr[data-status="included"], #mine tr[data-status="confirmed"]');
    await page.waitForSelector('#mine tr[data-status="confirmed"]');
    txid = await page.getAttribute('#mine tr[data-status="confirmed"] td:nth-child(2) span', 'title');
    expect(/^[0-9a-f]{64}$/.test(txid || ''), 'transaction id: ' + txid);
  });

  await check('a refused transaction shows the reason', async () => {
    await page.fill('#send-amount', '99999999');
    await page.click('#send-button');
    await page.waitForSelector('#send-result.err');
    const text = await page.textContent('#send-result');
    expect(text.includes('balance'), 'message: ' + text);
  });

  await check('search finds the transaction by id', async () => {
    expect(txid, 'no transaction id from the previous step');
    await page.fill('#search-q', txid.slice(0, 12));
    await page.click('#search button');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('#transactions tbody tr')];
      return rows.length === 1 && rows[0].textContent.includes('confirmed') && rows[0].querySelector('span').title === id;
    }, txid);
    await page.fill('#search-q', 'ffffffffffffffffff');
    await page.click('#search button');
    await page.waitForSelector('#transactions tbody tr.empty');
    await page.fill('#search-q', '');
    await page.click('#search button');
  });

  await check('pause and resume', async () => {
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('state').textContent === 'paused');
    await page.click('#resume');
    await page.waitForFunction(() => document.getElementById('state').textContent === 'live');
  });

  await check('no script errors on the page', async () => {
    expect(errors.length === 0, errors.join(' | '));
  });

  await page.waitForTimeout(600);
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot: ' + shot);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
