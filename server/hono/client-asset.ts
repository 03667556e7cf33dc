import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import type { Coding } from './accept-encoding.js';

/** One built browser file as the server sends it: its bytes in each coding, and names for its content. */
export interface ClientAsset {
  readonly bodies: Readonly<Record<Coding, Uint8Array<ArrayBuffer>>>;
  /** SHA-256 of the bytes (base64url, 27 characters): the ETag's value. */
  readonly digest: string;
  /** The first 12 hex digits of that SHA-256: the part of the content-hashed file name (`nasc.<hash>.js`). */
  readonly hash: string;
}

/**
 * Reads a built file and its compressed forms. scripts/build-client.mjs writes `<file>.br` and `<file>.gz`
 * beside it (brotli 11 and gzip 9, which take too long to run at a request); each is used when it decodes to
 * the file's bytes, so one left from an older build is never sent. Missing or stale ones are made here, at
 * faster levels. Throws when the file itself is missing.
 */
export function readClientAsset(url: URL): ClientAsset {
  const identity = readFileSync(url);
  const sha256 = createHash('sha256').update(identity);
  const digest = sha256.copy().digest('base64url').slice(0, 27);
  const hash = sha256.digest('hex').slice(0, 12);
  const gzip =
    precompressed(new URL(`${url.href}.gz`), identity, gunzipSync) ?? gzipSync(identity, { level: 6 });
  const br =
    precompressed(new URL(`${url.href}.br`), identity, brotliDecompressSync) ??
    brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } });
  // Copied into plain ArrayBuffers (Buffers may share a pool's), which is what a Response body takes.
  return { bodies: { identity: new Uint8Array(identity), gzip: new Uint8Array(gzip), br: new Uint8Array(br) }, digest, hash };
}

function precompressed(url: URL, identity: Buffer, decode: (data: Buffer) => Buffer): Buffer | undefined {
  if (!existsSync(url)) return undefined;
  try {
    const data = readFileSync(url);
    return decode(data).equals(identity) ? data : undefined;
  } catch {
    return undefined;
  }
}
