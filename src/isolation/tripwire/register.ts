// `node --import hermetic/tripwire/register` (or `import 'hermetic/tripwire/register'` as the
// first import): installs the tripwire before any other module runs, with options from the
// environment (see env.ts). Installing twice is a no-op.
import { install } from './install.js';
import { optionsFromEnv } from './env.js';

install(optionsFromEnv());
