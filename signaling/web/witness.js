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
//   const room = await client.joinRoom('demo', { localStream, on: { track } });  // see Room
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

/** Named listeners; each listener's exceptions are reported, never thrown. */
class Emitter {
  constructor() {
    this._listeners = new Map(); // name -> Set of functions
  }

  /** Adds @fn for @name; returns a function that removes it. */
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
}

export class WitnessClient extends Emitter {
  /**
   * @param {object} [options]
   * @param {number} [options.requestTimeoutMs=15000] reject a request with
   *   code 'timeout' after this long without a reply; 0 waits forever.
   * @param {typeof WebSocket} [options.WebSocket] for tests or other runtimes.
   */
  constructor(options = {}) {
    super();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15000;
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this._ws = null;
    this._state = 'idle';
    this._nextId = 1;
    this._pending = new Map(); // id -> {resolve, reject, timer, type}
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
    return super.on(name, fn);
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
   * Joins room @roomId (see Room below): resolves with the Room once the
   * server has said yes and publishing and subscribing have started; media
   * connects afterwards (watch the room's 'state' and 'track' events).
   * Rejects with the server's error (forbidden, room-full, already-joined…).
   * @param {object} [options]
   * @param {MediaStream|Promise<MediaStream>|function} [options.localStream]
   *   what to publish; none (or null): receive only. A function is called
   *   once the server has let us in (so the camera opens only then) and may
   *   return a promise: receiving does not wait for it. If the promise
   *   rejects, joinRoom() rejects too (and leaves).
   * @param {object} [options.on] listeners by event name, added before anything
   *   happens, so none of the room's first events is missed (see Room).
   */
  async joinRoom(roomId, options = {}) {
    const room = new Room(this, roomId, options);
    await room._start();
    return room;
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

/**
 * A room this client is in: two RTCPeerConnections to witnessd, `publish`
 * (we offer our camera and microphone, sendonly) and `subscribe` (the server
 * offers everyone else's tracks and renegotiates as people come and go; we
 * answer, one offer at a time). Both are bundled, with trickle ICE both ways.
 * Made by WitnessClient.joinRoom().
 *
 *   const room = await client.joinRoom('demo', {
 *     localStream,
 *     on: {
 *       'participant-joined': (p) => …,  // {participant, sub, role, tracks, existing}
 *       'participant-left': (p) => …,    // {participant, sub, role, reason}
 *       track: (t) => …,                 // {participant, sub, role, kind, track, stream}
 *       state: (s) => …,                 // {pc: 'publish'|'subscribe', ice, connection}
 *       left: ({ reason }) => …,         // out of the room, for whatever reason
 *       recording: (r) => …,             // {state: 'on'|'off'|'failed', id, reason}
 *       liveness: (l) => …,              // staff: {participant, state, reasons, trigger}
 *       'liveness-warning': (w) => …,    // staff: {participant, warning}
 *       'liveness-prompt': (p) => …,     // the applicant checked: {prompt: 'blink'|'face-camera'|'none'}
 *     },
 *   });
 *   room.setMuted('audio', true);
 *   await room.setRecording(true);       // staff: start (false: stop) recording
 *   await room.checkLiveness(id);        // staff: check an applicant's liveness now
 *   await room.iceRestart();
 *   await room.leave();
 *
 * Listeners given as `on` see every event; ones added later with room.on()
 * miss what happened while joining (the people already there, their first
 * tracks). Each remote MediaStream's id is the participant id of whoever
 * sends it (the server's `streams` map says who that is), so one stream
 * carries one person's audio and video.
 */
export class Room extends Emitter {
  constructor(client, id, { localStream = null, on = {}, RTCPeerConnection = globalThis.RTCPeerConnection } = {}) {
    super();
    for (const [name, fn] of Object.entries(on)) this.on(name, fn);
    this.client = client;
    this.id = id;
    this.localStream = null; // what we publish, once there is something
    this._localStream = localStream; // a MediaStream, a promise or function of one, or null
    this.participant = null; // our own participant id, once joined
    this.participants = new Map(); // id -> {participant, sub, role, tracks}
    this.iceServers = [];
    this.recording = { state: 'off' }; // {state: 'on'|'off'|'failed', id, reason}
    this.publishPc = null;
    this.subscribePc = null;
    this.state = 'joining'; // 'joining' | 'joined' | 'left'
    this._RTCPeerConnection = RTCPeerConnection;
    this._streams = {}; // MediaStream id -> {participant, sub, role}, from the server
    this._mids = new Map(); // subscribe mid -> participant id
    this._sdpSent = { publish: false, subscribe: false }; // may we trickle yet?
    this._localCandidates = { publish: [], subscribe: [] }; // held until then
    this._remoteCandidates = { publish: [], subscribe: [] }; // held until the remote SDP is set
    this._publishChain = Promise.resolve(); // one publish negotiation at a time
    this._subscribeChain = Promise.resolve(); // one subscribe offer at a time
    this._unlisten = [];
  }

  /** ICE connection states: {publish, subscribe}, 'none' for a connection not made. */
  get iceStates() {
    return {
      publish: this.publishPc?.iceConnectionState ?? 'none',
      subscribe: this.subscribePc?.iceConnectionState ?? 'none',
    };
  }

  async _start() {
    const c = this.client;
    const mine = (msg) => this.state !== 'left' && (msg.room === undefined || msg.room === this.id);
    const listen = (name, fn) => this._unlisten.push(c.on(name, (msg) => mine(msg) && fn(msg)));
    listen('event:participant-joined', (m) => this._joined(m, false));
    listen('event:participant-left', (m) => this._gone(m));
    listen('event:tracks', (m) => this._tracks(m));
    listen('event:offer', (m) => this._queueOffer(m));
    listen('event:candidate', (m) => this._remoteCandidate(m.pc, m.candidate));
    listen('event:left', (m) => this._close(m.reason || 'left'));
    listen('event:recording', (m) => this._recording({ state: m.state, id: m.recording, reason: m.reason }));
    listen('event:liveness', (m) => this._emit('liveness', {
      participant: m.participant, state: m.state, reasons: m.reasons ?? [], trigger: m.trigger,
    }));
    listen('event:liveness-warning', (m) => this._emit('liveness-warning', { participant: m.participant, warning: m.warning }));
    listen('event:liveness-prompt', (m) => this._emit('liveness-prompt', { prompt: m.prompt }));
    this._unlisten.push(c.on('state', (s) => {
      if (s.state === 'closed') this._close('connection closed');
    }));

    // The server handles one connection's requests in order, so `subscribe`
    // goes right behind `join`: the offer comes a round trip sooner.
    const joining = c.request('join', { room: this.id });
    const subscribing = c.request('subscribe');
    subscribing.catch(() => {}); // when the join fails, this fails too
    let joined;
    try {
      joined = await joining;
    } catch (err) {
      this._close(err.code, { quiet: true });
      throw err;
    }
    if (this.state === 'left') {
      throw new WitnessError(LOCAL_ERRORS.CLOSED, 'left the room while joining');
    }
    this.participant = joined.participant;
    this.iceServers = Array.isArray(joined.ice_servers) ? joined.ice_servers : [];
    this.state = 'joined';
    if (joined.recording) this._recording({ state: joined.recording.state, id: joined.recording.id });
    for (const p of joined.participants ?? []) this._joined(p, true);
    try {
      // Receiving does not wait for the camera, nor publishing for receiving.
      await Promise.all([this._publish(), this._subscribe(subscribing)]);
    } catch (err) {
      await this.leave();
      throw err;
    }
  }

  // ---- participants ----------------------------------------------------------

  _joined(msg, existing) {
    const p = { participant: msg.participant, sub: msg.sub, role: msg.role, tracks: msg.tracks ?? [] };
    const known = this.participants.has(p.participant);
    this.participants.set(p.participant, p);
    if (!known) this._emit('participant-joined', { ...p, existing });
    if (msg.liveness) {
      const l = msg.liveness;
      this._emit('liveness', { participant: p.participant, state: l.state, reasons: l.reasons ?? [], trigger: l.trigger });
    }
  }

  _gone(msg) {
    const p = this.participants.get(msg.participant);
    this.participants.delete(msg.participant);
    this._emit('participant-left', {
      participant: msg.participant,
      sub: msg.sub ?? p?.sub,
      role: p?.role,
      reason: msg.reason,
    });
  }

  _tracks(msg) {
    const p = this.participants.get(msg.participant);
    if (p) p.tracks = msg.tracks ?? [];
  }

  /** Who sends the MediaStream @streamId: {participant, sub, role}. */
  _who(streamId) {
    const p = this.participants.get(streamId) ?? this._streams[streamId];
    return { participant: streamId, sub: p?.sub ?? '', role: p?.role ?? '' };
  }

  // ---- connections -----------------------------------------------------------

  _newPc(which) {
    const pc = new this._RTCPeerConnection({
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
      iceServers: this.iceServers,
    });
    pc.addEventListener('icecandidate', (e) => this._localCandidate(which, e.candidate));
    const changed = () => {
      if (this.state !== 'left') {
        this._emit('state', { pc: which, ice: pc.iceConnectionState, connection: pc.connectionState });
      }
    };
    pc.addEventListener('iceconnectionstatechange', changed);
    pc.addEventListener('connectionstatechange', changed);
    if (which === 'subscribe') pc.addEventListener('track', (e) => this._onTrack(e));
    return pc;
  }

  /** Sends an SDP request; trickling of @which's candidates may follow it. */
  _sendSdp(which, type, fields) {
    const reply = this.client.request(type, fields);
    this._sdpSent[which] = true;
    for (const cand of this._localCandidates[which].splice(0)) this._trickle(which, cand);
    return reply;
  }

  _localCandidate(which, candidate) {
    if (this.state === 'left') return;
    // '' marks the end of one generation; null, which follows, the end of all.
    if (candidate && !candidate.candidate) return;
    // witnessd gathers and checks UDP only: TCP candidates would be noise.
    if (candidate && / tcp /i.test(candidate.candidate)) return;
    const text = candidate ? candidate.candidate : null;
    if (this._sdpSent[which]) this._trickle(which, text);
    else this._localCandidates[which].push(text);
  }

  _trickle(which, candidate) {
    this.client.request('trickle', { pc: which, candidate }).catch((err) => {
      if (this.state !== 'left') console.warn(`witness: trickle (${which}) refused: ${err.message}`);
    });
  }

  /** A server candidate; held until the connection has the server's SDP. */
  _remoteCandidate(which, candidate) {
    const pc = which === 'publish' ? this.publishPc : this.subscribePc;
    if (!candidate) return; // end of candidates: nothing to do in the browser
    if (!pc || !pc.remoteDescription) {
      this._remoteCandidates[which].push(candidate);
      return;
    }
    pc.addIceCandidate({ candidate, sdpMLineIndex: 0 }).catch((err) => {
      console.warn(`witness: server candidate (${which}) not usable: ${err.message}`);
    });
  }

  _flushRemoteCandidates(which) {
    for (const cand of this._remoteCandidates[which].splice(0)) this._remoteCandidate(which, cand);
  }

  // ---- publish ---------------------------------------------------------------

  async _publish() {
    const local = this._localStream;
    this.localStream = (await (typeof local === 'function' ? local() : local)) ?? null;
    const tracks = this.localStream?.getTracks() ?? [];
    if (!tracks.length || this.state === 'left') return;
    this.publishPc = this._newPc('publish');
    for (const track of tracks) {
      this.publishPc.addTransceiver(track, { direction: 'sendonly', streams: [this.localStream] });
    }
    return this._negotiatePublish({});
  }

  /** Offers, sends `publish`, applies the answer; one at a time. */
  _negotiatePublish(offerOptions) {
    const run = async () => {
      const pc = this.publishPc;
      const offer = await pc.createOffer(offerOptions);
      this._sdpSent.publish = false; // an ICE restart's candidates follow its offer
      await pc.setLocalDescription(offer);
      const { sdp } = await this._sendSdp('publish', 'publish', { sdp: pc.localDescription.sdp });
      if (this.state === 'left') return;
      await pc.setRemoteDescription({ type: 'answer', sdp });
      this._flushRemoteCandidates('publish');
    };
    const job = this._publishChain.then(run);
    this._publishChain = job.catch(() => {});
    return job;
  }

  // ---- subscribe -------------------------------------------------------------

  async _subscribe(subscribing) {
    const offer = await subscribing;
    // sdp null: nobody else publishes yet; an `offer` event will come.
    if (offer.sdp) await this._queueOffer(offer);
  }

  /** Answers the server's offers in order. */
  _queueOffer(msg) {
    const job = this._subscribeChain.then(() => this._answer(msg));
    this._subscribeChain = job.catch((err) => {
      if (this.state !== 'left') console.warn(`witness: subscribe offer failed: ${err.message}`);
    });
    return job;
  }

  async _answer({ sdp, streams }) {
    if (this.state === 'left' || !sdp) return;
    Object.assign(this._streams, streams ?? {});
    if (!this.subscribePc) this.subscribePc = this._newPc('subscribe');
    const pc = this.subscribePc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    this._flushRemoteCandidates('subscribe');
    const answer = await pc.createAnswer();
    this._sdpSent.subscribe = false;
    await pc.setLocalDescription(answer);
    await this._sendSdp('subscribe', 'answer', { sdp: pc.localDescription.sdp });
  }

  _onTrack(e) {
    const stream = e.streams[0];
    if (!stream) return;
    this._mids.set(e.transceiver.mid, stream.id);
    this._emit('track', { ...this._who(stream.id), kind: e.track.kind, track: e.track, stream });
  }

  // ---- controls --------------------------------------------------------------

  /** Mutes or unmutes what we send of @kind ('audio' | 'video'). */
  // Everyone is told whether the room is being recorded ('recording' events).
  _recording(r) {
    this.recording = r;
    this._emit('recording', r);
  }

  // Staff: start or stop recording the room. Resolves with {state, recording}.
  setRecording(on) {
    return this.client.request('record', { action: on ? 'start' : 'stop' });
  }

  // Staff: check @participant's liveness now. Resolves with {participant, state: 'checking'}.
  checkLiveness(participant) {
    return this.client.request('liveness', { participant });
  }

  setMuted(kind, muted) {
    for (const track of this.localStream?.getTracks() ?? []) {
      if (track.kind === kind) track.enabled = !muted;
    }
  }

  /** TRUE when everything we send of @kind is muted (or there is none). */
  isMuted(kind) {
    return (this.localStream?.getTracks() ?? []).filter((t) => t.kind === kind).every((t) => !t.enabled);
  }

  /** Restarts ICE on both connections; resolves once both are renegotiated. */
  async iceRestart() {
    const jobs = [];
    if (this.publishPc) jobs.push(this._negotiatePublish({ iceRestart: true }));
    if (this.subscribePc) jobs.push(this._restartSubscribe());
    await Promise.all(jobs);
  }

  async _restartSubscribe() {
    for (let attempt = 1; ; attempt++) {
      await this._subscribeChain; // our answers are out
      try {
        return await this._queueOffer(await this.client.request('ice-restart', { pc: 'subscribe' }));
      } catch (err) {
        // An offer of the server's crossed our request: answer it, then retry.
        if (err.code !== 'negotiation' || attempt >= 5) throw err;
        await new Promise((res) => setTimeout(res, 100 * attempt));
      }
    }
  }

  /** Leaves the room (closing both connections); resolves once done. */
  async leave() {
    if (this.state === 'left') return;
    const reply = this.client.request('leave').catch(() => {});
    this._close('left');
    await reply;
  }

  _close(reason, { quiet = false } = {}) {
    if (this.state === 'left') return;
    this.state = 'left';
    for (const off of this._unlisten.splice(0)) off();
    this.publishPc?.close();
    this.subscribePc?.close();
    if (!quiet) this._emit('left', { reason });
  }

  // ---- statistics (for the page and tests) -----------------------------------

  /**
   * What we receive, one entry per receiving track: {participant, sub, role,
   * kind, mid, packetsReceived, bytesReceived, packetsLost, framesDecoded,
   * totalAudioEnergy, jitter}.
   */
  async receiveStats() {
    const pc = this.subscribePc;
    if (!pc) return [];
    const out = [];
    for (const t of pc.getTransceivers()) {
      if (!t.mid || !this._mids.has(t.mid) || t.currentDirection === 'inactive' || t.stopped) continue;
      const report = await t.receiver.getStats();
      for (const s of report.values()) {
        if (s.type !== 'inbound-rtp') continue;
        out.push({
          ...this._who(this._mids.get(t.mid)),
          kind: s.kind,
          mid: t.mid,
          packetsReceived: s.packetsReceived ?? 0,
          bytesReceived: s.bytesReceived ?? 0,
          packetsLost: s.packetsLost ?? 0,
          framesDecoded: s.framesDecoded ?? 0,
          totalAudioEnergy: s.totalAudioEnergy ?? 0,
          jitter: s.jitter ?? 0,
        });
      }
    }
    return out;
  }

  /** What we send: {kind, packetsSent, bytesSent, framesEncoded} per track. */
  async sendStats() {
    const pc = this.publishPc;
    if (!pc) return [];
    const report = await pc.getStats();
    return [...report.values()]
      .filter((s) => s.type === 'outbound-rtp')
      .map((s) => ({
        kind: s.kind,
        packetsSent: s.packetsSent ?? 0,
        bytesSent: s.bytesSent ?? 0,
        framesEncoded: s.framesEncoded ?? 0,
      }));
  }
}
