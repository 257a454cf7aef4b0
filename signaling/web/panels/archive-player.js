// panels/archive-player.js — plays a recording's parties side by side on one
// clock. Each party recorded a list of consecutive segment files, and the
// chain gives each segment's wall-clock range; the archive module's `play`
// answer carries them with short-lived signed URLs (served with HTTP range
// requests). Runs in the page.
//
//   const player = new SyncPlayer(container, plan, { label });
//   player.play(); player.pause(); player.destroy();
//
// The shared clock is a wall-clock position in the recording (unix ms, from
// plan.start_ms to plan.end_ms). A party whose first segment starts later
// than the recording waits, blank, until the clock reaches it: that is how
// each party starts at its offset. Segments are played one after the other;
// a party's video that falls behind the clock (a slow load at a segment
// boundary) by more than 150 ms is sped up by 10 % until it is within 40 ms,
// and one that runs ahead is slowed, so the parties stay together. No seeking: the segments
// are live WebM without an index.
//
// Elements: [data-testid=archive-video][data-participant][data-state] per
// party (state: waiting, playing, paused, ended), [data-testid=archive-clock]
// with data-position-ms.

const TICK_MS = 200;
const DRIFT_MS = 150; // beyond this a party is sped up or slowed
const SETTLED_MS = 40; // ... until it is this close again
const RATE_STEP = 0.1;

function make(tag, props = {}) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node[k] = v;
  }
  return node;
}

function clockText(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export class SyncPlayer {
  constructor(container, plan, { label = (p) => p.participant } = {}) {
    this.plan = plan;
    this.playing = false;
    this.position = plan.start_ms; // wall ms
    this.baseWall = plan.start_ms;
    this.basePerf = 0;
    this.parties = [];
    this.clock = make('span', { className: 'mono', dataset: { testid: 'archive-clock' } });
    const grid = make('div', { className: 'archive-grid' });
    for (const p of plan.parties) {
      const figure = make('figure', { className: 'tile' });
      const video = make('video', { playsInline: true, preload: 'auto' });
      video.dataset.testid = 'archive-video';
      video.dataset.participant = p.participant;
      video.dataset.state = 'waiting';
      const caption = make('figcaption');
      caption.textContent = label(p);
      figure.append(video, caption);
      grid.append(figure);
      const party = { plan: p, video, index: -1, offset: null };
      video.addEventListener('playing', () => {
        // The segment's first frame belongs at its start_ms on the shared clock: a
        // segment that starts late (a slow load) shows as behind, and catches up.
        // The first buffered time is the segment's first frame (its timestamps run on
        // from the recording's start); currentTime has already moved on a little.
        const seg = party.plan.segments[party.index];
        const first = video.buffered.length ? video.buffered.start(0) : video.currentTime;
        if (party.offset === null && seg) party.offset = seg.start_ms - first * 1000;
      });
      this.parties.push(party);
    }
    container.replaceChildren(grid, this.clock);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  /** The shared clock now (wall ms in the recording). */
  now() {
    if (!this.playing) return this.position;
    return this.baseWall + (performance.now() - this.basePerf);
  }

  play() {
    if (this.playing) return;
    if (this.position >= this.plan.end_ms) this.restart();
    this.baseWall = this.position;
    this.basePerf = performance.now();
    this.playing = true;
    this.tick();
  }

  pause() {
    if (!this.playing) return;
    this.position = this.now();
    this.playing = false;
    for (const p of this.parties) p.video.pause();
    this.tick();
  }

  restart() {
    this.position = this.plan.start_ms;
    for (const p of this.parties) {
      p.index = -1;
      p.offset = null;
      p.video.removeAttribute('src');
      p.video.load();
    }
  }

  destroy() {
    clearInterval(this.timer);
    for (const p of this.parties) {
      p.video.pause();
      p.video.removeAttribute('src');
      p.video.load();
    }
  }

  /** The index of the segment of @segs playing at @pos, or -1 (before, between, after). */
  static segmentAt(segs, pos) {
    for (let i = 0; i < segs.length; i++) {
      if (pos >= segs[i].start_ms && pos < segs[i].end_ms) return i;
    }
    return -1;
  }

  tick() {
    let pos = this.now();
    if (pos >= this.plan.end_ms && this.playing) {
      this.position = this.plan.end_ms;
      this.playing = false;
      pos = this.position;
    }
    this.clock.textContent = `${clockText(pos - this.plan.start_ms)} / ${clockText(this.plan.end_ms - this.plan.start_ms)}`;
    this.clock.dataset.positionMs = String(Math.round(pos - this.plan.start_ms));
    for (const p of this.parties) this.syncParty(p, pos);
  }

  syncParty(p, pos) {
    const segs = p.plan.segments;
    const i = SyncPlayer.segmentAt(segs, pos);
    const v = p.video;
    if (i < 0) {
      // Not started yet, between two segments, or done: let a segment play out.
      if (p.index >= 0 && !v.ended && this.playing) return;
      if (!v.paused) v.pause();
      v.dataset.state = pos >= (segs.at(-1)?.end_ms ?? 0) ? 'ended' : 'waiting';
      return;
    }
    if (i !== p.index) {
      p.index = i;
      p.offset = null;
      v.src = segs[i].url;
      v.playbackRate = 1;
    }
    if (!this.playing) {
      if (!v.paused) v.pause();
      v.dataset.state = 'paused';
      return;
    }
    if (v.paused && !v.ended) {
      v.play().catch(() => {}); // refused autoplay shows as paused; the button tries again
    }
    v.dataset.state = 'playing';
    if (p.offset !== null && !v.paused) {
      const drift = p.offset + v.currentTime * 1000 - pos; // > 0: ahead of the clock
      // Corrected from beyond DRIFT_MS back to within SETTLED_MS (hysteresis, so the
      // rate does not flip at the threshold).
      let rate = v.playbackRate;
      if (drift < -DRIFT_MS) rate = 1 + RATE_STEP;
      else if (drift > DRIFT_MS) rate = 1 - RATE_STEP;
      else if (Math.abs(drift) < SETTLED_MS) rate = 1;
      if (v.playbackRate !== rate) v.playbackRate = rate;
      v.dataset.driftMs = String(Math.round(drift));
    }
  }
}
