// chainsim dashboard. The server pushes a "status" event (Server-Sent Events)
// whenever the simulation publishes a new snapshot; on each one the page
// fetches the resources it shows and redraws. No polling loop. Every value
// from the server is put into the page as text (textContent), never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const GROUP_COLOURS = ['#2f6fed', '#e0780f', '#16a085', '#b83fd1', '#c0392b', '#7f8c1a', '#0e8fb3', '#8e5b3c'];
const state = {
  status: null, nodes: [], links: [], wallets: [], chainNode: null, mine: new Map(), refreshing: false, again: false,
  feed: [], txOffset: 0,
};
const TX_PAGE = 20;
const KIND_COLOURS = {
  partition: '#e0780f', heal: '#1e9e63', crash: '#d23c3c', restart: '#2f6fed', join: '#2f6fed',
  reorg: '#a42828', latency: '#7a4fc4', refused: '#9aa3b5',
};

function short(id, n = 10) {
  if (id === null || id === undefined) return '–';
  const s = String(id);
  return s.length > n + 1 ? s.slice(0, n) + '…' : s;
}

function seconds(ns) {
  if (typeof ns !== 'number') return '–';
  const s = ns / 1e9;
  if (s < 120) return s.toFixed(2) + ' s';
  const m = Math.floor(s / 60);
  return m + ' min ' + (s - m * 60).toFixed(0).padStart(2, '0') + ' s';
}

// Virtual time as m:ss (h:mm:ss past an hour), for the feed's narrow column.
function clock(ns) {
  const t = Math.floor(ns / 1e9), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return (h > 0 ? h + ':' : '') + mm + ':' + String(sec).padStart(2, '0');
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function badge(text, cls) {
  return el('span', { class: 'badge ' + (cls || text) }, text);
}

function row(cells) {
  const tr = el('tr');
  for (const c of cells) {
    const td = el('td');
    if (c instanceof Node) td.appendChild(c);
    else td.textContent = c === undefined || c === null ? '–' : String(c);
    tr.appendChild(td);
  }
  return tr;
}

function mono(text, n) {
  const s = el('span', { class: 'mono', title: text === null || text === undefined ? '' : String(text) }, short(text, n));
  return s;
}

function fillBody(table, rows, emptyText) {
  const body = $(table).tBodies[0];
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const tr = el('tr', { class: 'empty' });
    const td = el('td', { colspan: String($(table).tHead.rows[0].cells.length) }, emptyText);
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

async function getJSON(path) {
  const r = await fetch(path, { cache: 'no-store' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.status + ' ' + r.statusText);
  return body;
}

async function postJSON(path, payload) {
  const r = await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.status + ' ' + r.statusText);
  return body;
}

// ---- status and controls --------------------------------------------------

function showStatus(s) {
  state.status = s;
  const pill = $('state');
  let text = 'live', cls = 'live';
  if (s.read_only || s.finished) { text = 'finished run (read-only)'; cls = 'finished'; }
  else if (s.paused) { text = 'paused'; cls = 'paused'; }
  pill.textContent = text;
  pill.className = 'pill ' + cls;
  $('vtime').textContent = seconds(s.time_ns);
  // The speed measured (virtual seconds per wall second), then the one asked
  // for: 0 means unpaced, as fast as the machine allows.
  const asked = typeof s.speed !== 'number' ? null : (s.speed === 0 ? 'max' : s.speed + '×');
  let speed = '–';
  if (!s.read_only && !s.finished) {
    if (s.paused) speed = '0× (paused)';
    else if (typeof s.real_speed === 'number') speed = s.real_speed.toPrecision(3) + '×' + (asked ? ' (set ' + asked + ')' : '');
    else if (asked) speed = 'set ' + asked;
  }
  $('speed').textContent = speed;
  $('slot-fact').hidden = typeof s.slot !== 'number';
  if (typeof s.slot === 'number') $('slot').textContent = String(s.slot);
  drawConsensus(s);
  const ro = !!s.read_only;
  for (const id of ['pause', 'resume', 'speed-set', 'send-button', 'ctl-partition', 'ctl-heal', 'ctl-crash',
    'ctl-restart', 'ctl-latency-set', 'ctl-latency-default']) $(id).disabled = ro;
  if (!ro) { $('pause').disabled = !!s.paused; $('resume').disabled = !s.paused; }
  const notice = $('notice');
  if (ro) {
    notice.hidden = false;
    notice.textContent = 'This is a finished run: you can explore it, but not send transactions or change the speed.';
  } else if (!notice.dataset.sticky) {
    notice.hidden = true;
  }
  drawTimeline();
}

// ---- consensus: PoS slots and leaders, BFT rounds and votes, PoA turns ----

function fact(label, value, id) {
  const f = el('span', { class: 'cfact' + (id ? ' ' + id : '') });
  f.appendChild(el('span', { class: 'label' }, label));
  f.appendChild(el('b', id ? { id } : {}, value));
  return f;
}

function nodeList(ids) {
  return ids && ids.length ? ids.map((i) => 'node ' + i).join(', ') : 'none';
}

// A bar of the voting power seen against the 2/3 threshold.
function powerBar(label, power, total, threshold, id) {
  const f = el('span', { class: 'cfact votes', id });
  f.appendChild(el('span', { class: 'label' }, label));
  const bar = el('span', { class: 'bar', title: power + ' of ' + total + ' voting power; more than 2/3 (' + threshold + ') decides' });
  const fill = el('span', { class: 'fill' + (power >= threshold ? ' quorum' : '') });
  fill.style.width = (total > 0 ? Math.min(100, 100 * power / total) : 0) + '%';
  const mark = el('span', { class: 'mark' });
  mark.style.left = (total > 0 ? 100 * threshold / total : 0) + '%';
  bar.appendChild(fill);
  bar.appendChild(mark);
  f.appendChild(bar);
  f.appendChild(el('b', {}, power + '/' + total));
  return f;
}

function drawConsensus(s) {
  const box = $('consensus');
  const items = [];
  if (s.pos) {
    const p = s.pos;
    items.push(el('span', { class: 'ckind' }, 'Proof of stake'));
    items.push(fact('Slot', String(p.slot), 'pos-slot'));
    if (p.leaders) items.push(fact('Leaders', p.leaders.length ? nodeList(p.leaders) : 'none (an empty slot)', 'pos-leaders'));
    if (typeof p.empty_slots === 'number') items.push(fact('Empty slots on the chain', String(p.empty_slots) + ' of ' + p.tip_slot, 'pos-empty'));
  } else if (s.bft) {
    const b = s.bft;
    items.push(el('span', { class: 'ckind' }, 'BFT'));
    items.push(fact('Deciding height', String(b.height), 'bft-height'));
    if (typeof b.round === 'number') {
      items.push(fact('Round', String(b.round), 'bft-round'));
      items.push(fact('Step', b.step, 'bft-step'));
      items.push(fact('Proposer', b.proposer != null ? 'node ' + b.proposer + (b.proposal ? '' : ' (no proposal yet)') : '–', 'bft-proposer'));
      items.push(powerBar('Prevotes', b.prevote_power, b.total_power, b.threshold, 'bft-prevotes'));
      items.push(powerBar('Precommits', b.precommit_power, b.total_power, b.threshold, 'bft-precommits'));
    } else if (typeof b.committed === 'number') {
      items.push(fact('Committed', '#' + b.committed, 'bft-committed'));
    }
    const state = b.halted ? 'halted' : 'progressing';
    const why = 'largest side: ' + b.largest_side_power + ' of ' + b.total_power + ' voting power; more than 2/3 (' + b.threshold + ') is needed to commit';
    const pill = el('span', { class: 'cpill ' + state, id: 'bft-state', title: why }, b.halted ? 'halted: no side has 2/3' : 'a side has 2/3');
    items.push(pill);
  } else if (s.poa) {
    const a = s.poa;
    items.push(el('span', { class: 'ckind' }, 'Proof of authority'));
    items.push(fact('In turn for #' + a.height, a.in_turn ? 'node ' + a.in_turn : '–', 'poa-in-turn'));
    items.push(fact('Signers', nodeList(a.signers), 'poa-signers'));
  }
  box.replaceChildren(...items);
  box.hidden = items.length === 0;
}

async function control(action, value) {
  try {
    const payload = value === undefined ? { action } : { action, value };
    await postJSON('/api/control', payload);
  } catch (e) {
    showNotice('Could not ' + action + ': ' + e.message);
  }
}

function showNotice(text) {
  const n = $('notice');
  n.hidden = false;
  n.textContent = text;
  n.dataset.sticky = '1';
  setTimeout(() => { delete n.dataset.sticky; }, 8000);
}

// ---- network --------------------------------------------------------------

function drawNetwork(doc) {
  const nodes = doc.nodes || [];
  const g = $('network');
  g.replaceChildren();
  const W = 420, H = 320, cx = W / 2, cy = H / 2, R = Math.min(W, H) / 2 - 40;
  const group = new Map();
  (doc.partitions || []).forEach((ids, gi) => ids.forEach((id) => group.set(id, gi)));
  const pos = new Map();
  nodes.forEach((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(nodes.length, 1);
    pos.set(n.id, [cx + R * Math.cos(a), cy + R * Math.sin(a)]);
  });
  const crossGroup = (a, b) => group.size > 0 && group.get(a) !== group.get(b);
  for (const link of doc.links || []) {
    const a = pos.get(link[0]), b = pos.get(link[1]);
    if (!a || !b) continue;
    const cut = crossGroup(link[0], link[1]);
    g.appendChild(svg('line', {
      x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: cut ? '#e3a3a3' : '#b8c2d6',
      'stroke-width': cut ? 1.2 : 1.6, 'stroke-dasharray': cut ? '4 4' : '',
    }));
  }
  const best = Math.max(0, ...nodes.map((n) => n.height || 0));
  const r = nodes.length > 40 ? 6 : nodes.length > 16 ? 11 : 17;
  // The nodes whose turn it is: the BFT round's proposer, the PoA in-turn signer, the slot's PoS leaders.
  const s = state.status || {};
  const turn = new Set(s.bft && s.bft.proposer != null ? [s.bft.proposer] : s.poa ? [s.poa.in_turn] : s.pos && s.pos.leaders ? s.pos.leaders : []);
  for (const n of nodes) {
    const [x, y] = pos.get(n.id);
    const gi = group.has(n.id) ? group.get(n.id) : 0;
    const colour = n.crashed ? '#9aa3b5' : GROUP_COLOURS[gi % GROUP_COLOURS.length];
    const node = svg('g', { class: 'net-node' + (n.adversary ? ' adversary' : ''), 'data-node': n.id });
    if (n.adversary) node.setAttribute('data-adversary', n.adversary);
    const title = svg('title', {}, 'Node ' + n.id + ': height ' + n.height + ', tip ' + n.tip +
      (n.crashed ? ' (crashed)' : '') + (group.has(n.id) ? ', partition group ' + (gi + 1) : '') +
      (n.adversary ? '\nadversary: ' + ADVERSARY_NAMES[n.adversary] : '') +
      (n.bft ? '\nBFT height ' + n.bft.height + ', round ' + n.bft.round + ', ' + n.bft.step : ''));
    node.appendChild(title);
    if (n.adversary) node.appendChild(svg('circle', { cx: x, cy: y, r: r + 5, fill: 'none', stroke: ADVERSARY_COLOUR, 'stroke-width': 3, 'stroke-dasharray': '5 3', class: 'adv-ring' }));
    node.appendChild(svg('circle', {
      cx: x, cy: y, r, fill: colour, stroke: (n.height || 0) < best ? '#f0b400' : '#fff', 'stroke-width': 3,
    }));
    if (n.crashed) {
      const d = r * 0.6;
      node.appendChild(svg('path', { d: `M${x - d},${y - d}L${x + d},${y + d}M${x + d},${y - d}L${x - d},${y + d}`, stroke: '#fff', 'stroke-width': 3 }));
    } else if (r >= 11) {
      node.appendChild(svg('text', { x, y: y + 4, 'text-anchor': 'middle', 'font-size': 12, fill: '#fff', 'font-weight': 700 }, String(n.id)));
    }
    if (r >= 11) {
      const lx = x + (x - cx) / R * (r + 14), ly = y + (y - cy) / R * (r + 12) + 4;
      node.appendChild(svg('text', { x: lx, y: ly, 'text-anchor': 'middle', 'font-size': 11, fill: '#677089' }, 'h' + n.height));
    }
    if (turn.has(n.id)) {
      node.classList.add('in-turn');
      node.appendChild(svg('text', { x: x + r * 0.8, y: y - r * 0.6, 'font-size': 15, fill: '#d99a00', stroke: '#fff', 'stroke-width': 0.6, class: 'turn-mark' }, '★'));
    }
    node.addEventListener('click', () => { state.chainNode = n.id; $('chain-node').value = String(n.id); refreshChain(); });
    g.appendChild(node);
  }
  $('key-adv-node').hidden = !nodes.some((n) => n.adversary);
  $('key-turn').hidden = !nodes.some((n) => turn.has(n.id));
  fillBody('nodes', nodes.map((n) => {
    const tr = row([
      'Node ' + n.id, n.height, mono(n.tip, 8), n.mempool,
      n.joined === false ? badge('not joined', 'pending') : n.crashed ? badge('crashed') : badge('up'),
      roleCell(n),
    ]);
    if (n.adversary) { tr.classList.add('adversary'); tr.setAttribute('data-adversary', n.adversary); }
    return tr;
  }), 'No nodes yet.');
}

const ADVERSARY_COLOUR = '#b0203a';
const ADVERSARY_NAMES = {
  selfish: 'selfish miner', double_spend: 'double spender', byzantine: 'byzantine', withhold: 'block withholding',
  censor: 'censor', eclipse: 'eclipse attacker',
};

// The last column of the node list: the adversary's kind, and a BFT node's height, round and step.
function roleCell(n) {
  const span = el('span', { class: 'role' });
  if (n.adversary) span.appendChild(badge(ADVERSARY_NAMES[n.adversary] || n.adversary, 'adversary'));
  if (n.bft) span.appendChild(el('span', { class: 'bft-node mono', title: 'BFT height, round and step' }, ' h' + n.bft.height + ' r' + n.bft.round + ' ' + n.bft.step));
  if (!span.childNodes.length) span.textContent = '–';
  return span;
}

function fillSelect(id, items, keep) {
  const s = $(id);
  const old = s.value;
  s.replaceChildren(...items.map(([value, label]) => el('option', { value: String(value) }, label)));
  if (keep && items.some(([v]) => String(v) === old)) s.value = old;
}

// ---- chain ----------------------------------------------------------------

// The last CHAIN_HEIGHTS heights of the tree, fitted to the card's width:
// wide blocks with their ids when few heights are shown, narrow ones (ids in
// the tooltip) when many are. Forks that lost stay, greyed, with the tip
// nodes gave up marked "reorg".
const CHAIN_HEIGHTS = 60;

function drawChain(doc) {
  const blocks = doc.blocks || [];
  const g = $('chain');
  g.replaceChildren();
  if (blocks.length === 0) { g.setAttribute('width', 300); return; }
  const heights = blocks.map((b) => b.height);
  const maxH = Math.max(...heights);
  const minH = Math.max(Math.min(...heights), maxH - (CHAIN_HEIGHTS - 1));
  const shown = blocks.filter((b) => b.height >= minH).sort((a, b) => a.height - b.height);
  const byId = new Map(shown.map((b) => [b.id, b]));
  // Lanes: the followed chain in lane 0; a fork stays in its parent's lane when it can.
  const lane = new Map(), used = new Set();
  for (const b of shown) {
    let l = 0;
    if (!b.main) {
      const p = byId.get(b.parent);
      l = p && !p.main && lane.has(p.id) && !used.has(lane.get(p.id) + ':' + b.height) ? lane.get(p.id) : 1;
      while (used.has(l + ':' + b.height)) l++;
    }
    lane.set(b.id, l);
    used.add(l + ':' + b.height);
  }
  const lanes = Math.max(1, ...lane.values()) + 1;
  const n = maxH - minH + 1;
  const box = g.parentNode;
  const avail = Math.max(300, (box.clientWidth || 600) - 4);
  const X0 = 8, Y0 = 30;
  const step = Math.max(14, Math.min(80, Math.floor((avail - 2 * X0) / n)));
  const wide = step >= 60;
  const BW = wide ? step - 22 : Math.max(8, Math.round(step * 0.7)), GX = step - BW;
  const BH = wide ? 30 : 22, GY = 20;
  const xy = (b) => [X0 + (b.height - minH) * step, Y0 + lane.get(b.id) * (BH + GY)];
  g.setAttribute('width', X0 * 2 + n * step);
  g.setAttribute('height', Y0 + lanes * (BH + GY) + 2);
  const every = wide ? 1 : step >= 30 ? 2 : step >= 18 ? 5 : 10;
  for (let h = minH; h <= maxH; h++) {
    if (h % every !== 0 && h !== maxH) continue;
    g.appendChild(svg('text', { x: X0 + (h - minH) * step + BW / 2, y: 12, 'text-anchor': 'middle', 'font-size': 10, fill: '#8a93a8' }, '#' + h));
  }
  for (const b of shown) {
    const p = byId.get(b.parent);
    if (!p) continue;
    const [x1, y1] = xy(p), [x2, y2] = xy(b);
    g.appendChild(svg('path', {
      d: `M${x1 + BW},${y1 + BH / 2} C${x1 + BW + GX / 2},${y1 + BH / 2} ${x2 - GX / 2},${y2 + BH / 2} ${x2},${y2 + BH / 2}`,
      fill: 'none', stroke: b.main ? '#2f6fed' : '#b8bfcc', 'stroke-width': b.main ? 2.5 : 1.5,
    }));
  }
  let adversaries = 0, finals = 0, empties = 0;
  for (const b of shown) {
    const [x, y] = xy(b);
    const tip = b.id === doc.tip;
    const adv = !!b.adversary;
    adversaries += adv ? 1 : 0;
    finals += b.final ? 1 : 0;
    const blk = svg('g', {
      class: 'block' + (b.main ? ' main' : ' fork') + (b.reorg_depth ? ' reorged' : '') + (adv ? ' adversary' : '') + (b.final ? ' final' : ''),
      'data-block': b.id,
    });
    if (adv) blk.setAttribute('data-published', b.published_ns == null ? 'no' : 'yes');
    blk.appendChild(svg('title', {}, 'Block ' + b.id + '\nheight ' + b.height + (b.slot != null ? ', slot ' + b.slot : '') +
      (b.producer != null ? (b.slot != null ? ', leader node ' : ', by node ') + b.producer : '') +
      (b.empty_before ? '\n' + b.empty_before + ' empty slot' + (b.empty_before > 1 ? 's' : '') + ' before it' : '') +
      (b.main ? '\non the chain this node follows' : '\nfork: not on this node\'s chain') +
      (b.final ? '\nfinal: committed by more than 2/3 of the voting power' : '') +
      (adv ? '\nmined by adversary node ' + b.producer + ' (' + (ADVERSARY_NAMES[b.adversary] || b.adversary) + ') at ' +
        seconds(b.mined_ns != null ? b.mined_ns : b.time_ns) +
        (b.published_ns != null ? ', published at ' + seconds(b.published_ns) : ', not published (private)') : '') +
      (b.reorg_depth ? '\nnodes left this tip in a reorganisation ' + b.reorg_depth + ' deep' : '')));
    const fill = adv ? (b.main ? ADVERSARY_COLOUR : '#f6d5db') : b.main ? '#2f6fed' : '#eceef2';
    const stroke = adv ? (tip ? '#4a0010' : ADVERSARY_COLOUR) : b.main ? (tip ? '#0b2e7a' : '#2f6fed') : '#9aa3b5';
    blk.appendChild(svg('rect', {
      x, y, width: BW, height: BH, rx: wide ? 6 : 3, fill, stroke, 'stroke-width': tip ? 3 : 1.5,
      'stroke-dasharray': b.main || !wide || (adv && b.published_ns != null) ? '' : '4 3',
    }));
    if (wide) {
      blk.appendChild(svg('text', { x: x + BW / 2, y: y + BH / 2 + 4, 'text-anchor': 'middle', 'font-size': 10.5, fill: b.main ? '#fff' : adv ? ADVERSARY_COLOUR : '#7b8294', class: 'mono' }, short(b.id, 6)));
    }
    if (b.final) { // committed: a green bar under the block
      blk.appendChild(svg('rect', { x, y: y + BH + 2, width: BW, height: 3, rx: 1, fill: '#1e9e63', class: 'final-mark' }));
    }
    if (b.empty_before > 0 && GX >= 10) { // empty slots between the parent and this block
      empties++;
      blk.appendChild(svg('text', { x: x - GX / 2, y: y - 3, 'text-anchor': 'middle', 'font-size': 9, fill: '#8a93a8', class: 'empty-slots' }, '+' + b.empty_before));
    }
    if (adv && wide && b.published_ns != null && b.mined_ns != null && b.published_ns > b.mined_ns) {
      blk.appendChild(svg('text', { x: x + BW / 2, y: y + BH + 12, 'text-anchor': 'middle', 'font-size': 9, fill: ADVERSARY_COLOUR, class: 'held' }, 'held ' + seconds(b.published_ns - b.mined_ns)));
    }
    if (b.reorg_depth) { // the tip some nodes gave up: marked above the block
      blk.appendChild(svg('text', { x: x + BW / 2, y: y - 5, 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 700, fill: '#a42828', class: 'reorg-mark' },
        '↶ reorg ' + b.reorg_depth));
    }
    g.appendChild(blk);
  }
  box.scrollLeft = box.scrollWidth; // the newest blocks are on the right
  $('key-adversary').hidden = adversaries === 0;
  $('key-final').hidden = finals === 0;
  $('key-empty').hidden = empties === 0;
  const recent = [...blocks].sort((a, b) => b.height - a.height || (b.main ? 1 : 0) - (a.main ? 1 : 0)).slice(0, 10);
  fillBody('blocks', recent.map((b) => {
    const branch = el('span', {});
    branch.appendChild(b.main ? badge('main') : badge('fork'));
    if (b.final) branch.appendChild(badge('final'));
    if (b.adversary) {
      const mark = badge(b.published_ns != null ? 'adversary' : 'adversary (private)', 'adversary');
      mark.title = (ADVERSARY_NAMES[b.adversary] || b.adversary) + ': mined at ' + seconds(b.mined_ns != null ? b.mined_ns : b.time_ns) +
        (b.published_ns != null ? ', published at ' + seconds(b.published_ns) : ', not published');
      branch.appendChild(mark);
    }
    const tr = row([
      b.height, mono(b.id, 14), b.producer != null ? 'Node ' + b.producer + (b.slot != null ? ' (slot ' + b.slot + ')' : '') : '–', seconds(b.mined_ns != null ? b.mined_ns : b.time_ns), b.txs,
      branch,
    ]);
    if (b.adversary) tr.classList.add('adversary');
    return tr;
  }), 'No blocks yet.');
}

async function refreshChain() {
  const k = state.chainNode;
  try {
    const doc = await getJSON('/api/blocks' + (k ? '?node=' + encodeURIComponent(k) : ''));
    drawChain(doc);
  } catch (e) { /* the next event redraws */ }
}

// ---- transactions ---------------------------------------------------------

function txRow(t) {
  const status = t.status || 'pending';
  const label = status === 'rejected' && t.reason ? 'rejected: ' + t.reason : status;
  return row([mono(t.id, 12), mono(t.from, 10), mono(t.to, 10), t.amount, badge(label, status), mono(t.block, 10), t.confirmations]);
}

async function refreshTransactions() {
  const q = $('search-q').value.trim();
  const args = new URLSearchParams({ offset: String(state.txOffset), limit: String(TX_PAGE) });
  if (q) args.set('q', q);
  try {
    const doc = await getJSON('/api/transactions?' + args.toString());
    if (doc.total > 0 && state.txOffset >= doc.total) { // the list shrank under this page
      state.txOffset = Math.max(0, doc.total - TX_PAGE);
      return refreshTransactions();
    }
    const list = [...doc.transactions].reverse(); // newest first
    fillBody('transactions', list.map(txRow), q ? 'No transaction matches "' + q + '".' : 'No transactions yet.');
    const from = doc.total === 0 ? 0 : state.txOffset + 1, to = state.txOffset + list.length;
    $('tx-count').textContent = doc.total === 0 ? '0 transactions.' : 'Newest first: ' + from + '–' + to + ' of ' + doc.total + '.';
    $('tx-newer').disabled = state.txOffset === 0;
    $('tx-older').disabled = to >= doc.total;
  } catch (e) {
    $('tx-count').textContent = e.message;
  }
}

async function refreshMine() {
  if (state.mine.size === 0) return;
  let found = [];
  try { found = (await getJSON('/api/transactions')).transactions; } catch (e) { return; }
  for (const t of found) if (t.request && state.mine.has(t.request)) state.mine.set(t.request, t);
  const rows = [...state.mine.entries()].reverse().map(([req, t]) => {
    const tr = row(['#' + req, t ? mono(t.id, 12) : '–',
      t ? badge(t.status === 'rejected' && t.reason ? 'rejected: ' + t.reason : t.status, t.status) : badge('queued'),
      t ? t.confirmations : '–']);
    tr.setAttribute('data-request', req);
    tr.setAttribute('data-status', t ? t.status : 'queued');
    return tr;
  });
  fillBody('mine', rows, 'None sent yet.');
}

// ---- send form ------------------------------------------------------------

function fillForm() {
  const w = state.wallets.map((x) => [x.index, 'Wallet ' + x.index + ' (balance ' + x.balance + ')']);
  fillSelect('send-from', w, true);
  fillSelect('send-to', w.map(([i]) => [i, 'Wallet ' + i]), true);
  fillSelect('send-node', state.nodes.map((n) => [n.id, 'Node ' + n.id + (n.crashed ? ' (crashed)' : '')]), true);
}

async function send(ev) {
  ev.preventDefault();
  const out = $('send-result');
  const address = $('send-address').value.trim();
  const amount = Number($('send-amount').value);
  const payload = {
    from: Number($('send-from').value),
    to: address ? address : Number($('send-to').value),
    amount,
    node: Number($('send-node').value),
  };
  out.className = 'result';
  out.textContent = 'Sending…';
  try {
    const r = await postJSON('/api/transactions', payload);
    state.mine.set(r.request, null);
    out.className = 'result ok';
    out.textContent = 'Request #' + r.request + ' accepted: the network picks it up at its next step.';
    refreshMine();
  } catch (e) {
    out.className = 'result err';
    out.textContent = 'Not sent: ' + e.message;
  }
}

// ---- event feed and timeline ----------------------------------------------

function drawFeed(events) {
  state.feed = events;
  const items = [...events].reverse().slice(0, 80).map((e) => {
    const li = el('li', { class: 'feed-item kind-' + e.kind, 'data-kind': e.kind, 'data-seq': e.seq });
    li.appendChild(el('span', { class: 't' }, clock(e.time_ns)));
    li.appendChild(el('span', { class: 'k' }, e.kind));
    li.appendChild(el('span', { class: 'x' }, e.text));
    return li;
  });
  const list = $('feed');
  if (items.length === 0) list.replaceChildren(el('li', { class: 'empty' }, 'Nothing has happened yet.'));
  else list.replaceChildren(...items);
}

function drawTimeline() {
  const s = state.status;
  const g = $('timeline');
  g.replaceChildren();
  const W = g.clientWidth || 800, H = 26, pad = 8;
  g.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  if (!s || !(s.duration_ns > 0)) return;
  const x = (ns) => pad + (W - 2 * pad) * Math.min(1, Math.max(0, ns / s.duration_ns));
  g.appendChild(svg('rect', { x: pad, y: 11, width: W - 2 * pad, height: 4, rx: 2, fill: '#dde2ec' }));
  g.appendChild(svg('rect', { x: pad, y: 11, width: Math.max(0, x(s.time_ns) - pad), height: 4, rx: 2, fill: '#2f6fed', class: 'tl-done' }));
  for (const e of state.feed) {
    const m = svg('g', { class: 'tl-marker', 'data-kind': e.kind });
    m.appendChild(svg('title', {}, seconds(e.time_ns) + ': ' + e.text));
    m.appendChild(svg('rect', { x: x(e.time_ns) - 2, y: 3, width: 4, height: 20, rx: 1, fill: KIND_COLOURS[e.kind] || '#677089' }));
    g.appendChild(m);
  }
  g.appendChild(svg('circle', { cx: x(s.time_ns), cy: 13, r: 6, fill: '#0b2e7a', class: 'tl-now' }));
}

async function refreshFeed() {
  try {
    drawFeed((await getJSON('/api/feed')).events || []);
  } catch (e) { /* the next event redraws */ }
  drawTimeline();
}

// ---- teacher controls -----------------------------------------------------

function fillTeacher() {
  const box = $('ctl-select');
  const picked = new Set([...box.querySelectorAll('input:checked')].map((i) => Number(i.value)));
  box.replaceChildren(...state.nodes.slice(0, 64).map((n) => {
    const l = el('label', { title: 'Node ' + n.id });
    const c = el('input', { type: 'checkbox', value: String(n.id), id: 'sel-node-' + n.id });
    c.checked = picked.has(n.id);
    l.appendChild(c);
    l.appendChild(document.createTextNode(String(n.id)));
    return l;
  }));
  fillSelect('ctl-node', state.nodes.map((n) => [n.id, 'Node ' + n.id + (n.joined === false ? ' (not joined)' : n.crashed ? ' (crashed)' : '')]), true);
  fillSelect('ctl-link', state.links.slice(0, 500).map(([a, b]) => [a + '-' + b, 'Link ' + a + '–' + b]), true);
}

async function teacher(payload, what) {
  const out = $('ctl-result');
  out.className = 'result';
  out.textContent = what + '…';
  try {
    const r = await postJSON('/api/control', payload);
    out.className = 'result ok';
    out.textContent = what + ': request #' + r.request + ' enters the run at its next step.';
  } catch (e) {
    out.className = 'result err';
    out.textContent = what + ' refused: ' + e.message;
  }
}

function selectedLink() {
  const v = $('ctl-link').value.split('-').map(Number);
  return v.length === 2 ? v : [0, 0];
}

// ---- refresh on every snapshot --------------------------------------------

async function refreshAll() {
  if (state.refreshing) { state.again = true; return; }
  state.refreshing = true;
  try {
    const [status, nodes, wallets] = await Promise.all([getJSON('/api/status'), getJSON('/api/nodes'), getJSON('/api/wallets')]);
    showStatus(status);
    state.nodes = nodes.nodes;
    state.links = nodes.links || [];
    state.wallets = wallets.wallets;
    drawNetwork(nodes);
    $('best').textContent = Math.max(0, ...state.nodes.map((n) => n.height || 0));
    const sel = $('chain-node');
    fillSelect('chain-node', state.nodes.map((n) => [n.id, 'node ' + n.id]), true);
    if (state.chainNode === null && state.nodes.length) state.chainNode = state.nodes[0].id;
    sel.value = String(state.chainNode);
    fillForm();
    fillTeacher();
    await Promise.all([refreshChain(), refreshTransactions(), refreshMine(), refreshFeed()]);
  } catch (e) {
    $('state').textContent = e.message.startsWith('the simulation') ? 'waiting for the simulation' : 'error';
  } finally {
    state.refreshing = false;
    if (state.again) { state.again = false; refreshAll(); }
  }
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('status', (ev) => {
    try { showStatus(JSON.parse(ev.data)); } catch (e) { /* ignore a torn event */ }
    refreshAll();
  });
  events.onerror = () => {
    if (state.status && state.status.read_only) return;
    $('state').textContent = 'reconnecting…';
    $('state').className = 'pill offline';
  };
}

$('pause').addEventListener('click', () => control('pause'));
$('resume').addEventListener('click', () => control('resume'));
$('controls').addEventListener('submit', (ev) => { ev.preventDefault(); control('speed', Number($('speed-input').value)); });
$('chain-node').addEventListener('change', (ev) => { state.chainNode = Number(ev.target.value); refreshChain(); });
$('search').addEventListener('submit', (ev) => { ev.preventDefault(); state.txOffset = 0; refreshTransactions(); });
$('tx-newer').addEventListener('click', () => { state.txOffset = Math.max(0, state.txOffset - TX_PAGE); refreshTransactions(); });
$('tx-older').addEventListener('click', () => { state.txOffset += TX_PAGE; refreshTransactions(); });
$('ctl-partition').addEventListener('click', () => {
  const nodes = [...$('ctl-select').querySelectorAll('input:checked')].map((i) => Number(i.value));
  teacher({ action: 'partition', nodes }, 'Partition of ' + (nodes.length ? 'nodes ' + nodes.join(', ') : 'no node'));
});
$('ctl-heal').addEventListener('click', () => teacher({ action: 'heal' }, 'Heal'));
$('ctl-crash').addEventListener('click', () => teacher({ action: 'crash', node: Number($('ctl-node').value) }, 'Crash of node ' + $('ctl-node').value));
$('ctl-restart').addEventListener('click', () => teacher({ action: 'restart', node: Number($('ctl-node').value) }, 'Restart of node ' + $('ctl-node').value));
$('ctl-latency-set').addEventListener('click', () => {
  const ms = Math.round(Number($('ctl-latency').value));
  teacher({ action: 'latency', link: selectedLink(), latency: ms + 'ms' }, 'Latency ' + ms + ' ms on link ' + $('ctl-link').value);
});
$('ctl-latency-default').addEventListener('click', () => teacher({ action: 'latency', link: selectedLink(), latency: 'default' }, 'Default latency on link ' + $('ctl-link').value));
window.addEventListener('resize', drawTimeline);
$('send').addEventListener('submit', send);
connect();
refreshAll();
