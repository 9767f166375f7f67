// A job's log: the newest lines live over the WebSocket (`log` messages), earlier ones paged in over REST, a level
// filter, a search, and the whole file as a download. Lines keep their number in the file (0-based on the wire).
import { fetchLogPage, fetchWholeLog, saveText } from './api.js';
import { el, fill, fmtInt, setText } from './dom.js';

const rank = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };
/** Lines held in the page; past it the oldest are dropped (and can be loaded again). */
const maxKept = 20_000;
/** Matching lines drawn at once: the newest ones. */
const maxShown = 2_000;
const pageLines = 2_000;
/** How far back "find in log" reads for a URL before it gives up. */
const maxFindPages = 25;

/** `2026-…Z WARN message` → 'WARN'; a line without a level (a spider's own print) counts as INFO. */
function levelOf(text) {
  const match = /^\S+ (DEBUG|INFO|WARN|ERROR) /.exec(text);
  return match ? match[1] : 'INFO';
}

export class LogView {
  #id;
  #report;
  /** Contiguous lines held: `#first` is the number of `#lines[0]`. */
  #lines = [];
  #first = 0;
  #total = 0;
  /** Lines the feed skipped (the client fell behind): they are in the download, not here. */
  #skipped = 0;
  #level = el(
    'select',
    { id: 'log-level', name: 'log-level' },
    el('option', { value: 'DEBUG', text: 'all levels' }),
    el('option', { value: 'INFO', text: 'info and above' }),
    el('option', { value: 'WARN', text: 'warnings and errors' }),
    el('option', { value: 'ERROR', text: 'errors only' }),
  );
  #search = el('input', {
    type: 'search',
    id: 'log-search',
    name: 'log-search',
    placeholder: 'text or URL',
  });
  #follow = el('input', { type: 'checkbox', id: 'log-follow', checked: true });
  #earlier = el('button', {
    type: 'button',
    class: 'small',
    id: 'log-earlier',
    text: 'load earlier',
  });
  #status = el('span', { class: 'muted', id: 'log-status', 'aria-live': 'polite' });
  #box = el('div', {
    class: 'log-lines',
    id: 'log-lines',
    role: 'log',
    tabindex: '0',
    'aria-label': 'log lines',
  });
  node;

  constructor(id, { report }) {
    this.#id = id;
    this.#report = report;
    this.#level.addEventListener('change', () => this.#render());
    this.#search.addEventListener('input', () => this.#render());
    this.#earlier.addEventListener('click', () => this.#loadEarlier().catch((e) => this.#fail(e)));
    this.node = el(
      'section',
      { class: 'card', id: 'log' },
      el('h3', { text: 'Log' }),
      el(
        'div',
        { class: 'toolbar' },
        el('label', { for: 'log-level' }, 'Level ', this.#level),
        el('label', { for: 'log-search', class: 'grow' }, 'Search ', this.#search),
        el('label', { for: 'log-follow' }, this.#follow, ' follow'),
        this.#earlier,
        el('button', {
          type: 'button',
          class: 'small',
          id: 'log-download',
          text: 'download log',
          onclick: () => this.#download(),
        }),
        this.#status,
      ),
      this.#box,
    );
    this.#render();
  }

  /** A `log` message of the feed: lines `from`… of the file, which now holds `total`. */
  onMessage({ from, lines, total }) {
    this.#total = Math.max(this.#total, total);
    const next = this.#first + this.#lines.length;
    if (this.#lines.length === 0) this.#first = from;
    else if (from > next) {
      // The feed skipped lines: start over from these (the earlier ones can be loaded again).
      this.#skipped += from - next;
      this.#lines = [];
      this.#first = from;
    }
    const fresh = lines.slice(Math.max(0, this.#first + this.#lines.length - from));
    if (fresh.length === 0) return this.#renderStatus();
    this.#lines.push(...fresh.map((text) => ({ text, level: levelOf(text) })));
    if (this.#lines.length > maxKept) {
      const drop = this.#lines.length - maxKept;
      this.#lines.splice(0, drop);
      this.#first += drop;
    }
    this.#render();
  }

  /** From the errors table: shows the lines naming `url`, reading earlier pages until one does. */
  async showUrl(url) {
    this.#level.value = 'DEBUG';
    this.#search.value = url;
    this.#follow.checked = false;
    this.#render();
    for (let page = 0; page < maxFindPages && !this.#matches().length && this.#first > 0; page++) {
      await this.#loadEarlier();
    }
    this.node.scrollIntoView({ block: 'start' });
    this.#box.querySelector('.log-line')?.scrollIntoView({ block: 'nearest' });
    this.#search.focus();
  }

  async #loadEarlier() {
    if (this.#first === 0) return;
    const from = Math.max(0, this.#first - pageLines);
    const { lines, total } = await fetchLogPage(this.#id, from, this.#first - from);
    this.#total = Math.max(this.#total, total);
    this.#lines.unshift(...lines.map((text) => ({ text, level: levelOf(text) })));
    this.#first = from;
    this.#render();
  }

  #matches() {
    const min = rank[this.#level.value] ?? 0;
    const needle = this.#search.value.trim().toLowerCase();
    const out = [];
    for (let i = 0; i < this.#lines.length; i++) {
      const line = this.#lines[i];
      if (rank[line.level] < min) continue;
      if (needle && !line.text.toLowerCase().includes(needle)) continue;
      out.push([this.#first + i, line]);
    }
    return out;
  }

  #render() {
    const matches = this.#matches();
    const shown = matches.slice(-maxShown);
    const needle = this.#search.value.trim();
    fill(
      this.#box,
      shown.length
        ? shown.map(([n, line]) => lineNode(n, line, needle))
        : [
            el('div', {
              class: 'muted',
              text: this.#lines.length ? 'no line matches' : 'no log lines yet',
            }),
          ],
    );
    if (this.#follow.checked) this.#box.scrollTop = this.#box.scrollHeight;
    this.#renderStatus(matches.length);
  }

  #renderStatus(matching = this.#matches().length) {
    const held = this.#lines.length;
    const parts = [
      `${fmtInt(matching)} matching of ${fmtInt(held)} loaded`,
      `${fmtInt(Math.max(this.#total, this.#first + held))} in the file`,
    ];
    if (matching > maxShown) parts.push(`newest ${fmtInt(maxShown)} shown`);
    if (this.#skipped) parts.push(`${fmtInt(this.#skipped)} skipped by the live feed`);
    setText(this.#status, parts.join(' · '));
    this.#earlier.disabled = this.#first === 0;
  }

  async #download() {
    try {
      saveText(await fetchWholeLog(this.#id), `${this.#id}.log`, 'text/plain');
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error) {
    this.#report(`log: ${error instanceof Error ? error.message : error}`);
  }
}

/** One line: its number (1-based, as editors count), its text with the search term marked. */
function lineNode(n, line, needle) {
  const text = el('span', { class: 'text' });
  if (needle) {
    const lower = line.text.toLowerCase();
    const target = needle.toLowerCase();
    let at = 0;
    for (let hit = lower.indexOf(target); hit >= 0; hit = lower.indexOf(target, at)) {
      text.append(
        line.text.slice(at, hit),
        el('mark', { text: line.text.slice(hit, hit + target.length) }),
      );
      at = hit + target.length;
    }
    text.append(line.text.slice(at));
  } else text.textContent = line.text;
  return el(
    'div',
    { class: `log-line level-${line.level.toLowerCase()}`, 'data-line': n + 1 },
    el('span', { class: 'n', text: n + 1, 'aria-hidden': 'true' }),
    text,
  );
}
