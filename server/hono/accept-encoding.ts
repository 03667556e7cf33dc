/** A content coding the browser bundles are sent in. */
export type Coding = 'br' | 'gzip' | 'identity';

/** Brotli first: about a sixth smaller than gzip on the bundle, and every current browser takes it. */
const PREFERENCE: readonly Coding[] = ['br', 'gzip', 'identity'];

/**
 * The coding to send, from an `Accept-Encoding` header (RFC 9110 §12.5.3): the acceptable one with the highest
 * weight, brotli before gzip before identity at equal weights. Identity is acceptable unless refused by name
 * (`identity;q=0`) or by `*;q=0`; when nothing is, identity is sent anyway, which the RFC allows.
 */
export function chooseCoding(header: string | undefined): Coding {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (name === '') continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name === 'x-gzip' ? 'gzip' : name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: Coding): number =>
    weights.get(coding) ?? weights.get('*') ?? (coding === 'identity' ? 1 : 0);
  let best: Coding = 'identity';
  let bestWeight = 0;
  for (const coding of PREFERENCE) {
    const weight = weightOf(coding);
    if (weight > bestWeight) [best, bestWeight] = [coding, weight];
  }
  return best;
}
