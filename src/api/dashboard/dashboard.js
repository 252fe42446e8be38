/**
 * The DST node dashboard's script (issue 17): plain browser JavaScript, no dependencies. It opens a
 * WebSocket to the node that served the page (ws(s)://<host>/), asks `dst_dashboard` once a second
 * and again on every newHeads notification, and renders the snapshot: the chain cards, the plot of
 * proposal → signature time per block (canvas; p50 and p99 lines), the operators' rows (red when not
 * connected), readiness reasons and the blocks decided after round 1. A lost connection is retried
 * every second and shown in the header.
 */
'use strict';

(() => {
  const POLL_MS = 1000;
  /** As the node's peer tracker (src/node/peers.ts): this far below a peer's height, a node syncs. */
  const SYNC_LAG_HEIGHTS = 3;
  const $ = (id) => document.getElementById(id);
  let socket;
  let nextId = 1;
  let pending = false;
  let last;

  const fmt = {
    int: (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US')),
    num: (n, digits = 2) => (n === null || n === undefined ? '—' : Number(n).toFixed(digits)),
    ms: (n) => (n === null || n === undefined ? '—' : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(n < 10 ? 2 : 1)} ms`),
    ago: (ms) => (ms < 1000 ? `${Math.round(ms)} ms ago` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s ago` : `${Math.round(ms / 60_000)} min ago`),
  };

  function setText(id, text) {
    const element = $(id);
    if (element && element.textContent !== text) element.textContent = text;
  }

  function setPill(id, state, text) {
    const pill = $(id);
    pill.dataset.state = state;
    pill.textContent = text;
  }

  function connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
    socket = new WebSocket(url);
    pending = false;
    socket.addEventListener('open', () => {
      setPill('link', 'live', 'live');
      send('eth_subscribe', ['newHeads']);
      poll();
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.method === 'eth_subscription') return poll();
      if (message.id === undefined || !message.result || message.result.cluster === undefined) {
        if (message.error && message.id !== undefined && message.id === pollId) pending = false;
        return;
      }
      if (message.id === pollId) pending = false;
      last = message.result;
      render(last);
    });
    socket.addEventListener('close', () => {
      setPill('link', 'lost', 'connection lost: retrying');
      setTimeout(connect, POLL_MS);
    });
  }

  let pollId = 0;
  function send(method, params = []) {
    const id = nextId++;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return id;
  }

  function poll() {
    if (pending || !socket || socket.readyState !== WebSocket.OPEN) return;
    pending = true;
    pollId = send('dst_dashboard');
  }
  setInterval(() => {
    pending = false; // an answer lost with a reconnect must not stop the polling
    poll();
  }, POLL_MS);

  function render(s) {
    const c = s.cluster;
    setText('cluster', `node ${c.self} of ${c.nodes} · threshold ${c.threshold} · chain ${parseInt(c.chainId, 16)} · block time ${c.blockTimeMs} ms`);
    document.title = `DST node ${c.self} · head ${s.head ? s.head.number : 0}`;
    setPill('ready', s.health.ready ? 'ready' : 'not-ready', s.health.ready ? 'ready' : 'not ready');

    setText('head', s.head ? fmt.int(s.head.number) : '0');
    setText('head-note', s.head ? `${s.head.transactions} tx · round ${s.head.round} · by operator ${s.head.proposer}` : 'genesis only');
    setText('bps', fmt.num(s.rates.blocksPerSecond));
    setText('tps', fmt.num(s.rates.transactionsPerSecond, 1));
    setText('p50', fmt.ms(s.latency.p50Ms));
    setText('p99', fmt.ms(s.latency.p99Ms));
    setText('samples', String(s.latency.samples.length));
    setText('pool', fmt.int(s.pool.transactions));
    setText('pool-note', `${fmt.int(s.pool.rejected)} rejected since start`);
    // Peers one or two heights ahead is a decision in flight; three or more is what makes a node sync.
    const lag = s.sync.highestPeerHeight - (s.head ? s.head.number : 0);
    setText('sync', s.sync.syncing ? 'syncing' : lag >= SYNC_LAG_HEIGHTS ? `${lag} behind` : 'at head');
    setText('sync-note', `${fmt.int(s.sync.blocksBySync)} block${s.sync.blocksBySync === 1 ? '' : 's'} by sync`);

    renderOperators(s);
    renderReasons(s.health);
    renderMultiRound(s);
    drawLatency(s.latency);
    setText('updated', `updated ${new Date(s.nowMs).toLocaleTimeString()}`);
  }

  function renderOperators(s) {
    const body = document.querySelector('#operators tbody');
    const up = s.operators.filter((o) => o.connected).length;
    setText('quorum', `${up} of ${s.cluster.nodes} connected · ${s.cluster.threshold} needed to sign`);
    while (body.rows.length > s.operators.length) body.deleteRow(-1);
    s.operators.forEach((o, i) => {
      const row = body.rows[i] || body.insertRow();
      if (row.cells.length === 0) for (let k = 0; k < 7; k++) row.insertCell();
      row.dataset.operator = String(o.index);
      row.dataset.state = o.connected ? 'up' : 'down';
      row.className = o.connected ? 'up' : 'down';
      const cells = row.cells;
      cells[0].innerHTML = '';
      cells[0].append(`operator ${o.index}`);
      if (o.self) {
        const tag = document.createElement('span');
        tag.className = 'tag';
        tag.textContent = 'this node';
        cells[0].append(tag);
      }
      cells[1].innerHTML = `<span class="dot ${o.connected ? 'up' : 'down'}"></span>${o.connected ? 'connected' : 'not connected'}`;
      cells[2].textContent = o.self ? '—' : fmt.ms(o.pingMs);
      cells[3].textContent = o.clockOffsetMs === null ? '—' : `${o.clockOffsetMs > 0 ? '+' : ''}${fmt.ms(o.clockOffsetMs)}`;
      cells[4].textContent = o.lastCommit ? `height ${fmt.int(o.lastCommit.height)} · round ${o.lastCommit.round} · ${fmt.ago(o.lastCommit.agoMs)}` : 'none seen';
      cells[5].textContent = fmt.int(o.invalidPartials);
      cells[5].className = o.invalidPartials > 0 ? 'bad-count' : '';
      cells[6].textContent = fmt.int(o.proposalsLed);
    });
  }

  function renderReasons(health) {
    const list = $('reasons');
    list.innerHTML = '';
    if (health.reasons.length === 0) {
      const item = document.createElement('li');
      item.className = 'ok';
      item.textContent = health.live ? 'Ready: taking part in consensus' : 'Not live';
      list.append(item);
    }
    for (const reason of health.reasons) {
      const item = document.createElement('li');
      item.textContent = reason;
      list.append(item);
    }
  }

  function renderMultiRound(s) {
    const body = document.querySelector('#multiround tbody');
    body.innerHTML = '';
    for (const block of [...s.multiRound].reverse().slice(0, 8)) {
      const row = body.insertRow();
      row.insertCell().textContent = fmt.int(block.number);
      row.insertCell().textContent = String(block.round);
      row.insertCell().textContent = `operator ${block.proposer}`;
      row.insertCell().textContent = fmt.ago(Math.max(0, s.nowMs - block.timestampMs));
    }
    $('multiround-empty').style.display = s.multiRound.length === 0 ? '' : 'none';
  }

  function drawLatency(latency) {
    const canvas = $('latency');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim();
    const left = 56, right = 12, top = 10, bottom = 24;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const samples = latency.samples.slice(-Math.max(10, Math.floor(plotW / 4)));
    const peak = Math.max(1, ...samples.map((s) => s.ms), latency.p99Ms || 0);
    // Four grid lines a round step apart (0.6 s, not 0.63 s).
    const scale = 4 * niceCeiling((peak * 1.1) / 4);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = color('--muted');
    g.strokeStyle = color('--line');
    g.lineWidth = 1;
    for (let k = 0; k <= 4; k++) {
      const y = top + plotH - (plotH * k) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(width - right, Math.round(y) + 0.5);
      g.stroke();
      g.textAlign = 'right';
      g.fillText(axisLabel((scale * k) / 4, scale), left - 8, y + 4);
    }
    if (samples.length === 0) {
      g.textAlign = 'center';
      g.fillText('no block signed by consensus on this node yet', left + plotW / 2, top + plotH / 2);
      return;
    }
    const step = plotW / Math.max(samples.length, 10);
    const barW = Math.max(1, step * 0.7);
    samples.forEach((s, i) => {
      const h = (plotH * s.ms) / scale;
      g.fillStyle = s.round > 1 ? color('--r2') : color('--accent');
      g.fillRect(left + i * step + (step - barW) / 2, top + plotH - h, barW, h);
    });
    g.textAlign = 'left';
    g.fillStyle = color('--muted');
    g.fillText(`#${samples[0].number}`, left, height - 6);
    g.textAlign = 'right';
    g.fillText(`#${samples[samples.length - 1].number}`, width - right, height - 6);
    for (const [value, name] of [[latency.p50Ms, '--good'], [latency.p99Ms, '--bad']]) {
      if (value === null) continue;
      const y = top + plotH - (plotH * value) / scale;
      g.strokeStyle = color(name);
      g.setLineDash([5, 4]);
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(width - right, y);
      g.stroke();
      g.setLineDash([]);
    }
  }

  /** A y-axis label: seconds when the axis reaches a second, else whole milliseconds. */
  function axisLabel(ms, scale) {
    if (ms === 0) return '0';
    return scale >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${+ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  }

  /** The least of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least `value`. */
  function niceCeiling(value) {
    const power = 10 ** Math.floor(Math.log10(value));
    for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * power >= value) return m * power;
    return 10 * power;
  }

  window.addEventListener('resize', () => last && drawLatency(last.latency));
  connect();
})();
