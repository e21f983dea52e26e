// Drives the dashboard in Debian's headless chromium through playwright-core,
// at a projector's 1280x720: every node is drawn, the event feed lists the
// scripted partition, heal and crash with markers on the timeline, forks
// show in the block tree, the speed box shows the measured speed, a
// transaction sent with the form is confirmed, a refused one shows the
// server's reason, search finds the transaction and the table pages, the
// chain as seen by a crashed node stops at its height, pause and resume
// change the state, and every teacher control goes through and shows in
// the feed (partition, heal, crash, restart, a link's latency and back; a
// heal without a partition is refused). Two screenshots are taken at
// 1280x720, during the teacher's partition and after the reorganisation its
// heal causes, and each is checked for what a class needs in view: the
// network, the block tree, the feed, the timeline, the controls, the time.
// Usage: node dashboard.test.mjs URL SCREENSHOT_DIR
import { check, expect, finish, withPage } from './harness.mjs';

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error('usage: node dashboard.test.mjs URL SCREENSHOT_DIR');
  process.exit(2);
}
await withPage(async (page, errors) => {
  await page.goto(url);

  await check('every node is listed and drawn', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#nodes tbody tr:not(.empty)').length === 5);
    const drawn = await page.$$eval('#network .net-node', (g) => g.map((n) => n.getAttribute('data-node')));
    expect(drawn.join(',') === '1,2,3,4,5', 'drawn nodes: ' + drawn);
    // Node 5 crashes at 70 s of virtual time.
    await page.waitForFunction(() => [...document.querySelectorAll('#nodes tbody tr')].filter((r) => r.textContent.includes('crashed')).length === 1);
  });

  await check('the chain as seen by a crashed node stops at its height', async () => {
    const h5 = await page.$eval('#nodes tbody tr:nth-child(5) td:nth-child(2)', (td) => Number(td.textContent));
    await page.selectOption('#chain-node', '5');
    await page.waitForFunction((h) => {
      const hs = [...document.querySelectorAll('#chain .block')].map((b) => b.querySelector('title').textContent.match(/height (\d+)/)[1] * 1);
      return hs.length > 0 && Math.max(...hs) === h;
    }, h5);
    await page.selectOption('#chain-node', '1');
  });

  await check('the feed lists the scripted events, with markers on the timeline', async () => {
    for (const kind of ['partition', 'heal', 'crash']) {
      await page.waitForSelector(`#feed li[data-kind="${kind}"]`);
      await page.waitForSelector(`#timeline .tl-marker[data-kind="${kind}"]`, { state: 'attached' });
    }
    const texts = await page.$$eval('#feed li', (l) => l.map((x) => x.textContent));
    expect(texts.some((t) => t.includes('partition: {1,2,3} | {4,5}')), 'feed: ' + texts.join(' / '));
    expect(texts.some((t) => t.includes('node 5 crashed')), 'feed: ' + texts.join(' / '));
    // Newest first: the crash (70 s) above the partition (20 s).
    const kinds = await page.$$eval('#feed li', (l) => l.map((x) => x.dataset.kind));
    expect(kinds.indexOf('crash') < kinds.lastIndexOf('partition'), 'order: ' + kinds.join(','));
  });

  await check('the speed box shows the measured speed and the one asked for', async () => {
    await page.waitForFunction(() => /^[0-9.]+× \(set 20×\)$/.test(document.getElementById('speed').textContent));
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

  await check('the transaction table pages, newest first', async () => {
    await page.waitForFunction(() => /of (2[1-9]|[3-9][0-9]|[0-9]{3,})\.$/.test(document.getElementById('tx-count').textContent));
    expect((await page.textContent('#tx-count')).startsWith('Newest first: 1–20 of'), await page.textContent('#tx-count'));
    expect(await page.isDisabled('#tx-newer'), 'newer enabled on the first page');
    await page.click('#tx-older');
    await page.waitForFunction(() => document.getElementById('tx-count').textContent.startsWith('Newest first: 21–'));
    expect(!(await page.isDisabled('#tx-newer')), 'newer disabled on the second page');
    await page.click('#tx-newer');
    await page.waitForFunction(() => document.getElementById('tx-count').textContent.startsWith('Newest first: 1–'));
  });

  await check('pause and resume', async () => {
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('state').textContent === 'paused');
    await page.click('#resume');
    await page.waitForFunction(() => document.getElementById('state').textContent === 'live');
  });

  // ---- the teacher's controls --------------------------------------------
  const feedCount = (kind) => page.$$eval(`#feed li[data-kind="${kind}"]`, (l) => l.length);
  const waitFeed = async (kind, before, text) => {
    await page.waitForFunction(([k, n, t]) => {
      const items = [...document.querySelectorAll(`#feed li[data-kind="${k}"]`)];
      return items.length > n && (!t || items[0].textContent.includes(t));
    }, [kind, before, text || '']);
  };
  const controlOk = async () => {
    await page.waitForSelector('#ctl-result.ok');
    expect((await page.textContent('#ctl-result')).includes('enters the run'), await page.textContent('#ctl-result'));
  };
  // In view at 1280x720: each element has a box inside the window.
  const inView = async (ids) => {
    for (const id of ids) {
      const box = await page.$eval(id, (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
      expect(box[2] - box[0] > 20 && box[3] - box[1] > 10, id + ' is empty: ' + box);
      expect(box[0] >= 0 && box[1] >= 0 && box[2] <= 1280 && box[3] <= 720, id + ' is not in the 1280x720 view: ' + box.map(Math.round));
    }
  };
  const classView = ['#state', '#vtime', '#speed', '#timeline', '#network', '#chain-card .scroll', '#feed',
    '#ctl-partition', '#ctl-heal', '#ctl-crash', '#ctl-restart', '#ctl-latency-set'];

  let heights = null;
  await check('partition the selected nodes: the feed, the network and a screenshot', async () => {
    const before = await feedCount('partition');
    await page.check('#sel-node-1');
    await page.check('#sel-node-2');
    await page.click('#ctl-partition');
    await controlOk();
    await waitFeed('partition', before, 'partition: {1,2} | {3,4,5}');
    await page.waitForSelector('#timeline .tl-marker[data-kind="partition"]', { state: 'attached' });
    // Cut links are dashed in the network graph.
    await page.waitForFunction(() => [...document.querySelectorAll('#network line')].some((l) => l.getAttribute('stroke-dasharray')));
    heights = await page.$$eval('#nodes tbody tr td:nth-child(2)', (t) => t.map((x) => Number(x.textContent)));
    await inView(classView);
    await page.screenshot({ path: shots + '/dashboard-partition.png' });
    console.log('screenshot: ' + shots + '/dashboard-partition.png');
  });

  await check('a heal with nothing to heal is refused with the reason', async () => {
    // Both sides mine for a while first, so that the real heal below reorganises one of them.
    await page.waitForFunction((h) => {
      const now = [...document.querySelectorAll('#nodes tbody tr td:nth-child(2)')].map((x) => Number(x.textContent));
      return now[0] >= h[0] + 2 && now[2] >= h[2] + 2;
    }, heights);
    const before = await feedCount('heal');
    await page.click('#ctl-heal');
    await controlOk();
    await waitFeed('heal', before);
    await page.click('#ctl-heal');
    await page.waitForSelector('#ctl-result.err');
    expect((await page.textContent('#ctl-result')).includes('not partitioned'), await page.textContent('#ctl-result'));
  });

  await check('after the heal a reorganisation shows in the feed and the block tree, with a screenshot', async () => {
    await page.waitForFunction(() => {
      const items = [...document.querySelectorAll('#feed li')];
      const heal = items.findIndex((l) => l.dataset.kind === 'heal');
      return items.slice(0, heal).some((l) => l.dataset.kind === 'reorg');
    });
    const text = await page.textContent('#feed li[data-kind="reorg"]');
    const who = Number(text.match(/reorganisation at nodes? (\d+)/)[1]);
    expect(/depth \d+, now on #\d+/.test(text), 'reorg text: ' + text);
    await page.selectOption('#chain-node', String(who));
    await page.waitForSelector('#chain .block.reorged .reorg-mark', { state: 'attached' });
    await page.waitForSelector('#chain .block.fork', { state: 'attached' });
    await inView(classView);
    await page.screenshot({ path: shots + '/dashboard-reorg.png' });
    console.log('screenshot: ' + shots + '/dashboard-reorg.png');
  });

  await check('crash and restart a node from the controls', async () => {
    await page.selectOption('#ctl-node', '3');
    let before = await feedCount('crash');
    await page.click('#ctl-crash');
    await controlOk();
    await waitFeed('crash', before, 'node 3 crashed');
    await page.waitForFunction(() => document.querySelector('#nodes tbody tr:nth-child(3)').textContent.includes('crashed'));
    before = await feedCount('restart');
    await page.selectOption('#ctl-node', '3');
    await page.click('#ctl-restart');
    await controlOk();
    await waitFeed('restart', before, 'node 3 restarted');
    await page.waitForFunction(() => document.querySelector('#nodes tbody tr:nth-child(3)').textContent.includes('up'));
  });

  await check("set a link's latency and give it back", async () => {
    await page.selectOption('#ctl-link', '1-2');
    await page.fill('#ctl-latency', '800');
    let before = await feedCount('latency');
    await page.click('#ctl-latency-set');
    await controlOk();
    await waitFeed('latency', before, 'link 1-2: latency is now 800ms');
    before = await feedCount('latency');
    await page.click('#ctl-latency-default');
    await controlOk();
    await waitFeed('latency', before, "link 1-2: latency back to the scenario's");
    await page.waitForSelector('#timeline .tl-marker[data-kind="latency"]', { state: 'attached' });
  });

  await check('no script errors on the page', async () => {
    expect(errors.length === 0, errors.join(' | '));
  });

  await page.screenshot({ path: shots + '/dashboard.png', fullPage: true });
  console.log('screenshot: ' + shots + '/dashboard.png');
},
// The refused transaction (422) and heal (409) are refused on purpose; anything else is an error.
(text) => text.includes('status of 422') || text.includes('status of 409'));
finish('browser');
