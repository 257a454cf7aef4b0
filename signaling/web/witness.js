// witness.js — the Witness signaling client: what an app embeds to talk to
// witnessd over /ws. One WebSocket, JSON messages (see signaling/PROTOCOL.md).
// Plain ES module, no dependencies, no build step.
//
//   import { WitnessClient, wsUrlFor } from './witness.js';
//   const client = new WitnessClient();
//   client.on('state', (s) => console.log(s.state, s.code, s.reason));
//   client.on('event', (msg) => console.log('server event', msg.event, msg));
//   await client.connect(wsUrlFor(location));
//   const me = await client.hello(token);   // {participant, session, sub, role, room?, expires, server}
//   const { time } = await client.request('ping');
//   client.close();
//
// Every request gets a fresh numeric id and its promise settles exactly once:
// with the server's result, with the server's error (a WitnessError carrying
// `code` and `reason`), or locally (codes below) when the connection closes,
// the request times out, or it could not be sent. A late reply to a request
// that was already settled goes to the 'unmatched' listeners, never to a
// promise.
//
// Connection states: 'idle' (never connected), 'connecting', 'open',
// 'closing', 'closed'. Saying hello is not a state: `identity` is set once
// hello succeeds and cleared when the connection closes.

/** Codes made up by this client; the server's own codes pass through as sent. */
export const LOCAL_ERRORS = Object.freeze({
  CONNECT_FAILED: 'connect-failed', // the WebSocket closed before it opened
  NOT_CONNECTED: 'not-connected', // request() while not open
  BUSY: 'busy', // connect() while a connection is open or opening
  CLOSED: 'closed', // the connection closed before the reply came
  TIMEOUT: 'timeout', // no reply within the request timeout
  SEND_FAILED: 'send-failed', // the browser refused to send
});

/** An error reply from the server, or a local failure; both carry code and reason. */
export class WitnessError extends Error {
  constructor(code, reason, details = {}) {
    super(`${code}: ${reason}`);
    this.name = 'WitnessError';
    this.code = code;
    this.reason = reason;
    Object.assign(this, details);
  }
}

/** The /ws URL on the host that served @loc: wss: when the page is https:. */
export function wsUrlFor(loc = globalThis.location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws`;
}

/** Calls @fn without letting a listener's exception break the client. */
function safeCall(fn, arg) {
  try {
    fn(arg);
  } catch (err) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
    else console.error(err);
  }
}

export class WitnessClient {
  /**
   * @param {object} [options]
   * @param {number} [options.requestTimeoutMs=15000] reject a request with
   *   code 'timeout' after this long without a reply; 0 waits forever.
   * @param {typeof WebSocket} [options.WebSocket] for tests or other runtimes.
   */
  constructor(options = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15000;
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this._ws = null;
    this._state = 'idle';
    this._nextId = 1;
    this._pending = new Map(); // id -> {resolve, reject, timer, type}
    this._listeners = new Map(); // name -> Set of functions
    this.identity = null;
    this.url = null;
    this.closeInfo = null; // {code, reason, wasClean} of the last close
  }

  /** 'idle' | 'connecting' | 'open' | 'closing' | 'closed' */
  get state() {
    return this._state;
  }

  /**
   * Listens for:
   *   'state'       fn({state, previous, code?, reason?, wasClean?}) on every change
   *   'event'       fn(msg) for every server event ({type: 'event', event, ...})
   *   'event:NAME'  fn(msg) for server events named NAME
   *   'unmatched'   fn(msg) for replies that match no pending request
   *                 (late replies, errors with id null such as bad-json)
   * Returns a function that removes the listener.
   */
  on(name, fn) {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    let set = this._listeners.get(name);
    if (!set) this._listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => this.off(name, fn);
  }

  off(name, fn) {
    this._listeners.get(name)?.delete(fn);
  }

  _emit(name, arg) {
    const set = this._listeners.get(name);
    if (!set) return;
    for (const fn of [...set]) safeCall(fn, arg);
  }

  _setState(state, extra = {}) {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this._emit('state', { state, previous, ...extra });
  }

  /**
   * Opens the WebSocket. Resolves once it is open; rejects with code
   * 'connect-failed' if it closes first, or 'busy' if a connection is
   * already open or opening (close() it first). A closed client may connect
   * again.
   */
  connect(url) {
    if (this._state === 'connecting' || this._state === 'open' || this._state === 'closing') {
      return Promise.reject(
        new WitnessError(LOCAL_ERRORS.BUSY, `already ${this._state}; close() first`),
      );
    }
    this.url = url ?? wsUrlFor();
    this.identity = null;
    this.closeInfo = null;
    let ws;
    try {
      ws = new this._WebSocket(this.url);
    } catch (err) {
      return Promise.reject(
        new WitnessError(LOCAL_ERRORS.CONNECT_FAILED, `cannot open ${this.url}: ${err.message}`),
      );
    }
    this._ws = ws;
    this._setState('connecting');
    return new Promise((resolve, reject) => {
      let opened = false;
      ws.addEventListener('open', () => {
        if (this._ws !== ws) return;
        opened = true;
        this._setState('open');
        resolve();
      });
      ws.addEventListener('message', (ev) => {
        if (this._ws === ws) this._onMessage(ev.data);
      });
      ws.addEventListener('close', (ev) => {
        if (this._ws !== ws) return;
        this._onClose(ev);
        if (!opened) {
          reject(
            new WitnessError(
              LOCAL_ERRORS.CONNECT_FAILED,
              `could not connect to ${this.url} (close code ${ev.code}${ev.reason ? ': ' + ev.reason : ''})`,
              { closeCode: ev.code },
            ),
          );
        }
      });
      // 'error' is always followed by 'close', which carries the details.
    });
  }

  /** Says hello with @token. Resolves with the identity the server confirms. */
  async hello(token) {
    const identity = await this.request('hello', { token });
    this.identity = identity;
    return identity;
  }

  /**
   * Sends {type, id, ...fields}. Resolves with the reply's `result` object;
   * rejects with a WitnessError (server code and reason, or a local code).
   */
  request(type, fields = {}) {
    if (typeof type !== 'string' || type === '') {
      return Promise.reject(new TypeError('request type must be a non-empty string'));
    }
    const ws = this._ws;
    if (this._state !== 'open' || !ws) {
      return Promise.reject(
        new WitnessError(LOCAL_ERRORS.NOT_CONNECTED, `cannot send \`${type}\`: connection is ${this._state}`),
      );
    }
    const id = this._nextId++;
    const message = { ...fields, type, id };
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, timer: null, type };
      this._pending.set(id, entry);
      if (this.requestTimeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this._settle(id, null, new WitnessError(LOCAL_ERRORS.TIMEOUT,
            `no reply to \`${type}\` within ${this.requestTimeoutMs} ms`));
        }, this.requestTimeoutMs);
      }
      try {
        ws.send(JSON.stringify(message));
      } catch (err) {
        this._settle(id, null, new WitnessError(LOCAL_ERRORS.SEND_FAILED, `cannot send \`${type}\`: ${err.message}`));
      }
    });
  }

  /**
   * Closes the connection. Pending requests are rejected at once with code
   * 'closed'; the 'state' listeners then see 'closing' and 'closed'.
   */
  close(code = 1000, reason = '') {
    const ws = this._ws;
    if (!ws || this._state === 'closed' || this._state === 'closing') return;
    this._rejectAll(`connection closed by the client${reason ? ': ' + reason : ''}`);
    this._setState('closing');
    try {
      ws.close(code, reason);
    } catch {
      ws.close();
    }
  }

  /** Settles request @id exactly once; returns false if it was already settled. */
  _settle(id, result, error) {
    const entry = this._pending.get(id);
    if (!entry) return false;
    this._pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(result);
    return true;
  }

  _rejectAll(reason) {
    for (const id of [...this._pending.keys()]) {
      this._settle(id, null, new WitnessError(LOCAL_ERRORS.CLOSED, reason));
    }
  }

  _onMessage(data) {
    if (typeof data !== 'string') return; // the server speaks JSON text only
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn('witness: ignoring a message that is not JSON');
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'result': {
        const result = msg.result && typeof msg.result === 'object' ? msg.result : {};
        if (!this._settle(msg.id, result, null)) this._emit('unmatched', msg);
        break;
      }
      case 'error': {
        const code = typeof msg.code === 'string' ? msg.code : 'unknown';
        const reason = typeof msg.reason === 'string' ? msg.reason : '';
        if (!this._settle(msg.id, null, new WitnessError(code, reason))) this._emit('unmatched', msg);
        break;
      }
      case 'event':
        this._emit('event', msg);
        if (typeof msg.event === 'string') this._emit(`event:${msg.event}`, msg);
        break;
      default:
        this._emit('unmatched', msg);
    }
  }

  _onClose(ev) {
    const info = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
    this.closeInfo = info;
    this._rejectAll(`connection closed (code ${ev.code}${ev.reason ? ': ' + ev.reason : ''})`);
    this.identity = null;
    this._ws = null;
    this._setState('closed', info);
  }
}
