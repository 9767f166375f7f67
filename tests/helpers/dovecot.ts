// A real IMAP and POP3 server for the tests: Debian's dovecot in the foreground (-F) with its own config on free
// ports of 127.0.0.1 (imap, imaps, pop3, pop3s), one passwd-file user and a maildir seeded with the test's messages.
// TLS uses a self-signed certificate for 127.0.0.1 and localhost, given to clients as their CA (`caPath`).
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, chown, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connects, startDaemon } from './daemon.js';
import { freePort } from './local-server.js';
import { requireService } from './services.js';
import { selfSignedCertificate } from './test-pki.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
export const dovecotPath = '/usr/sbin/dovecot';
/** The mail is owned by, and served as, this account (dovecot refuses to serve mail as root). */
const NOBODY = { uid: 65534, gid: 65534 };

/** Whether the dovecot tests run (skip without dovecot, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const dovecotUp = () =>
  requireService(`dovecot at ${dovecotPath}`, async () => {
    await access(dovecotPath, constants.X_OK);
  });

export interface Dovecot {
  ports: { imap: number; imaps: number; pop3: number; pop3s: number };
  user: string;
  password: string;
  /** The certificate of the server, which is its own CA: `--ca` / `ca`. */
  caPath: string;
  /** A file holding the password (for `--mail-password-file`). */
  passwordFile: string;
  /** `imaps://alice@127.0.0.1:PORT/INBOX` and the like; `path` starts after the port. */
  url(scheme: 'imap' | 'imaps' | 'pop3' | 'pop3s', path?: string): string;
  /** The maildir's message files (cur/ and new/): their names carry the flags (`:2,S` once seen). */
  messageFiles(): Promise<string[]>;
  log(): string;
  close(): Promise<void>;
}

/** Starts dovecot with user `alice`/`secret` and `messages` (raw RFC 5322 text) delivered unseen into INBOX. */
export async function startDovecot(messages: readonly string[]): Promise<Dovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'arachne-dovecot-'));
  await chmod(dir, 0o755); // the mail processes run as nobody and must reach the maildir below
  const user = 'alice';
  const password = 'secret';
  const maildir = join(dir, 'mail');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  const stamp = Math.floor(Date.now() / 1000);
  await Promise.all(
    messages.map((message, index) =>
      // In cur/ without flags: unseen, and not \Recent-dependent.
      writeFile(
        join(maildir, 'cur', `${stamp + index}.M${index}P1.arachne:2,`),
        message.replace(/\r?\n/g, '\r\n'),
      ),
    ),
  );
  await run('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, maildir]);
  await chown(maildir, NOBODY.uid, NOBODY.gid);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  selfSignedCertificate(cert, key);
  const passwordFile = join(dir, 'password.txt');
  await writeFile(passwordFile, `${password}\n`);
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${password}::::::\n`);
  const ports = {
    imap: await freePort(),
    imaps: await freePort(),
    pop3: await freePort(),
    pop3s: await freePort(),
  };
  const config = join(dir, 'dovecot.conf');
  await writeFile(
    config,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
info_log_path = /dev/stderr
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <${cert}
ssl_key = <${key}
disable_plaintext_auth = no
auth_mechanisms = plain login
# The tests try wrong passwords on purpose: no delay, and no penalty slowing the next logins from 127.0.0.1.
auth_failure_delay = 0
login_trusted_networks = 127.0.0.1/32
mail_location = maildir:${maildir}
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dir}/users
}
userdb {
  driver = static
  args = uid=${NOBODY.uid} gid=${NOBODY.gid} home=${maildir}
}
service imap-login {
  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = ${ports.pop3s}
    ssl = yes
  }
}
service anvil {
  chroot =
}
`,
  );
  const daemon = await startDaemon({
    name: 'dovecot',
    command: dovecotPath,
    args: ['-F', '-c', config],
    port: ports.imap,
    dir,
  });
  try {
    for (const port of [ports.imaps, ports.pop3, ports.pop3s]) {
      await waitFor(`dovecot to listen on ${port}`, async () =>
        (await connects(port)) ? true : undefined,
      );
    }
  } catch (error) {
    await daemon.close();
    throw error;
  }
  return {
    ports,
    user,
    password,
    caPath: cert,
    passwordFile,
    url: (scheme, path = '/') => `${scheme}://${user}@127.0.0.1:${ports[scheme]}${path}`,
    messageFiles: async () => [
      ...(await readdir(join(maildir, 'cur'))),
      ...(await readdir(join(maildir, 'new'))),
    ],
    log: daemon.output,
    close: daemon.close,
  };
}

/** Seed messages: an HTML newsletter linking `webUrl`, a plain-text alert, and a mail with a PDF-ish attachment. */
export function sampleMessages(webUrl: string): string[] {
  return [
    `From: Weekly News <news@example.com>
To: alice@example.com
Subject: Newsletter 42
Date: Mon, 02 Nov 2026 10:00:00 +0000
Message-ID: <newsletter-42@example.com>
List-Id: <weekly.example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Read the story: ${webUrl}story

--alt
Content-Type: text/html; charset=utf-8

<html><head><title>Newsletter 42</title></head><body><h1>This week</h1>
<p><a href="${webUrl}story">The story</a></p></body></html>
--alt--
`,
    `From: Alerts <alerts@example.com>
To: alice@example.com
Subject: Disk almost full
Date: Tue, 03 Nov 2026 08:30:00 +0000
Message-ID: <alert-7@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Disk /var is 91% full.
.profile and .cache are the largest
Details: ${webUrl}alerts/7
`,
    `From: Bob <bob@example.com>
To: alice@example.com
Subject: The report
Date: Wed, 04 Nov 2026 12:00:00 +0000
Message-ID: <report@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: text/plain; charset=utf-8

Report attached.

--mix
Content-Type: text/csv; name="report.csv"
Content-Disposition: attachment; filename="report.csv"
Content-Transfer-Encoding: base64

${Buffer.from('day,visits\n1,10\n2,12\n').toString('base64')}
--mix--
`,
  ];
}
