// The home view: the form that starts a job, and the live job list (filter, search, pages) with its actions:
// cancel / pause / resume, re-run, delete, and picking two jobs to compare.
import { ApiError, api } from './api.js';
import {
  confirmDialog,
  el,
  fill,
  fmtDuration,
  fmtInt,
  fmtTime,
  setText,
  statusBadge,
} from './dom.js';
import { allJobs, getJob, removeJob, setJob, statsOf } from './store.js';

const actionsFor = {
  cancel: ['queued', 'running', 'paused'],
  pause: ['queued', 'running'],
  resume: ['paused', 'failed'],
};

/** POST /api/jobs/:id/<action>; the answer updates the store. Errors go to `report`. */
export async function jobAction(id, action, report) {
  try {
    setJob((await api('POST', `api/jobs/${id}/${action}`)).job);
  } catch (error) {
    report(error instanceof Error ? error.message : String(error));
  }
}

/** Cancel, pause, resume, and with `more` (`open(id)`), re-run and delete. */
export function actionButtons(job, report, more) {
  const button = (action, disabled, onclick) =>
    el('button', {
      type: 'button',
      class: `small action-${action}`,
      'data-action': action,
      'aria-label': `${action} job ${job.id}`,
      disabled,
      text: action,
      onclick,
    });
  return el(
    'span',
    { class: 'actions' },
    ...Object.entries(actionsFor).map(([action, statuses]) =>
      button(action, !statuses.includes(job.status), () => jobAction(job.id, action, report)),
    ),
    ...(more
      ? [
          button('re-run', false, () => rerunJob(job.id, report, more.open)),
          button('delete', job.status === 'running', () => deleteJob(job, report, more.deleted)),
        ]
      : []),
  );
}

/** A new job with the same spider, URLs and options; opens it. */
export async function rerunJob(id, report, open) {
  try {
    const { job } = await api('POST', `api/jobs/${id}/rerun`);
    setJob(job);
    open(job.id);
  } catch (error) {
    report(error instanceof Error ? error.message : String(error));
  }
}

/** Deletes a job and its files (items, log, state) after a confirmation. */
export async function deleteJob(job, report, deleted) {
  const sure = await confirmDialog(
    `Delete job ${job.id} (${targetOf(job)}, ${job.status}) with its items, log and state? This cannot be undone.`,
    'Delete job',
  );
  if (!sure) return;
  try {
    await api('DELETE', `api/jobs/${job.id}`);
    removeJob(job.id);
    deleted?.(job.id);
  } catch (error) {
    report(error instanceof Error ? error.message : String(error));
  }
}

/** Time spent running, over all runs (pauses left out): the runs' own times, the current one to now. */
export function durationOf(job) {
  if (!job.startedAt) return undefined;
  const runs = job.perRun;
  // A job from an older server: wall-clock time from the first start to the last end.
  if (!runs?.length) {
    const end =
      job.status === 'running' || !job.finishedAt ? Date.now() : Date.parse(job.finishedAt);
    return end - Date.parse(job.startedAt);
  }
  const current = job.status === 'running' ? runs.at(-1) : undefined;
  const ended = current ? runs.slice(0, -1) : runs;
  const total = ended.reduce((sum, run) => sum + (run.stats?.elapsedMs ?? 0), 0);
  return current ? total + Math.max(0, Date.now() - Date.parse(current.startedAt)) : total;
}

/** What the job crawls, for humans: the spider, or the site of a URL crawl. */
export function targetOf(job) {
  if (job.url) {
    try {
      return `site ${new URL(job.url).host}`;
    } catch {
      return job.url;
    }
  }
  return job.project ? `${job.project}@${job.version}: ${job.spider}` : job.spider;
}

const pageSize = 20;
const statuses = ['queued', 'running', 'paused', 'finished', 'failed', 'cancelled'];

/** Start-form options (integers): [name, label]. The API validates them; its message shows under the field. */
const optionFields = [
  ['delayMs', 'Delay per host (ms)'],
  ['concurrency', 'Concurrency'],
  ['perHost', 'Per host'],
  ['maxDepth', 'Max depth'],
  ['maxPages', 'Max pages'],
  ['maxItems', 'Max items'],
];

export class JobsView {
  #selected = new Set();
  #page = 0;
  #filters;
  #range = el('span', { class: 'muted', id: 'jobs-range', 'aria-live': 'polite' });
  #prev = el('button', { type: 'button', class: 'small', id: 'jobs-prev', text: '‹ newer' });
  #next = el('button', { type: 'button', class: 'small', id: 'jobs-next', text: 'older ›' });
  #compare = el('button', {
    type: 'button',
    class: 'small',
    id: 'compare-button',
    text: 'compare 2 selected',
    disabled: true,
  });
  #spiders = [];

  /** `report(message)` shows an error; `open(id)` goes to a job's page; `go(hash)` to another view. */
  constructor(root, { report, open, go }) {
    this.report = report;
    this.open = open;
    this.go = go;
    this.form = this.#buildForm();
    this.rows = el('tbody', { id: 'jobs-body' });
    this.empty = el('p', { class: 'muted', id: 'jobs-empty', text: 'No jobs yet.' });
    this.#filters = {
      search: el('input', {
        type: 'search',
        id: 'jobs-search',
        placeholder: 'id, spider, URL, reason',
      }),
      spider: el('select', { id: 'jobs-spider' }),
      status: el(
        'select',
        { id: 'jobs-status' },
        el('option', { value: '', text: 'any status' }),
        ...statuses.map((s) => el('option', { value: s, text: s })),
      ),
    };
    for (const input of Object.values(this.#filters)) {
      input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => {
        this.#page = 0;
        this.render();
      });
    }
    this.#prev.addEventListener('click', () => {
      this.#page--;
      this.render();
    });
    this.#next.addEventListener('click', () => {
      this.#page++;
      this.render();
    });
    this.#compare.addEventListener('click', () => {
      const [a, b] = [...this.#selected];
      this.go(`#/compare/${a}/${b}`);
    });
    root.append(
      el('section', { class: 'card operator-only' }, el('h2', { text: 'Start a job' }), this.form),
      el(
        'section',
        { class: 'card' },
        el('h2', { text: 'Jobs' }),
        el(
          'div',
          { class: 'toolbar' },
          el('label', { for: 'jobs-search', class: 'grow' }, 'Search ', this.#filters.search),
          el('label', { for: 'jobs-spider' }, 'Spider ', this.#filters.spider),
          el('label', { for: 'jobs-status' }, 'Status ', this.#filters.status),
          this.#compare,
        ),
        el(
          'div',
          { class: 'scroll' },
          el(
            'table',
            { id: 'jobs-table', class: 'grid' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', {}, el('span', { class: 'visually-hidden', text: 'compare' })),
                ...[
                  'id',
                  'spider',
                  'status',
                  'pages',
                  'items',
                  'failed',
                  'started',
                  'duration',
                ].map((h) =>
                  el('th', {
                    text: h,
                    class: ['pages', 'items', 'failed', 'duration'].includes(h) ? 'num' : null,
                  }),
                ),
                el('th', {}, el('span', { class: 'visually-hidden', text: 'actions' })),
              ),
            ),
            this.rows,
          ),
        ),
        this.empty,
        el('div', { class: 'pager' }, this.#prev, this.#range, this.#next),
      ),
    );
    this.#fillSpiderFilter();
  }

  async loadSpiders() {
    const { spiders, errors } = await api('GET', 'api/spiders');
    this.#spiders = spiders.map((s) => s.name);
    const select = this.form.elements.spider;
    fill(select, [
      el('option', { value: '', text: 'No-code crawl of a URL' }),
      ...spiders.map((s) => el('option', { value: s.name, text: `${s.name} (${s.file})` })),
    ]);
    const note = this.form.querySelector('#spider-errors');
    fill(
      note,
      errors.map((e) => el('div', { text: `${e.file}: ${e.message}` })),
    );
    this.#syncForm();
    this.#fillSpiderFilter();
  }

  /** The jobs that pass the filters, newest first. */
  #filtered() {
    const needle = this.#filters.search.value.trim().toLowerCase();
    const spider = this.#filters.spider.value;
    const status = this.#filters.status.value;
    return allJobs().filter((job) => {
      if (spider && job.spider !== spider) return false;
      if (status && job.status !== status) return false;
      if (!needle) return true;
      return [job.id, job.spider, job.url, ...(job.start ?? []), job.reason, job.error]
        .filter(Boolean)
        .some((text) => String(text).toLowerCase().includes(needle));
    });
  }

  /** Redraws the rows from the store (cheap: ≤ 500 jobs, one page of rows rebuilt). */
  render() {
    const all = allJobs();
    const jobs = this.#filtered();
    const pages = Math.max(1, Math.ceil(jobs.length / pageSize));
    this.#page = Math.min(Math.max(0, this.#page), pages - 1);
    const shown = jobs.slice(this.#page * pageSize, (this.#page + 1) * pageSize);
    for (const id of this.#selected) if (!getJob(id)) this.#selected.delete(id);
    this.empty.hidden = shown.length > 0;
    setText(this.empty, all.length ? 'No job matches the filters.' : 'No jobs yet.');
    // Rows are rebuilt on every update: the focused control is found again in its new row.
    const focused = document.activeElement;
    const focusRow = this.rows.contains(focused) ? focused.closest('tr')?.dataset.job : undefined;
    const focusKey = focused?.dataset?.action ?? focused?.className;
    fill(
      this.rows,
      shown.map((job) => this.#row(job)),
    );
    if (focusRow) {
      const row = this.rows.querySelector(`tr[data-job="${focusRow}"]`);
      const again = [...(row?.querySelectorAll('a, button, input') ?? [])].find(
        (node) => (node.dataset.action ?? node.className) === focusKey,
      );
      again?.focus();
    }
    setText(
      this.#range,
      jobs.length
        ? `${this.#page * pageSize + 1}–${this.#page * pageSize + shown.length} of ${jobs.length}`
        : '0 of 0',
    );
    this.#prev.disabled = this.#page === 0;
    this.#next.disabled = this.#page >= pages - 1;
    this.#compare.disabled = this.#selected.size !== 2;
    this.#fillSpiderFilter();
  }

  /** Only the live cells of running jobs (called every second for the durations). */
  tick() {
    for (const row of this.rows.children) {
      const job = getJob(row.dataset.job);
      if (job?.status === 'running')
        setText(row.querySelector('.duration'), fmtDuration(durationOf(job)));
    }
  }

  #fillSpiderFilter() {
    const select = this.#filters.spider;
    const names = [...new Set([...this.#spiders, ...allJobs().map((j) => j.spider)])].sort();
    const signature = names.join('\n');
    if (select.dataset.names === signature) return;
    const value = select.value;
    select.dataset.names = signature;
    fill(select, [
      el('option', { value: '', text: 'any spider' }),
      ...names.map((name) => el('option', { value: name, text: name })),
    ]);
    select.value = names.includes(value) ? value : '';
  }

  #row(job) {
    const stats = statsOf(job.id);
    const pick = el('input', {
      type: 'checkbox',
      class: 'pick',
      'aria-label': `select job ${job.id} to compare`,
      checked: this.#selected.has(job.id),
    });
    pick.addEventListener('change', () => {
      if (pick.checked) this.#selected.add(job.id);
      else this.#selected.delete(job.id);
      this.#compare.disabled = this.#selected.size !== 2;
    });
    return el(
      'tr',
      { 'data-job': job.id, class: `job-row status-row-${job.status}` },
      el('td', {}, pick),
      el(
        'td',
        { class: 'mono' },
        el('a', { href: `#/job/${job.id}`, class: 'job-link', text: job.id }),
      ),
      el('td', { text: targetOf(job) }),
      el('td', {}, statusBadge(job.status)),
      el('td', { class: 'num pages', text: fmtInt(stats?.responses ?? 0) }),
      el('td', { class: 'num items', text: fmtInt(stats?.items ?? 0) }),
      el('td', { class: 'num failed', text: fmtInt(stats?.failed ?? 0) }),
      el('td', { class: 'nowrap', text: fmtTime(job.startedAt) }),
      el('td', { class: 'num duration', text: fmtDuration(durationOf(job)) }),
      el(
        'td',
        {},
        actionButtons(job, this.report, {
          open: this.open,
          deleted: (id) => this.#selected.delete(id),
        }),
      ),
    );
  }

  #buildForm() {
    const field = (name, label, control) =>
      el(
        'div',
        { class: 'field' },
        el('label', { for: control.id, text: label }),
        control,
        el('span', { class: 'field-error', id: `err-${name}`, role: 'alert' }),
      );
    // No min/max here: the browser would refuse the value with its own words; the API's message is the one shown.
    const input = (name) =>
      el('input', {
        type: 'number',
        inputmode: 'numeric',
        name,
        id: `opt-${name}`,
        step: 1,
        placeholder: 'default',
        'aria-describedby': `err-${name}`,
      });
    const robots = el(
      'select',
      { name: 'robots', id: 'opt-robots', 'aria-describedby': 'err-robots' },
      el('option', { value: '', text: 'default (obey)' }),
      el('option', { value: 'true', text: 'obey' }),
      el('option', { value: 'false', text: 'ignore' }),
    );
    const form = el(
      'form',
      { id: 'start-form', class: 'start-form', autocomplete: 'off', novalidate: true },
      field(
        'spider',
        'Spider',
        el('select', { name: 'spider', id: 'spider-select', 'aria-describedby': 'err-spider' }),
      ),
      el(
        'div',
        { class: 'field wide' },
        el('label', { for: 'start-url', id: 'url-label', text: 'Site URL' }),
        el('input', {
          type: 'text',
          name: 'url',
          id: 'start-url',
          placeholder: 'https://example.com/',
          'aria-describedby': 'err-url',
        }),
        el('span', { class: 'field-error', id: 'err-url', role: 'alert' }),
      ),
      ...optionFields.map(([name, label]) => field(name, label, input(name))),
      field('robots', 'robots.txt', robots),
      field(
        'format',
        'Also write items as',
        el(
          'select',
          { name: 'format', id: 'opt-format', 'aria-describedby': 'err-format' },
          el('option', { value: '', text: 'JSON Lines only' }),
          el('option', { value: 'csv', text: 'CSV' }),
          el('option', { value: 'json', text: 'JSON' }),
          el('option', { value: 'xml', text: 'XML' }),
          el('option', { value: 'sqlite', text: 'SQLite database' }),
        ),
      ),
      el('button', { type: 'submit', id: 'start-button', text: 'Start' }),
      el('div', { class: 'form-error', id: 'start-error', role: 'alert' }),
      el('div', { class: 'muted small-print', id: 'spider-errors' }),
    );
    form.elements.spider.addEventListener('change', () => this.#syncForm());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit().catch((error) => this.report(String(error)));
    });
    return form;
  }

  #syncForm() {
    const spider = this.form.elements.spider.value;
    setText(
      this.form.querySelector('#url-label'),
      spider ? 'Start URLs (optional, space-separated)' : 'Site URL',
    );
    this.form.elements.url.placeholder = spider ? "the spider's own" : 'https://example.com/';
  }

  /** Shows `message` under the field the API named (`options.perHost`, `start.0`…), else above the button. */
  #showError(field, message) {
    const name = field?.replace(/^options\./, '').replace(/^start(\.\d+)?$/, 'url') ?? '';
    const box = this.form.querySelector(`#err-${CSS.escape(name.split('.')[0])}`);
    const target = box ?? this.form.querySelector('#start-error');
    setText(target, message);
    const control = box ? this.form.elements[name.split('.')[0]] : null;
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
  }

  #clearErrors() {
    for (const box of this.form.querySelectorAll('.field-error, #start-error')) setText(box, '');
    for (const control of this.form.querySelectorAll('[aria-invalid]'))
      control.removeAttribute('aria-invalid');
  }

  async #submit() {
    const f = this.form.elements;
    this.#clearErrors();
    const body = {};
    const urls = f.url.value.trim().split(/\s+/).filter(Boolean);
    if (f.spider.value) {
      body.spider = f.spider.value;
      if (urls.length > 0) body.start = urls;
    } else {
      if (urls.length !== 1) return this.#showError('url', 'Enter the URL of the site to crawl.');
      body.url = urls[0];
    }
    const options = {};
    for (const [name] of optionFields) {
      const raw = f[name].value.trim();
      // Sent as typed: the API says what is wrong with it ("options.perHost must be an integer from 1 to 1024").
      if (raw !== '') options[name] = Number(raw);
    }
    if (f.robots.value !== '') options.robots = f.robots.value === 'true';
    if (Object.keys(options).length > 0) body.options = options;
    if (f.format.value) body.format = f.format.value;
    const button = this.form.querySelector('#start-button');
    button.disabled = true;
    try {
      const { job } = await api('POST', 'api/jobs', body);
      setJob(job);
      this.open(job.id);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.#showError(error.field, error.message);
    } finally {
      button.disabled = false;
    }
  }
}
