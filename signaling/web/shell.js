// shell.js — what the hall (applicants) and console (staff) pages share: the
// token from the link, the connection to witnessd (reconnecting by itself),
// the status line, the language switch, the tabs of panels and the video
// room. Plain ES module; runs in the page.
//
//   import { startShell } from './shell.js';
//   import * as consult from './panels/consult-hall.js';
//   startShell({ page: 'hall', panels: [consult] });
//
// A panel module exports `id` (its module's name), `title` ({zh, en}),
// optionally `roles` (e.g. ['admin']: its tab is shown only to those), and
// `mount(el, ctx)`, called once, after the first hello, with its own
// element and this ctx:
//   client        the WitnessClient (witness.js)
//   identity      {sub, role, participant, ...} from hello (updated on reconnect)
//   lang, t(key, vars), addStrings({zh: {...}, en: {...}}), onLang(fn)
//   request(module, action, fields) -> Promise of the result (WitnessError on error)
//   onEvent(module, fn)  fn(msg) for each event the module sends; returns an unsubscribe
//   onReady(fn)          fn(identity) after each hello (the first, and every reconnect)
//   enterRoom(roomId, {stopWarning}) -> Promise<Room> (stopWarning: the i18n key
//                        of what staff confirm before stopping its recording),
//   leaveRoom(), onRoomLeft(fn(reason)),
//   inRoom(roomId)       TRUE while the page is in that room
//   nameTiles({participant: text}) captions those people's tiles with the text
//   showTab()            brings the panel's tab to the front
// Elements are made with textContent only. The page's state is on
// #status[data-state]: no-token, connecting, connected, refused, closed.
// For tests and the browser console, `window.witness` holds {client, room, i18n}.
import { createI18n } from './i18n.js';
import { relabel } from './panels/dom.js';
import { RoomView } from './roomview.js';
import { WitnessClient, wsUrlFor } from './witness.js';

const TOKEN_KEY = 'witness.token';
const RECONNECT_MS = [500, 1000, 2000, 4000, 8000];

/** Reads #token=… from the address (then hides it), else the one kept in this tab. */
function takeToken() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fresh = params.get('token');
  if (fresh) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
    try {
      sessionStorage.setItem(TOKEN_KEY, fresh);
    } catch {
      // the token then lives only in this page
    }
    return fresh;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function $(id) {
  return document.getElementById(id);
}

export function startShell({ page, panels }) {
  const i18n = createI18n();
  const client = new WitnessClient();
  const token = takeToken();
  const readyListeners = new Set();
  const eventListeners = new Map(); // module -> Set of fn
  let identity = null;
  let mounted = false;
  let refused = false;
  let attempt = 0;
  let view = null;

  const status = $('status');
  const label = $('state-label');
  const detail = $('state-detail');
  const show = (state, key, text = '') => {
    status.dataset.state = state;
    label.dataset.i18n = key;
    label.textContent = i18n.t(key);
    detail.textContent = text;
  };

  const langButton = $('lang');
  langButton.addEventListener('click', () => i18n.setLang(i18n.lang === 'zh' ? 'en' : 'zh'));
  const showWho = () => {
    $('who').textContent = identity ? `${identity.sub} · ${i18n.t(`role.${identity.role}`)}` : '';
  };
  i18n.onChange(() => {
    i18n.apply();
    showWho();
    relabel();
  });
  i18n.apply();

  view = new RoomView($('room-view'), { client, i18n, staff: page === 'console' });
  Object.defineProperty(window, 'witness', {
    value: Object.freeze({
      client,
      i18n,
      get room() {
        return view.room;
      },
    }),
  });

  client.on('event', (msg) => {
    if (typeof msg.module !== 'string') return;
    for (const fn of eventListeners.get(msg.module) ?? []) fn(msg);
  });

  const ctx = {
    client,
    get identity() {
      return identity;
    },
    get lang() {
      return i18n.lang;
    },
    t: (key, vars) => i18n.t(key, vars),
    addStrings: (strings) => {
      i18n.addStrings(strings);
      i18n.apply();
    },
    onLang: (fn) => i18n.onChange(fn),
    request: (module, action, fields = {}) => client.request('request', { ...fields, module, action }),
    onEvent(module, fn) {
      if (!eventListeners.has(module)) eventListeners.set(module, new Set());
      eventListeners.get(module).add(fn);
      return () => eventListeners.get(module).delete(fn);
    },
    onReady(fn) {
      readyListeners.add(fn);
      return () => readyListeners.delete(fn);
    },
    enterRoom: (roomId, opts) => view.enter(roomId, opts),
    leaveRoom: () => view.leave(),
    onRoomLeft: (fn) => view.onLeft(fn),
    inRoom: (roomId) => view.room?.id === roomId,
    nameTiles: (names) => view.nameTiles(names),
  };

  // Tabs: one button and one section per panel.
  const tabs = $('tabs');
  const holder = $('panels');
  const sections = [];
  const select = (id) => {
    for (const { button, section, panel } of sections) {
      const on = panel.id === id;
      button.setAttribute('aria-selected', String(on));
      section.hidden = !on;
    }
  };
  for (const panel of panels) {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'tab');
    button.dataset.testid = `tab-${panel.id}`;
    const section = document.createElement('section');
    section.className = 'card panel';
    section.dataset.testid = `panel-${panel.id}`;
    section.setAttribute('role', 'tabpanel');
    const title = () => {
      button.textContent = panel.title?.[i18n.lang] ?? panel.id;
    };
    title();
    i18n.onChange(title);
    button.addEventListener('click', () => select(panel.id));
    tabs.append(button);
    holder.append(section);
    sections.push({ button, section, panel });
  }
  if (sections.length) select(sections[0].panel.id);

  const mount = () => {
    mounted = true;
    for (const { button, section, panel } of sections) {
      if (panel.roles && !panel.roles.includes(identity.role)) {
        button.remove();
        section.remove();
        continue;
      }
      try {
        // Copied with its getters (a spread would freeze `lang` and `identity`
        // at their values now), plus the panel's own showTab.
        const own = Object.defineProperties({}, Object.getOwnPropertyDescriptors(ctx));
        own.showTab = () => select(panel.id);
        panel.mount(section, own);
      } catch (err) {
        section.textContent = `${panel.id}: ${err.message}`;
        console.error(err);
      }
    }
  };

  async function connect() {
    const mine = ++attempt;
    show('connecting', 'state.connecting');
    try {
      await client.connect(wsUrlFor(location));
    } catch {
      return; // the 'state' listener retries
    }
    if (mine !== attempt) return;
    show('connecting', 'state.signing-in');
    try {
      identity = await client.hello(token);
    } catch (err) {
      if (err.code === 'closed') return;
      refused = true;
      show('refused', 'state.refused', err.reason || err.code);
      client.close(1000, 'hello refused');
      return;
    }
    showWho();
    show('connected', 'state.connected');
    if (!mounted) mount();
    for (const fn of readyListeners) fn(identity);
  }

  let failures = 0;
  client.on('state', (s) => {
    if (s.state === 'open') failures = 0;
    if (s.state !== 'closed' || refused) return;
    show('closed', 'state.closed', s.code ? `code ${s.code}` : '');
    const wait = RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)];
    setTimeout(() => connect(), wait);
  });

  if (!token) {
    show('no-token', 'state.no-token');
    return ctx;
  }
  connect();
  return ctx;
}
