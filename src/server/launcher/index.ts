// Starting the server with its isolation: the paranoid launcher (binds loopback, runs the
// server under the jail with the socket inherited) and the verification wiring of `serve`.
export { launchParanoid, EXIT_ISOLATION, type LaunchOptions } from './paranoid.js';
export { serveIsolation, type ServeIsolation } from './serve-isolation.js';
export { readLauncherReports } from './reports.js';
export { PARANOID_ENV, LISTEN_FD, REPORT_FD } from './env.js';
