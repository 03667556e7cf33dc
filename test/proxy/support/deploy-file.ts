import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `deploy/` at the repository root, seen from dist/test/proxy/support/. */
export const DEPLOY_DIR = fileURLToPath(new URL('../../../../deploy/', import.meta.url));

/** The four proxy configurations an operator copies. */
export type DeployFileName = 'nginx.conf' | 'nginx-tls.conf' | 'haproxy.cfg' | 'haproxy-tls.cfg';

/** Where this test's proxy and processes are: what takes the place of the values a file ships with. */
export interface SiteValues {
  /** The proxy's public port (a free one: never 80 or 443). */
  publicPort: number;
  /** The Nasc processes' ports, in the order of the file's `server` lines. */
  processPorts: readonly [number, number];
  /** The TLS files: the certificate chain and its key (nginx), or both in one PEM file (HAProxy). */
  certificate?: string;
  privateKey?: string;
  combinedPem?: string;
  /** nginx's access log. */
  accessLog?: string;
}

/**
 * The values each file ships with, exactly as they stand in it, and what the test puts in their place. Each
 * must occur exactly once: a file whose values moved or multiplied fails here, loudly, instead of running
 * with half of them unchanged. Nothing else in the file is touched.
 */
function replacements(name: DeployFileName, site: SiteValues): [string, string][] {
  const [first, second] = site.processPorts;
  const processes: [string, string][] = [
    ['127.0.0.1:3001', `127.0.0.1:${first}`],
    ['127.0.0.1:3002', `127.0.0.1:${second}`],
  ];
  const listen = `127.0.0.1:${site.publicPort}`;
  switch (name) {
    case 'nginx.conf':
      return [['listen 8080;', `listen ${listen};`], ['/var/log/nginx/nasc-access.log', need(site.accessLog, 'accessLog')], ...processes];
    case 'nginx-tls.conf':
      return [
        ['listen 8443 ', `listen ${listen} `],
        ['/etc/ssl/nasc/fullchain.pem', need(site.certificate, 'certificate')],
        ['/etc/ssl/nasc/privkey.pem', need(site.privateKey, 'privateKey')],
        ['/var/log/nginx/nasc-access.log', need(site.accessLog, 'accessLog')],
        ...processes,
      ];
    case 'haproxy.cfg':
      return [['bind :8080 ', `bind ${listen} `], ...processes];
    case 'haproxy-tls.cfg':
      return [['bind :8443 ', `bind ${listen} `], ['/etc/haproxy/certs/nasc.pem', need(site.combinedPem, 'combinedPem')], ...processes];
  }
}

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`this deploy file needs ${what}`);
  return value;
}

/** `text` with each value replaced, after checking each occurs exactly once. */
export function substituteSiteValues(name: DeployFileName, text: string, site: SiteValues): string {
  let result = text;
  for (const [shipped, local] of replacements(name, site)) {
    const count = result.split(shipped).length - 1;
    if (count !== 1) throw new Error(`deploy/${name} should hold "${shipped}" exactly once, and holds it ${count} times`);
    result = result.replace(shipped, () => local);
  }
  return result;
}

/** Writes deploy/`name`, with this test's values in place of the shipped ones, into `dir`; returns its path. */
export function renderDeployFile(name: DeployFileName, dir: string, site: SiteValues): string {
  const path = join(dir, name);
  writeFileSync(path, substituteSiteValues(name, readFileSync(join(DEPLOY_DIR, name), 'utf8'), site));
  return path;
}
