// panels/dom.js — small helpers the panels share: make elements (text only,
// never HTML), show an error from a request (redrawn when the language
// changes), format durations. Runs in the page.

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

// Boxes that show a translated message remember how to draw it again, so a
// language switch redraws them (relabel(), called by shell.js).
const REDRAW = Symbol('redraw');

/** Draws every message box under @root again in the current language. */
export function relabel(root = document) {
  for (const box of root.querySelectorAll('[data-message-shown]')) box[REDRAW]?.();
}

function remember(box, draw) {
  box[REDRAW] = draw;
  box.dataset.messageShown = '';
  draw();
}

/**
 * Shows @err (a WitnessError) in @box: a sentence in the page's language for
 * its code (error.<code>, else error.generic) and the server's reason, which
 * is the protocol's English, as a detail after it
 * ([data-testid=error-detail]). The code is on data-code.
 */
export function showError(box, err, t) {
  box.dataset.code = err?.code ?? 'error';
  box.className = 'error';
  remember(box, () => {
    const key = `error.${err?.code}`;
    const known = t(key) !== key ? t(key) : t('error.generic');
    const reason = err?.reason || err?.message || (err ? String(err) : '');
    const detail = reason ? el('span', { className: 'detail', dataset: { testid: 'error-detail' } }, t('error.detail', { reason })) : null;
    box.replaceChildren(known, ...(detail ? [detail] : [])); // error.detail brings its own spacing
  });
}

/** Clears what showError() put in @box, or shows @text as a plain message. */
export function showMessage(box, text = '') {
  delete box.dataset.code;
  delete box.dataset.messageShown;
  box[REDRAW] = null;
  box.className = 'muted';
  box.textContent = text;
}

/** Shows t(@key, @vars) in @box as a plain message, redrawn on a language switch. */
export function showText(box, t, key, vars) {
  showMessage(box);
  remember(box, () => {
    box.textContent = t(key, typeof vars === 'function' ? vars() : vars);
  });
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
