import type { Logger } from '../util/logger.js';

/** How often the drop of dedupe windows is logged at most: a flood must not flood the log too. */
const LOG_INTERVAL_MS = 10_000;

/**
 * Logs, at `warn` and at most once per 10 s, that a store dropped whole senders' outcome windows to stay under
 * its `maxOutcomes` bound: those senders' resent events would be applied again. Drops between two lines are
 * counted into the next one.
 */
export class DroppedOutcomesLog {
  readonly #logger: Logger;
  readonly #maxOutcomes: number;
  #lastLog = Number.NEGATIVE_INFINITY;
  #senders = 0;
  #outcomes = 0;

  constructor(logger: Logger, maxOutcomes: number) {
    this.#logger = logger;
    this.#maxOutcomes = maxOutcomes;
  }

  note(senders: number, outcomes: number, now = Date.now()): void {
    this.#senders += senders;
    this.#outcomes += outcomes;
    if (now - this.#lastLog < LOG_INTERVAL_MS) return;
    this.#lastLog = now;
    this.#logger.warn('event dedupe windows dropped: more outcomes than maxOutcomes, so the senders idle longest lost theirs', {
      senders: this.#senders,
      outcomes: this.#outcomes,
      maxOutcomes: this.#maxOutcomes,
    });
    this.#senders = 0;
    this.#outcomes = 0;
  }
}
