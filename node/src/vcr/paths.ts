// Where the data folder (credentials/) lives, resolved from this file so it works from any working directory.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CREDENTIALS_DIR = path.join(REPO_ROOT, 'credentials');
