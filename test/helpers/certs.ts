/**
 * Certificates for TLS and mTLS tests, made by `openssl` in a directory of the test's own: a CA,
 * and leaf certificates it signs for a server (with its DNS names) or a client.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertFiles {
  cert: string;
  key: string;
}

/** A self-signed CA named `name`, in `dir` as `<name>.crt` and `<name>.key`. */
export async function makeCa(dir: string, name: string): Promise<CertFiles> {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    files.key,
    '-out',
    files.cert,
  ]);
  return files;
}

/**
 * A leaf certificate for `name` signed by `ca`: a server's (with `dnsNames` as its
 * subjectAltName) or a client's. In `dir` as `<name>.crt` and `<name>.key`.
 */
export async function makeLeaf(
  dir: string,
  ca: CertFiles,
  name: string,
  use: { server: string[] } | 'client',
): Promise<CertFiles> {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    files.key,
    '-out',
    csr,
  ]);
  const lines =
    use === 'client'
      ? ['extendedKeyUsage=clientAuth']
      : [`subjectAltName=${use.server.map((d) => `DNS:${d}`).join(',')}`, 'extendedKeyUsage=serverAuth'];
  await writeFile(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...lines].join('\n'));
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    files.cert,
  ]);
  return files;
}
