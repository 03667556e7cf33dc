import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../util/logger.js';

/** Where the signing key comes from. */
export interface SecretOptions {
  /** The secret itself (at least 32 characters); default `process.env.NASC_SECRET`. */
  secret?: string;
  /**
   * A file that keeps a generated secret, so sessions survive a restart without `NASC_SECRET`: read when it
   * exists, else created with mode 0600. Its path is logged either way. No default: Nasc writes no file
   * unless asked to.
   */
  secretFile?: string;
}

const MIN_SECRET_LENGTH = 32;

/**
 * The key that signs session cookies: `secret`, else `NASC_SECRET` (share it between processes serving one
 * app), else the one kept in `secretFile`, else a random one held in memory, with a warning: sessions then
 * end when the process does, and several processes cannot share them. No file is written unasked: that would
 * surprise people and fail on read-only file systems; an app that wants a file names it.
 */
export function resolveSecret(options: SecretOptions, logger: Logger): Buffer {
  const given = options.secret ?? process.env.NASC_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < MIN_SECRET_LENGTH) throw new Error(`NASC_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    return Buffer.from(given, 'utf8');
  }
  if (options.secretFile === undefined) {
    logger.warn(
      'no session secret configured: using a random one held in memory, so sessions end when this process stops. ' +
        `Set NASC_SECRET (${MIN_SECRET_LENGTH}+ random characters, e.g. openssl rand -base64 32) or sessions.secretFile.`,
    );
    return Buffer.from(randomBytes(32).toString('base64url'), 'utf8');
  }
  const file = resolve(options.secretFile);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_SECRET_LENGTH) {
      logger.info('session secret read from its file', { file });
      return Buffer.from(stored, 'utf8');
    }
  } catch {
    // Not there yet: make one below.
  }
  const generated = randomBytes(32).toString('base64url');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.warn('session secret created in a new file (mode 0600): keep it private and out of version control', { file });
  return Buffer.from(generated, 'utf8');
}
