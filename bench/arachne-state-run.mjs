// Arachne with items to state: see arachne-run.mjs.
process.env.ARACHNE_BENCH_VARIANT = 'state';
await import('./arachne-run.mjs');
