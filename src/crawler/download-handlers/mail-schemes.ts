/**
 * The built-in handlers of mailbox URLs (imap:, imaps:, pop3:, pop3s:; see src/mail). The mail code, imapflow and
 * mailparser are imported on the first mail request: a web crawl never loads them.
 */
import type { MailHandlerOptions } from '../../mail/mail-handler.js';
import type { DownloadHandler, DownloadHandlerMap } from './registry.js';

export function mailHandlers(options: MailHandlerOptions): DownloadHandlerMap {
  let made: Promise<DownloadHandler> | undefined;
  const make = () => {
    made ??= import('../../mail/mail-handler.js').then(({ mailHandler }) => mailHandler(options));
    return made;
  };
  const handler: DownloadHandler = {
    name: 'mail',
    fetch: async (request, context) => (await make()).fetch(request, context),
    async close() {
      if (made) await (await made).close?.();
    },
  };
  return { 'imap:': handler, 'imaps:': handler, 'pop3:': handler, 'pop3s:': handler };
}
