export * from './packages.js';
