// Where the data folder (credentials/) lives, resolved from this file so it works from any working directory.
import { PACKAGE_ROOT, packagePath } from '../core/paths.js';

export const REPO_ROOT = PACKAGE_ROOT;
export const CREDENTIALS_DIR = packagePath('credentials');
