// The workers of a server run with --frontier (arachne worker --server): host, version, jobs, heartbeat age and
// throughput per worker, refreshed while the jobs view is on screen. A server without --frontier shows nothing.
import { api } from './api.js';
import { el, fill, fmtInt, fmtMs, fmtRate } from './dom.js';

const refreshMs = 2000;

/** Appends the workers card to `root` once the server says it has workers; stops when the card leaves the page. */
export function mountWorkers(root, { report }) {
  const rows = el('tbody', { id: 'workers-body' });
  const empty = el('p', {
    class: 'muted',
    text: 'No worker yet: start one with arachne worker --server URL (token in ARACHNE_TOKEN).',
  });
  const headers = [
    'worker',
    'host',
    'version',
    'pid',
    'jobs',
    'heartbeat',
    'pages',
    'pages/min',
    'items/min',
  ];
  const numeric = new Set(['pid', 'pages', 'pages/min', 'items/min']);
  const card = el(
    'section',
    { class: 'card', id: 'workers' },
    el('h2', { text: 'Workers' }),
    el(
      'table',
      { class: 'grid' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...headers.map((h) => el('th', { text: h, class: numeric.has(h) ? 'num' : null })),
        ),
      ),
      rows,
    ),
    empty,
  );
  let mounted = false;
  let timer = 0;
  const refresh = async () => {
    // The jobs view was replaced (a job opened): stop asking.
    if (mounted && !card.isConnected) {
      clearInterval(timer);
      return;
    }
    const { shared, workers } = await api('GET', 'api/workers');
    if (!shared) {
      clearInterval(timer);
      return;
    }
    if (!mounted) {
      root.append(card);
      mounted = true;
    }
    empty.hidden = workers.length > 0;
    fill(
      rows,
      workers.map((w) =>
        el(
          'tr',
          { class: w.stale ? 'stale' : null },
          el('td', { text: w.id.slice(0, 8) }),
          el('td', { text: w.host }),
          el('td', { text: w.version }),
          el('td', { class: 'num', text: w.pid }),
          el('td', { text: w.jobs.map((job) => job.job.slice(0, 8)).join(', ') || '–' }),
          el('td', { text: `${fmtMs(w.heartbeatAgeMs)} ago${w.stale ? ' (stale)' : ''}` }),
          el('td', { class: 'num', text: fmtInt(w.pages) }),
          el('td', { class: 'num', text: fmtRate(w.pagesPerMinute) }),
          el('td', { class: 'num', text: fmtRate(w.itemsPerMinute) }),
        ),
      ),
    );
  };
  const safely = () => refresh().catch((error) => report(`workers: ${error.message}`));
  timer = setInterval(safely, refreshMs);
  void safely();
}
