// Drives the dashboard in Debian's headless chromium through playwright-core,
// at 1280x720, on two runs. A live BFT run (tests/browser/bft.json, seven
// validators, split 3 | 4 from 30 s to 70 s): the consensus strip shows the
// height, round, step, proposer and the prevote and precommit power against
// the 2/3 mark, and the graph stars the proposer; each node's height, round and step are listed; committed
// blocks are marked final (with the legend); during the partition the strip
// says the network is halted (no side has 2/3), with a screenshot, and after
// the heal that a side has 2/3 again. A finished selfish-mining run (chainsim
// serve): the attacker is marked in the node list and the graph with its
// kind, its blocks in the tree and the recent blocks stand apart (colour,
// legend), with the time each was mined and published.
// Usage: node consensus.test.mjs BFT_URL SELFISH_URL SCREENSHOT_DIR
import { check, expect, finish, withPage } from './harness.mjs';

const [bftUrl, selfishUrl, shots] = process.argv.slice(2);
if (!bftUrl || !selfishUrl || !shots) {
  console.error('usage: node consensus.test.mjs BFT_URL SELFISH_URL SCREENSHOT_DIR');
  process.exit(2);
}
await withPage(async (page, errors) => {
  // ---- a live BFT run ------------------------------------------------------
  await page.goto(bftUrl);

  await check('BFT: the consensus strip shows height, round, step, proposer and votes', async () => {
    await page.waitForSelector('#consensus:not([hidden]) #bft-height');
    await page.waitForFunction(() => Number(document.getElementById('bft-height').textContent) >= 3);
    const round = await page.textContent('#bft-round');
    expect(/^\d+$/.test(round), 'round: ' + round);
    expect(['propose', 'prevote', 'precommit'].includes(await page.textContent('#bft-step')), 'step');
    const proposer = await page.textContent('#bft-proposer');
    expect(/^node [1-7]/.test(proposer), 'proposer: ' + proposer);
    // The graph stars the proposer (the status and the graph come from the same refresh).
    await page.waitForFunction(() => {
      const p = document.getElementById('bft-proposer').textContent.match(/^node (\d+)/);
      const starred = [...document.querySelectorAll('#network .net-node.in-turn')].map((g) => g.dataset.node);
      return p && starred.length === 1 && starred[0] === p[1];
    });
    for (const id of ['#bft-prevotes', '#bft-precommits']) {
      const text = await page.textContent(id);
      expect(/\d+\/700$/.test(text), id + ': ' + text);
      const mark = await page.$eval(id + ' .mark', (m) => m.style.left);
      expect(Math.abs(parseFloat(mark) - 100 * 467 / 700) < 0.01, id + ' 2/3 mark at ' + mark);
    }
  });

  await check('BFT: every node lists its height, round and step', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#nodes tbody tr:not(.empty)').length === 7);
    const roles = await page.$$eval('#nodes tbody tr .bft-node', (s) => s.map((x) => x.textContent.trim()));
    expect(roles.length === 7 && roles.every((r) => /^h\d+ r\d+ (propose|prevote|precommit)$/.test(r)), 'roles: ' + roles.join(' / '));
  });

  await check('BFT: committed blocks are marked final, with the legend', async () => {
    await page.waitForSelector('#chain .block.final .final-mark', { state: 'attached' });
    const notFinal = await page.$$eval('#chain .block:not(.final)', (b) => b.length);
    expect(notFinal === 0, notFinal + ' blocks not final');
    expect(await page.isVisible('#key-final'), 'legend of final blocks hidden');
    expect(!(await page.isVisible('#key-adversary')), 'adversary legend shown without adversaries');
    await page.waitForSelector('#blocks tbody .badge.final');
  });

  await check('BFT: a partition without a 2/3 side shows the network halted, with a screenshot', async () => {
    await page.waitForSelector('#bft-state.progressing');
    await page.waitForSelector('#bft-state.halted');
    expect((await page.textContent('#bft-state')).includes('halted'), await page.textContent('#bft-state'));
    // The halted round's prevotes (nil, after the propose timeout) stay below the mark.
    await page.waitForFunction(() => /^[1-9]\d*\/700$/.test(document.querySelector('#bft-prevotes b').textContent));
    expect((await page.textContent('#bft-state')).includes('halted'), 'no longer halted before the screenshot');
    const title = await page.getAttribute('#bft-state', 'title');
    expect(title.includes('400 of 700'), 'halted title: ' + title);
    await page.waitForFunction(() => [...document.querySelectorAll('#network line')].some((l) => l.getAttribute('stroke-dasharray')));
    const box = await page.$eval('#consensus', (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
    expect(box[0] >= 0 && box[1] >= 0 && box[2] <= 1280 && box[3] <= 720, 'consensus strip out of view: ' + box);
    await page.screenshot({ path: shots + '/dashboard-bft.png' });
    console.log('screenshot: ' + shots + '/dashboard-bft.png');
  });

  await check('BFT: after the heal a side has 2/3 again and heights move on', async () => {
    const h = Number(await page.textContent('#bft-height'));
    await page.waitForSelector('#bft-state.progressing');
    await page.waitForFunction((x) => Number(document.getElementById('bft-height').textContent) > x + 2, h);
  });

  // ---- a finished selfish-mining run ----------------------------------------
  await page.goto(selfishUrl);

  await check('adversary: node 1 is marked with its kind in the list and the graph', async () => {
    await page.waitForSelector('#nodes tbody tr.adversary');
    const rows = await page.$$eval('#nodes tbody tr.adversary', (r) => r.map((x) => [x.dataset.adversary, x.cells[0].textContent, x.cells[5].textContent]));
    expect(rows.length === 1 && rows[0][0] === 'selfish' && rows[0][1] === 'Node 1' && rows[0][2].includes('selfish miner'), 'rows: ' + JSON.stringify(rows));
    const drawn = await page.$$eval('#network .net-node.adversary', (g) => g.map((n) => n.getAttribute('data-node') + ':' + n.getAttribute('data-adversary')));
    expect(drawn.join(',') === '1:selfish', 'drawn: ' + drawn);
    await page.waitForSelector('#network .net-node.adversary .adv-ring', { state: 'attached' });
    expect(await page.isVisible('#key-adv-node'), 'adversary key of the graph hidden');
  });

  await check("adversary: its blocks stand apart in the tree, with the legend and both times", async () => {
    await page.waitForSelector('#chain .block.adversary', { state: 'attached' });
    expect(await page.isVisible('#key-adversary'), 'adversary legend hidden');
    const fill = await page.$eval('#chain .block.adversary.main rect', (r) => r.getAttribute('fill'));
    const honest = await page.$eval('#chain .block.main:not(.adversary) rect', (r) => r.getAttribute('fill'));
    expect(fill !== honest, 'same colour: ' + fill);
    const titles = await page.$$eval('#chain .block.adversary[data-published="yes"] title', (t) => t.map((x) => x.textContent));
    expect(titles.length > 0 && titles.every((t) => /mined by adversary node 1 \(selfish miner\) at .*, published at /.test(t)), 'titles: ' + titles[0]);
    const others = await page.$$eval('#chain .block:not(.adversary) title', (t) => t.map((x) => x.textContent));
    expect(others.every((t) => !t.includes('adversary')), 'an honest block marked');
    await page.waitForSelector('#blocks tbody tr.adversary .badge.adversary');
  });

  await check('no script errors on the page', async () => {
    expect(errors.length === 0, errors.join(' | '));
  });
});
finish('browser (consensus)');
