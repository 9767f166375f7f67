/** The server's access token: ARACHNE_TOKEN, or DATA_DIR/token created on first start (mode 0600). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export interface ServerToken {
  token: string;
  /** Where the token is stored, or undefined when it came from ARACHNE_TOKEN. */
  file: string | undefined;
}

const minLength = 16;

export function loadOrCreateToken(dataDir: string, fromEnv: string | undefined): ServerToken {
  if (fromEnv !== undefined && fromEnv !== '') {
    // A client sends `Bearer <token>` and the header parser stops at whitespace: such a token never matches.
    if (/\s/.test(fromEnv))
      throw new ConfigError(
        'ARACHNE_TOKEN contains whitespace (leading, trailing or inside), so no request could send it',
      );
    if (fromEnv.length < minLength)
      throw new ConfigError(`ARACHNE_TOKEN must be at least ${minLength} characters`);
    return { token: fromEnv, file: undefined };
  }
  const file = join(dataDir, 'token');
  if (existsSync(file)) {
    // One final newline is how the file is written (and how `echo` writes one); any other whitespace is refused.
    const token = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (/\s/.test(token))
      throw new ConfigError(
        `${file}: the token contains whitespace, so no request could send it (fix or delete the file)`,
      );
    if (token.length < minLength)
      throw new ConfigError(`${file}: the token is too short (delete the file to make a new one)`);
    // Tighten a file someone copied with looser permissions.
    chmodSync(file, 0o600);
    return { token, file };
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file };
}

/** Constant-time comparison: both sides are hashed first, so even their lengths do not leak through timing. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
