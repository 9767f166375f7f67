// The schedules view: cron schedules (list, pause / resume, delete) and a form that creates one, with the cron
// expression read back in words and its next runs (GET api/schedules/preview) as it is typed.
import { ApiError, api } from './api.js';
import { confirmDialog, el, fill, fmtTime, setText, statusBadge } from './dom.js';

const previewDelayMs = 250;
/** The list is read again this often (a tick starts a job and moves the next run). */
const refreshEveryS = 15;

export class SchedulesView {
  #report;
  #rows = el('tbody', { id: 'schedules-body' });
  #empty = el('p', { class: 'muted', id: 'schedules-empty', text: 'No schedules yet.' });
  #form;
  #preview = el('div', { class: 'cron-preview', id: 'cron-preview', 'aria-live': 'polite' });
  #previewTimer = 0;
  #previewSeq = 0;
  #ticks = 0;
  /** cron pattern → its words (patterns do not change meaning). */
  #words = new Map();

  constructor(root, { report }) {
    this.#report = report;
    this.#form = this.#buildForm();
    root.append(
      el('section', { class: 'card' }, el('h2', { text: 'New schedule' }), this.#form),
      el(
        'section',
        { class: 'card' },
        el('h2', { text: 'Schedules' }),
        el(
          'div',
          { class: 'scroll' },
          el(
            'table',
            { id: 'schedules-table', class: 'grid' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...['id', 'cron', 'when', 'target', 'state', 'next run', 'last run', ''].map((h) =>
                  el('th', {}, h ? h : el('span', { class: 'visually-hidden', text: 'actions' })),
                ),
              ),
            ),
            this.#rows,
          ),
        ),
        this.#empty,
      ),
    );
  }

  async load() {
    const [{ spiders }, { schedules }] = await Promise.all([
      api('GET', 'api/spiders'),
      api('GET', 'api/schedules'),
    ]);
    fill(this.#form.elements.spider, [
      el('option', { value: '', text: 'No-code crawl of a URL' }),
      ...spiders.map((s) => el('option', { value: s.name, text: `${s.name} (${s.file})` })),
    ]);
    this.#renderList(schedules);
  }

  async refresh() {
    const { schedules } = await api('GET', 'api/schedules');
    this.#renderList(schedules);
  }

  tick() {
    if (++this.#ticks % refreshEveryS === 0) this.refresh().catch(() => {});
  }

  #renderList(schedules) {
    this.#empty.hidden = schedules.length > 0;
    fill(
      this.#rows,
      schedules.map((s) => this.#row(s)),
    );
    this.#describeRows().catch(() => {});
  }

  #row(schedule) {
    const target =
      schedule.url ?? `${schedule.spider}${schedule.start ? ` (${schedule.start.join(' ')})` : ''}`;
    const button = (action, text, onclick) =>
      el('button', {
        type: 'button',
        class: `small action-${action}`,
        'data-action': action,
        'aria-label': `${text} schedule ${schedule.id}`,
        text,
        onclick,
      });
    return el(
      'tr',
      { 'data-schedule': schedule.id },
      el('td', { class: 'mono', text: schedule.id }),
      el('td', { class: 'mono nowrap', text: schedule.cron }),
      el('td', {
        class: 'describe',
        'data-cron': schedule.cron,
        text: this.#words.get(schedule.cron) ?? '',
      }),
      el('td', { class: 'url', text: target }),
      el('td', {}, statusBadge(schedule.paused ? 'paused' : 'active')),
      el('td', {
        class: 'nowrap next-run',
        text: schedule.paused ? '–' : fmtTime(schedule.nextRun),
      }),
      el(
        'td',
        { class: 'nowrap' },
        schedule.lastJobId
          ? el('a', { href: `#/job/${schedule.lastJobId}`, text: fmtTime(schedule.lastRun) })
          : '–',
      ),
      el(
        'td',
        {},
        el(
          'span',
          { class: 'actions' },
          schedule.paused
            ? button('resume', 'resume', () => this.#act(schedule.id, 'resume'))
            : button('pause', 'pause', () => this.#act(schedule.id, 'pause')),
          button('delete', 'delete', () => this.#delete(schedule)),
        ),
      ),
    );
  }

  /** After the rows are drawn: each cron pattern in words, from the server (one request per new pattern). */
  async #describeRows() {
    const cells = [...this.#rows.querySelectorAll('td.describe')];
    const words = this.#words;
    const patterns = [...new Set(cells.map((cell) => cell.dataset.cron))].filter(
      (p) => !words.has(p),
    );
    await Promise.all(
      patterns.map(async (cron) => {
        try {
          const preview = await api(
            'GET',
            `api/schedules/preview?cron=${encodeURIComponent(cron)}&count=1`,
          );
          words.set(cron, preview.description);
        } catch {
          words.set(cron, '');
        }
      }),
    );
    for (const cell of cells) setText(cell, words.get(cell.dataset.cron) ?? '');
  }

  async #act(id, action) {
    try {
      await api('POST', `api/schedules/${id}/${action}`);
      await this.refresh();
    } catch (error) {
      this.#report(error instanceof Error ? error.message : String(error));
    }
  }

  async #delete(schedule) {
    const sure = await confirmDialog(
      `Delete schedule ${schedule.id} (${schedule.cron})? The jobs it started stay.`,
      'Delete schedule',
    );
    if (!sure) return;
    try {
      await api('DELETE', `api/schedules/${schedule.id}`);
      await this.refresh();
    } catch (error) {
      this.#report(error instanceof Error ? error.message : String(error));
    }
  }

  #buildForm() {
    const form = el(
      'form',
      { id: 'schedule-form', class: 'start-form', autocomplete: 'off', novalidate: true },
      el(
        'div',
        { class: 'field' },
        el('label', { for: 'schedule-spider', text: 'Spider' }),
        el('select', { name: 'spider', id: 'schedule-spider' }),
      ),
      el(
        'div',
        { class: 'field wide' },
        el('label', { for: 'schedule-url', text: 'URL (or start URLs of the spider)' }),
        el('input', {
          type: 'text',
          name: 'url',
          id: 'schedule-url',
          placeholder: 'https://example.com/',
          'aria-describedby': 'err-schedule-url',
        }),
        el('span', { class: 'field-error', id: 'err-schedule-url', role: 'alert' }),
      ),
      el(
        'div',
        { class: 'field' },
        el('label', { for: 'schedule-cron', text: 'Cron expression' }),
        el('input', {
          type: 'text',
          name: 'cron',
          id: 'schedule-cron',
          class: 'mono',
          placeholder: '*/15 * * * *',
          spellcheck: 'false',
          'aria-describedby': 'cron-preview err-schedule-cron',
        }),
        el('span', { class: 'field-error', id: 'err-schedule-cron', role: 'alert' }),
      ),
      el('button', { type: 'submit', id: 'schedule-button', text: 'Create schedule' }),
      el('div', { class: 'form-error', id: 'schedule-error', role: 'alert' }),
      this.#preview,
    );
    form.elements.cron.addEventListener('input', () => {
      clearTimeout(this.#previewTimer);
      this.#previewTimer = setTimeout(() => this.#showPreview(), previewDelayMs);
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit().catch((error) => this.#report(String(error)));
    });
    return form;
  }

  async #showPreview() {
    const cron = this.#form.elements.cron.value.trim();
    const seq = ++this.#previewSeq;
    if (!cron) return fill(this.#preview, []);
    try {
      const preview = await api(
        'GET',
        `api/schedules/preview?cron=${encodeURIComponent(cron)}&count=5`,
      );
      if (seq !== this.#previewSeq) return;
      fill(this.#preview, [
        el('div', { class: 'describe', id: 'cron-words', text: `Runs ${preview.description}` }),
        el(
          'ol',
          { class: 'next-runs', id: 'cron-next-runs', 'aria-label': 'next runs' },
          ...preview.nextRuns.map((at) =>
            el('li', {}, el('time', { datetime: at, text: new Date(at).toLocaleString() })),
          ),
        ),
        el('div', { class: 'muted small-print', text: `server time zone: ${preview.timeZone}` }),
      ]);
    } catch (error) {
      if (seq !== this.#previewSeq) return;
      fill(this.#preview, [
        el('div', {
          class: 'form-error',
          id: 'cron-words',
          text: error instanceof Error ? error.message : String(error),
        }),
      ]);
    }
  }

  async #submit() {
    const f = this.#form.elements;
    for (const box of this.#form.querySelectorAll('.field-error, #schedule-error'))
      setText(box, '');
    const body = { cron: f.cron.value.trim() };
    const urls = f.url.value.trim().split(/\s+/).filter(Boolean);
    if (f.spider.value) {
      body.spider = f.spider.value;
      if (urls.length > 0) body.start = urls;
    } else body.url = urls[0] ?? '';
    try {
      await api('POST', 'api/schedules', body);
      f.cron.value = '';
      fill(this.#preview, []);
      await this.refresh();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const field =
        error.field === 'cron' ? 'cron' : /^(url|start)/.test(error.field ?? '') ? 'url' : '';
      const box = field ? this.#form.querySelector(`#err-schedule-${field}`) : null;
      setText(box ?? this.#form.querySelector('#schedule-error'), error.message);
    }
  }
}
