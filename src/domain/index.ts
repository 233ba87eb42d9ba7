// The domain's rules in one import: statuses and transitions, the job-id rule, job conditions, job phases.
// Leaf: imports only its own files, so the server, the stores, the viewer and the browser bundle
// all read the same rules.
export * from './status.js';
export * from './job-id.js';
export * from './conditions.js';
export * from './job-state.js';
