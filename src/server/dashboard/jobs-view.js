// The home view: the form that starts a job and the live job list with cancel / pause / resume buttons.
import { ApiError, api } from './api.js';
import { el, fill, fmtDuration, fmtInt, fmtTime, setText, statusBadge } from './dom.js';
import { allJobs, getJob, setJob, statsOf } from './store.js';

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

export function actionButtons(job, report) {
  return el(
    'span',
    { class: 'actions' },
    ...Object.entries(actionsFor).map(([action, statuses]) =>
      el('button', {
        type: 'button',
        class: `small action-${action}`,
        'data-action': action,
        disabled: !statuses.includes(job.status),
        text: action,
        onclick: () => jobAction(job.id, action, report),
      }),
    ),
  );
}

/** Wall-clock time from the first start to the last end, or to now while it runs. */
export function durationOf(job) {
  if (!job.startedAt) return undefined;
  const end = job.status === 'running' || !job.finishedAt ? Date.now() : Date.parse(job.finishedAt);
  return end - Date.parse(job.startedAt);
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
  return job.spider;
}

export class JobsView {
  /** `report(message)` shows an error; `open(id)` goes to a job's page. */
  constructor(root, { report, open }) {
    this.report = report;
    this.open = open;
    this.form = this.#buildForm();
    this.rows = el('tbody', { id: 'jobs-body' });
    this.empty = el('p', { class: 'muted', id: 'jobs-empty', text: 'No jobs yet.' });
    root.append(
      el('section', { class: 'card operator-only' }, el('h2', { text: 'Start a job' }), this.form),
      el(
        'section',
        { class: 'card' },
        el('h2', { text: 'Jobs' }),
        el(
          'table',
          { id: 'jobs-table', class: 'grid' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...['id', 'spider', 'status', 'pages', 'items', 'started', 'duration', ''].map((h) =>
                el('th', {
                  text: h,
                  class: ['pages', 'items', 'duration'].includes(h) ? 'num' : null,
                }),
              ),
            ),
          ),
          this.rows,
        ),
        this.empty,
      ),
    );
  }

  async loadSpiders() {
    const { spiders, errors } = await api('GET', 'api/spiders');
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
  }

  /** Redraws the rows from the store (cheap: ≤ 500 jobs, rows rebuilt). */
  render() {
    const jobs = allJobs();
    this.empty.hidden = jobs.length > 0;
    fill(
      this.rows,
      jobs.map((job) => this.#row(job)),
    );
  }

  /** Only the live cells of running jobs (called every second for the durations). */
  tick() {
    for (const row of this.rows.children) {
      const job = getJob(row.dataset.job);
      if (job?.status === 'running')
        setText(row.querySelector('.duration'), fmtDuration(durationOf(job)));
    }
  }

  #row(job) {
    const stats = statsOf(job.id);
    return el(
      'tr',
      { 'data-job': job.id, class: `job-row status-row-${job.status}` },
      el(
        'td',
        { class: 'mono' },
        el('a', { href: `#/job/${job.id}`, class: 'job-link', text: job.id }),
      ),
      el('td', { text: targetOf(job) }),
      el('td', {}, statusBadge(job.status)),
      el('td', { class: 'num pages', text: fmtInt(stats?.responses ?? 0) }),
      el('td', { class: 'num items', text: fmtInt(stats?.items ?? 0) }),
      el('td', { text: fmtTime(job.startedAt) }),
      el('td', { class: 'num duration', text: fmtDuration(durationOf(job)) }),
      el('td', {}, actionButtons(job, this.report)),
    );
  }

  #buildForm() {
    const number = (name, label, min, max) =>
      el(
        'label',
        {},
        label,
        el('input', {
          type: 'number',
          name,
          id: `opt-${name}`,
          min,
          max,
          step: 1,
          placeholder: 'default',
        }),
      );
    const form = el(
      'form',
      { id: 'start-form', class: 'start-form', autocomplete: 'off' },
      el('label', {}, 'Spider', el('select', { name: 'spider', id: 'spider-select' })),
      el(
        'label',
        { class: 'wide' },
        el('span', { id: 'url-label', text: 'Site URL' }),
        el('input', {
          type: 'text',
          name: 'url',
          id: 'start-url',
          placeholder: 'https://example.com/',
        }),
      ),
      number('maxPages', 'Max pages', 1),
      number('concurrency', 'Concurrency', 1, 1024),
      number('perHost', 'Per host', 1, 1024),
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

  async #submit() {
    const f = this.form.elements;
    const errorBox = this.form.querySelector('#start-error');
    setText(errorBox, '');
    const body = {};
    const urls = f.url.value.trim().split(/\s+/).filter(Boolean);
    if (f.spider.value) {
      body.spider = f.spider.value;
      if (urls.length > 0) body.start = urls;
    } else {
      if (urls.length !== 1) return setText(errorBox, 'Enter the URL of the site to crawl.');
      body.url = urls[0];
    }
    const options = {};
    for (const name of ['maxPages', 'concurrency', 'perHost']) {
      if (f[name].value !== '') options[name] = Number(f[name].value);
    }
    if (Object.keys(options).length > 0) body.options = options;
    const button = this.form.querySelector('#start-button');
    button.disabled = true;
    try {
      const { job } = await api('POST', 'api/jobs', body);
      setJob(job);
      this.open(job.id);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setText(errorBox, error.field ? `${error.field}: ${error.message}` : error.message);
    } finally {
      button.disabled = false;
    }
  }
}
