import type { Request } from 'express';
import { RawJson } from '../money.js';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 200;

export class BadRequest extends Error {}

export interface PageRequest {
  page: number;
  size: number;
}

function intParam(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) throw new BadRequest(`${name} must be an integer`);
  return Number(raw);
}

/** 0-based `page`, `size` default 10; `size` > 200 is clamped to 200 or refused, as configured. */
export function parsePage(req: Request, oversize: 'clamp' | 'reject'): PageRequest {
  const page = intParam(req.query['page'], 'page') ?? 0;
  let size = intParam(req.query['size'], 'size') ?? DEFAULT_PAGE_SIZE;
  if (page < 0) throw new BadRequest('page must not be negative');
  if (size < 1) throw new BadRequest('size must be at least 1');
  if (size > MAX_PAGE_SIZE) {
    if (oversize === 'reject') throw new BadRequest(`size must be at most ${MAX_PAGE_SIZE}`);
    size = MAX_PAGE_SIZE;
  }
  return { page, size };
}

/** Pax8's paging envelope: `{content, page{size, totalElements, totalPages, number}}`. */
export function pageOf<T, R>(items: readonly T[], p: PageRequest, render: (item: T) => R): { content: R[]; page: Record<string, number> } {
  const from = p.page * p.size;
  const content = items.slice(from, from + p.size).map(render);
  return {
    content,
    page: { size: p.size, totalElements: items.length, totalPages: Math.ceil(items.length / p.size), number: p.page },
  };
}

/** `sort=field,direction` (direction asc|desc, default asc); returns null when absent. */
export function parseSort(req: Request, allowed: readonly string[]): { field: string; desc: boolean } | null {
  const raw = req.query['sort'];
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string') throw new BadRequest('sort must be a string');
  const [field = '', dir = 'asc'] = raw.split(',').map((x) => x.trim());
  if (!allowed.includes(field)) throw new BadRequest(`cannot sort by ${field}`);
  const d = dir.toLowerCase();
  if (d !== 'asc' && d !== 'desc') throw new BadRequest(`sort direction must be asc or desc`);
  return { field, desc: d === 'desc' };
}

export function stringParam(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`${name} must be given once`);
  return v;
}

export function boolParam(req: Request, name: string): boolean | undefined {
  const v = stringParam(req, name);
  if (v === undefined || v === '') return undefined;
  if (v !== 'true' && v !== 'false') throw new BadRequest(`${name} must be true or false`);
  return v === 'true';
}

export function sortBy<T>(items: T[], key: (x: T) => string | number, desc: boolean): T[] {
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return desc ? sorted.reverse() : sorted;
}

/** Like `pageOf`, for items already serialized to JSON text. */
export function rawPageOf<T>(items: readonly T[], p: PageRequest, text: (item: T) => string): RawJson {
  const from = p.page * p.size;
  const content = items.slice(from, from + p.size).map(text).join(',');
  const page = { size: p.size, totalElements: items.length, totalPages: Math.ceil(items.length / p.size), number: p.page };
  return new RawJson(`{"content":[${content}],"page":${JSON.stringify(page)}}`);
}
