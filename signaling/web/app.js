// app.js — the page behind the links `witnessctl link` and `scripts/run` print.
//
// It takes the token from the URL fragment (#token=…), keeps it in
// sessionStorage (this tab only, so a reload still works) and removes it from
// the address bar, so it is neither shown, bookmarked nor shared by copying
// the URL. Then it connects to /ws on the host that served the page, says
// hello, and shows who is connected, as what, and the state of the connection.
//
// The page's state is on #status as data-state:
//   no-token    there is no token in the link or in this tab
//   connecting  opening the WebSocket or waiting for the hello reply
//   connected   hello succeeded; #identity shows who we are
//   refused     hello was refused (data-code: bad-token, token-expired, …)
//   closed      the connection closed (data-code: the WebSocket close code)
// Everything the server sends is shown with textContent, never as HTML.
import { WitnessClient, wsUrlFor } from './witness.js';

const TOKEN_KEY = 'witness.token';
const PING_INTERVAL_MS = 15000;
const MAX_EVENTS = 50;

const ROLE_NAMES = {
  applicant: '申请人',
  staff: '工作人员',
  clerk: '登记员',
  admin: '管理员',
};

const REFUSALS = {
  'token-expired': ['令牌已过期', 'Token expired'],
  'bad-token': ['令牌无效', 'Invalid token'],
  forbidden: ['无权访问', 'Forbidden'],
};

const $ = (id) => document.getElementById(id);

let client = null;
let token = null;
let view = 'connecting';
let pingTimer = 0;
let expiryTimer = 0;

/** "中文 English": the English half in its own span, marked lang="en". */
function bilingual(zh, en) {
  const frag = document.createDocumentFragment();
  frag.append(zh + ' ');
  const span = document.createElement('span');
  span.lang = 'en';
  span.textContent = en;
  frag.append(span);
  return frag;
}

/** Reads #token=… (leaving any other fragment parameters) and hides it. */
function takeTokenFromFragment() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash) return null;
  let found = null;
  const rest = [];
  for (const part of hash.split('&')) {
    if (part.startsWith('token=')) {
      try {
        found = decodeURIComponent(part.slice('token='.length));
      } catch {
        found = part.slice('token='.length);
      }
    } else if (part) {
      rest.push(part);
    }
  }
  if (found === null) return null;
  const clean = location.pathname + location.search + (rest.length ? '#' + rest.join('&') : '');
  history.replaceState(history.state, '', clean);
  try {
    sessionStorage.setItem(TOKEN_KEY, found);
  } catch {
    // Storage may be disabled; the token then lives only in this page.
  }
  return found;
}

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function showState(state, label, detail = '', code = null) {
  view = state;
  const title = `${label.textContent ?? label} · Witness`; // before the fragment empties
  const status = $('status');
  status.dataset.state = state;
  if (code === null || code === undefined) delete status.dataset.code;
  else status.dataset.code = String(code);
  $('state-label').replaceChildren(label);
  $('state-detail').replaceChildren(detail);
  $('reconnect').hidden = !(state === 'closed' && token);
  document.title = title;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function formatDateTime(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function renderExpiry(expires) {
  const dd = $('expires');
  const left = expires - Date.now() / 1000;
  dd.dataset.value = String(expires);
  dd.classList.toggle('expired', left <= 0);
  dd.classList.toggle('soon', left > 0 && left < 300);
  let relative;
  if (left <= 0) {
    relative = bilingual('已过期', 'expired');
  } else if (left < 90 * 60) {
    const min = Math.max(1, Math.round(left / 60));
    relative = bilingual(`还剩 ${min} 分钟`, `${min} min left`);
  } else {
    const h = Math.round(left / 3600);
    relative = bilingual(`还剩 ${h} 小时`, `${h} h left`);
  }
  const when = document.createElement('span');
  when.className = 'when';
  when.textContent = formatDateTime(expires);
  const rel = document.createElement('span');
  rel.className = 'relative';
  rel.append(relative);
  dd.replaceChildren(when, rel);
}

function showIdentity(me) {
  $('sub').textContent = me.sub;
  const role = $('role');
  role.dataset.value = me.role;
  role.replaceChildren(bilingual(ROLE_NAMES[me.role] ?? me.role, me.role));
  const room = $('room');
  if (me.room) {
    room.textContent = me.room;
    room.classList.remove('none');
  } else {
    room.replaceChildren(bilingual('无', 'none'));
    room.classList.add('none');
  }
  $('participant').textContent = me.participant;
  $('session').textContent = me.session;
  $('server').textContent = me.server ?? '';
  $('rtt').textContent = '—';
  renderExpiry(me.expires);
  clearInterval(expiryTimer);
  expiryTimer = setInterval(() => renderExpiry(me.expires), 10000);
  $('identity').hidden = false;
}

function addEvent(msg) {
  const list = $('event-list');
  const li = document.createElement('li');
  const time = document.createElement('time');
  const now = new Date();
  time.textContent = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  const name = document.createElement('strong');
  name.textContent = String(msg.event);
  const { type, event, ...fields } = msg;
  const body = document.createElement('code');
  body.textContent = Object.keys(fields).length ? JSON.stringify(fields) : '';
  li.append(time, ' ', name, ' ', body);
  list.prepend(li);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  $('events').hidden = false;
}

async function ping(c) {
  const t0 = performance.now();
  try {
    await c.request('ping');
    if (c === client) $('rtt').textContent = `${Math.round(performance.now() - t0)} ms`;
  } catch {
    if (c === client) $('rtt').textContent = '—';
  }
}

function stopTimers() {
  clearInterval(pingTimer);
  clearInterval(expiryTimer);
  pingTimer = expiryTimer = 0;
}

function showClosed({ code, reason }) {
  stopTimers();
  let label;
  let detail;
  if (code === 1006) {
    label = bilingual('连接中断', 'Connection lost');
    detail = bilingual('无法连接服务器，或连接意外断开。', 'The server cannot be reached or the connection dropped.');
  } else if (code === 1001) {
    label = bilingual('服务器已关闭', 'Server went away');
    detail = `code ${code}${reason ? ' · ' + reason : ''}`;
  } else {
    label = bilingual('已断开', 'Disconnected');
    detail = `code ${code}${reason ? ' · ' + reason : ''}`;
  }
  showState('closed', label, detail, code);
}

async function start() {
  stopTimers();
  if (client) {
    const old = client;
    client = null;
    old.close(1000, 'reconnecting');
  }
  if (!token) {
    $('identity').hidden = true;
    showState('no-token', bilingual('没有令牌', 'No token'),
      bilingual('请用收到的链接打开本页。', 'Open this page with the link you were given.'));
    return;
  }
  const c = new WitnessClient();
  client = c;
  c.on('state', (s) => {
    if (c === client && s.state === 'closed' && view !== 'refused') showClosed(s);
  });
  c.on('event', (msg) => {
    if (c === client) addEvent(msg);
  });

  showState('connecting', bilingual('连接中…', 'Connecting…'));
  try {
    await c.connect(wsUrlFor(location));
  } catch {
    return; // the 'state' listener has shown why
  }
  if (c !== client) return;
  showState('connecting', bilingual('验证身份…', 'Signing in…'));
  let me;
  try {
    me = await c.hello(token);
  } catch (err) {
    if (c !== client || err.code === 'closed') return;
    const [zh, en] = REFUSALS[err.code] ?? ['被拒绝', 'Refused'];
    $('identity').hidden = true;
    const detail = document.createDocumentFragment();
    const hint = document.createElement('div');
    hint.className = 'hint';
    hint.append(bilingual('请向工作人员索取新的链接。', 'Ask for a new link.'));
    detail.append(err.reason || err.message, hint);
    showState('refused', bilingual(zh, en), detail, err.code);
    c.close(1000, 'hello refused');
    return;
  }
  if (c !== client) return;
  showIdentity(me);
  const who = document.createDocumentFragment();
  who.append(`${me.sub} · `, bilingual(ROLE_NAMES[me.role] ?? me.role, me.role));
  showState('connected', bilingual('已连接', 'Connected'), who);
  document.title = `${me.sub} · 已连接 Connected · Witness`;
  ping(c);
  pingTimer = setInterval(() => ping(c), PING_INTERVAL_MS);
}

$('reconnect').addEventListener('click', () => start());

// A new link pasted into this tab changes only the fragment: no reload.
window.addEventListener('hashchange', () => {
  const fresh = takeTokenFromFragment();
  if (fresh !== null) {
    token = fresh;
    start();
  }
});

token = takeTokenFromFragment() ?? storedToken();
start();
