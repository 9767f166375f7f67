/**
 * Hides the password of every URL in a text (`redis://user:secret@host` → `redis://user:***@host`), for messages
 * that quote a URL the user gave: a frontier, a cache, a database. Works on text, not on a parsed URL, because the
 * URL worth quoting is often the one that failed to parse.
 */
export function maskCredentials(text: string): string {
  return text.replace(/(\/\/[^\s:@/]*):[^\s@/]*@/g, '$1:***@');
}
