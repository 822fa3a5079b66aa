// Lookout board: polls /api/board every second and updates the page in place.
// Every word comes from data.texts; no inline styles (CSP), only classes and CSSOM properties.
'use strict';
(() => {
  const q = new URLSearchParams(location.search);
  const TOKEN = q.get('t') || '';
  // As a Telegram Mini App (/board/app) the credentials are Telegram's signed initData, in the fragment.
  const INIT = new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') || q.get('tgWebAppData') || '';
  const LANG = q.get('lang') || '';
  const KIOSK = q.get('kiosk') === '1';
  const POLL_MS = 1000, DENIED_MS = 10000, TIMEOUT_MS = 8000;
  const DEFAULT_VIEW = [[36.8, 117.9], 10];
  const UNIT_STATES = ['on_time', 'late', 'missing', 'incident', 'not_expected'];
  const TILE_STATES = UNIT_STATES.concat('no_round');   // outside a round: grey
  const HZ_STATES = ['reported', 'acknowledged', 'rectifying', 'rectified', 'reopened'];
  const SVGNS = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  let T = {}, textsSig = '';        // texts of the last response
  let etag = null;                  // and its ETag
  let map = null, pinLayer = null, unitLayer = null, tileLayer = null, tileUrl = null;
  let pinSig = null, unitSig = null, viewSig = null, treeSig = null, chartSig = null;
  let K = 1;                        // type scale (body font / 15px): pins grow with kiosk type
  let chartW = 0, chartFs = 14, legendH = 0, chartRows = [], last = null;
  const tiles = new Map();          // unit id -> tile element
  const CHUNK = 200;                // chart rows per <svg>, so the browser can skip hidden ones
  const LABELLED_UNITS = 300;       // more units on the map than this are dots on a canvas
  const unitMarks = new Map();      // unit id -> { m: its marker, state }
  const stateColour = {};
  let unitCanvas = null, dots = false;

  // ---- helpers ----
  // "{name}" substitution; also accepts Fluent's "{ $name }" with optional isolation marks.
  function t(key, vars) {
    const s = T[key];
    if (s == null) return key;
    if (!vars) return s;
    return s.replace(/\u2068?\{\s*\$?([A-Za-z_][\w-]*)\s*\}\u2069?/g,
      (m, k) => (k in vars ? String(vars[k] == null ? '' : vars[k]) : m));
  }
  function h(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  // Writes only what changed, comparing with what was last written (never reads the DOM).
  function txt(el, v) {
    v = v == null ? '' : String(v);
    if (el.$t !== v) { el.$t = v; el.textContent = v; }
  }
  function attr(el, k, v) {
    v = String(v);
    const c = el.$a || (el.$a = {});
    if (c[k] !== v) { c[k] = v; el.setAttribute(k, v); }
  }
  const esc = (v) => String(v).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  const located = (p) => p && typeof p.lat === 'number' && typeof p.lon === 'number';
  const pct = (r) => (Math.round(r * 1000) / 10) + '%';

  // Keyed in-place list update: reuse, reorder, add and remove children by id.
  function sync(box, items, key, make, fill) {
    const old = new Map();
    for (const el of Array.from(box.children)) old.set(el.dataset[key], el);
    let prev = null;
    for (const it of items) {
      let el = old.get(it.id);
      if (el) old.delete(it.id);
      else { el = make(); el.dataset[key] = it.id; }
      el.x = it;
      fill(el, el.r, it);
      const want = prev ? prev.nextSibling : box.firstChild;
      if (el !== want) box.insertBefore(el, want);
      prev = el;
    }
    for (const el of old.values()) el.remove();
  }
  function section(name, items, key, make, fill, emptyKey) {
    sync($(name + '-list'), items, key, make, fill);
    txt($(name + '-n'), items.length);
    txt($(name + '-empty'), t(emptyKey));
    $(name + '-empty').hidden = items.length > 0;
  }

  // ---- texts that change only with the language ----
  function statics() {
    for (const [id, key] of [['title-text', 'board-title'], ['h-units', 'board-units'], ['h-map', 'board-map'],
      ['h-warnings', 'board-warnings'], ['h-escalations', 'board-escalations'], ['h-hazards', 'board-hazards'],
      ['h-chart', 'board-timeliness']]) txt($(id), t(key));
    $('counts').textContent = '';
    for (const st of UNIT_STATES) {
      const li = h('li', 'cnt');
      li.dataset.state = st;
      li.append(h('i', 'dot'), h('span', 'lab', t('board-state-' + st)), h('b', 'n'));
      $('counts').append(li);
    }
    const lg = $('legend');
    lg.textContent = '';
    lg.append(h('div', 'lg-title', t('board-legend')));
    const group = (label, states, prefix, shape) => {
      const g = h('div', 'lg-group');
      g.append(h('span', 'lg-h', label));
      for (const st of states) {
        const it = h('span', 'lg-i');
        it.dataset.state = st;
        it.append(h('i', 'sw ' + shape), h('span', null, t(prefix + st)));
        g.append(it);
      }
      return g;
    };
    lg.append(group(t('board-legend-units'), TILE_STATES, 'board-state-', 'sq'),
      group(t('board-legend-hazards'), HZ_STATES, 'board-hz-', 'ci'));
    lg.lastChild.append(h('span', 'lg-i lg-overdue'));
    lg.lastChild.lastChild.append(h('i', 'sw ci'), h('span', null, t('board-overdue')));
    if (map && !KIOSK && !map.zoomControl) {
      map.zoomControl = L.control.zoom({
        position: 'topright', zoomInTitle: t('board-zoom-in'), zoomOutTitle: t('board-zoom-out'),
      }).addTo(map);
    }
  }

  // ---- zero-report round and unit tree ----
  // Outside a round the header says so once (and when the next one opens); the tree stays.
  function renderRound(d) {
    const r = d.round || null;
    const off = $('offround'), s = d.season || {};
    off.hidden = !!r;
    if (!r) {
      const key = (s.on === false ? 'board-off-season' : 'board-off-round') + (s.next_round ? '-next' : '');
      txt(off, t(key, { next: s.next_round || '' }));
    }
    $('round').hidden = !r;
    $('counts').hidden = !r;
    if (r) {
      txt($('round-date'), t('board-round', { date: r.date }));
      txt($('round-deadline'), t('board-deadline', { deadline: r.deadline }));
      txt($('round-status'), t(r.closed ? 'board-round-closed' : 'board-round-open'));
      $('round-status').classList.toggle('closed', !!r.closed);
      for (const li of $('counts').children) txt(li.lastChild, (r.counts && r.counts[li.dataset.state]) || 0);
    }
    renderTree(unitsOf(d));
  }
  // The scope's units, always (`units`); `round.units` from a server before it.
  function unitsOf(d) {
    if (Array.isArray(d.units)) return d.units;
    return d.round && Array.isArray(d.round.units) ? d.round.units : [];
  }

  // Units come depth-first; a unit with children becomes a group holding its children.
  function renderTree(units) {
    const box = $('tree');
    const sig = units.map((u) => u.id + ':' + u.depth).join(',');
    if (sig !== treeSig) {
      treeSig = sig;
      tiles.clear();
      let html = '';
      const open = [];              // depths of the groups still open
      units.forEach((u, i) => {
        while (open.length && open[open.length - 1] >= u.depth) { html += '</div></div>'; open.pop(); }
        const group = i + 1 < units.length && units[i + 1].depth > u.depth;
        const tile = '<div class="unit ' + (group ? 'group' : 'leaf') + '" data-unit="' + esc(u.id) +
          '"><span class="u-name"></span><span class="u-st u-last"></span></div>';
        if (group) { html += '<div class="node">' + tile + '<div class="kids">'; open.push(u.depth); } else html += tile;
      });
      box.innerHTML = html + '</div></div>'.repeat(open.length);
      box.querySelectorAll('.unit').forEach((el, i) => tiles.set(units[i].id, el));
    }
    for (const u of units) {
      const tile = tiles.get(u.id);
      attr(tile, 'data-state', u.state);
      txt(tile.firstChild, u.name);
      // Outside a round: the last answer (its date, and its state as a dot), else "no round".
      const l = u.last;
      attr(tile.lastChild, 'data-last', l ? l.state : '');
      txt(tile.lastChild, l ? t('board-last', { date: l.date, state: t('board-state-' + l.state) }) : t('board-state-' + u.state));
    }
  }

  // ---- lists ----
  function makeHazard() {
    const li = h('li', 'row hz'), r = li.r = {};
    const body = h('div', 'body'), l1 = h('div', 'l1'), l2 = h('div', 'l2');
    l1.append(r.id = h('b', 'id'), r.cat = h('span', 'cat'), r.unit = h('span', 'hz-unit'));
    l2.append(r.st = h('span', 'badge'), r.major = h('span', 'flag major'), r.over = h('span', 'flag over'),
      r.age = h('span', 'age'), r.dl = h('span', 'dl'), r.noloc = h('span', 'noloc'));
    body.append(l1, l2);
    li.append(h('i', 'mk'), body);
    li.addEventListener('click', () => {
      const p = hazardPlace(li.x);
      if (map && p) map.setView([p.lat, p.lon], Math.max(map.getZoom(), 14));
    });
    return li;
  }
  function fillHazard(li, r, x) {
    attr(li, 'data-state', x.state);
    li.classList.toggle('overdue', !!x.overdue);
    li.classList.toggle('located', located(x));
    txt(r.id, x.id);
    txt(r.cat, x.category);
    txt(r.unit, x.unit);
    txt(r.st, x.state_label);
    txt(r.age, t('board-age', { age: x.age }));
    txt(r.dl, x.deadline ? t('board-deadline', { deadline: x.deadline }) : t('board-deadline-none'));
    flag(r.major, x.major, 'board-major');
    flag(r.over, x.overdue, 'board-overdue');
    flag(r.noloc, !located(x), hazardPlace(x) ? 'board-at-unit' : 'board-no-location');
  }
  // Where a hazard is pinned: its own location, else its unit's place.
  let places = new Map(), placesSig = null;   // unit id -> unit with coordinates
  function hazardPlace(x) {
    if (located(x)) return x;
    const u = places.get(x.unit_id);
    return u ? { lat: u.lat, lon: u.lon } : null;
  }
  function updatePlaces(units) {
    if (units === placesSig) return;
    placesSig = units;
    places = new Map();
    for (const u of units) if (located(u)) places.set(u.id, u);
  }
  function flag(el, on, key, vars) {
    el.hidden = !on;
    if (on) txt(el, t(key, vars));
  }
  function makeEscalation() {
    const li = h('li', 'row esc'), r = li.r = {};
    const l1 = h('div', 'l1'), l2 = h('div', 'l2');
    l1.append(r.lvl = h('span', 'badge lvl'), r.what = h('span', 'what'));
    l2.append(r.st = h('span', 'badge'), r.id = h('span', 'id'), r.since = h('span', 'since'));
    li.append(l1, l2, r.al = h('div', 'alerted'));
    return li;
  }
  function fillEscalation(li, r, x) {
    attr(li, 'data-state', x.state);
    txt(r.lvl, t('board-level', { level: x.level }));
    txt(r.what, x.what);
    txt(r.st, x.state_label);
    txt(r.id, x.id);
    txt(r.since, x.since ? t('board-since', { since: x.since }) : '');
    const sep = T['board-separator'] != null ? T['board-separator'] : ', ';
    txt(r.al, t('board-alerted', { names: (x.alerted || []).join(sep) }));
    r.al.hidden = !(x.alerted && x.alerted.length);
  }
  function makeWarning() {
    const li = h('li', 'row warn'), r = li.r = {};
    const head = h('div', 'w-head'), tally = h('div', 'w-tally'), det = h('div', 'w-detail');
    head.append(r.lvl = h('span', 'w-level'), r.ex = h('span', 'flag ex'), r.id = h('span', 'id'),
      r.exp = h('span', 'w-exp'));
    r.bar = h('div', 'w-bar');
    for (const c of ['ok', 'late', 'wait', 'unr']) r.bar.append(h('i', 'seg ' + c));
    tally.append(r.lab = h('span', 'w-lab'), r.tally = h('b', 'tally'), r.bar);
    det.append(r.late = h('span', 'd-late'), r.wait = h('span', 'd-wait'), r.unr = h('span', 'd-unr'));
    li.append(head, r.text = h('div', 'w-text'), tally, det, r.units = h('div', 'w-units'));
    return li;
  }
  function fillWarning(li, r, x) {
    attr(li, 'data-level', x.level);
    li.classList.toggle('exercise', !!x.exercise);
    txt(r.lvl, x.level_label);
    flag(r.ex, x.exercise, 'board-exercise');
    txt(r.id, x.id);
    txt(r.exp, x.expires ? t('board-expires', { expires: x.expires }) : '');
    txt(r.text, x.text);
    txt(r.lab, t('board-confirmed'));
    txt(r.tally, (x.confirmed || 0) + '/' + (x.targeted || 0));
    const parts = [Math.max(0, (x.confirmed || 0) - (x.late || 0)), x.late || 0, x.waiting || 0, x.unreachable || 0];
    parts.forEach((n, i) => {
      const seg = r.bar.children[i];
      if (seg.style.flexGrow !== String(n)) seg.style.flexGrow = String(n);
      seg.hidden = n === 0;
    });
    flag(r.late, x.late, 'board-late', { late: x.late });
    flag(r.wait, x.waiting, 'board-waiting', { waiting: x.waiting });
    flag(r.unr, x.unreachable, 'board-unreachable', { unreachable: x.unreachable });
    const names = x.units || [], sep = T['board-separator'] != null ? T['board-separator'] : ', ';
    const more = (x.unit_count || names.length) - Math.min(names.length, 8);
    flag(r.units, names.length, 'board-covers', {
      units: names.slice(0, 8).join(sep) + (more > 0 ? ' ' + t('board-more', { n: more }) : ''),
    });
  }

  // ---- timeliness chart (inline SVG) ----
  function renderChart(rows) {
    const box = $('chart');
    $('chart-empty').hidden = rows.length > 0;
    txt($('chart-empty'), t('board-no-timeliness'));
    const W = Math.max(240, Math.round(chartW));
    const sig = W + '/' + chartFs + '/' + rows.map((r) => r.unit_id).join(',');
    if (sig !== chartSig) {
      chartSig = sig;
      box.textContent = '';
      chartRows = [];
      const RH = Math.round(chartFs * 2), LW = Math.round(Math.min(W * 0.34, chartFs * 8));
      const BW = Math.max(20, W - LW - Math.round(chartFs * 7)), y = Math.round(RH * 0.22), bh = RH - 2 * y;
      for (let c = 0; c < rows.length; c += CHUNK) {
        const part = rows.slice(c, c + CHUNK), wrap = h('div', 'chunk');
        wrap.style.containIntrinsicSize = 'auto ' + part.length * RH + 'px';
        const svg = document.createElementNS(SVGNS, 'svg');
        svg.setAttribute('viewBox', '0 0 ' + W + ' ' + part.length * RH);
        svg.setAttribute('class', 'chart');
        // Numbers and ids only in this markup (ids escaped); names are set below as text.
        svg.innerHTML = part.map((r, i) => {
          const top = i * RH, at = ' y="' + (top + y) + '" height="' + bh + '" rx="3"';
          return '<text class="lab" x="0" y="' + (top + RH / 2) + '"></text>' +
            '<rect class="bar" data-unit="' + esc(r.unit_id) + '" x="' + LW + '" width="0"' + at + '></rect>' +
            '<text class="val" x="' + W + '" y="' + (top + RH / 2) + '"></text>';
        }).join('') + ['goal', 'ninety'].map((c, j) => {   // 100 % and 90 % guides
          const x = LW + BW * (j ? 0.9 : 1);
          return '<line class="' + c + '" x1="' + x + '" x2="' + x + '" y1="0" y2="' + part.length * RH + '"></line>';
        }).join('');
        const k = svg.children;
        for (let i = 0; i < part.length; i++) chartRows.push({ lab: k[3 * i], bar: k[3 * i + 1], val: k[3 * i + 2], bw: BW });
        wrap.append(svg);
        box.append(wrap);
      }
    }
    rows.forEach((r, i) => {
      const row = chartRows[i], none = r.rate == null;
      txt(row.lab, r.unit);
      attr(row.bar, 'width', none ? 0 : (Math.max(0, Math.min(1, r.rate)) * row.bw).toFixed(1));
      attr(row.bar, 'class', 'bar ' + (none ? 'r-none' : r.rate >= 1 ? 'r-good' : r.rate >= 0.9 ? 'r-warn' : 'r-bad'));
      txt(row.val, none ? t('board-rate-none') : pct(r.rate) + '  ' + r.on_time + '/' + r.expected);
    });
  }

  // ---- map ----
  function initMap() {
    map = L.map('map', {
      zoomControl: false, attributionControl: false, keyboard: !KIOSK, scrollWheelZoom: !KIOSK,
    });
    map.createPane('units').style.zIndex = 350;   // unit labels below hazard pins
    unitLayer = L.layerGroup().addTo(map);
    pinLayer = L.layerGroup().addTo(map);
    map.setView(DEFAULT_VIEW[0], DEFAULT_VIEW[1]);
    new ResizeObserver(() => map.invalidateSize()).observe($('map'));
    map.on('zoomend', names);
  }
  // Unit names on the map only while they fit: few units, or zoomed in.
  function names() {
    $('map').classList.toggle('names', unitMarks.size <= 40 || map.getZoom() >= 13);
  }
  // A unit as a coloured square with its name (names shown while they fit).
  function unitLabel(u) {
    const html = h('span', 'ul');
    html.append(h('i', 'dot'), h('span', 'nm', u.name));
    const icon = L.divIcon({ className: 'unit-label d' + Math.min(u.depth, 2) + ' st-' + u.state, html, iconSize: null, iconAnchor: [7 * K, 7 * K] });
    return L.marker([u.lat, u.lon], { icon, pane: 'units', interactive: false, keyboard: false });
  }
  // Past a few hundred units, a dot on one shared canvas: an element each would take seconds
  // to build, and their names could not be read at that scale anyway. Colours from the CSS.
  function unitDot(u) {
    if (!unitCanvas) {
      unitCanvas = L.canvas({ pane: 'units' });
      const css = getComputedStyle(document.documentElement);
      for (const st of TILE_STATES) stateColour[st] = css.getPropertyValue('--' + st).trim();
    }
    return L.circleMarker([u.lat, u.lon], {
      renderer: unitCanvas, interactive: false, radius: (u.depth ? (u.depth > 1 ? 3 : 5) : 8) * K,
      weight: 1, color: '#fff', fillColor: stateColour[u.state], fillOpacity: 1,
    });
  }
  function renderMap(d) {
    const url = d.tiles || null;
    if (url !== tileUrl) {
      if (tileLayer) tileLayer.remove();
      tileLayer = url ? L.tileLayer(url, { maxZoom: 18 }).addTo(map) : null;
      tileUrl = url;
      $('map').classList.toggle('plain', !url);
    }
    // Pinned where reported, else on their unit (a hazard sent without a location).
    const hz = [];
    for (const x of d.hazards || []) {
      const p = hazardPlace(x);
      if (p) hz.push(p === x ? x : Object.assign({}, x, { lat: p.lat, lon: p.lon, onUnit: true }));
    }
    const sig1 = JSON.stringify(hz.map((x) => [x.id, x.state, x.overdue, x.major, x.lat, x.lon, x.category, x.unit, x.state_label, !!x.onUnit]));
    if (sig1 !== pinSig) {
      pinSig = sig1;
      pinLayer.clearLayers();
      for (const x of hz) {
        const m = L.circleMarker([x.lat, x.lon], {
          radius: (x.major ? 12 : 9) * K, weight: x.overdue ? 4 : 2, fillOpacity: 0.95,
          className: 'pin pin-' + x.state + ' pin-' + x.id + (x.overdue ? ' pin-overdue' : '') + (x.onUnit ? ' pin-on-unit' : ''),
        });
        const tip = h('span', 'tip');
        tip.append(h('b', null, x.id), h('span', null, ' ' + x.category + ' · ' + x.unit + ' · ' + x.state_label));
        m.bindTooltip(tip, { direction: 'top', offset: [0, -10], className: 'pin-tip' });
        pinLayer.addLayer(m);
        if (hz.length <= 30) {              // id labels unless crowded
          pinLayer.addLayer(L.marker([x.lat, x.lon], { interactive: false, keyboard: false, icon: L.divIcon({
            className: 'pin-label', html: h('span', null, x.id), iconSize: null, iconAnchor: [-12 * K, 26 * K] }) }));
        }
      }
    }
    const all = unitsOf(d), us = all.filter(located);
    // Units the map cannot place are counted on it, never silently left out.
    const unplaced = typeof d.unplaced === 'number' ? d.unplaced : all.length - us.length;
    $('unplaced').hidden = unplaced === 0;
    txt($('unplaced'), unplaced ? t('board-unplaced', { n: unplaced }) : '');
    // Rebuilt when the units or their places change; a changed state replaces one marker.
    const sig2 = K + '|' + us.map((u) => u.id + '@' + u.lat + ',' + u.lon + ':' + u.depth + ':' + u.name).join('|');
    if (sig2 !== unitSig) {
      unitSig = sig2;
      unitLayer.clearLayers();
      unitMarks.clear();
      dots = us.length > LABELLED_UNITS;
    }
    for (const u of us) {
      const had = unitMarks.get(u.id);
      if (had && had.state === u.state) continue;
      const m = dots ? unitDot(u) : unitLabel(u);
      if (had) unitLayer.removeLayer(had.m);
      unitLayer.addLayer(m);
      unitMarks.set(u.id, { m, state: u.state });
    }
    names();
    const pts = hz.concat(us).map((p) => [p.lat, p.lon]);
    const sig3 = pts.map((p) => p[0] + ',' + p[1]).join(';');
    if (sig3 !== viewSig) {
      viewSig = sig3;
      if (!pts.length) map.setView(DEFAULT_VIEW[0], DEFAULT_VIEW[1]);
      else if (pts.length === 1) map.setView(pts[0], 14);
      else {
        const over = matchMedia('(min-width: 1100px)').matches ? legendH : 0;   // legend floats over the map
        map.fitBounds(L.latLngBounds(pts), { paddingTopLeft: [40, 40], paddingBottomRight: [40, 40 + over], maxZoom: 15 });
      }
    }
  }

  // ---- whole render ----
  function render(d) {
    last = d;
    T = d.texts || {};
    if (!map) initMap();
    const sig = JSON.stringify(T);
    if (sig !== textsSig) { textsSig = sig; statics(); }
    document.documentElement.lang = d.lang || LANG || 'zh-CN';
    const name = d.unit && d.unit.name ? d.unit.name : '';
    txt($('unitname'), name);
    const title = t('board-title') + (name ? ' · ' + name : '');
    if (document.title !== title) document.title = title;
    updatePlaces(unitsOf(d));
    renderRound(d);
    section('warnings', d.warnings || [], 'warning', makeWarning, fillWarning, 'board-no-warnings');
    section('escalations', d.escalations || [], 'escalation', makeEscalation, fillEscalation, 'board-no-escalations');
    section('hazards', d.hazards || [], 'hazard', makeHazard, fillHazard, 'board-no-hazards');
    renderChart(d.timeliness || []);
    renderMap(d);
    const open = (d.tips && d.tips.open) || 0;
    txt($('tips'), t('board-tips-open', { open }));
    $('tips').classList.toggle('hot', open > 0);
    stamp(d.generated_at);
  }
  // When the data on screen was gathered (also after a 304: unchanged, but current).
  function stamp(generated) {
    if (!generated) return;
    const m = /T(\d\d:\d\d(?::\d\d)?)/.exec(generated);
    txt($('updated'), t('board-updated', { time: m ? m[1] : generated }));
    document.body.dataset.generated = generated;
  }

  function setOffline(on) {
    const b = $('offline');
    if (on) txt(b, T['board-offline'] || '⚠');
    b.hidden = !on;
    document.body.classList.toggle('offline', on);
  }
  function setDenied(on) {
    if (document.body.classList.contains('denied') === on) return;
    document.body.classList.toggle('denied', on);
    $('denied').hidden = !on;
    if (on) { document.title = '401'; setOffline(false); } else if (map) map.invalidateSize();
  }

  // What the board costs, for its benchmark and for anyone with devtools open: when the first
  // render was on screen (ms since the page opened), how long it and the last update took.
  const timings = window.lookoutBoard = { firstShownMs: null, firstRenderMs: null, lastRenderMs: null };
  function timed(data) {
    const t0 = performance.now();
    try { render(data); } catch (e) { console.error('board render', e); }
    timings.lastRenderMs = performance.now() - t0;
    if (timings.firstShownMs === null) {
      timings.firstShownMs = -1;
      timings.firstRenderMs = timings.lastRenderMs;
      requestAnimationFrame(() => setTimeout(() => { timings.firstShownMs = performance.now(); }));
    }
  }

  // Short polling: the next request starts a second after the previous one ended.
  async function poll() {
    let wait = POLL_MS;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), TIMEOUT_MS);
    try {
      const p = new URLSearchParams(INIT ? { init: INIT } : { t: TOKEN });
      p.set('compact', '1');          // the tree once, in `units`
      if (LANG) p.set('lang', LANG);
      // The last data's ETag: unchanged, the server answers 304 with no body.
      const headers = etag ? { 'If-None-Match': etag } : {};
      const res = await fetch('/api/board?' + p, { cache: 'no-store', signal: ac.signal, headers });
      if (res.status === 401) {
        setDenied(true);
        etag = null;
        wait = DENIED_MS;
      } else if (res.status === 304) {
        setDenied(false);
        setOffline(false);
        stamp(res.headers.get('X-Board-Generated'));
      } else if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      } else {
        const data = await res.json();
        etag = res.headers.get('ETag');
        setDenied(false);
        setOffline(false);
        timed(data);
      }
    } catch (e) {
      setOffline(true);
    } finally {
      clearTimeout(timer);
      setTimeout(poll, wait);
    }
  }

  function start() {
    if (KIOSK) {                    // a click (e.g. while setting up the wall screen) goes full screen
      document.body.classList.add('kiosk');
      document.addEventListener('click', () => {
        if (!document.fullscreenElement && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
      });
    }
    if (LANG) document.documentElement.lang = LANG;
    // Sizes come from observers, so rendering never forces a layout.
    new ResizeObserver((es) => {
      const w = es[0].contentRect.width, fs = parseFloat(getComputedStyle($('chart')).fontSize) || 14;
      const k = (parseFloat(getComputedStyle(document.body).fontSize) || 15) / 15;
      if (k !== K) { K = k; pinSig = unitSig = null; if (last) renderMap(last); }
      if (Math.abs(w - chartW) >= 1 || fs !== chartFs) {
        chartW = w; chartFs = fs;
        if (last) renderChart(last.timeliness || []);
      }
    }).observe($('chart'));
    new ResizeObserver((es) => { legendH = es[0].contentRect.height + 16; }).observe($('legend'));
    poll();
  }
  start();
})();
