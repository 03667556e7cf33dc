import { readFileSync } from 'node:fs';

/** One step of a guide, as its markdown marks it with an HTML comment before a fenced block. */
export type GuideStep =
  /** `<!-- run -->`: shell commands, run in order in one shell. */
  | { kind: 'run'; text: string }
  /** `<!-- file: path -->`: the whole content of a file, written as it is. */
  | { kind: 'file'; path: string; text: string }
  /** `<!-- start -->`: the command that starts the app (kept running). */
  | { kind: 'start'; text: string };

const MARKED_BLOCK = /<!-- (run|start|file: ([^\s>]+)) -->\n```[a-z]*\n([\s\S]*?)```/g;

/**
 * The marked steps of a guide, in order. The marks are HTML comments, so a reader sees plain code blocks,
 * and the test runs exactly what the reader copies: guide and test cannot drift apart.
 */
export function readGuide(url: URL): GuideStep[] {
  const markdown = readFileSync(url, 'utf8');
  return [...markdown.matchAll(MARKED_BLOCK)].map(([, mark, path, text]): GuideStep => {
    if (mark === 'run') return { kind: 'run', text: text! };
    if (mark === 'start') return { kind: 'start', text: text! };
    return { kind: 'file', path: path!, text: text! };
  });
}

/** The text of the first `code span` in the guide that starts with `prefix`: a message it quotes, say. */
export function quotedInGuide(url: URL, prefix: string): string {
  const markdown = readFileSync(url, 'utf8');
  const span = [...markdown.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!).find((text) => text.startsWith(prefix));
  if (!span) throw new Error(`the guide quotes nothing that starts with "${prefix}"`);
  return span;
}
