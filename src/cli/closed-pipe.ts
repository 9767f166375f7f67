/**
 * A reader that stops early (`arachne fetch URL | head`) closes our stdout. The rest of the output is no longer
 * wanted, so the process ends quietly with 0, as `cat` and `grep` do, instead of dying on EPIPE with a stack trace.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
