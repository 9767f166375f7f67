// DOM and formatting helpers. Data only ever reaches the page as text nodes or textContent, never as markup.

/**
 * Creates an element. `attrs`: `class`, `text` (textContent), `on<event>` listeners, anything else as an attribute.
 * Children are nodes or strings (strings become text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** Sets an element's text only when it changed (no layout work for a counter that did not move). */
export function setText(node, value) {
  const text = String(value);
  if (node && node.textContent !== text) node.textContent = text;
}

/** Replaces all children of `node`. */
export function fill(node, children) {
  node.replaceChildren(...children);
}

const integer = new Intl.NumberFormat('en-US');

export function fmtInt(value) {
  return typeof value === 'number' && Number.isFinite(value) ? integer.format(value) : '–';
}

export function fmtRate(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return value >= 100 ? integer.format(Math.round(value)) : value.toFixed(1);
}

export function fmtMs(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** `4.2s`, `3m 05s`, `1h 02m`. */
export function fmtDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '–';
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Local time; the date too when it is not today. */
export function fmtTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  const time = date.toLocaleTimeString([], { hour12: false });
  return date.toDateString() === new Date().toDateString()
    ? time
    : `${date.toLocaleDateString()} ${time}`;
}

/** A short one-line rendering of any JSON value for a table cell. */
export function preview(value, max = 120) {
  let text;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else if (Array.isArray(value)) text = `[${value.length}] ${JSON.stringify(value)}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A status badge: the class carries the colour, the text is the status. */
export function statusBadge(status) {
  return el('span', {
    class: `badge status-${String(status).replace(/[^a-z]/g, '')}`,
    text: status,
  });
}

/**
 * Asks for a yes/no in a modal <dialog> (keyboard: Tab between the buttons, Escape says no). Resolves true when the
 * user confirms.
 */
export function confirmDialog(message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = el(
      'dialog',
      { class: 'confirm', id: 'confirm-dialog', 'aria-labelledby': 'confirm-text' },
      el('p', { id: 'confirm-text', text: message }),
      el(
        'form',
        { method: 'dialog', class: 'confirm-buttons' },
        el('button', { value: 'no', class: 'secondary', id: 'confirm-no', text: 'Keep it' }),
        el('button', { value: 'yes', class: 'danger', id: 'confirm-yes', text: confirmLabel }),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('#confirm-no').focus();
  });
}
