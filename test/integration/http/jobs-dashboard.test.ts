import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import { createHttpApp } from '../../../src/http/app.js';
import { jobsRouter } from '../../../src/http/jobs-dashboard.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { addUser, startApp, webSessionCookie, type TestApp } from './support.js';

/** The jobs dashboard (Agendash) works under our CSP (issue 24): its live feed answers, its row actions read as words. */
describe('http: the jobs dashboard under our CSP', function () {
  this.timeout(60_000);
  let app: TestApp;
  let server: RunningServer;
  let jobs: ReturnType<typeof jobsRouter>;
  let cookie: string;

  before(async () => {
    app = await startApp({}, { scheduler: true });
    jobs = jobsRouter(app.rt, app.scheduler!);
    server = await listen(express().use(jobs, createHttpApp(app.rt, { scheduler: app.scheduler })), '127.0.0.1', 0);
    cookie = await webSessionCookie(server.url, await addUser(app, 'admin'));
  });
  after(async () => {
    await server?.close();
    await app?.close();
  });

  it('the live feed is an event stream that tells the page when a job starts and finishes (no 501)', async () => {
    app.scheduler!.agenda.define('test:feed', async () => {});
    const ac = new AbortController();
    const res = await fetch(`${server.url}/admin/jobs/api/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: ac.signal });
    try {
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
      expect(res.headers.get('content-security-policy')).to.include("default-src 'self'");
      const reader = res.body!.getReader();
      let text = '';
      const until = async (seen: () => boolean) => {
        while (!seen()) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`feed ended after: ${text}`);
          text += new TextDecoder().decode(value);
        }
      };
      await until(() => text.includes('event: connected'));
      const job = await app.scheduler!.agenda.now('test:feed', {});
      const id = String(job.attrs._id);
      const events = () => [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!) as { type: string; jobId: string; jobName: string })
        .filter((e) => e.jobId === id);
      await until(() => events().some((e) => e.type === 'complete'));
      expect(events().map((e) => e.type)).to.include.members(['start', 'success', 'complete']);
      expect(events()[0]!.jobName).to.equal('test:feed');
    } finally {
      ac.abort();
    }
  });

  it('open feeds end when the app shuts down, so that the server can close', async () => {
    const res = await fetch(`${server.url}/admin/jobs/api/events`, { headers: { cookie } });
    const reader = res.body!.getReader();
    await reader.read(); // connected
    jobs.closeFeeds();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).to.equal(true);
  });

  it('the feed, like the dashboard, is for admins of all tenants only', async () => {
    const finance = await webSessionCookie(server.url, await addUser(app, 'finance'));
    const res = await fetch(`${server.url}/admin/jobs/api/events`, { headers: { cookie: finance, accept: 'application/json' } });
    expect(res.status).to.equal(403);
  });

  it('the page loads our stylesheet, which names every row action of the installed Agendash in words, and our keyboard script', async () => {
    const page = await (await fetch(`${server.url}/admin/jobs/`, { headers: { cookie } })).text();
    expect(page).to.include('<link rel="stylesheet" href="/static/agendash-words.css">');
    expect(page, 'the script that makes the row actions keyboard controls').to.include('<script src="/static/agendash-keys.js" defer></script>');
    const keys = await fetch(`${server.url}/static/agendash-keys.js`);
    expect(keys.status).to.equal(200);
    expect(keys.headers.get('content-type')).to.match(/javascript/);
    expect(await keys.text()).to.include("setAttribute('tabindex', '0')");
    expect(page).to.match(/<script type="module" crossorigin src="\.\/assets\/index-[^"]+\.js">/);
    const css = await (await fetch(`${server.url}/static/agendash-words.css`)).text();
    const assets = path.resolve(path.dirname(createRequire(import.meta.url).resolve('agendash')), '..', 'public', 'assets');
    const bundle = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    const titles = [...bundle.matchAll(/class:"action-btn[^"]*",title:"([^"]+)"/g)].map((m) => m[1]!);
    expect(titles, 'Agendash row actions found').to.have.length.greaterThan(3);
    for (const t of titles) expect(css, t).to.match(new RegExp(`\\.action-btn\\[title(\\^)?="${t.startsWith('Requeue') ? 'Requeue' : t.startsWith('Retry') ? 'Retry' : t}"\\]::after\\{content:"[A-Z][a-z]+"\\}`));
  });
});
