// Two jobs side by side (#/compare/<a>/<b>): items, pages, failures, duration, errors by code, options, with the
// difference of each figure, for two runs of one spider.
import { api } from './api.js';
import { el, fill, fmtDuration, fmtInt, fmtRate, fmtTime, statusBadge } from './dom.js';
import { durationOf, targetOf } from './jobs-view.js';

/** [label, value of a job, format] — numeric rows get a difference column. */
const figures = [
  ['pages', (job) => job.stats?.responses ?? 0, fmtInt],
  ['items', (job) => job.stats?.items ?? 0, fmtInt],
  ['failed', (job) => job.stats?.failed ?? 0, fmtInt],
  ['retries', (job) => job.stats?.retries ?? 0, fmtInt],
  ['items dropped', (job) => job.stats?.itemsDropped ?? 0, fmtInt],
  ['duration', (job) => durationOf(job), fmtDuration],
  ['pages/s', (job) => job.stats?.pagesPerSecond, fmtRate],
  ['bytes', (job) => job.stats?.bytes ?? 0, fmtInt],
];

export class CompareView {
  #ids;
  #report;

  constructor(root, ids, { report }) {
    this.#ids = ids;
    this.#report = report;
    this.body = el('tbody', { id: 'compare-body' });
    this.head = el('thead');
    this.note = el('p', { class: 'muted', id: 'compare-note' });
    root.append(
      el(
        'section',
        { class: 'card' },
        el(
          'div',
          { class: 'job-head' },
          el('a', { href: '#/', class: 'back', text: '← Jobs' }),
          el('h2', { text: 'Compare two runs' }),
        ),
        this.note,
        el(
          'div',
          { class: 'scroll' },
          el('table', { id: 'compare-table', class: 'grid compare' }, this.head, this.body),
        ),
      ),
    );
  }

  async load() {
    try {
      const jobs = await Promise.all(
        this.#ids.map(async (id) => (await api('GET', `api/jobs/${id}`)).job),
      );
      this.#render(jobs);
    } catch (error) {
      this.#report(error instanceof Error ? error.message : String(error));
    }
  }

  #render([a, b]) {
    fill(this.note, [
      a.spider === b.spider
        ? `Two runs of ${a.spider}; the difference is the second minus the first.`
        : `Different spiders (${a.spider}, ${b.spider}): compared anyway.`,
    ]);
    const link = (job) => el('a', { href: `#/job/${job.id}`, class: 'mono', text: job.id });
    fill(this.head, [
      el(
        'tr',
        {},
        el('th', { text: '' }),
        el('th', {}, link(a)),
        el('th', {}, link(b)),
        el('th', { class: 'num', text: 'difference' }),
      ),
    ]);
    const text = (label, av, bv) =>
      el(
        'tr',
        { 'data-row': label },
        el('th', { scope: 'row', text: label }),
        el('td', {}, av),
        el('td', {}, bv),
        el('td'),
      );
    const rows = [
      text('target', targetOf(a), targetOf(b)),
      text('status', statusBadge(a.status), statusBadge(b.status)),
      text('started', fmtTime(a.startedAt), fmtTime(b.startedAt)),
      text('runs', String(a.runs), String(b.runs)),
    ];
    for (const [label, value, format] of figures) {
      const av = value(a);
      const bv = value(b);
      const diff = typeof av === 'number' && typeof bv === 'number' ? bv - av : undefined;
      rows.push(
        el(
          'tr',
          { 'data-row': label },
          el('th', { scope: 'row', text: label }),
          el('td', { class: 'num', text: format(av) }),
          el('td', { class: 'num', text: format(bv) }),
          el('td', {
            class: `num diff${diff > 0 ? ' up' : diff < 0 ? ' down' : ''}`,
            text:
              diff === undefined
                ? '–'
                : `${diff > 0 ? '+' : diff < 0 ? '−' : '±'}${format(Math.abs(diff))}`,
          }),
        ),
      );
    }
    const codes = [
      ...new Set([
        ...Object.keys(a.stats?.errorsByCode ?? {}),
        ...Object.keys(b.stats?.errorsByCode ?? {}),
      ]),
    ].sort();
    for (const code of codes) {
      const av = a.stats?.errorsByCode?.[code] ?? 0;
      const bv = b.stats?.errorsByCode?.[code] ?? 0;
      rows.push(
        el(
          'tr',
          { 'data-row': `error ${code}` },
          el('th', { scope: 'row', class: 'mono', text: code }),
          el('td', { class: 'num', text: fmtInt(av) }),
          el('td', { class: 'num', text: fmtInt(bv) }),
          el('td', {
            class: 'num diff',
            text: `${bv - av >= 0 ? '+' : '−'}${fmtInt(Math.abs(bv - av))}`,
          }),
        ),
      );
    }
    const options = (job) =>
      Object.keys(job.options).length ? JSON.stringify(job.options) : 'defaults';
    rows.push(text('options', options(a), options(b)));
    fill(this.body, rows);
  }
}
