// Library entry: the pieces other programs may embed.
export { loadConfig, type Config } from './config/index.js';
export { version } from './version.js';
