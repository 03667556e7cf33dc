import { createHash } from 'node:crypto';
import type { AccessRequest } from 'nasc/server';

/** The profile instance of a session: a digest of its id, so the store never holds session ids. */
function profileOf(session: string): string {
  return `user-${createHash('sha256').update(session).digest('base64url').slice(0, 22)}`;
}

/**
 * `currentUser` means the visitor's own profile: each session (one browser, all its tabs) gets its own, so
 * two visitors never share one, while the todo list and the note stay shared.
 */
export function resolveDemoInstance({ session, type, instance }: { session: string; type: string; instance: string }): string {
  return type === 'User' && instance === 'currentUser' ? profileOf(session) : instance;
}

/** A profile is private: a session may mount and change only its own, whatever name it tries. */
export function authorizeDemo({ session, type, instance }: AccessRequest): boolean {
  return type !== 'User' || instance === profileOf(session);
}
