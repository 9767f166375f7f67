// The dashboard's entry point: sign-in with the server token, the live feed, and the views: #/ (jobs), #/job/<id>,
// #/schedules and #/compare/<a>/<b>.
import { ApiError, api, LiveFeed, token, whenUnauthorized } from './api.js';
import { CompareView } from './compare-view.js';
import { el, setText } from './dom.js';
import { JobView } from './job-view.js';
import { JobsView } from './jobs-view.js';
import { SchedulesView } from './schedules-view.js';
import { getJob, onChange, removeJob, setJob, setJobs, setProgress } from './store.js';
import { mountWorkers } from './workers-view.js';

const main = document.getElementById('main');
const login = document.getElementById('login');
const connection = document.getElementById('connection');
const flash = document.getElementById('flash');

let jobsView = null;
let jobView = null;
/** The schedules or compare view: drawn on its own, not from the store. */
let otherView = null;
let frame = 0;
let flashTimer = 0;

function report(message) {
  setText(flash, message);
  flash.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (flash.hidden = true), 6000);
}

const feed = new LiveFeed({
  onState: (state) => {
    setText(connection, state);
    connection.className = `connection ${state}`;
  },
  onMessage: (message) => {
    if (message.type === 'jobs') setJobs(message.jobs);
    else if (message.type === 'job') setJob(message.job);
    else if (message.type === 'progress') setProgress(message.job, message);
    else if (message.type === 'log') {
      if (jobView?.id === message.job) jobView.onLog(message);
    } else if (message.type === 'deleted') {
      removeJob(message.job);
      if (jobView?.id === message.job) location.hash = '#/';
    } else if (message.type === 'error') report(`${message.error.code}: ${message.error.message}`);
  },
});

/** Coalesces bursts of messages into one redraw per animation frame. */
function scheduleRender() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (jobView) jobView.update();
    else jobsView?.render();
  });
}

function route() {
  const match = /^#\/job\/([0-9a-f]{16})$/.exec(location.hash);
  const id = match?.[1];
  if (jobView && jobView.id === id) return;
  if (jobView) {
    feed.unsubscribe(jobView.id);
    feed.unsubscribe(`log:${jobView.id}`);
    jobView.destroy();
    jobView = null;
  }
  jobsView = null;
  otherView = null;
  main.replaceChildren();
  markNav();
  const compare = /^#\/compare\/([0-9a-f]{16})\/([0-9a-f]{16})$/.exec(location.hash);
  if (id) {
    jobView = new JobView(main, id, { report });
    feed.subscribe(id);
    feed.subscribe(`log:${id}`);
    // The REST answer covers a page opened before the feed connects, or after the job ended.
    api('GET', `api/jobs/${id}`)
      .then(({ job, progress }) => {
        if (!getJob(id) || getJob(id).status !== job.status) setJob(job);
        if (progress) setProgress(id, progress);
        scheduleRender();
      })
      .catch((error) => report(error instanceof ApiError ? error.message : String(error)));
  } else if (location.hash === '#/schedules') {
    const view = new SchedulesView(main, { report });
    otherView = view;
    view.load().catch((error) => report(`schedules: ${error.message}`));
  } else if (compare) {
    const view = new CompareView(main, [compare[1], compare[2]], { report });
    otherView = view;
    void view.load();
  } else {
    jobsView = new JobsView(main, {
      report,
      open: (jobId) => (location.hash = `#/job/${jobId}`),
      go: (hash) => (location.hash = hash),
    });
    jobsView.loadSpiders().catch((error) => report(`spiders: ${error.message}`));
    mountWorkers(main, { report });
  }
  scheduleRender();
}

/** aria-current on the header link of the view shown. */
function markNav() {
  const current = location.hash === '#/schedules' ? 'schedules' : 'jobs';
  for (const link of document.querySelectorAll('.top nav a')) {
    if (link.dataset.nav === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showLogin(message) {
  feed.stop();
  main.hidden = true;
  login.hidden = false;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('nav').hidden = true;
  setText(document.getElementById('login-error'), message ?? '');
  document.getElementById('token-input').focus();
}

async function signIn() {
  const info = await api('GET', 'api/server');
  // A viewer token may only read: the buttons it would have refused (403) are hidden.
  const readOnly = info.caller?.scope === 'viewer';
  document.body.classList.toggle('read-only', readOnly);
  setText(
    document.getElementById('server-info'),
    `v${info.version} · ${info.project} · max ${info.maxJobs} jobs${info.allowPrivate ? ' · private addresses allowed' : ''}${readOnly ? ` · read-only (viewer token "${info.caller.name}")` : ''}`,
  );
  login.hidden = true;
  main.hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('nav').hidden = false;
  feed.subscribe('*');
  feed.start();
  route();
}

function start() {
  whenUnauthorized(() => {
    token.clear();
    showLogin('The token was refused. Enter the server token.');
  });
  document.getElementById('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('token-input');
    token.set(input.value.trim());
    input.value = '';
    signIn().catch((error) => {
      if (!(error instanceof ApiError && error.status === 401)) showLogin(String(error.message));
    });
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    token.clear();
    showLogin();
  });
  window.addEventListener('hashchange', () => {
    if (token.get()) route();
  });
  onChange(scheduleRender);
  setInterval(() => (jobView ?? jobsView ?? otherView)?.tick?.(), 1000);
  if (token.get()) signIn().catch((error) => showLogin(String(error.message)));
  else showLogin();
}

if (!globalThis.uPlot)
  document.body.prepend(el('p', { class: 'flash', text: 'uPlot failed to load: charts are off.' }));
start();
