const pendingCount = new WeakMap<Element, number>();
/** Elements whose first unacknowledged event went out since the last frame: marked at the next one. */
const unmarked = new Set<Element>();

function showPending(): void {
  for (const element of unmarked) {
    element.setAttribute('na-pending', '');
    element.setAttribute('aria-busy', 'true');
  }
  unmarked.clear();
}

/**
 * Counts an element's unacknowledged events (`delta` +1 when one is sent, −1 when it is settled) and keeps
 * its `na-pending` and `aria-busy` attributes in step, from the next animation frame on. Attributes set and
 * removed between two frames are never painted, so an answer that comes within the frame (a click on a near
 * server: about a millisecond) now costs no restyle at all, and one that comes later shows in the same frame
 * an immediate mark would have: the rendering is the same, frame for frame.
 */
export function markPending(element: Element, delta: number): void {
  const count = (pendingCount.get(element) ?? 0) + delta;
  pendingCount.set(element, count);
  if (count === 1 && delta > 0) {
    if (unmarked.size === 0) requestAnimationFrame(showPending);
    unmarked.add(element);
  } else if (count <= 0 && !unmarked.delete(element)) {
    element.removeAttribute('na-pending');
    element.removeAttribute('aria-busy');
  }
}

/** How many events an element has sent that are not acknowledged yet (exact at once, unlike the attributes). */
export function pendingEvents(element: Element): number {
  return pendingCount.get(element) ?? 0;
}
