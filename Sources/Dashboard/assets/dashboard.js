// The dashboard page: polls GET /v1/dashboard every second and draws it. Every piece of data goes into the
// page as text (textContent / text nodes), never as HTML, so names and room data cannot inject markup.
// Changes go through the admin API with the session's CSRF token in X-CSRF-Token.
'use strict';
(() => {
  const POLL_MS = 1000;
  const SVG = 'http://www.w3.org/2000/svg';
  let csrf = null;
  let alertWait = 60000;
  let busy = false;

  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    return node;
  }

  /** 850 -> "0.9 s", 75000 -> "1 min 15 s", 4000000 -> "1 h 7 min". */
  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 10000) return (ms / 1000).toFixed(1) + ' s';
    const s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
    return Math.floor(m / 60) + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
  }

  /** A wait bucket's bound: 1000 -> "1 s", 120000 -> "2 min". */
  function bound(ms) {
    return ms < 60000 ? Math.round(ms / 1000) + ' s' : Math.round(ms / 60000) + ' min';
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  /* The page of the single app is /dashboard with its data under /v1; an app of a tenants file has its page at
   * /apps/<app id>/dashboard and its data under /v1/apps/<app id>. */
  const appPath = location.pathname.match(/^\/apps\/([A-Za-z0-9._-]+)\/dashboard\/?$/);
  const api = appPath ? '/v1/apps/' + appPath[1] : '/v1';
  const pagePath = appPath ? '/apps/' + appPath[1] + '/dashboard' : '/dashboard';

  async function call(method, url, body) {
    const response = await fetch(url, {
      method, credentials: 'same-origin', cache: 'no-store',
      headers: Object.assign({ 'Content-Type': 'application/json' }, csrf ? { 'X-CSRF-Token': csrf } : {}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) { loggedOut(); throw new Error('not logged in'); }
    let answer = null;
    try { answer = await response.json(); } catch (_) { /* no JSON body */ }
    if (!response.ok) throw new Error((answer && answer.message) || ('HTTP ' + response.status));
    return answer;
  }

  /** Back to the login form, at most once in 10 s: a page the server shows while its data answers 401 (a
   *  proxy in between) says so instead of reloading in a loop. */
  function loggedOut() {
    const last = Number(sessionStorage.getItem('caa-logged-out-at') || 0);
    if (Date.now() - last < 10000) return;
    sessionStorage.setItem('caa-logged-out-at', String(Date.now()));
    location.href = pagePath;
  }

  function showProblem(text) {
    const problem = $('problem');
    problem.hidden = !text;
    problem.textContent = text || '';
  }

  // MARK: routes

  function number(label, value, alert, small) {
    return el('div', { class: 'number' + (small ? ' small' : '') }, el('strong', { class: alert ? 'alert' : null }, value), label);
  }

  function chart(route) {
    const minutes = route.minutes || [];
    const width = 300, height = 90, top = 8, bottom = 78;
    const served = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'rooms served per minute' });
    const most = Math.max(1, ...minutes.map((m) => m.served));
    const step = width / 60;
    served.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: bottom, y2: bottom }));
    minutes.forEach((m, i) => {
      if (!m.served) return;
      const h = (bottom - top) * m.served / most;
      served.append(svg('rect', { class: 'bar', x: i * step + 0.5, y: bottom - h, width: step - 1, height: h }));
    });
    const label = svg('text', { x: 2, y: top + 2 });
    label.textContent = most + '/min';
    served.append(label);

    const waits = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'wait p50 and p95 per minute' });
    const low = Math.log10(400), high = Math.log10(1800000);
    const y = (ms) => bottom - (bottom - top) * (Math.log10(Math.max(ms, 1000)) - low) / (high - low);
    waits.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: bottom, y2: bottom }));
    for (const [key, cls] of [['p50_ms', 'p50'], ['p95_ms', 'p95']]) {
      let path = '';
      let drawing = false;
      minutes.forEach((m, i) => {
        const value = m[key];
        if (value === null || value === undefined) { drawing = false; return; }
        path += (drawing ? 'L' : 'M') + (i * step + step / 2).toFixed(1) + ' ' + y(value).toFixed(1) + ' ';
        drawing = true;
      });
      if (path) waits.append(svg('path', { class: cls, d: path }));
      minutes.forEach((m, i) => {
        const value = m[key];
        if (value === null || value === undefined) return;
        waits.append(svg('circle', { class: cls + ' point', cx: (i * step + step / 2).toFixed(1), cy: y(value).toFixed(1), r: 2 }));
      });
    }
    waits.append(svg('line', { class: 'threshold', x1: 0, x2: width - 34, y1: y(alertWait), y2: y(alertWait) }));
    for (const [ms, text] of [[1000, '≤1 s'], [60000, '1 min'], [1800000, '30 min']]) {
      const t = svg('text', { x: width - 30, y: y(ms) - 2 });
      t.textContent = text;
      waits.append(t);
    }
    return el('div', { class: 'chart' },
      el('div', { class: 'caption' }, 'Rooms served per minute, last hour'), served,
      el('div', { class: 'caption' }, 'Wait per minute:', el('span', { class: 'key-p50' }, 'p50'), el('span', { class: 'key-p95' }, 'p95'), el('span', { class: 'muted' }, '(dashed: the alert wait)')),
      waits);
  }

  function renderRoutes(state) {
    const status = state.status;
    const charts = new Map((state.charts || []).map((c) => [c.route, c]));
    $('totals').replaceChildren(
      el('div', null, el('strong', { 'data-total': 'queue_length' }, status.queue_length), 'waiting'),
      el('div', null, el('strong', { 'data-total': 'in_flight' }, status.in_flight), 'being assigned'),
      el('div', null, el('strong', { 'data-total': 'dead_count' }, status.dead_count), 'dead'),
      el('div', null, el('strong', null, (status.agents || []).reduce((sum, a) => sum + a.load, 0)), 'rooms held'));
    $('routes').replaceChildren(...(status.routes || []).map((route) => {
      const oldAlert = route.oldest_wait_ms !== null && route.oldest_wait_ms !== undefined && route.oldest_wait_ms > alertWait;
      return el('article', { class: 'card', 'data-route': route.name },
        el('h3', null, el('span', null, route.name),
          route.waiting_for_capacity ? el('span', { class: 'full' }, 'all agents full') : null),
        el('div', { class: 'numbers' },
          el('div', { class: 'number' }, el('strong', { class: 'queue-length' }, route.queue_length), 'waiting'),
          el('div', { class: 'number' }, el('strong', { class: 'oldest-wait' + (oldAlert ? ' alert' : '') },
            duration(route.oldest_wait_ms)), 'oldest wait'),
          number('served last hour', route.served_last_hour ?? 0),
          number('wait p50, last hour', route.wait_p50_ms_last_hour ? '≤ ' + bound(route.wait_p50_ms_last_hour) : '–', false, true),
          number('wait p95, last hour', route.wait_p95_ms_last_hour ? '≤ ' + bound(route.wait_p95_ms_last_hour) : '–',
            route.wait_p95_ms_last_hour > alertWait, true),
          number('agents listed', route.listed_agents ?? '–', false, true)),
        chart(charts.get(route.name) || { minutes: [] }));
    }));
  }

  // MARK: agents

  function agentRow(agent) {
    const limitInput = el('input', { type: 'text', inputmode: 'numeric', 'aria-label': 'limit of agent ' + agent.id,
      class: 'limit', value: agent.limit_source === 'override' ? agent.limit : '', placeholder: String(agent.limit) });
    limitInput.addEventListener('input', () => { limitInput.dataset.dirty = '1'; });
    const error = el('div', { class: 'field-error', role: 'alert' });
    const save = el('button', { type: 'submit', class: 'save' }, 'Save');
    const form = el('form', { class: 'limit-form' }, limitInput, save);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = limitInput.value.trim();
      // Sent as typed: the service judges the value (1..10000, or empty to clear the override).
      const value = text === '' ? null : (/^-?\d+$/.test(text) ? Number(text) : text);
      error.textContent = '';
      try {
        await call('PUT', api + '/agents/' + agent.id, { max_customers: value });
        delete limitInput.dataset.dirty;
        refresh();
      } catch (problem) {
        error.textContent = problem.message;
      }
    });
    const pause = el('input', { type: 'checkbox', class: 'pause', 'aria-label': 'pause agent ' + agent.id });
    pause.addEventListener('change', async () => {
      error.textContent = '';
      try {
        await call('PUT', api + '/agents/' + agent.id, { paused: pause.checked });
        refresh();
      } catch (problem) {
        error.textContent = problem.message;
        pause.checked = !pause.checked;
      }
    });
    const row = el('tr', { 'data-agent': agent.id },
      el('td', { class: 'name' }), el('td', { class: 'online' }), el('td', { class: 'load' }),
      el('td', null, form, el('span', { class: 'muted source' }), error), el('td', null, pause), el('td', { class: 'routes' }));
    return row;
  }

  function renderAgents(agents) {
    const body = $('agents').tBodies[0];
    const rows = new Map([...body.rows].map((row) => [row.dataset.agent, row]));
    const ordered = agents.map((agent) => {
      const row = rows.get(String(agent.id)) || agentRow(agent);
      const cells = row.cells;
      cells[0].replaceChildren(el('strong', null, agent.name || ('#' + agent.id)), el('div', { class: 'muted' },
        '#' + agent.id + (agent.email ? ' · ' + agent.email : '')));
      cells[1].replaceChildren(el('span', { class: 'dot' + (agent.online ? ' on' : '') }),
        agent.online ? 'online' : (agent.last_seen_ms_ago === null || agent.last_seen_ms_ago === undefined
          ? 'never seen' : 'seen ' + duration(agent.last_seen_ms_ago) + ' ago'));
      cells[2].replaceChildren(el('span', { class: agent.load >= agent.limit ? 'load-full' : null }, agent.load + ' / ' + agent.limit));
      const input = row.querySelector('input.limit');
      if (document.activeElement !== input && !input.dataset.dirty) {
        input.value = agent.limit_source === 'override' ? String(agent.limit) : '';
        input.placeholder = String(agent.limit);
      }
      row.querySelector('.source').textContent = ' ' + agent.limit_source + (agent.limit_route ? ' (' + agent.limit_route + ')' : '');
      const pause = row.querySelector('input.pause');
      if (document.activeElement !== pause) pause.checked = agent.paused;
      cells[5].textContent = (agent.routes || []).join(', ');
      row.classList.toggle('offline-holding', !agent.online && agent.load > 0);
      row.title = !agent.online && agent.load > 0 ? 'offline while holding rooms' : '';
      return row;
    });
    keepRows(body, ordered);
    $('agents-count').textContent = agents.filter((a) => a.online).length + ' online of ' + agents.length;
  }

  /** Puts `rows` into `body` in that order, touching the DOM only where it differs: a row taken out and put
   *  back loses the focus of a field being typed in, or a click between its mouse down and up. */
  function keepRows(body, rows) {
    const current = [...body.rows];
    if (current.length === rows.length && current.every((row, i) => row === rows[i])) return;
    const wanted = new Set(rows);
    for (const row of current) if (!wanted.has(row)) row.remove();
    rows.forEach((row, i) => {
      if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] || null);
    });
  }

  // MARK: recent assignments and dead rooms

  function renderRecent(recent, agents) {
    const names = new Map(agents.map((a) => [a.id, a.name]));
    $('recent').tBodies[0].replaceChildren(...recent.map((entry) => el('tr', { 'data-room': entry.room_id },
      el('td', null, clock(entry.at_ms)), el('td', null, entry.room_id), el('td', null, entry.route),
      el('td', null, names.get(entry.agent) || ('#' + entry.agent)),
      el('td', { class: entry.waited_ms > alertWait ? 'alert' : null }, duration(entry.waited_ms)))));
  }

  function renderDead(status) {
    const dead = status.dead || [];
    $('dead-count').textContent = status.dead_count ? '(' + status.dead_count + ')' : '';
    $('dead-none').hidden = dead.length > 0;
    $('dead').hidden = dead.length === 0;
    $('requeue-all').hidden = dead.length === 0;
    const body = $('dead').tBodies[0];
    const rows = new Map([...body.rows].map((row) => [row.dataset.room, row]));
    keepRows(body, dead.map((room) => {
      const kept = rows.get(room.room_id);
      if (kept) {
        kept.cells[1].textContent = room.reason;
        return kept;
      }
      const button = el('button', { type: 'button', class: 'requeue' }, 'Requeue');
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await call('POST', api + '/dead/requeue', { room_id: room.room_id });
          refresh();
        } catch (problem) {
          showProblem('Requeue of room ' + room.room_id + ' failed: ' + problem.message);
          button.disabled = false;
        }
      });
      return el('tr', { 'data-room': room.room_id }, el('td', null, room.room_id), el('td', null, room.reason), el('td', null, button));
    }));
  }

  // MARK: the loop

  function render(state) {
    csrf = state.csrf || csrf;
    alertWait = state.alert_wait_ms || alertWait;
    $('app').textContent = state.app;
    const allocation = state.status.allocation || { state: 'running' };
    const badge = $('allocation');
    badge.textContent = allocation.state === 'paused' ? 'paused: ' + (allocation.reason || '') : 'allocating';
    badge.classList.toggle('paused', allocation.state === 'paused');
    renderRoutes(state);
    renderAgents(state.agents || []);
    renderRecent(state.recent || [], state.agents || []);
    renderDead(state.status);
    $('updated').textContent = 'updated ' + clock(state.now_ms);
    document.body.dataset.updated = String(state.now_ms);
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      render(await call('GET', api + '/dashboard'));
      showProblem('');
    } catch (problem) {
      showProblem('The service did not answer (' + problem.message + '); retrying.');
    } finally {
      busy = false;
    }
  }

  function start() {
    $('logout').addEventListener('click', async () => {
      try { await call('POST', pagePath + '/logout'); } catch (_) { /* reloads below */ }
      location.href = pagePath;
    });
    let armed = null;
    const all = $('requeue-all');
    all.addEventListener('click', async () => {
      if (!armed) {
        all.textContent = 'Click again to requeue every dead room';
        armed = setTimeout(() => { armed = null; all.textContent = 'Requeue all'; }, 5000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      all.textContent = 'Requeue all';
      try {
        await call('POST', api + '/dead/requeue', {});
        refresh();
      } catch (problem) {
        showProblem('Requeue failed: ' + problem.message);
      }
    });
    refresh();
    setInterval(refresh, POLL_MS);
  }

  start();
})();
