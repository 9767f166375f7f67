/**
 * A reader that stops early (`arachne fetch URL | head`) closes our stdout. The rest of the output is no longer
 * wanted, so the process ends quietly with 0, as `cat` and `grep` do, instead of dying on EPIPE with a stack trace.
 * A crawl writing its items to stdout (`-o -`) takes the closed pipe over: it stops, closes its state and stats,
 * and then exits 0 itself, rather than being cut off in the middle.
 */

/** Streams whose closed pipe a running crawl is handling (see {@link handOverClosedPipe}). */
const handedOver = new WeakSet<NodeJS.WriteStream>();

export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!handedOver.has(stream)) process.exit(0);
  });
}

/**
 * While the returned function has not been called, a closed `stream` does not end the process: its owner (a sink
 * writing items to stdout) sees the EPIPE and stops the crawl.
 */
export function handOverClosedPipe(stream: NodeJS.WriteStream = process.stdout): () => void {
  handedOver.add(stream);
  return () => handedOver.delete(stream);
}
