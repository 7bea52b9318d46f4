// Where the compiled C helper lives, and whether it is there. Never taken from the
// environment: a variable pointing at another binary would replace the jail itself.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../version.js';

export const helperPath = join(packageRoot, 'native', 'build', 'hermetic-jail');

export function helperBuilt(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    accessSync(helperPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
