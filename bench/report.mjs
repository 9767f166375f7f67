// Summarizes benchmark runs: medians per (crawler, size), the comparison table, Arachne/Crawlee ratios.

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Derived figures of one successful run. Pages = requests the server saw during the run. */
export function runFigures(run) {
  const pages = run.verification.requests;
  // Children: helper commands a crawler spawns (Crawlee runs `ps` about once a second) are its work too.
  const cpuSeconds = (run.cpuUserMs + run.cpuSystemMs + (run.childProcessesCpuMs ?? 0)) / 1000;
  return {
    pages,
    pagesPerSecond: pages / (run.wallMs / 1000),
    cpuSecondsPer1000Pages: (cpuSeconds / pages) * 1000,
    peakRssMb: run.peakRssBytes / 2 ** 20,
    // GC pauses over the CPU of the same Node processes (gc-preload.mjs); NaN for Scrapy or without the preload.
    gcShare: run.gcCpuMs > 0 ? run.gcMs / run.gcCpuMs : Number.NaN,
  };
}

export function summarize(runs) {
  const groups = new Map();
  for (const run of runs) {
    const key = `${run.crawler}@${run.products}`;
    if (!groups.has(key))
      groups.set(key, { crawler: run.crawler, products: run.products, runs: [] });
    groups.get(key).runs.push(run);
  }
  return [...groups.values()].map((group) => {
    const ok = group.runs.filter((run) => !run.error);
    const figures = ok.map(runFigures);
    return {
      crawler: group.crawler,
      products: group.products,
      runs: ok.length,
      failedRuns: group.runs.length - ok.length,
      pages: median(figures.map((f) => f.pages)),
      pagesPerSecond: median(figures.map((f) => f.pagesPerSecond)),
      cpuSecondsPer1000Pages: median(figures.map((f) => f.cpuSecondsPer1000Pages)),
      peakRssMb: median(figures.map((f) => f.peakRssMb)),
      gcShare: median(figures.map((f) => f.gcShare)),
      checks: [...new Set(group.runs.map((run) => run.error ?? run.verification.check))].join('; '),
    };
  });
}

export function ratios(summary) {
  const sizes = [...new Set(summary.map((row) => row.products))];
  return sizes.flatMap((products) => {
    const a = summary.find((row) => row.crawler === 'arachne' && row.products === products);
    const c = summary.find((row) => row.crawler === 'crawlee' && row.products === products);
    if (!a || !c || !a.runs || !c.runs) return [];
    return [
      {
        products,
        pagesPerSecond: a.pagesPerSecond / c.pagesPerSecond,
        cpuSecondsPer1000Pages: a.cpuSecondsPer1000Pages / c.cpuSecondsPer1000Pages,
        peakRssMb: a.peakRssMb / c.peakRssMb,
      },
    ];
  });
}

function table(header, rows) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => String(row[i]).length)),
  );
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatReport(summary, ratioRows) {
  const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  const main = table(
    [
      'crawler',
      'products',
      'runs',
      'pages',
      'pages/s',
      'CPU s/1k pages',
      'peak RSS MB',
      'GC % of CPU',
      'check',
    ],
    summary.map((row) => [
      row.crawler,
      row.products,
      row.failedRuns ? `${row.runs} (+${row.failedRuns} failed)` : row.runs,
      fixed(row.pages, 0),
      fixed(row.pagesPerSecond, 0),
      fixed(row.cpuSecondsPer1000Pages, 2),
      fixed(row.peakRssMb, 0),
      fixed(row.gcShare * 100, 1),
      row.checks,
    ]),
  );
  if (ratioRows.length === 0) return main;
  const ratio = table(
    [
      'Arachne / Crawlee',
      'pages/s (higher = faster)',
      'CPU per page (lower = cheaper)',
      'peak RSS (lower = leaner)',
    ],
    ratioRows.map((row) => [
      `${row.products} products`,
      `${fixed(row.pagesPerSecond, 2)}×`,
      `${fixed(row.cpuSecondsPer1000Pages, 2)}×`,
      `${fixed(row.peakRssMb, 2)}×`,
    ]),
  );
  return `${main}\n\n${ratio}`;
}
