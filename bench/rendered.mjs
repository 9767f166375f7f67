// The rendered part of `npm run bench`: the JavaScript-rendered and the mixed sample shop, Arachne's browser, script
// and adaptive fetchers vs Crawlee's PlaywrightCrawler, JSDOMCrawler and AdaptivePlaywrightCrawler, each run in
// its own process, memory and CPU summed over the crawler and its browser processes. See bench/README.md.

/** Which runner and environment each crawler of the rendered bench is. */
export const renderedCrawlers = {
  'arachne-browser': { file: 'arachne-render-run.mjs', env: { ARACHNE_BENCH_FETCH: 'browser' } },
  'arachne-adaptive': { file: 'arachne-render-run.mjs', env: { ARACHNE_BENCH_FETCH: 'adaptive' } },
  'arachne-script': { file: 'arachne-render-run.mjs', env: { ARACHNE_BENCH_FETCH: 'script' } },
  'crawlee-playwright': {
    file: 'crawlee-render-run.mjs',
    env: { CRAWLEE_BENCH_VARIANT: 'playwright' },
  },
  'crawlee-jsdom': { file: 'crawlee-render-run.mjs', env: { CRAWLEE_BENCH_VARIANT: 'jsdom' } },
  'crawlee-adaptive': {
    file: 'crawlee-render-run.mjs',
    env: { CRAWLEE_BENCH_VARIANT: 'adaptive' },
  },
};

/** The crawlers each shop mode runs by default, in alternation order. */
export const defaultCrawlers = {
  rendered: [
    'arachne-browser',
    'crawlee-playwright',
    'arachne-adaptive',
    'crawlee-jsdom',
    'arachne-script',
  ],
  mixed: ['arachne-adaptive', 'crawlee-playwright', 'crawlee-adaptive'],
};

/** The targets of issues 9 §4 and 16 §3: Arachne's row over Crawlee's, per shop mode. */
export const targets = [
  {
    mode: 'rendered',
    arachne: 'arachne-browser',
    crawlee: 'crawlee-playwright',
    speedup: 1.5,
    memory: 'no more than Crawlee',
  },
  {
    mode: 'rendered',
    arachne: 'arachne-adaptive',
    crawlee: 'crawlee-jsdom',
    speedup: 1.5,
    memoryMb: 200,
  },
  {
    mode: 'rendered',
    arachne: 'arachne-adaptive',
    crawlee: 'crawlee-playwright',
    speedup: 10,
    memoryMb: 200,
  },
  { mode: 'mixed', arachne: 'arachne-adaptive', crawlee: 'crawlee-playwright', speedup: 3 },
  { mode: 'mixed', arachne: 'arachne-adaptive', crawlee: 'crawlee-adaptive', speedup: 3 },
];

/** "mode:products:runs" triples, e.g. "rendered:200:1,mixed:200:1"; "off" or "" runs none. */
export function parseRenderedPlan(text) {
  if (!text || text === 'off') return [];
  return text.split(',').map((triple) => {
    const [mode, products, runs = '1'] = triple.split(':');
    if (mode !== 'rendered' && mode !== 'mixed')
      throw new Error(`BENCH_RENDERED_PLAN: unknown mode ${mode}`);
    return { mode, products: Number(products), runs: Number(runs) };
  });
}

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Figures of one rendered run. Pages: the site's distinct pages fetched (API calls and robots.txt left out, a page
 * fetched twice counted once). CPU: the crawler's own, plus its descendants' (the larger of what the kernel
 * credited for reaped children and what the 100 ms samples saw: Chromium closed before the end is in the former,
 * one still running in the latter; adding both would count it twice). Memory: peak of the summed RSS (and PSS)
 * of the crawler and every descendant.
 */
export function renderedFigures(run) {
  const pages = run.verification.distinctPages;
  const descendantsMs = Math.max(run.childProcessesCpuMs ?? 0, run.descendantsCpuMs ?? 0);
  const cpuSeconds = (run.cpuUserMs + run.cpuSystemMs + descendantsMs) / 1000;
  return {
    pages,
    pagesPerSecond: pages / (run.wallMs / 1000),
    cpuSecondsPer1000Pages: (cpuSeconds / pages) * 1000,
    peakTreeRssMb: run.peakTreeRssBytes / 2 ** 20,
    peakTreePssMb: run.peakTreePssBytes / 2 ** 20,
    crawlerRssMb: run.peakRssBytes / 2 ** 20,
  };
}

export function summarizeRendered(runs) {
  const groups = new Map();
  for (const run of runs) {
    const key = `${run.mode}@${run.products}@${run.crawler}`;
    if (!groups.has(key)) {
      groups.set(key, { mode: run.mode, crawler: run.crawler, products: run.products, runs: [] });
    }
    groups.get(key).runs.push(run);
  }
  return [...groups.values()].map((group) => {
    const ok = group.runs.filter((run) => !run.error);
    const figures = ok.map(renderedFigures);
    const pick = (name) => median(figures.map((f) => f[name]));
    return {
      mode: group.mode,
      crawler: group.crawler,
      products: group.products,
      runs: ok.length,
      failedRuns: group.runs.length - ok.length,
      pages: pick('pages'),
      pagesPerSecond: pick('pagesPerSecond'),
      cpuSecondsPer1000Pages: pick('cpuSecondsPer1000Pages'),
      peakTreeRssMb: pick('peakTreeRssMb'),
      peakTreePssMb: pick('peakTreePssMb'),
      crawlerRssMb: pick('crawlerRssMb'),
      itemsOk: median(ok.map((run) => run.verification.itemsCorrect)),
      itemsExpected: ok[0]?.verification.itemsExpected,
      checks: [...new Set(group.runs.map((run) => run.error ?? run.verification.check))].join('; '),
    };
  });
}

/** Each target that both rows exist for: the ratios and whether it is met. */
export function renderedTargets(summary) {
  return targets.flatMap((target) => {
    const sizes = [
      ...new Set(summary.filter((row) => row.mode === target.mode).map((row) => row.products)),
    ];
    return sizes.flatMap((products) => {
      const find = (crawler) =>
        summary.find(
          (row) => row.mode === target.mode && row.products === products && row.crawler === crawler,
        );
      const a = find(target.arachne);
      const c = find(target.crawlee);
      if (!a?.runs || !c?.runs) return [];
      const speedup = a.pagesPerSecond / c.pagesPerSecond;
      const memoryRatio = a.peakTreeRssMb / c.peakTreeRssMb;
      const speedMet = speedup >= target.speedup;
      const memoryMet =
        target.memoryMb !== undefined
          ? a.peakTreeRssMb <= target.memoryMb
          : target.memory
            ? memoryRatio <= 1
            : true;
      const itemsMet = a.checks.startsWith('ok');
      const memoryText =
        target.memoryMb !== undefined
          ? `peak ≤ ${target.memoryMb} MB`
          : target.memory
            ? 'peak ≤ Crawlee'
            : '';
      return [
        {
          mode: target.mode,
          products,
          arachne: target.arachne,
          crawlee: target.crawlee,
          pagesPerSecond: speedup,
          cpuSecondsPer1000Pages: a.cpuSecondsPer1000Pages / c.cpuSecondsPer1000Pages,
          peakTreeRssMb: memoryRatio,
          peakTreePssMb: a.peakTreePssMb / c.peakTreePssMb,
          target: `≥ ${target.speedup}× pages/s${memoryText ? `, ${memoryText}` : ''}, items right`,
          speedMet,
          memoryMet,
          itemsMet,
          met: speedMet && memoryMet && itemsMet,
        },
      ];
    });
  });
}

function table(header, rows) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => String(row[i]).length)),
  );
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatRenderedReport(summary, targetRows) {
  const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  const main = table(
    [
      'shop',
      'crawler',
      'products',
      'runs',
      'pages',
      'pages/s',
      'CPU s/1k pages',
      'peak RSS MB (tree)',
      'peak PSS MB (tree)',
      'crawler RSS MB',
      'check',
    ],
    summary.map((row) => [
      row.mode,
      row.crawler,
      row.products,
      row.failedRuns ? `${row.runs} (+${row.failedRuns} failed)` : row.runs,
      fixed(row.pages, 0),
      fixed(row.pagesPerSecond, 1),
      fixed(row.cpuSecondsPer1000Pages, 1),
      fixed(row.peakTreeRssMb, 0),
      fixed(row.peakTreePssMb, 0),
      fixed(row.crawlerRssMb, 0),
      row.checks,
    ]),
  );
  if (targetRows.length === 0) return main;
  const ratio = table(
    ['shop', 'Arachne / Crawlee', 'pages/s', 'CPU/page', 'peak RSS', 'peak PSS', 'target', 'met'],
    targetRows.map((row) => [
      `${row.mode} ${row.products}`,
      `${row.arachne} / ${row.crawlee}`,
      `${fixed(row.pagesPerSecond, 2)}×`,
      `${fixed(row.cpuSecondsPer1000Pages, 2)}×`,
      `${fixed(row.peakTreeRssMb, 2)}×`,
      `${fixed(row.peakTreePssMb, 2)}×`,
      row.target,
      row.met
        ? 'yes'
        : `NO (${[!row.speedMet && 'speed', !row.memoryMet && 'memory', !row.itemsMet && 'items']
            .filter(Boolean)
            .join(', ')})`,
    ]),
  );
  return `${main}\n\n${ratio}`;
}
