import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

/** Where the signing key comes from. */
export interface SecretOptions {
  /** The secret itself (at least 32 characters); default `process.env.NASC_SECRET`. */
  secret?: string;
  /** Where a generated secret is kept when none is given, so sessions survive a restart (default `.nasc-secret`). */
  secretFile?: string;
}

const MIN_SECRET_LENGTH = 32;

/**
 * The key that signs session cookies: `NASC_SECRET` (share it between processes serving one app), else a
 * random one kept in a local file (created with mode 0600 on first start).
 */
export function resolveSecret(options: SecretOptions = {}): Buffer {
  const given = options.secret ?? process.env.NASC_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < MIN_SECRET_LENGTH) throw new Error(`NASC_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    return Buffer.from(given, 'utf8');
  }
  const file = options.secretFile ?? '.nasc-secret';
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_SECRET_LENGTH) return Buffer.from(stored, 'utf8');
  } catch {
    // Not there yet: make one below.
  }
  const generated = randomBytes(32).toString('base64url');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return Buffer.from(generated, 'utf8');
}
