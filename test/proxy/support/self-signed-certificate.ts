import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

/** A certificate for 127.0.0.1 and localhost, as nginx wants it (chain, key) and as HAProxy does (one PEM). */
export interface CertificateFiles {
  certificate: string;
  privateKey: string;
  combinedPem: string;
}

/** Makes a self-signed certificate (P-256, valid two days) in `dir` with openssl. */
export function makeSelfSignedCertificate(dir: string): CertificateFiles {
  const certificate = join(dir, 'cert.pem');
  const privateKey = join(dir, 'key.pem');
  const combinedPem = join(dir, 'cert-and-key.pem');
  const made = spawnSync(
    OPENSSL,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', privateKey, '-out', certificate],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate (${made.status ?? made.error?.message}): ${made.stderr}`);
  writeFileSync(combinedPem, readFileSync(certificate, 'utf8') + readFileSync(privateKey, 'utf8'));
  return { certificate, privateKey, combinedPem };
}
