// The dashboard's entry point: sign-in with the server token, the live feed, and the two views (#/ and #/job/<id>).
import { ApiError, api, LiveFeed, token, whenUnauthorized } from './api.js';
import { el, setText } from './dom.js';
import { JobView } from './job-view.js';
import { JobsView } from './jobs-view.js';
import { getJob, onChange, setJob, setJobs, setProgress } from './store.js';
import { mountWorkers } from './workers-view.js';

const main = document.getElementById('main');
const login = document.getElementById('login');
const connection = document.getElementById('connection');
const flash = document.getElementById('flash');

let jobsView = null;
let jobView = null;
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
    else if (message.type === 'error') report(`${message.error.code}: ${message.error.message}`);
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
    jobView.destroy();
    jobView = null;
  }
  main.replaceChildren();
  if (id) {
    jobsView = null;
    jobView = new JobView(main, id, { report });
    feed.subscribe(id);
    // The REST answer covers a page opened before the feed connects, or after the job ended.
    api('GET', `api/jobs/${id}`)
      .then(({ job, progress }) => {
        if (!getJob(id) || getJob(id).status !== job.status) setJob(job);
        if (progress) setProgress(id, progress);
        scheduleRender();
      })
      .catch((error) => report(error instanceof ApiError ? error.message : String(error)));
  } else {
    jobsView = new JobsView(main, { report, open: (jobId) => (location.hash = `#/job/${jobId}`) });
    jobsView.loadSpiders().catch((error) => report(`spiders: ${error.message}`));
    mountWorkers(main, { report });
  }
  scheduleRender();
}

function showLogin(message) {
  feed.stop();
  main.hidden = true;
  login.hidden = false;
  document.getElementById('sign-out').hidden = true;
  setText(document.getElementById('login-error'), message ?? '');
  document.getElementById('token-input').focus();
}

async function signIn() {
  const info = await api('GET', 'api/server');
  setText(
    document.getElementById('server-info'),
    `v${info.version} · ${info.project} · max ${info.maxJobs} jobs${info.allowPrivate ? ' · private addresses allowed' : ''}`,
  );
  login.hidden = true;
  main.hidden = false;
  document.getElementById('sign-out').hidden = false;
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
  setInterval(() => (jobView ?? jobsView)?.tick?.(), 1000);
  if (token.get()) signIn().catch((error) => showLogin(String(error.message)));
  else showLogin();
}

if (!globalThis.uPlot)
  document.body.prepend(el('p', { class: 'flash', text: 'uPlot failed to load: charts are off.' }));
start();
