// panels/dom.js — small helpers the panels share: make elements (text only,
// never HTML), show an error from a request, format durations. Runs in the page.

/** <tag> with @props (className, dataset, hidden, type, value, …) and @children (nodes or text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'onclick') node.addEventListener('click', v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Shows @err (a WitnessError) in @box: its reason as text, its code as data-code. */
export function showError(box, err, t) {
  box.dataset.code = err?.code ?? 'error';
  box.className = 'error';
  const known = t(`error.${err?.code}`);
  box.textContent = known !== `error.${err?.code}` ? `${known} (${err?.reason ?? ''})` : (err?.reason || err?.message || String(err));
}

/** Clears what showError() put in @box, or shows @text as a plain message. */
export function showMessage(box, text = '') {
  delete box.dataset.code;
  box.className = 'muted';
  box.textContent = text;
}

/** "3 min", "1 h 5 min", "<1 min" for @seconds, in @lang. */
export function minutes(seconds, lang) {
  const m = Math.round(seconds / 60);
  const zh = lang === 'zh';
  if (m < 1) return zh ? '不到 1 分钟' : 'under 1 min';
  if (m < 60) return zh ? `约 ${m} 分钟` : `about ${m} min`;
  const h = Math.floor(m / 60);
  return zh ? `约 ${h} 小时 ${m % 60} 分钟` : `about ${h} h ${m % 60} min`;
}

/**
 * Follows the room a module puts the applicant in: enter(room) joins it once
 * (bringing the panel's tab forward; a failure shows in @box), leave() leaves
 * it if we are in one, `room` is the one we are in (null when none).
 */
export function roomFollower(ctx, box) {
  let current = null;
  ctx.onRoomLeft(() => {
    current = null;
  });
  return {
    get room() {
      return current;
    },
    async enter(room) {
      if (!room || current === room) return;
      current = room;
      ctx.showTab();
      try {
        await ctx.enterRoom(room);
      } catch (err) {
        current = null;
        showError(box, err, ctx.t);
      }
    },
    leave() {
      if (!current) return;
      current = null;
      ctx.leaveRoom();
    },
  };
}
