// Files a user names in the editor (models, cards) are read only from inside the Node-RED user
// directory: no path traversal, and no symlink inside pointing out.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Resolves a model file path given relative to the user directory; rejects anything outside it. */
export function resolveInside(userDir: string, file: string): string {
  if (typeof file !== 'string' || file.trim() === '') throw new Error('model file: no path given');
  if (file.includes('\0')) throw new Error('model file: invalid path');
  const root = resolve(userDir);
  const target = resolve(root, file);
  const inside = (base: string, p: string) => {
    const rel = relative(base, p);
    return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
  };
  if (!inside(root, target)) throw new Error(`model file "${file}" is outside the Node-RED user directory`);
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    throw new Error(`model file "${file}" not found in the Node-RED user directory`);
  }
  // A symlink inside may still point outside.
  if (!inside(realpathSync(root), real)) throw new Error(`model file "${file}" resolves outside the Node-RED user directory`);
  return real;
}
