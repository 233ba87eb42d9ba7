// Public entry of the viewer's server side: the runtime (loading policy), the data API plugin,
// the sign-in routes and the access rule the web UI's viewer page declares too.
export { ViewerRuntime, DEFAULT_RELOAD_INTERVAL_MS, type ViewerRuntimeOptions, type ViewerStatus, type LoadedJob } from './runtime.js';
export { viewerDataRoutes, sendViewerRefusal, wantsJson, VIEWER_DATA_PREFIX, type JobFacts, type JobLookup, type ViewerDataOptions } from './data-api.js';
export { jobState, stateHtml, scriptJson, phaseOf, type JobStateBody, type JobPhase } from './job-state.js';
export { sessionRoutes, viewerAccessRule, sessionCookies, type TokenAuthorizer, type ViewerAccess, type SessionRoutesOptions } from './access.js';
export { SessionSealer, SESSION_COOKIE, DEFAULT_SESSION_TTL_MS } from './session.js';
export { SessionRevocations, type SessionRevocationStore, type SessionRevocationsOptions } from './revocations.js';
export { createViewer, type CreateViewerOptions, type MountedViewer } from './mount.js';
