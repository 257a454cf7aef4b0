// roomview.js — the video room of the hall and console pages: joins a room a
// module made (consultation, appointment, entrustment), shows a tile per
// person, our own camera, the recording state and, for staff, each
// applicant's liveness badge. Plain ES module; runs in the page.
//
//   const view = new RoomView(sectionEl, { client, i18n, staff: true });
//   const room = await view.enter('consult-1a2b3c4d5e6f');   // a Room (witness.js)
//   await view.enter(id, { stopWarning: 'witness.stop-warning' }); // staff confirm that i18n text before stopping the recording
//   view.nameTiles({ 'p-3f9a…': '委托人 张三' });              // captions by participant instead of account
//   view.onLeft((reason) => …);                               // out, for whatever reason
//   await view.leave();
//
// The section carries data-testid="room-view" and data-state: idle, joining,
// joined, left (data-code: why), refused (data-code: the server's code).
// Remote tiles are `.tile.remote[data-participant][data-sub][data-role]` and
// get data-first-frame once their first video frame shows; the liveness badge
// is `.liveness[data-state]`; the recording indicator `[data-testid=recording]`
// has data-state on|off|failed. The notice `[data-testid=room-notice]` has
// data-kind (prompt, warning, error). Everything is shown with textContent.

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'className') node.className = v;
    else node[k] = v;
  }
  node.append(...children);
  return node;
}

/** Camera and microphone; failing that, whichever works; failing both, null. */
export async function openMedia() {
  for (const constraints of [{ audio: true, video: true }, { audio: true }, { video: true }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch {
      // try the next
    }
  }
  return null;
}

/**
 * Shows @stream in @tile's <video>: the tile gets class `live` and
 * data-first-frame (ms since the page started) at its first frame. Returns
 * the video to play, or null when it already shows @stream.
 */
export function attachStream(tile, stream) {
  const video = tile.querySelector('video');
  if (video.srcObject === stream) return null;
  video.srcObject = stream;
  const shown = (now) => {
    tile.classList.add('live');
    if (!tile.dataset.firstFrame) tile.dataset.firstFrame = String(Math.round(now));
  };
  if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback((now) => shown(now));
  else video.addEventListener('loadeddata', () => shown(performance.now()), { once: true });
  return video;
}

export class RoomView {
  constructor(section, { client, i18n, staff = false }) {
    this.section = section;
    this.client = client;
    this.i18n = i18n;
    this.staff = staff;
    this.room = null;
    this.stream = null;
    this._attempt = 0;
    this._leftListeners = new Set();
    this._build();
    i18n.onChange(() => this._relabel());
  }

  _build() {
    const t = (k) => this.i18n.t(k);
    this.titleEl = el('h2', {}, t('room.title'));
    this.nameEl = el('span', { className: 'mono', dataset: { testid: 'room-name' } });
    this.stateEl = el('div', { className: 'room-state', dataset: { testid: 'room-state' } });
    this.recEl = el('div', { className: 'recording', hidden: true, dataset: { testid: 'recording', state: 'off' } },
      el('span', { className: 'rec-dot' }), el('span', { className: 'rec-label' }, t('room.recording')));
    this.noticeEl = el('div', { className: 'notice', hidden: true, dataset: { testid: 'room-notice' } });
    this.selfVideo = el('video', { autoplay: true, playsInline: true, muted: true });
    this.selfTile = el('figure', { className: 'tile self', hidden: true, dataset: { testid: 'self-tile' } },
      this.selfVideo, el('figcaption', {}, el('span', { className: 'me' }, t('room.me'))));
    this.tilesEl = el('div', { className: 'tiles', dataset: { testid: 'tiles' } }, this.selfTile);
    this.muteAudio = el('button', { type: 'button', dataset: { testid: 'mute-audio' } });
    this.muteVideo = el('button', { type: 'button', dataset: { testid: 'mute-video' } });
    this.recordBtn = el('button', { type: 'button', hidden: true, dataset: { testid: 'record-toggle' } });
    this.leaveBtn = el('button', { type: 'button', className: 'danger', dataset: { testid: 'leave-room' } });
    this.muteAudio.addEventListener('click', () => this._toggleMute('audio'));
    this.muteVideo.addEventListener('click', () => this._toggleMute('video'));
    this.recordBtn.addEventListener('click', () => this._toggleRecording());
    this.leaveBtn.addEventListener('click', () => this.leave());
    const head = el('div', { className: 'room-head' }, this.titleEl, this.nameEl, this.stateEl, this.recEl);
    this.section.classList.add('card', 'room');
    this.section.dataset.testid = 'room-view';
    this.section.hidden = true;
    this.section.replaceChildren(head, this.noticeEl, this.tilesEl,
      el('div', { className: 'controls' }, this.muteAudio, this.muteVideo, this.recordBtn, this.leaveBtn));
    this._setState('idle');
    this._relabel();
  }

  _relabel() {
    const t = (k) => this.i18n.t(k);
    this.titleEl.textContent = t('room.title');
    this.stateEl.textContent = t(`room.${this.section.dataset.state}`);
    this.recEl.querySelector('.rec-label').textContent =
      t(this.recEl.dataset.state === 'failed' ? 'room.recording-failed' : 'room.recording');
    this.muteAudio.textContent = t(this._muted('audio') ? 'room.unmute' : 'room.mute');
    this.muteVideo.textContent = t(this._muted('video') ? 'room.camera-on' : 'room.camera-off');
    this.recordBtn.textContent = t(this.recEl.dataset.state === 'on' ? 'room.record-stop' : 'room.record-start');
    this.leaveBtn.textContent = t('room.leave');
    this.selfTile.querySelector('.me').textContent = t('room.me');
    for (const tile of this.tilesEl.querySelectorAll('.tile.remote')) {
      tile.querySelector('.role').textContent = t(`role.${tile.dataset.role}`);
      tile.querySelector('.waiting').textContent = t('room.waiting-video');
      const badge = tile.querySelector('.liveness');
      if (badge) badge.textContent = t(`liveness.${badge.dataset.state}`);
    }
  }

  _setState(state, code = null) {
    this.section.dataset.state = state;
    if (code === null || code === undefined) delete this.section.dataset.code;
    else this.section.dataset.code = String(code);
    this.stateEl.textContent = this.i18n.t(`room.${state}`);
    const inRoom = state === 'joining' || state === 'joined';
    this.leaveBtn.hidden = !inRoom;
    this.muteAudio.hidden = this.muteVideo.hidden = state !== 'joined' || !this.stream;
  }

  notice(text, kind = 'error') {
    this.noticeEl.textContent = text ?? '';
    this.noticeEl.hidden = !text;
    this.noticeEl.dataset.kind = text ? kind : '';
  }

  /** Hides a liveness prompt ("please blink") once the check it belongs to is decided. */
  _clearPrompt() {
    if (this.noticeEl.dataset.kind === 'prompt') this.notice(null);
  }

  /** Calls @fn(reason) whenever we are out of the room; returns a function that stops it. */
  onLeft(fn) {
    this._leftListeners.add(fn);
    return () => this._leftListeners.delete(fn);
  }

  /** Joins @roomId with camera and microphone; resolves with the Room. Leaves any room first. */
  async enter(roomId, { stopWarning = null } = {}) {
    if (this.room) await this.leave({ quiet: true });
    this.stopWarning = stopWarning;
    this.tileNames = {};
    const attempt = ++this._attempt;
    const stale = () => attempt !== this._attempt;
    this.section.hidden = false;
    this.nameEl.textContent = roomId;
    this.notice(null);
    this._setState('joining');
    document.body.classList.add('in-room');
    const media = async () => {
      const stream = await openMedia();
      if (stale()) {
        for (const track of stream?.getTracks() ?? []) track.stop();
        return null;
      }
      this._showSelf(stream);
      return stream;
    };
    let room;
    try {
      room = await this.client.joinRoom(roomId, {
        localStream: media,
        on: {
          'participant-joined': (p) => stale() || this._tile(p),
          'participant-left': (p) => stale() || this._tileOf(p.participant)?.remove(),
          track: (tr) => stale() || this._showTrack(tr),
          left: ({ reason }) => stale() || this._ended(reason),
          recording: (r) => stale() || this._showRecording(r),
          liveness: (l) => stale() || this._showLiveness(l),
          'liveness-warning': (w) => stale() || this.notice(this.i18n.t(`liveness.warning.${w.warning}`), 'warning'),
          'liveness-prompt': (p) => stale() || (p.prompt === 'none' ? this._clearPrompt()
            : this.notice(this.i18n.t(`liveness.prompt.${p.prompt}`), 'prompt')),
        },
      });
    } catch (err) {
      if (!stale()) {
        this._stopSelf();
        this._setState('refused', err.code);
        this.notice(err.reason || err.message);
      }
      throw err;
    }
    if (stale()) {
      room.leave();
      throw new Error('a newer room was entered');
    }
    this.room = room;
    this._showRecording(room.recording ?? { state: 'off' });
    this._setState('joined');
    this._relabel();
    return room;
  }

  /** Leaves the room (if any) and clears the view. */
  async leave({ quiet = false } = {}) {
    this._attempt++;
    const room = this.room;
    this.room = null;
    if (room) await room.leave().catch(() => {});
    this._ended('left', { quiet });
  }

  _ended(reason, { quiet = false } = {}) {
    this.room = null;
    this._stopSelf();
    for (const tile of this.tilesEl.querySelectorAll('.tile.remote')) {
      tile.querySelector('video').srcObject = null;
      tile.remove();
    }
    this._showRecording({ state: 'off' });
    document.body.classList.remove('in-room');
    if (this.section.dataset.state === 'idle') return;
    this._setState('left', reason);
    if (!quiet) for (const fn of this._leftListeners) fn(reason);
  }

  _showSelf(stream) {
    this.stream = stream;
    if (stream) {
      this.selfTile.hidden = false;
      this.selfVideo.srcObject = stream;
      this.selfVideo.play().catch(() => {});
    } else {
      this.notice(this.i18n.t('room.no-media'));
    }
    this._setState(this.section.dataset.state);
  }

  _stopSelf() {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.selfVideo.srcObject = null;
    this.selfTile.hidden = true;
  }

  _muted(kind) {
    const tracks = (this.stream?.getTracks() ?? []).filter((tr) => tr.kind === kind);
    return tracks.length > 0 && tracks.every((tr) => !tr.enabled);
  }

  _toggleMute(kind) {
    if (!this.room) return;
    this.room.setMuted(kind, !this.room.isMuted(kind));
    this.selfTile.classList.toggle('camera-off', this._muted('video'));
    this._relabel();
  }

  async _toggleRecording() {
    if (!this.room) return;
    const stopping = this.room.recording?.state === 'on';
    // A module's room (a witnessed session) cannot go on unrecorded: staff confirm first.
    if (stopping && this.stopWarning && !window.confirm(this.i18n.t(this.stopWarning))) return;
    this.recordBtn.disabled = true;
    try {
      await this.room.setRecording(!stopping);
    } catch (err) {
      this.notice(err.reason || err.message);
    } finally {
      this.recordBtn.disabled = false;
    }
  }

  _showRecording(r) {
    this.recEl.dataset.state = r.state;
    this.recEl.hidden = r.state === 'off';
    if (r.state === 'failed' && r.reason) this.notice(r.reason);
    this.recordBtn.hidden = !this.room || !this.staff;
    this._relabel();
  }

  _tileOf(participant) {
    return [...this.tilesEl.querySelectorAll('.tile.remote')].find((tile) => tile.dataset.participant === participant);
  }

  /** Captions the tiles of @names' participants ({participant: text}) with that text
   *  (the witness console: 委托人 张三) instead of their account; others keep theirs. */
  nameTiles(names) {
    this.tileNames = { ...names };
    for (const tile of this.tilesEl.querySelectorAll('.tile.remote')) {
      tile.querySelector('.name').textContent = this.tileNames[tile.dataset.participant] ?? tile.dataset.sub;
    }
  }

  _tile({ participant, sub, role, liveness }) {
    let tile = this._tileOf(participant);
    if (tile) return tile;
    const caption = el('figcaption', {}, el('span', { className: 'name' }, this.tileNames?.[participant] ?? sub), ' ',
      el('span', { className: 'role' }, this.i18n.t(`role.${role}`)));
    if (role === 'applicant' && this.staff) {
      const badge = el('button', { type: 'button', className: 'liveness', hidden: true, dataset: { state: 'none' } });
      badge.addEventListener('click', () =>
        this.room?.checkLiveness(participant).catch((err) => this.notice(err.reason || err.message)));
      caption.append(' ', badge);
    }
    tile = el('figure', { className: 'tile remote', dataset: { participant, sub, role, testid: 'remote-tile' } },
      el('video', { autoplay: true, playsInline: true }),
      el('div', { className: 'waiting' }, this.i18n.t('room.waiting-video')), caption);
    this.tilesEl.append(tile);
    if (liveness) this._showLiveness({ participant, ...liveness });
    return tile;
  }

  _showTrack({ participant, sub, role, stream }) {
    const video = attachStream(this._tile({ participant, sub, role }), stream);
    if (!video) return;
    video.play().catch(() => {
      // No sound before a click: play muted rather than not at all.
      video.muted = true;
      video.play().catch(() => {});
    });
  }

  _showLiveness({ participant, state, reasons = [] }) {
    const badge = this._tileOf(participant)?.querySelector('.liveness');
    if (!badge) return;
    badge.hidden = false;
    badge.dataset.state = state;
    badge.dataset.reasons = reasons.join(' ');
    badge.textContent = this.i18n.t(`liveness.${state}`);
  }
}
