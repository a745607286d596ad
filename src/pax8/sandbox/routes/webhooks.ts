import type { Router } from 'express';
import { BadRequest, boolParam, pageOf, parsePage, stringParam } from '../http/paging.js';
import { sendJson } from '../http/send.js';
import type { SandboxState } from '../state.js';
import { renderLog, renderTopicDefinition, renderWebhook, TOPIC_DEFINITIONS, type SandboxWebhook } from '../webhooks.js';
import { handle, param } from './handle.js';

const SORT_KEYS: Record<string, (w: SandboxWebhook) => string | number> = {
  displayName: (w) => w.displayName.toLowerCase(),
  createdAt: (w) => w.createdMs,
  updatedAt: (w) => w.updatedMs,
};

/** `sort=field:asc|desc` (the webhooks spec's format; `field,dir` is accepted too). */
function sortOf(raw: string | undefined): { key: (w: SandboxWebhook) => string | number; desc: boolean } | null {
  if (raw === undefined || raw === '') return null;
  const [field = '', dir = 'asc'] = raw.split(/[:,]/).map((x) => x.trim());
  const key = SORT_KEYS[field];
  if (!key) throw new BadRequest(`cannot sort by ${field}`);
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest('sort direction must be asc or desc');
  return { key, desc: dir === 'desc' };
}

/** Pax8 webhooks API under /api/v2 (see ../webhooks.ts): same bearer auth, faults, rate limit, errors and paging as /v1. */
export function webhookRoutes(r: Router, state: SandboxState): void {
  const hooks = state.webhooks;

  r.get('/webhooks', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const sort = sortOf(stringParam(req, 'sort'));
    const query = stringParam(req, 'query')?.toLowerCase();
    const active = boolParam(req, 'active');
    const topic = stringParam(req, 'topic');
    const status = stringParam(req, 'status');
    const accountId = stringParam(req, 'accountId');
    let items = hooks.list().filter((w) =>
      (query === undefined || query === '' || w.displayName.toLowerCase().includes(query) || (w.url ?? '').toLowerCase().includes(query))
      && (active === undefined || w.active === active)
      && (topic === undefined || topic === '' || w.webhookTopics.some((t) => t.topic === topic))
      && (status === undefined || status === '' || w.lastDeliveryStatus === status)
      && (accountId === undefined || accountId === '' || w.accountId === accountId));
    if (sort) {
      items = [...items].sort((a, b) => {
        const ka = sort.key(a);
        const kb = sort.key(b);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
      if (sort.desc) items.reverse();
    }
    sendJson(res, 200, pageOf(items, p, renderWebhook));
  }));

  r.post('/webhooks', handle((req, res) => {
    sendJson(res, 200, renderWebhook(hooks.create(req.body)));
  }));

  /** TopicDefinitionPagedResult: the page numbers sit beside `content` (no `page` block), as the spec says. */
  r.get('/webhooks/topic-definitions', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const search = stringParam(req, 'search')?.toLowerCase();
    const topic = stringParam(req, 'topic');
    const sort = stringParam(req, 'sort');
    let defs = TOPIC_DEFINITIONS.filter((d) =>
      (topic === undefined || topic === '' || d.topic === topic)
      && (search === undefined || search === '' || `${d.topic} ${d.name} ${d.description}`.toLowerCase().includes(search)));
    if (sort) {
      const [field = '', dir = 'asc'] = sort.split(/[:,]/).map((x) => x.trim());
      if (field !== 'topic' && field !== 'name') throw new BadRequest(`cannot sort by ${field}`);
      defs = [...defs].sort((a, b) => a[field].localeCompare(b[field]));
      if (dir === 'desc') defs.reverse();
    }
    const { content, page } = pageOf(defs, p, (d) => renderTopicDefinition(d, hooks.accountId));
    sendJson(res, 200, { content, ...page });
  }));

  r.get('/webhooks/:id', handle((req, res) => sendJson(res, 200, renderWebhook(hooks.require(param(req, 'id'))))));

  r.delete('/webhooks/:id', handle((req, res) => {
    hooks.delete(param(req, 'id'));
    res.status(204).end();
  }));

  r.post('/webhooks/:id/configuration', handle((req, res) => sendJson(res, 200, renderWebhook(hooks.configure(param(req, 'id'), req.body)))));
  r.post('/webhooks/:id/status', handle((req, res) => sendJson(res, 200, renderWebhook(hooks.setStatus(param(req, 'id'), req.body)))));
  r.post('/webhooks/:id/topics', handle((req, res) => sendJson(res, 200, renderWebhook(hooks.addTopic(param(req, 'id'), req.body)))));
  r.put('/webhooks/:id/topics', handle((req, res) => sendJson(res, 200, renderWebhook(hooks.replaceTopics(param(req, 'id'), req.body)))));
  r.delete('/webhooks/:id/topics/:topicId', handle((req, res) => {
    hooks.removeTopic(param(req, 'id'), param(req, 'topicId'));
    res.status(204).end();
  }));
  r.post('/webhooks/:id/topics/:topic/test', handle((req, res) => {
    const id = param(req, 'id');
    const log = hooks.test(id, param(req, 'topic'));
    const w = hooks.require(id);
    sendJson(res, 200, { url: w.url ?? '', webhook: renderWebhook(w), samplePayload: log.callHistory[0]?.payload ?? {} });
  }));

  r.get('/webhooks/:webhookId/logs', handle((req, res) => {
    const p = parsePage(req, state.oversizePage);
    const id = param(req, 'webhookId');
    hooks.require(id);
    const topicName = stringParam(req, 'topicName');
    const status = stringParam(req, 'status');
    const logs = hooks.logs.filter((l) => l.webhookId === id && (!topicName || l.topic === topicName) && (!status || l.finalStatus === status))
      .sort((a, b) => b.createdMs - a.createdMs);
    sendJson(res, 200, pageOf(logs, p, renderLog));
  }));
}
