/**
 * Optimal string alignment distance: Levenshtein's insertions, deletions and substitutions, plus swapping two
 * neighbours as one edit, so `toggel_todo` is one edit from `toggle_todo` (the commonest typo of all).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The candidate `name` was most likely meant to be: the closest one, case ignored, when it is within about a
 * third of the name's length (so `inc` never suggests `dec`); undefined when nothing is that close.
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // Case differences break ties only: `todolist` → `TodoList` before `TodoLists`.
    const distance = editDistance(wanted, candidate.toLowerCase()) + editDistance(name, candidate) / 1000;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && Math.floor(bestDistance) <= allowed ? best : undefined;
}
