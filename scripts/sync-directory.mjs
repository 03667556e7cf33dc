// Makes a build's output folder hold exactly the given files, touching only those whose bytes changed: an
// unchanged build leaves every mtime alone, so `tsc -b`, `node --watch` and browsers' caches see no change.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Every file below `directory`, as paths relative to it. */
function listFiles(directory, base = directory) {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

function removeEmptyFolders(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyFolders(join(directory, entry.name));
  }
  if (readdirSync(directory).length === 0) rmdirSync(directory);
}

/**
 * Writes `files` (relative path → bytes) into `directory` where they differ, and removes every other file
 * there unless `keep(path)` says otherwise. Returns the paths written or removed.
 */
export function syncDirectory(directory, files, keep = () => false) {
  const changed = [];
  for (const stale of listFiles(directory)) {
    if (files.has(stale) || keep(stale)) continue;
    rmSync(join(directory, stale));
    changed.push(stale);
  }
  for (const [file, contents] of files) {
    const path = join(directory, file);
    if (existsSync(path) && readFileSync(path).equals(contents)) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
    changed.push(file);
  }
  if (existsSync(directory)) removeEmptyFolders(directory);
  return changed;
}
