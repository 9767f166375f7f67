// Arachne with items to jsonl: see arachne-run.mjs.
process.env.ARACHNE_BENCH_VARIANT = 'jsonl';
await import('./arachne-run.mjs');
