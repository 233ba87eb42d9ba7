// The viewer page served at a job's service_url. It reads TensorBoard's data API under `data/` of
// that URL, shows one tab at a time, and polls while the browser tab is visible — new data appears
// without a reload, and a hidden tab costs the server nothing. The address is `#<tab>?<settings>`
// (url-state.ts): the tab and every shareable setting, rewritten in place as they change, so a
// reload or a shared link shows the same view. A dashboard is one entry of TABS (tab.ts).
import 'uplot/dist/uPlot.min.css';
import '../lib/base.css';
import './viewer.css';
import { $, clear, h } from '../lib/dom.js';
import { brand } from '../lib/ui.js';
import { appRoot } from '../lib/app-root.js';
import { saveSession, startCookieSession } from '../lib/session.js';
import { DataClient, DataError, jobFromBase, viewerBase } from './data.js';
import { ViewerState, regexError, type Change, type TooltipSort, type XAxis } from './state.js';
import { formatHash, parseHash } from './url-state.js';
import { RunList } from './run-list.js';
import { ScalarsTab } from './scalars.js';
import { DistributionsTab, HistogramsTab } from './histograms.js';
import { MediaTab } from './media.js';
import { TextTab } from './text.js';
import { HParamsTab } from './hparams.js';
import { CustomScalarsTab } from './custom-scalars.js';
import { PrCurvesTab } from './prcurves.js';
import { ProblemsTab } from './problems.js';
import { ProjectorTab } from './projector/tab.js';
import { GraphsTab } from './graphs.js';
import type { Tab } from './tab.js';
import { setJobType, tabLabel } from './names.js';
import { applyTheme, onThemeChange, themeSwitch } from '../lib/theme.js';
import { installEscapeCloses } from '../lib/keys.js';
import { JobStateView, initialJobState } from './job-state.js';
import { showSettingsFor } from './settings-panel.js';

applyTheme();
installEscapeCloses();

/** Between polls of a job's data; a test may lengthen it (`__vizjobsPollMs`) to see what else asks. */
const POLL_MS = (window as unknown as { __vizjobsPollMs?: number }).__vizjobsPollMs ?? 5000;
const base = viewerBase();
const job = jobFromBase(base);
const data = new DataClient(base);
const state = new ViewerState(base, parseHash(location.hash).params);
const app = $('#app');

const scalars = new ScalarsTab(data, state);
const scalarTab: Tab = { el: scalars.el, settings: ['smoothing', 'xaxis', 'logscale', 'outliers', 'tooltipSort', 'samples'], refresh: () => scalars.refresh(), redraw: (c) => scalars.redraw(c), count: () => scalars.tagCount() };
const TABS: Array<[string, string, Tab]> = [
  ['scalars', 'Scalars', scalarTab],
  ['histograms', 'Histograms', new HistogramsTab(data, state)],
  ['distributions', 'Distributions', new DistributionsTab(data, state)],
  ['images', 'Images', new MediaTab('images', data, state)],
  ['audio', 'Audio', new MediaTab('audio', data, state)],
  ['text', 'Text', new TextTab(data, state)],
  ['custom_scalars', 'Custom Scalars', new CustomScalarsTab(data, state)],
  ['hparams', 'HParams', new HParamsTab(data, state)],
  ['pr_curves', 'PR curves', new PrCurvesTab(data, state)],
  ['graphs', 'Graphs', new GraphsTab(data)],
  ['projector', 'Projector', new ProjectorTab(data)],
  ['problems', 'Problems', new ProblemsTab(data)],
];
const refreshedOnce = new Set<string>();
/** Tabs whose count() is known (refreshed, or only counted: see Tab.refreshCount). */
const counted = new Set<string>();

interface Debug {
  ready: boolean;
  runs: string[];
  tab: string;
  refreshes: number;
  error?: string;
  scalars: () => ReturnType<ScalarsTab['stats']>;
  /** Card keys in page order (pinned first, as `pin:<tag>`). */
  cards: () => string[];
  color: (run: string) => string;
  /** Rows of the run list in the DOM now (virtualized: a window, not every run). */
  runRows: () => number;
}
const debug: Debug = {
  ready: false, runs: [], tab: 'scalars', refreshes: 0, scalars: () => scalars.stats(), cards: () => scalars.cardOrder(),
  color: (run) => state.colors.get(run), runRows: () => document.querySelectorAll('#runs .run-row').length,
};
(window as unknown as { __vizjobs: Debug }).__vizjobs = debug;

// ---- page frame -------------------------------------------------------------------------------

const locationEl = h('span', { class: 'mono muted data-location', id: 'data-location' });
const statusEl = h('span', { class: 'live', id: 'live' }, h('span', { class: 'spinner' }), ' loading…');
const tabBar = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Dashboards' });
// Beside the status, always in view: on a narrow window the tab bar scrolls and its last tab,
// Problems, is past the edge, while a load stopped at the memory budget says so only there.
const problemsLink = h('a', { class: 'problems-link', id: 'problems-link', hidden: '' });
/** The job's problems by data/status, asked at every poll (the Problems tab's own list only when it is open). */
let problemCount = 0;
/** The tab last scrolled into the tab bar's view (see renderTabs). */
let tabInView = '';
// Dashboards the job has no data for, as TensorBoard lists them: in a menu after the tabs, so the
// bar holds what there is to see (eleven tabs scrolled at 1,280 px). Beside the bar, not in it:
// the bar scrolls, and would clip the open menu.
const inactiveList = h('div', { class: 'menu inactive-list', role: 'menu' });
const inactiveMenu = h('details', { class: 'inactive-menu', id: 'inactive-menu', 'data-menu': '', hidden: '' }, h('summary', { class: 'tab', title: 'Dashboards with no data in this job' }), inactiveList);
const sidebar = h('aside', { class: 'sidebar' });
const content = h('section', { class: 'content', role: 'tabpanel' });
const tagFilter = h('input', { type: 'search', id: 'tag-filter', placeholder: 'Filter tags (regex)…', value: state.settings.tagFilter });
const tagErr = h('span', { class: 'error-text' });
const mainEl = h('main', { class: 'viewer-main' }, h('div', { class: 'filterbar' }, tagFilter, tagErr), content);

/** What the content area shows until the first answer arrives (the job's first load runs then). */
const firstLoadNote = h('div', { class: 'no-data', id: 'first-load' }, h('div', { class: 'big' }, h('span', { class: 'spinner big-spinner' }), ' Reading the event files…'),
  h('div', { class: 'muted', id: 'first-load-detail' }, 'The first view of a job loads its logs; later views are instant.'));

function frame(): void {
  clear(app);
  const title = job ? h('span', { class: 'job-title' }, h('span', { class: 'muted' }, `${job.projectId} / `), `job ${job.jobId}`) : '';
  app.append(
    h('div', { class: 'topbar' }, brand(), h('div', { class: 'job-head' }, title, locationEl), tabBar, inactiveMenu, h('div', { class: 'spacer' }), problemsLink, statusEl, themeSwitch(), job ? h('a', { href: appRoot(location.pathname), class: 'muted' }, 'Console') : ''),
    h('div', { class: 'layout' }, sidebar, mainEl),
  );
  // No debounce: a frame coalesces keystrokes (state changes are drawn once per frame).
  tagFilter.addEventListener('input', () => {
    tagErr.textContent = regexError(tagFilter.value) ?? '';
    state.update({ tagFilter: tagFilter.value });
  });
  renderSidebar();
  renderTabs();
  showSettingsFor(sidebar, TABS.find(([k]) => k === currentTab())?.[2].settings);
}

function currentTab(): string {
  const id = parseHash(location.hash).tab;
  return TABS.some(([k]) => k === id) ? id : 'scalars';
}

/** The address says what the page shows; rewritten in place (no history entry per slider move). */
function syncUrl(): void {
  const params = state.toParams();
  // The plain service_url stays plain while it shows the default view.
  if (!location.hash && currentTab() === TABS[0][0] && params.toString() === '') return;
  const hash = formatHash(currentTab(), params);
  if (hash !== location.hash) history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
}

/** The tab links carry the current settings (so a new browser tab opens the same view). */
function updateTabLinks(): void {
  const params = state.toParams();
  for (const a of tabBar.querySelectorAll<HTMLAnchorElement>('a[data-tab]')) a.href = formatHash(a.dataset.tab ?? '', params);
  for (const a of inactiveList.querySelectorAll<HTMLAnchorElement>('a[data-inactive-tab]')) a.href = formatHash(a.dataset.inactiveTab ?? '', params);
}

/** A dashboard counted and found empty: listed in the inactive menu (Problems stays a tab: its count is good news). */
function knownEmpty(id: string, tab: Tab): boolean {
  return id !== 'problems' && counted.has(id) && tab.count() === 0;
}

function renderTabs(): void {
  clear(tabBar);
  clear(inactiveList);
  const active = currentTab();
  for (const [id, label, tab] of TABS) {
    const n = counted.has(id) ? tab.count() : undefined;
    if (knownEmpty(id, tab) && id !== active) {
      inactiveList.append(h('a', { href: formatHash(id, state.toParams()), class: 'menu-item', 'data-inactive-tab': id, role: 'menuitem' }, tabLabel(id, label)));
      continue;
    }
    const a = h('a', { href: formatHash(id, state.toParams()), class: `tab${id === active ? ' active' : ''}${n === 0 ? ' empty-tab' : ''}`, 'data-tab': id, role: 'tab', 'aria-selected': id === active ? 'true' : 'false' }, tabLabel(id, label),
      n ? h('span', { class: id === 'problems' ? 'badge bad' : 'badge' }, String(n)) : null);
    tabBar.append(a);
    if (id === 'problems') {
      const p = Math.max(problemCount, n ?? 0);
      problemsLink.toggleAttribute('hidden', !p || id === active);
      problemsLink.setAttribute('href', formatHash(id, state.toParams()));
      problemsLink.textContent = p ? `${p.toLocaleString()} problem${p === 1 ? '' : 's'}` : '';
    }
  }
  const inactive = inactiveList.childElementCount;
  inactiveMenu.toggleAttribute('hidden', inactive === 0);
  (inactiveMenu.firstElementChild as HTMLElement).textContent = `Inactive (${inactive}) ▾`;
  // A tab opened from elsewhere (the problems link, a shared URL) is scrolled into the bar's view;
  // only when it changes, so a bar the user scrolled stays where they left it between polls.
  if (active !== tabInView) {
    tabInView = active;
    tabBar.querySelector('.tab.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
}

let unsubscribeSidebar: (() => void) | undefined;

function renderSidebar(): void {
  clear(sidebar);
  unsubscribeSidebar?.();
  const s = state.settings;
  tagFilter.value = s.tagFilter;
  tagErr.textContent = regexError(s.tagFilter) ?? '';
  const runFilter = h('input', { type: 'search', id: 'run-filter', placeholder: 'Filter runs (regex)…', value: s.runFilter });
  const runErr = h('div', { class: 'error-text' }, regexError(s.runFilter) ?? '');
  runFilter.addEventListener('input', () => {
    runErr.textContent = regexError(runFilter.value) ?? '';
    state.update({ runFilter: runFilter.value });
  });
  const list = new RunList(state);
  const count = h('div', { class: 'run-count muted small', id: 'run-count' });
  const fillCount = (): void => {
    const shown = state.visibleRuns().length;
    const matching = state.filteredRuns().length;
    count.textContent = state.runs.length === 0 ? ''
      : `${shown.toLocaleString()} drawn · ${matching.toLocaleString()}${matching === state.runs.length ? '' : ` of ${state.runs.length.toLocaleString()}`} runs${state.settings.runFilter ? ' match' : ''}`;
  };
  fillCount();
  const all = h('button', { class: 'ghost small', id: 'select-all', title: 'Select every run' }, 'all');
  const none = h('button', { class: 'ghost small', id: 'select-none', title: 'Select no run' }, 'none');
  const matching = h('button', { class: 'small', id: 'select-matching', title: 'Select exactly the runs the filter matches (kept in the address as the regex)' }, 'Select matching');
  all.addEventListener('click', () => state.select('all'));
  none.addEventListener('click', () => state.select('none'));
  matching.addEventListener('click', () => state.select('matching'));

  const smooth = h('input', { type: 'range', id: 'smoothing', min: 0, max: 0.99, step: 0.01, value: s.smoothing });
  const smoothNum = h('input', { type: 'number', id: 'smoothing-value', min: 0, max: 0.999, step: 0.01, value: s.smoothing });
  const setSmooth = (v: number): void => {
    const w = Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), 0.999);
    smooth.value = String(w);
    smoothNum.value = String(w);
    state.update({ smoothing: w });
  };
  smooth.addEventListener('input', () => setSmooth(Number(smooth.value)));
  smoothNum.addEventListener('change', () => setSmooth(Number(smoothNum.value)));

  const axis = h('div', { class: 'segmented', id: 'x-axis' }, ...(['step', 'relative', 'wall'] as XAxis[]).map((x) => {
    const b = h('button', { class: x === s.xAxis ? 'on' : '', 'data-axis': x }, x === 'wall' ? 'Wall' : x === 'relative' ? 'Relative' : 'Step');
    b.addEventListener('click', () => {
      state.update({ xAxis: x });
      for (const other of axis.querySelectorAll('button')) other.classList.toggle('on', other === b);
    });
    return b;
  }));
  const log = h('input', { type: 'checkbox', id: 'log-scale', checked: s.logScale });
  log.addEventListener('change', () => state.update({ logScale: log.checked }));
  const outliers = h('input', { type: 'checkbox', id: 'ignore-outliers', checked: s.ignoreOutliers });
  outliers.addEventListener('change', () => state.update({ ignoreOutliers: outliers.checked }));
  const every = h('input', { type: 'checkbox', id: 'all-samples', checked: s.allSamples });
  every.addEventListener('change', () => state.update({ allSamples: every.checked }));
  const sort = h('select', { id: 'tooltip-sort' }, ...(['default', 'ascending', 'descending', 'nearest'] as TooltipSort[]).map((v) =>
    h('option', { value: v, selected: v === s.tooltipSort }, v[0].toUpperCase() + v.slice(1))));
  sort.addEventListener('change', () => state.update({ tooltipSort: sort.value as TooltipSort }));

  sidebar.append(
    h('div', { class: 'side-section' }, h('div', { class: 'side-title' }, 'Scalar settings'),
      h('div', { class: 'setting' }, h('label', { for: 'smoothing' }, 'Smoothing'), h('div', { class: 'smooth-row' }, smooth, smoothNum)),
      h('div', { class: 'setting' }, h('label', {}, 'Horizontal axis'), axis),
      h('div', { class: 'setting row' }, h('label', { for: 'tooltip-sort' }, 'Tooltip sorting'), sort),
      h('label', { class: 'setting check' }, log, ' Log-scale y axis'),
      h('label', { class: 'setting check', title: 'Scale the y axis to the 5th–95th percentile of the values shown' }, outliers, ' Ignore outliers in chart scaling'),
      h('label', { class: 'setting check', title: 'Series longer than 10,000 points are reduced by the server (first, last, min and max of each bucket kept). Tick to load every sample.' }, every, ' Every sample (no server reduction)'),
      h('div', { class: 'hint' }, 'Drag a box on a chart to zoom (flat: x only, tall: y only); double-click to reset.')),
    h('div', { class: 'side-section grow' }, h('div', { class: 'side-title' }, 'Runs ', h('span', { class: 'spacer' }), all, none),
      h('div', { class: 'filter-row' }, runFilter, matching), runErr, count, list.el),
  );
  unsubscribeSidebar = state.onChange((changes) => {
    if (changes.has('runs') || changes.has('runFilter')) list.rebuild();
    else if (changes.has('selection') || changes.has('colors')) list.refresh();
    if (changes.has('runs') || changes.has('runFilter') || changes.has('selection')) fillCount();
  });
}

// ---- loading and polling ------------------------------------------------------------------------

let polling = false;
/** Set by pollWhenIdle while a poll runs: that poll is followed by another. */
let pollAgain = false;
let firstLoad = true;

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    // Asked beside the environment on the first poll (one round trip less before the charts).
    const runsAnswer = data.json<string[]>('runs');
    runsAnswer.catch(() => undefined); // handled where it is awaited below
    // A few bytes whatever the job: how many problems it has, for the link beside the status
    // (the first poll's watchStatus asks it already).
    const statusAnswer = firstLoad ? undefined : data.json<Record<string, unknown>>('status').catch(() => undefined);
    // A dashboard in the inactive menu comes back when its plugin gets data (training writes on).
    const inactiveIds = TABS.filter(([k, , t]) => knownEmpty(k, t)).map(([k]) => k);
    const listingAnswer = inactiveIds.length ? data.json<Record<string, { enabled?: boolean }>>('plugins_listing').catch(() => undefined) : undefined;
    if (firstLoad) {
      void watchStatus();
      // Awaited: the job's type chooses how tabs and series are named (names.ts).
      await data.json<{ data_location?: string; window_title?: string; job_type?: string }>('environment').then((env) => {
        if (env.data_location) locationEl.textContent = env.data_location;
        if (env.window_title) document.title = env.window_title;
        setJobType(env.job_type);
        renderTabs();
      }, () => undefined);
    }
    const runs = await runsAnswer;
    state.setRuns(runs);
    debug.runs = runs;
    if (firstLoad && runs.length > 0) showTab();
    const id = currentTab();
    const tab = TABS.find(([k]) => k === id)?.[2] as Tab;
    if (runs.length === 0) {
      showNoData();
    } else {
      hideNoData();
      await refreshTab(id, tab);
    }
    firstLoad = false;
    // Fill the other tabs' counts in the background, one at a time, without holding up polls: once
    // there are runs (a job that started empty counts them when its first run appears).
    const listing = await listingAnswer;
    let recount = !othersCounted && runs.length > 0;
    for (const k of inactiveIds) {
      if (listing?.[k]?.enabled) {
        counted.delete(k);
        recount = true;
      }
    }
    if (recount) {
      othersCounted = true;
      void fillOtherTabs(id);
    }
    debug.ready = true;
    debug.refreshes++;
    debug.error = undefined;
    if (statusAnswer) problemCount = num((await statusAnswer)?.problems) ?? problemCount;
    renderTabs();
    statusEl.classList.remove('bad');
    setLive(`Live · ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    handleError(e);
  } finally {
    polling = false;
    if (pollAgain) {
      pollAgain = false;
      void poll();
    }
  }
}

/** State changes so far (see refreshTab). */
let changeSeq = 0;
/** Per tab, the latest refresh asked: whether it has started, and the count of state changes then. */
const inFlight = new Map<string, { seq: number; started: boolean; done: Promise<void> }>();

/**
 * Refreshes a tab, or joins the refresh in flight when that one sees every change so far: it has
 * not started yet, or it started after the last change. A poll's setRuns and the redraw it
 * schedules both asked, so every series a tab other than Scalars shows was fetched twice on
 * opening; and quick toggles during a slow refresh queue one more refresh, not one each.
 * Errors that concern the whole job (access, status) go up; one plugin's failure stays in its tab.
 */
function refreshTab(id: string, tab: Tab): Promise<void> {
  const running = inFlight.get(id);
  if (running && (!running.started || running.seq >= changeSeq)) return running.done;
  const entry = { seq: changeSeq, started: false, done: Promise.resolve() };
  const run = async (): Promise<void> => {
    if (running) await running.done.catch(() => undefined);
    entry.started = true;
    entry.seq = changeSeq;
    try {
      await tab.refresh();
      refreshedOnce.add(id);
      counted.add(id);
    } catch (e) {
      if (e instanceof DataError && e.kind !== 'http') throw e;
      tab.el.replaceChildren(h('div', { class: 'banner bad' }, `This tab's data could not be loaded: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  entry.done = run().finally(() => {
    if (inFlight.get(id) === entry) inFlight.delete(id);
  });
  inFlight.set(id, entry);
  return entry.done;
}

/** fillOtherTabs has run once the job had runs. */
let othersCounted = false;

async function fillOtherTabs(active: string): Promise<void> {
  for (const [k, , t] of TABS) {
    if (k === active || counted.has(k)) continue;
    try {
      // A tab's series are fetched when it is opened; its count needs less.
      if (t.refreshCount) await t.refreshCount();
      else {
        await t.refresh();
        refreshedOnce.add(k);
      }
      counted.add(k);
    } catch {
      // Shown when the tab is opened (its refresh runs again then).
    }
  }
  renderTabs();
}

async function watchStatus(): Promise<void> {
  // data/status reports the first load's progress; without it the spinner alone says "loading".
  // runs and scalars/tags may have answered from the load while it ran (the runs read so far):
  // once it ends, everything is asked again, so a sweep's charts fill in without waiting a poll.
  let sawLoading = false;
  for (;;) {
    let s: Record<string, unknown>;
    try {
      s = await data.json<Record<string, unknown>>('status');
    } catch {
      return;
    }
    problemCount = num(s.problems) ?? problemCount;
    if (s.state !== 'loading' && !(s.state === 'idle' && firstLoad)) {
      if (sawLoading) pollWhenIdle();
      return;
    }
    if (s.state === 'loading') sawLoading = true;
    if (firstLoad) {
      const bytes = num(s.bytesRead ?? s.bytes_read);
      const points = num(s.points ?? s.samples);
      const parts = [bytes !== undefined ? `${(bytes / 1e6).toFixed(1)} MB read` : '', points !== undefined ? `${points.toLocaleString()} points` : ''].filter(Boolean);
      setLive(`loading${parts.length ? ` · ${parts.join(' · ')}` : '…'}`, true);
      const detail = document.getElementById('first-load-detail');
      if (detail && parts.length) detail.textContent = `${parts.join(' · ')} so far`;
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}

/** A poll now, or right after the one in flight (poll() alone returns at once while another runs). */
function pollWhenIdle(): void {
  if (polling) pollAgain = true;
  else void poll();
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function setLive(text: string, busy = false): void {
  clear(statusEl);
  statusEl.title = text;
  statusEl.classList.toggle('busy', busy);
  statusEl.append(busy ? h('span', { class: 'spinner' }) : h('span', { class: 'dot' }), ` ${text}`);
}

let noData: HTMLElement | undefined;
function showNoData(): void {
  if (noData) return;
  noData = h('div', { class: 'no-data', id: 'no-data' },
    h('div', { class: 'big' }, 'No data yet'),
    h('div', { class: 'muted' }, 'No event files were found under this job’s train_url. This page picks them up by itself as soon as training writes them.'));
  content.replaceChildren(noData);
}
function hideNoData(): void {
  if (!noData) return;
  noData = undefined;
  showTab();
}

function handleError(e: unknown): void {
  const err = e instanceof DataError ? e : new DataError('network', 0, e instanceof Error ? e.message : String(e));
  debug.error = `${err.kind}: ${err.message}`;
  if (err.kind === 'network' || err.kind === 'http') {
    setLive(`offline — retrying (${err.message})`, false);
    statusEl.classList.add('bad');
    return;
  }
  if (err.kind === 'unavailable') {
    // The job's storage does not answer: the server keeps retrying and so does this page's poll.
    setLive(err.message, false);
    statusEl.classList.add('bad');
    if (firstLoad) showUnavailable(err.message);
    return;
  }
  statusEl.classList.remove('bad');
  stopPolling();
  // The job stopped, never ran, or is gone: job-state.ts says so, waits, and hands back (resume).
  if (job && (err.kind === 'not_running' || err.kind === 'not_found')) {
    setLive('job not running');
    statusEl.classList.add('bad');
    return jobState.show(firstLoad ? 'page' : 'overlay');
  }
  if (err.kind === 'unauthorized') return showSignIn(err.message);
  const title = err.kind === 'forbidden' ? 'Not your project' : err.kind === 'not_running' ? 'This job is not running' : 'No such job';
  const text = err.kind === 'forbidden'
    ? `Your token does not give access to project ${job?.projectId ?? ''}. ${err.message}`
    : err.kind === 'not_running'
      ? `Start it again from the console to view its logs. (${err.message})`
      : err.message;
  app.replaceChildren(h('div', { class: 'topbar' }, brand()), h('div', { class: 'panel message-page', id: 'message' }, h('h2', {}, title), h('p', {}, text), job ? h('a', { href: appRoot(location.pathname) }, '← Back to the console') : ''));
}

/** Before any data arrived: say why instead of a spinner that never ends. */
function showUnavailable(message: string): void {
  firstLoadNote.replaceChildren(h('div', { class: 'big', id: 'storage-unavailable' }, message),
    h('div', { class: 'muted' }, 'The job’s storage does not answer right now. This page shows the logs by itself as soon as it does.'));
}

function showSignIn(message: string): void {
  const token = h('input', { type: 'password', id: 'viewer-token', placeholder: 'X-Auth-Token' });
  // A first visit without credentials is not an error worth showing the API's words for.
  const err = h('div', { class: 'error-text' }, /cannot be empty/i.test(message) ? '' : message);
  const form = h('form', { class: 'panel message-page', id: 'viewer-signin' },
    h('h2', {}, 'Sign in to view this job'),
    h('p', { class: 'muted' }, `Job ${job?.jobId ?? ''} of project ${job?.projectId ?? ''}.`),
    token, err, h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    h('div', { class: 'hint' }, 'Opening the viewer from the console signs you in for 12 hours.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = token.value.trim();
    if (!t) return;
    // The browser's sign-in cookie; a server without it (vizjobs view) gets this tab's header instead.
    const started = await startCookieSession(t);
    if (!started.ok && job) saveSession({ token: t, projectId: job.projectId });
    location.reload();
  });
  app.replaceChildren(h('div', { class: 'topbar' }, brand()), form);
  token.focus();
}

let timer: number | undefined;
/** Set once the page shows a sign-in or message page: nothing more to poll for. */
let halted = false;
function startPolling(): void {
  if (timer !== undefined || halted) return;
  timer = window.setInterval(() => {
    if (document.visibilityState === 'visible') void poll();
  }, POLL_MS);
}
function stopPolling(): void {
  halted = true;
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && timer !== undefined) void poll();
});

// ---- tab switching and redraws ---------------------------------------------------------------

function showTab(): void {
  const id = currentTab();
  debug.tab = id;
  const tab = TABS.find(([k]) => k === id)?.[2] as Tab;
  if (!noData) content.replaceChildren(tab.el);
  tagFilter.parentElement?.toggleAttribute('hidden', id === 'hparams' || id === 'custom_scalars' || id === 'problems' || id === 'projector' || id === 'graphs');
  showSettingsFor(sidebar, tab.settings);
  renderTabs();
  if (refreshedOnce.has(id)) tab.redraw();
  else if (!firstLoad) void refreshTab(id, tab).then(renderTabs, handleError);
}

window.addEventListener('hashchange', () => {
  inactiveMenu.open = false;
  // Back/forward or an edited address: its settings win over what the page holds.
  const { params } = parseHash(location.hash);
  if (params.toString() !== state.toParams().toString()) {
    state.applyParams(params);
    renderSidebar();
  }
  showTab();
  syncUrl();
});
// An open menu (a chart's downloads, the inactive dashboards) closes on any click outside it.
document.addEventListener('click', (ev) => {
  for (const d of document.querySelectorAll<HTMLDetailsElement>('details[open]:is(.download, [data-menu])')) {
    if (!d.contains(ev.target as Node)) d.open = false;
  }
});

/** Changes since the last frame: a tab redraws once per frame, with all of them. */
let pending: Set<Change> | undefined;
// Canvas charts keep the palette they were built with: a theme switch redraws the open tab (the
// others redraw when opened; a scalar chart built under another palette is built again).
onThemeChange(() => {
  if (noData) return;
  (TABS.find(([k]) => k === currentTab())?.[2] as Tab).redraw();
});

state.onChange((changes) => {
  changeSeq++;
  if (!changes.has('runs') || changes.size > 1) syncUrl();
  if (pending) {
    for (const c of changes) pending.add(c);
    return;
  }
  pending = new Set(changes);
  requestAnimationFrame(() => {
    const all = pending ?? new Set<Change>();
    pending = undefined;
    updateTabLinks();
    if (noData) return;
    const id = currentTab();
    const tab = TABS.find(([k]) => k === id)?.[2] as Tab;
    tab.redraw(all);
    // Tabs other than Scalars fetch per run: a newly shown run needs a refresh.
    if (id !== 'scalars' && (all.has('selection') || all.has('runFilter') || all.has('runs'))) void refreshTab(id, tab).catch(handleError);
  });
});

const jobState = new JobStateView({ data, app, job, onFatal: handleError, onRunning: resume });
/** The job runs again under an open viewer: poll as before, reloading its data now. */
function resume(): void {
  halted = false;
  startPolling();
  void poll();
}

const served = initialJobState();
if (served && job) {
  jobState.show('page', served);
} else {
  frame();
  syncUrl();
  content.replaceChildren(firstLoadNote);
  void poll().then(startPolling);
}
