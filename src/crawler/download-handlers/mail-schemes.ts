/**
 * The built-in handlers of mailbox URLs (imap:, imaps:, pop3:, pop3s:; see src/mail). The mail code, imapflow and
 * mailparser are imported on the first mail request: a web crawl never loads them.
 */
import type { MailHandlerOptions } from '../../mail/mail-handler.js';
import { lazyHandler } from './lazy-handler.js';
import type { DownloadHandlerMap } from './registry.js';

export function mailHandlers(options: MailHandlerOptions): DownloadHandlerMap {
  const handler = lazyHandler('mail', async () => {
    const { mailHandler } = await import('../../mail/mail-handler.js');
    return mailHandler(options);
  });
  return { 'imap:': handler, 'imaps:': handler, 'pop3:': handler, 'pop3s:': handler };
}
