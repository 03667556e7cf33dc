import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { PROXY_EXECUTABLES } from './proxy-process.js';
import { OPENSSL } from './self-signed-certificate.js';

/** Why the proxy test cannot run here, or undefined when it can. */
function missing(): string | undefined {
  for (const [command, flag] of [[PROXY_EXECUTABLES.nginx, '-v'], [PROXY_EXECUTABLES.haproxy, '-v'], [OPENSSL, 'version']] as const) {
    const probe = spawnSync(command, [flag], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return `${command} is not installed (apt-get install nginx haproxy openssl)`;
  }
  // Both start as root and drop to www-data and haproxy, as the deploy files say; nginx also makes its
  // temporary directories under /var/lib/nginx.
  if (process.getuid?.() !== 0) return 'nginx and HAProxy run as deployed, started as root';
  return undefined;
}

/**
 * True when nginx, HAProxy and openssl are here and the test runs as root. Otherwise the test is reported
 * as skipped with the reason, or, in CI (`CI=true`, where .ci/run installs them), fails.
 */
export function proxyToolsOrSkip(t: TestContext): boolean {
  const reason = missing();
  if (reason === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true, so the proxy tests must run: ${reason}`);
  t.skip(reason);
  return false;
}
