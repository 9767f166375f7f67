// One job's page: its live counters, charts, per-host table, recent errors and a preview of its items.
import { api, downloadExport, fetchAllItems } from './api.js';
import { JobCharts } from './charts.js';
import {
  el,
  fill,
  fmtDuration,
  fmtInt,
  fmtMs,
  fmtRate,
  fmtTime,
  preview,
  setText,
  statusBadge,
} from './dom.js';
import { actionButtons, durationOf, targetOf } from './jobs-view.js';
import { LogView } from './log-view.js';
import { getHistory, getJob, getProgress, rateOf, setHistory, statsOf } from './store.js';

const counters = [
  ['status', 'status'],
  ['pages', 'pages'],
  ['items', 'items'],
  ['failed', 'failed'],
  ['queued', 'queued'],
  ['inflight', 'in flight'],
  ['rate', 'pages/s'],
  ['elapsed', 'duration'],
];
const maxHostRows = 100;
const maxItemColumns = 8;

const numeric = new Set(['in flight', 'queued', 'responses', 'delay', 'wait', 'errors']);

function table(id, headings) {
  const body = el('tbody', { id: `${id}-body` });
  return {
    body,
    node: el(
      'table',
      { id, class: 'grid' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...headings.map((h) => el('th', { text: h, class: numeric.has(h) ? 'num' : null })),
        ),
      ),
      body,
    ),
  };
}

function td(text, className) {
  return el('td', { text, ...(className ? { class: className } : {}) });
}

export class JobView {
  #id;
  #report;
  #charts;
  #hosts = table('hosts', ['host', 'in flight', 'queued', 'responses', 'delay', 'wait', 'errors']);
  #errors = table('errors', ['time', 'code', 'URL', 'message']);
  #itemsHead = el('thead');
  #itemsBody = el('tbody', { id: 'items-body' });
  #itemsShown = '';
  #itemsWhich = 'last';
  #meta = el('dl', { class: 'meta', id: 'job-meta' });
  #actions = el('span', { id: 'job-actions' });
  #title = el('h2', { id: 'job-title' });
  #log;
  #exportButton = el('button', {
    type: 'button',
    class: 'small',
    id: 'download-export',
    hidden: true,
    onclick: () =>
      downloadExport(this.#id).catch((error) => this.#report(`download failed: ${error.message}`)),
  });
  #actionsFor = '';

  constructor(root, id, { report }) {
    this.#id = id;
    this.#report = report;
    this.#log = new LogView(id, { report });
    const chartsBox = el('div', { class: 'charts' });
    const which = el(
      'select',
      { id: 'items-which', 'aria-label': 'which items' },
      el('option', { value: 'last', text: 'latest 20' }),
      el('option', { value: 'first', text: 'first 20' }),
    );
    which.addEventListener('change', () => {
      this.#itemsWhich = which.value;
      this.#itemsShown = '';
      this.update();
    });
    root.append(
      el(
        'section',
        { class: 'card' },
        el(
          'div',
          { class: 'job-head' },
          el('a', { href: '#/', class: 'back', text: '← Jobs' }),
          this.#title,
          this.#actions,
          el('button', {
            type: 'button',
            class: 'small',
            id: 'download-items',
            text: 'download items',
            onclick: () => this.#download(),
          }),
          this.#exportButton,
        ),
        this.#meta,
        el(
          'div',
          { class: 'counters' },
          ...counters.map(([key, label]) =>
            el(
              'div',
              { class: 'counter' },
              el('div', { class: 'value', id: `job-${key}`, text: '–' }),
              el('div', { class: 'label', text: label }),
            ),
          ),
        ),
      ),
      el('section', { class: 'card' }, chartsBox),
      el(
        'div',
        { class: 'two-columns' },
        el(
          'section',
          { class: 'card' },
          el('h3', { text: 'Hosts' }),
          el('div', { class: 'scroll' }, this.#hosts.node),
        ),
        el(
          'section',
          { class: 'card' },
          el('h3', { text: 'Recent errors' }),
          el('div', { class: 'scroll' }, this.#errors.node),
        ),
      ),
      el(
        'section',
        { class: 'card' },
        el('h3', {}, 'Items ', which),
        el(
          'div',
          { class: 'scroll' },
          el('table', { id: 'items-table', class: 'grid' }, this.#itemsHead, this.#itemsBody),
        ),
      ),
      this.#log.node,
    );
    this.#charts = new JobCharts(chartsBox);
    // The stored curve (all of a finished or reloaded job's runs); live points from the feed append to it.
    api('GET', `api/jobs/${id}/history`)
      .then(({ points }) => setHistory(id, points))
      .catch((error) => report(`chart history: ${error instanceof Error ? error.message : error}`));
  }

  get id() {
    return this.#id;
  }

  /** A `log` message of the feed for this job. */
  onLog(message) {
    this.#log.onMessage(message);
  }

  destroy() {
    this.#charts.destroy();
  }

  /** Redraws everything from the store. */
  update() {
    const job = getJob(this.#id);
    if (!job) return;
    const stats = statsOf(this.#id);
    const progress = getProgress(this.#id);
    setText(this.#title, `Job ${job.id} · ${targetOf(job)}`);
    // Redrawn only when the status moves: a keyboard user's focus on a button survives the progress updates.
    if (this.#actionsFor !== job.status) {
      this.#actionsFor = job.status;
      fill(this.#actions, [
        actionButtons(job, this.#report, {
          open: (jobId) => (location.hash = `#/job/${jobId}`),
          deleted: () => (location.hash = '#/'),
        }),
      ]);
    }
    this.#renderMeta(job, stats);
    this.#exportButton.hidden = !job.format;
    setText(
      this.#exportButton,
      `download ${job.format === 'sqlite' ? 'SQLite' : job.format?.toUpperCase()}`,
    );
    const status = document.getElementById('job-status');
    setText(status, job.status);
    status.className = `value status-text-${job.status}`;
    setText(document.getElementById('job-pages'), fmtInt(stats?.responses ?? 0));
    setText(document.getElementById('job-items'), fmtInt(stats?.items ?? 0));
    setText(document.getElementById('job-failed'), fmtInt(stats?.failed ?? 0));
    setText(document.getElementById('job-queued'), fmtInt(stats?.queued ?? 0));
    setText(document.getElementById('job-inflight'), fmtInt(stats?.inFlight ?? 0));
    setText(document.getElementById('job-rate'), fmtRate(rateOf(this.#id) ?? 0));
    this.tick();
    this.#charts.update(getHistory(this.#id));
    if (progress) {
      this.#renderHosts(progress.hosts);
      this.#renderErrors(progress.errors);
      this.#renderItems(progress.items);
    }
  }

  /** The duration of a running job moves without news from the server. */
  tick() {
    const job = getJob(this.#id);
    if (job) setText(document.getElementById('job-elapsed'), fmtDuration(durationOf(job)));
  }

  #renderMeta(job, stats) {
    const rows = [
      ['status', statusBadge(job.status)],
      ['target', job.url ?? (job.start ? `${job.spider}: ${job.start.join(' ')}` : job.spider)],
      // A deployed project's spider (arachne deploy), or the server's project directory.
      [
        'project',
        job.project ? `${job.project} version ${job.version}` : 'server project directory',
      ],
      ['created', fmtTime(job.createdAt)],
      ['started', fmtTime(job.startedAt)],
      ['ended', fmtTime(job.finishedAt)],
      ['reason', job.reason ?? '–'],
      ['runs', String(job.runs)],
      ['options', Object.keys(job.options).length ? JSON.stringify(job.options) : 'defaults'],
      ['output', job.output],
    ];
    if (job.error) rows.push(['error', job.error]);
    // Pages per fetcher rung, and the adaptive ladder's choice per page type (host + handler).
    const rungs = Object.entries(stats?.pagesByRung ?? {});
    if (rungs.length > 0) {
      const extra =
        (stats.comparisonFetches ? `; ${stats.comparisonFetches} comparison fetches` : '') +
        (stats.speculativeFetches
          ? `; ${stats.speculativeFetches} speculative fetches not used`
          : '');
      rows.push([
        'rungs',
        `${rungs.map(([rung, n]) => `${rung} ${fmtInt(n)}`).join(', ')}${extra}`,
      ]);
    }
    for (const [key, choice] of Object.entries(stats?.ladder ?? {})) {
      rows.push([
        'ladder',
        `${key} → ${choice.rung ?? 'learning'} (${choice.compared} compared, ${choice.mismatches} moved up)`,
      ]);
    }
    fill(
      this.#meta,
      rows.flatMap(([label, value]) => [el('dt', { text: label }), el('dd', {}, value)]),
    );
  }

  #renderHosts(hosts) {
    const sorted = [...hosts].sort(
      (a, b) => b.inFlight + b.queued - (a.inFlight + a.queued) || b.responses - a.responses,
    );
    fill(
      this.#hosts.body,
      sorted
        .slice(0, maxHostRows)
        .map((h) =>
          el(
            'tr',
            { 'data-host': h.host },
            td(h.host, 'mono'),
            td(fmtInt(h.inFlight), 'num'),
            td(fmtInt(h.queued), 'num'),
            td(fmtInt(h.responses), 'num'),
            td(fmtMs(h.delayMs), 'num'),
            td(fmtMs(h.waitMs), 'num'),
            td(fmtInt(h.errors), h.errors > 0 ? 'num bad' : 'num'),
          ),
        ),
    );
    if (hosts.length === 0) fill(this.#hosts.body, [emptyRow(7, 'no hosts yet')]);
  }

  #renderErrors(errors) {
    const rows = [...errors].reverse().map((e) =>
      el(
        'tr',
        {},
        td(fmtTime(e.at)),
        td(e.code, 'mono'),
        el(
          'td',
          { class: 'mono url' },
          el('button', {
            type: 'button',
            class: 'link log-link',
            title: 'show the log lines of this URL',
            text: e.url,
            onclick: () => this.#log.showUrl(e.url).catch((error) => this.#report(String(error))),
          }),
        ),
        td(e.message),
      ),
    );
    fill(this.#errors.body, rows.length ? rows : [emptyRow(4, 'no errors')]);
  }

  #renderItems(items) {
    const list = this.#itemsWhich === 'first' ? items.first : [...items.last].reverse();
    const signature = JSON.stringify(list);
    if (signature === this.#itemsShown) return;
    this.#itemsShown = signature;
    const columns = [];
    for (const item of list) {
      if (typeof item !== 'object' || item === null) continue;
      for (const key of Object.keys(item)) {
        if (!columns.includes(key) && columns.length < maxItemColumns) columns.push(key);
      }
    }
    const objects = columns.length > 0;
    fill(this.#itemsHead, [
      el('tr', {}, ...(objects ? columns : ['item']).map((c) => el('th', { text: c }))),
    ]);
    const rows = list.map((item) =>
      el(
        'tr',
        {},
        ...(objects && typeof item === 'object' && item !== null
          ? columns.map((c) => cell(item[c]))
          : [cell(item)]),
      ),
    );
    fill(
      this.#itemsBody,
      rows.length ? rows : [emptyRow(Math.max(1, columns.length), 'no items yet')],
    );
  }

  async #download() {
    try {
      const text = await fetchAllItems(this.#id);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      const link = el('a', { href: url, download: `${this.#id}.jsonl` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.#report(`download failed: ${error instanceof Error ? error.message : error}`);
    }
  }
}

/** One line in the table; the tooltip holds more of it. */
function cell(value) {
  return el('td', { class: 'cell', text: preview(value), title: preview(value, 2000) });
}

function emptyRow(columns, text) {
  return el('tr', { class: 'empty' }, el('td', { colspan: columns, class: 'muted', text }));
}
