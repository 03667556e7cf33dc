import { checkOrigin, type OriginPolicy } from '../security/origin-check.js';
import { refusal, type Refusal } from './refusal.js';

/** The request parts the origin check reads. */
export interface OriginRequest {
  header(lowerName: string): string | undefined;
  ownOrigin(): string;
}

/** 403 `forbidden_origin` for a page the server must not act for (see `checkOrigin`), or `undefined`. */
export function originRefusal(request: OriginRequest, origins: OriginPolicy): Refusal | undefined {
  const why = checkOrigin(request.header('origin'), request.header('sec-fetch-site'), () => request.ownOrigin(), origins);
  return why === undefined ? undefined : refusal(403, 'forbidden_origin', why);
}
