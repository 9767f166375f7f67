/**
 * A private PKI made by `openssl` into a temp dir, for TLS tests: a server CA with a valid and an expired server
 * certificate (both for localhost and 127.0.0.1), and a separate client CA with one client certificate. EC P-256
 * keys: generated in milliseconds. The expired certificate is signed by `openssl ca`, whose -startdate/-enddate
 * put its validity in the past (OpenSSL 3.0's `x509` has no such option).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as files and as PEM text. */
export interface KeyPair {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The server CA (`CN=Arachne Test CA`). */
  caFile: string;
  ca: string;
  /** Signed by the server CA, valid now, for localhost and 127.0.0.1. */
  server: KeyPair;
  /** Signed by the server CA, valid 2020-01-01 to 2020-01-02 only. */
  expired: KeyPair;
  /** The CA a client-certificate server trusts (`CN=Arachne Client CA`). */
  clientCaFile: string;
  clientCa: string;
  /** Signed by the client CA (`CN=arachne-client`). */
  client: KeyPair;
  /** Deletes the directory. */
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * A self-signed certificate for localhost and 127.0.0.1, valid two days: what a test server (dovecot, pure-ftpd)
 * presents when a test only needs TLS, not a CA. `keyFile` may be `certFile`: both then go into one PEM file.
 */
export function selfSignedCertificate(certFile: string, keyFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...EC,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'arachne-pki-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

  const newCa = (name: string, cn: string) => {
    openssl(
      'req',
      '-x509',
      ...EC,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.pem`),
      '-subj',
      `/CN=${cn}`,
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  };
  const csr = (name: string, cn: string) =>
    openssl(
      'req',
      '-new',
      ...EC,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
  const pair = (name: string): KeyPair => ({
    certFile: path(`${name}.pem`),
    keyFile: path(`${name}.key`),
    cert: readFileSync(path(`${name}.pem`), 'utf8'),
    key: readFileSync(path(`${name}.key`), 'utf8'),
  });

  writeFileSync(
    path('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(path('client.ext'), 'extendedKeyUsage=clientAuth\n');

  newCa('ca', 'Arachne Test CA');
  newCa('client-ca', 'Arachne Client CA');

  csr('server', 'localhost');
  openssl(
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-set_serial',
    '2',
    '-days',
    '30',
    '-extfile',
    path('server.ext'),
    '-out',
    path('server.pem'),
  );

  csr('client', 'arachne-client');
  openssl(
    'x509',
    '-req',
    '-in',
    path('client.csr'),
    '-CA',
    path('client-ca.pem'),
    '-CAkey',
    path('client-ca.key'),
    '-set_serial',
    '3',
    '-days',
    '30',
    '-extfile',
    path('client.ext'),
    '-out',
    path('client.pem'),
  );

  csr('expired', 'localhost');
  writeFileSync(path('index.txt'), '');
  writeFileSync(path('serial'), '04\n');
  writeFileSync(
    path('ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `database = ${path('index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${path('serial')}`,
      'default_md = sha256',
      'policy = any',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  openssl(
    'ca',
    '-batch',
    '-notext',
    '-config',
    path('ca.cnf'),
    '-cert',
    path('ca.pem'),
    '-keyfile',
    path('ca.key'),
    '-in',
    path('expired.csr'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    path('server.ext'),
    '-out',
    path('expired.pem'),
  );

  return {
    dir,
    caFile: path('ca.pem'),
    ca: readFileSync(path('ca.pem'), 'utf8'),
    server: pair('server'),
    expired: pair('expired'),
    clientCaFile: path('client-ca.pem'),
    clientCa: readFileSync(path('client-ca.pem'), 'utf8'),
    client: pair('client'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
