// Arachne with items to postgres: see arachne-run.mjs.
process.env.ARACHNE_BENCH_VARIANT = 'postgres';
await import('./arachne-run.mjs');
