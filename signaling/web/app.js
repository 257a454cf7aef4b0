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
//
// When the token names a room, the page joins it right after hello: it asks
// for the camera and microphone, publishes them, and shows a tile per person
// (#tiles: our own muted self view first, then one .tile[data-participant] per
// other person with their name and role). #room-view carries data-state:
//   joining  asking for the camera, joining, negotiating
//   joined   in the room (media may still be connecting: see #pub-state and
//            #sub-state, whose data-state is the ICE connection state)
//   left     out of the room (data-code: left, connection closed, …)
//   refused  the server said no (data-code: forbidden, room-full, …)
// A remote tile gets data-first-frame (ms since the page started) when its
// first video frame is shown. For tests and the console, `window.witness`
// holds the current {client, room}.
import { attachStream, openMedia as getLocalMedia } from './roomview.js';
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

const ICE_STATES = {
  none: ['—', '—'],
  new: ['未开始', 'new'],
  checking: ['连接中', 'checking'],
  connected: ['已连接', 'connected'],
  completed: ['已连接', 'completed'],
  disconnected: ['已中断', 'disconnected'],
  failed: ['失败', 'failed'],
  closed: ['已关闭', 'closed'],
};

const $ = (id) => document.getElementById(id);

let client = null;
let token = null;
let view = 'connecting';
let pingTimer = 0;
let expiryTimer = 0;
let room = null; // the Room we are in, if any
let localStream = null; // our camera and microphone while in a room
let joinAttempt = 0; // a newer attempt (or leaving) makes an older one stale

Object.defineProperty(window, 'witness', {
  value: Object.freeze({
    get client() {
      return client;
    },
    get room() {
      return room;
    },
  }),
});

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

// ---- the room ------------------------------------------------------------------

function showRoomState(state, label, code = null) {
  const section = $('room-view');
  section.dataset.state = state;
  if (code === null) delete section.dataset.code;
  else section.dataset.code = String(code);
  $('room-state').replaceChildren(label);
  showControls();
}

function showControls() {
  const state = $('room-view').dataset.state;
  const inRoom = state === 'joining' || state === 'joined';
  $('leave').hidden = !inRoom;
  $('mute-audio').hidden = $('mute-video').hidden = state !== 'joined' || !localStream;
  $('rejoin').hidden = inRoom || view !== 'connected';
}

function showNotice(content) {
  const notice = $('room-notice');
  notice.replaceChildren(content ?? '');
  notice.hidden = !content;
  delete notice.dataset.prompt; // showLivenessPrompt marks its own
}

function showLinkState(which, state) {
  const el = $(which === 'publish' ? 'pub-state' : 'sub-state');
  el.dataset.state = state;
  const [zh, en] = ICE_STATES[state] ?? [state, state];
  el.replaceChildren(zh === en ? zh : bilingual(zh, en));
}

/**
 * Plays @video. When the browser wants a click before it plays sound (before
 * the camera is on, say), plays it muted for now and offers #enable-sound.
 * Resolves with whether it plays with sound.
 */
async function play(video) {
  try {
    await video.play();
    return !video.muted;
  } catch (err) {
    if (err.name !== 'NotAllowedError' || video.muted) return false;
    video.muted = true;
    video.dataset.soundBlocked = 'true';
    $('enable-sound').hidden = false;
    video.play().catch(() => {});
    return false;
  }
}

/** Tries sound again on the videos play() had to mute (after a click, or once capturing). */
async function retrySound() {
  const blocked = [...$('tiles').querySelectorAll('video[data-sound-blocked]')];
  await Promise.all(blocked.map((video) => {
    delete video.dataset.soundBlocked;
    video.muted = false;
    return play(video);
  }));
  $('enable-sound').hidden = !$('tiles').querySelector('video[data-sound-blocked]');
}

function remoteTile(participant) {
  return [...$('tiles').querySelectorAll('.tile.remote')].find((t) => t.dataset.participant === participant);
}

function addRemoteTile({ participant, sub, role }) {
  let tile = remoteTile(participant);
  if (tile) return tile;
  tile = document.createElement('figure');
  tile.className = 'tile remote';
  tile.dataset.participant = participant;
  tile.dataset.sub = sub;
  tile.dataset.role = role;
  tile.dataset.testid = 'remote-tile';
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const caption = document.createElement('figcaption');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = sub;
  const roleLabel = document.createElement('span');
  roleLabel.className = 'role';
  roleLabel.append(bilingual(ROLE_NAMES[role] ?? role, role));
  caption.append(name, ' ', roleLabel);
  if (role === 'applicant' && mayRecord()) {
    // Staff see each applicant's liveness; a click checks again.
    const badge = document.createElement('button');
    badge.className = 'liveness';
    badge.dataset.state = 'none';
    badge.hidden = true;
    badge.addEventListener('click', () => room?.checkLiveness(participant).catch((err) => showNotice(err.reason || err.message)));
    caption.append(' ', badge);
  }
  const waiting = document.createElement('div');
  waiting.className = 'waiting';
  waiting.append(bilingual('等待视频…', 'Waiting for video…'));
  tile.append(video, waiting, caption);
  $('tiles').append(tile);
  return tile;
}

function showTrack({ participant, sub, role, stream }) {
  const video = attachStream(addRemoteTile({ participant, sub, role }), stream);
  if (video) play(video);
}

function clearRemoteTiles() {
  for (const tile of $('tiles').querySelectorAll('.tile.remote')) {
    tile.querySelector('video').srcObject = null;
    tile.remove();
  }
  $('enable-sound').hidden = true;
}

function stopLocalMedia() {
  for (const track of localStream?.getTracks() ?? []) track.stop();
  localStream = null;
  $('self-video').srcObject = null;
  $('self-tile').hidden = true;
}


function showMuteButtons() {
  const isMuted = (kind) => (localStream?.getTracks() ?? []).filter((t) => t.kind === kind).every((t) => !t.enabled);
  for (const kind of ['audio', 'video']) {
    const button = $(`mute-${kind}`);
    const muted = isMuted(kind);
    button.setAttribute('aria-pressed', String(muted));
    const labels = kind === 'audio'
      ? (muted ? ['取消静音', 'Unmute'] : ['静音', 'Mute'])
      : (muted ? ['开启摄像头', 'Camera on'] : ['关闭摄像头', 'Camera off']);
    button.replaceChildren(bilingual(...labels));
  }
  $('self-tile').classList.toggle('camera-off', isMuted('video'));
}

/** Shows our own camera once it is open, or says that there is none. */
function showLocalMedia(stream) {
  localStream = stream;
  if (stream) {
    $('self-tile').hidden = false;
    $('self-video').srcObject = stream;
    play($('self-video'));
    retrySound(); // browsers let a page that captures play sound
  } else {
    $('self-tile').hidden = true;
    showNotice(bilingual('无法使用摄像头或麦克风：其他人看不到也听不到您。',
      'Camera and microphone are unavailable: the others cannot see or hear you.'));
  }
  showMuteButtons();
  showControls();
}

/** Forgets the room on screen and stops the camera; the server side is left already. */
// ---- liveness ----------------------------------------------------------------------

const LIVENESS_LABELS = {
  none: ['未核验', 'Not checked'],
  checking: ['活体核验中…', 'Checking liveness…'],
  passed: ['活体核验通过', 'Live person'],
  failed: ['活体核验未通过', 'Liveness failed'],
  error: ['无法核验', 'Cannot check'],
};
const LIVENESS_REASONS = {
  'no-face': '未见人脸 no face',
  'still-face': '人脸静止（照片？） still face (a photo?)',
  'no-blink': '未眨眼 no blink',
  'no-video': '无视频 no video',
};

function showLiveness({ participant, state, reasons = [] }) {
  const badge = remoteTile(participant)?.querySelector('.liveness');
  if (!badge) return;
  const [zh, en] = LIVENESS_LABELS[state] ?? [state, state];
  badge.hidden = false;
  badge.dataset.state = state;
  badge.dataset.reasons = reasons.join(' ');
  badge.replaceChildren(bilingual(zh, en));
  badge.title = [...reasons.map((r) => LIVENESS_REASONS[r] ?? r), '点击重新核验 click to check again'].join('\n');
}

function showLivenessWarning({ participant, warning }) {
  const badge = remoteTile(participant)?.querySelector('.liveness');
  if (badge) badge.dataset.warning = warning;
  const [zh, en] = warning === 'multiple-faces' ? ['画面中有多张人脸', 'More than one face in view']
    : ['人脸离开画面', 'The face left the picture'];
  showNotice(bilingual(zh, en));
}

/** Shows what the liveness check asks of the applicant; "none": the check is over, the prompt goes. */
function showLivenessPrompt({ prompt }) {
  const notice = $('room-notice');
  if (prompt === 'none') {
    if (notice.dataset.prompt) showNotice(null);
    return;
  }
  const [zh, en] = prompt === 'blink' ? ['请眨眨眼', 'Please blink'] : ['请正对摄像头', 'Please face the camera'];
  showNotice(bilingual(zh, en));
  $('room-notice').dataset.prompt = prompt;
}

// ---- recording ---------------------------------------------------------------------

function mayRecord() {
  return ['staff', 'admin'].includes(client?.identity?.role);
}

function showRecording(r) {
  const el = $('recording');
  el.dataset.state = r.state;
  el.hidden = r.state === 'off';
  if (r.state === 'failed') {
    $('recording-label').replaceChildren(bilingual('录制出错', 'Recording failed'));
    showNotice(r.reason ?? '');
  } else {
    $('recording-label').replaceChildren(bilingual('正在录音录像', 'Recording'));
  }
  const button = $('record-toggle');
  button.hidden = !room || !mayRecord();
  button.dataset.state = r.state;
  button.replaceChildren(r.state === 'on' ? bilingual('停止录制', 'Stop recording')
    : bilingual('开始录制', 'Start recording'));
}

$('record-toggle').addEventListener('click', async () => {
  if (!room) return;
  const button = $('record-toggle');
  button.disabled = true;
  try {
    await room.setRecording(room.recording.state !== 'on');
  } catch (err) {
    showNotice(err.reason || err.message);
  } finally {
    button.disabled = false;
  }
});

function endRoom(reason) {
  room = null;
  showRecording({ state: 'off' });
  stopLocalMedia();
  clearRemoteTiles();
  showLinkState('publish', 'none');
  showLinkState('subscribe', 'none');
  document.body.classList.remove('in-room');
  showRoomState('left', bilingual('已离开房间', 'Left the room'), reason);
}

async function enterRoom(c, me) {
  const attempt = ++joinAttempt;
  const stale = () => c !== client || attempt !== joinAttempt;
  $('room-view').hidden = false;
  $('room-name').textContent = me.room;
  $('self-name').textContent = me.sub;
  showNotice(null);
  showRoomState('joining', bilingual('正在加入…', 'Joining…'));
  document.body.classList.add('in-room');
  // The camera opens once the room has let us in; receiving does not wait
  // for it (nor for the person to allow it), publishing does.
  const media = async () => {
    const stream = await getLocalMedia();
    if (!stale()) {
      showLocalMedia(stream);
      return stream;
    }
    for (const track of stream?.getTracks() ?? []) track.stop();
    return null;
  };
  let r;
  try {
    r = await c.joinRoom(me.room, {
      localStream: media,
      on: {
        'participant-joined': (p) => stale() || addRemoteTile(p),
        liveness: (l) => stale() || showLiveness(l),
        'liveness-warning': (w) => stale() || showLivenessWarning(w),
        'liveness-prompt': (p) => stale() || showLivenessPrompt(p),
        'participant-left': (p) => stale() || remoteTile(p.participant)?.remove(),
        track: (t) => stale() || showTrack(t),
        state: (st) => stale() || showLinkState(st.pc, st.ice),
        left: ({ reason }) => stale() || endRoom(reason),
        recording: (rec) => stale() || showRecording(rec),
      },
    });
  } catch (err) {
    if (stale()) return;
    stopLocalMedia();
    document.body.classList.remove('in-room');
    const [zh, en] = REFUSALS[err.code] ?? ['无法加入房间', 'Cannot join the room'];
    showRoomState('refused', bilingual(zh, en), err.code);
    showNotice(err.reason || err.message);
    return;
  }
  if (stale()) {
    r.leave();
    return;
  }
  room = r;
  showRecording(r.recording);
  for (const [which, state] of Object.entries(r.iceStates)) showLinkState(which, state);
  showRoomState('joined', bilingual('已在房间中', 'In the room'));
  showMuteButtons();
}

for (const kind of ['audio', 'video']) {
  $(`mute-${kind}`).addEventListener('click', () => {
    if (!room) return;
    room.setMuted(kind, !room.isMuted(kind));
    showMuteButtons();
  });
}

$('enable-sound').addEventListener('click', () => retrySound());

$('leave').addEventListener('click', () => {
  if (room) {
    room.leave();
  } else {
    joinAttempt++; // still joining: that attempt leaves once it has joined
    endRoom('left');
  }
});

$('rejoin').addEventListener('click', () => {
  if (client?.identity?.room && !room) enterRoom(client, client.identity);
});

// ---- the connection --------------------------------------------------------------

async function start() {
  stopTimers();
  joinAttempt++;
  if (room) {
    const old = room;
    room = null;
    old.leave();
  }
  stopLocalMedia();
  clearRemoteTiles();
  document.body.classList.remove('in-room');
  $('room-view').hidden = true;
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
  if (me.room) enterRoom(c, me);
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
