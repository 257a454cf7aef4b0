// What e2e tests read from a room page and from witnessd's /metrics.

/** What a page receives, by sender: {sub: {video: framesDecoded, audio: totalAudioEnergy}}. */
export async function receivedBy(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const s of (await window.witness.room?.receiveStats()) ?? []) {
      const e = (out[s.sub] ??= { video: 0, audio: 0 });
      if (s.kind === 'video') e.video += s.framesDecoded;
      else e.audio += s.totalAudioEnergy;
    }
    return out;
  });
}

/** A room's numbers from /metrics at @url: {packets_in, packets_out, nacks, …}. */
export async function roomMetrics(url, room) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = {};
  const re = /^witness_room_(\w+?)(?:_total)?\{room="([^"]*)"\} ([\d.]+)$/gm;
  for (const [, name, r, value] of text.matchAll(re)) {
    if (r === room) out[name] = Number(value);
  }
  return out;
}
