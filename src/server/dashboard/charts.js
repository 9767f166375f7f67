// The job page's live charts (uPlot, loaded as a global by index.html): pages/s, status-code mix, latency.
import { el } from './dom.js';

const height = 190;
const phases = [
  ['dns', 'DNS', '#8e44ad'],
  ['connect', 'connect', '#2471a3'],
  ['tls', 'TLS', '#17a589'],
  ['firstByte', 'first byte', '#d35400'],
];

/** 2xx green, 3xx blue, 4xx orange, 5xx red, anything else grey; codes of one class get different shades. */
function statusColor(code, alpha = 1) {
  const hue = { 2: 145, 3: 210, 4: 32, 5: 0 }[code[0]];
  const shade = 32 + ((Number(code) * 7) % 5) * 7;
  return hue === undefined
    ? `hsla(0, 0%, ${shade}%, ${alpha})`
    : `hsla(${hue}, 65%, ${shade}%, ${alpha})`;
}

/**
 * The x axis spans the samples (Unix seconds). uPlot widens a single time point to [t, t + 86400 / 1e-3], i.e.
 * 2.7 years when x is in seconds (the axis then read years ahead): one sample gets a minute around it instead.
 */
function timeRange(u, min, max) {
  const xs = u.data[0];
  const first = xs?.[0];
  const last = xs?.[xs.length - 1];
  if (first === undefined || first === null || last === undefined || last === null)
    return [min, max];
  return first === last ? [first - 30, last + 30] : [first, last];
}

const pad2 = (n) => String(n).padStart(2, '0');

/**
 * Time tick labels in local time: hh:mm:ss over less than a day, else the date and hh:mm. The box keeps the last
 * ones drawn (`data-x-labels`, '|'-separated): the canvas holds them as pixels only.
 */
function timeLabels(box) {
  return (u, splits) => {
    const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
    const labels = splits.map((seconds) => {
      const d = new Date(seconds * 1000);
      const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
      return span < 86_400
        ? `${time}:${pad2(d.getSeconds())}`
        : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}`;
    });
    box.dataset.xLabels = labels.join('|');
    return labels;
  };
}

function chartOptions(title, box, series, yLabel) {
  return {
    title,
    width: Math.max(240, box.clientWidth),
    height,
    scales: { x: { time: true, range: timeRange } },
    series: [{}, ...series],
    // hh:mm:ss labels are wider than uPlot's default ones: ticks further apart keep them from overlapping.
    axes: [
      { values: timeLabels(box), space: 64 },
      { label: yLabel, size: 56, labelSize: 18 },
    ],
    // Set once a draw is done (uPlot draws after setData returns): tests wait on it.
    hooks: { draw: [(u) => (box.dataset.points = String(u.data[0].length))] },
    cursor: { drag: { x: false, y: false } },
  };
}

export class JobCharts {
  #boxes;
  #charts = { rate: null, status: null, latency: null };
  #statusKeys = '';
  #resize;

  /** Builds the three chart boxes into `root`. */
  constructor(root) {
    this.#boxes = {
      rate: el('div', { class: 'chart', id: 'chart-rate' }),
      status: el('div', { class: 'chart', id: 'chart-status' }),
      latency: el('div', { class: 'chart', id: 'chart-latency' }),
    };
    root.append(this.#boxes.rate, this.#boxes.status, this.#boxes.latency);
    this.#resize = new ResizeObserver(() => {
      for (const [name, chart] of Object.entries(this.#charts)) {
        chart?.setSize({ width: this.#width(name), height });
      }
    });
    for (const box of Object.values(this.#boxes)) this.#resize.observe(box);
  }

  /** Redraws from the job's samples (see store.js). */
  update(samples) {
    const xs = samples.map((s) => s.t);
    this.#draw('rate', [xs, samples.map((s) => s.rate)], () =>
      chartOptions(
        'Pages per second',
        this.#boxes.rate,
        [{ label: 'pages/s', stroke: '#2471a3', fill: 'rgba(36,113,163,0.15)', width: 2 }],
        'pages/s',
      ),
    );
    this.#drawStatus(xs, samples);
    const latency = [xs];
    const series = [];
    for (const [key, label, color] of phases) {
      for (const p of ['p50', 'p90']) {
        latency.push(samples.map((s) => (s.latency ? s.latency[key][p] : null)));
        series.push({
          label: `${label} ${p}`,
          stroke: color,
          width: p === 'p50' ? 2 : 1.5,
          ...(p === 'p90' ? { dash: [5, 4] } : {}),
          value: (_u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} ms`),
        });
      }
    }
    this.#draw('latency', latency, () =>
      chartOptions('Latency (p50 solid, p90 dashed)', this.#boxes.latency, series, 'ms'),
    );
  }

  destroy() {
    this.#resize.disconnect();
    for (const chart of Object.values(this.#charts)) chart?.destroy();
  }

  /** Stacked: each series is the sum of its code and all lower codes, drawn top first so lower bands cover it. */
  #drawStatus(xs, samples) {
    const codes = [...new Set(samples.flatMap((s) => Object.keys(s.byStatus)))].sort();
    const raw = codes.map((code) => samples.map((s) => s.byStatus[code] ?? 0));
    const stacked = raw.map((_, k) =>
      xs.map((_x, i) => raw.slice(0, k + 1).reduce((sum, r) => sum + r[i], 0)),
    );
    const order = codes.map((_, k) => k).reverse();
    const keys = codes.join(',');
    if (keys !== this.#statusKeys) {
      this.#charts.status?.destroy();
      this.#charts.status = null;
      this.#statusKeys = keys;
    }
    const data = [xs, ...order.map((k) => stacked[k])];
    this.#draw('status', data, () =>
      chartOptions(
        'Responses by status (stacked)',
        this.#boxes.status,
        order.map((k) => ({
          label: codes[k],
          stroke: statusColor(codes[k]),
          fill: statusColor(codes[k], 0.45),
          width: 1.5,
          value: (_u, _v, _series, index) => (index === null ? '–' : String(raw[k][index] ?? '–')),
        })),
        'responses',
      ),
    );
  }

  #draw(name, data, options) {
    if (!globalThis.uPlot) return;
    const chart = this.#charts[name];
    if (chart) chart.setData(data);
    else this.#charts[name] = new globalThis.uPlot(options(), data, this.#boxes[name]);
  }

  #width(name) {
    return Math.max(240, this.#boxes[name].clientWidth);
  }
}
