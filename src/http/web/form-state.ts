import { randomBytes } from 'node:crypto';
import type { FieldError } from '../../common/app-error.js';

/**
 * A refused form, kept on the server for the page it goes back to: which form (its action path), what was typed
 * (never a password, secret or token field), the API's message and the fields at fault as the API named them.
 */
export interface FormState {
  action: string;
  values: Record<string, string | string[]>;
  message: string;
  fields: FieldError[];
}

/** Form fields never kept nor echoed back: passwords, secrets, tokens (and the CSRF token, which the page renders anew). */
export const SECRET_FIELD = /password|secret|(^|access|refresh|api|bearer)token$|^_csrf$/i;

/** What a refused form typed, without its secret fields. */
export function keptValues(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (SECRET_FIELD.test(k)) continue;
    if (typeof v === 'string') out[k] = v.slice(0, 10_000);
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string').slice(0, 500).map((x) => x.slice(0, 1_000));
  }
  return out;
}

/**
 * Short-lived refused forms, each under a one-time random id and bound to the session that posted it: the redirect
 * back carries only `?form=<id>`, never the values. In memory (the web process that answered the post answers the
 * redirect); an id taken, expired or of another session shows the page as usual.
 */
export class FormStateStore {
  private readonly items = new Map<string, { owner: string; state: FormState; expires: number }>();
  constructor(private readonly ttlMs = 10 * 60_000, private readonly max = 2_000, private readonly now: () => number = Date.now) {}

  put(owner: string, state: FormState): string {
    const t = this.now();
    for (const [id, v] of this.items) if (v.expires <= t) this.items.delete(id);
    while (this.items.size >= this.max) this.items.delete(this.items.keys().next().value as string);
    const id = randomBytes(12).toString('base64url');
    this.items.set(id, { owner, state, expires: t + this.ttlMs });
    return id;
  }

  /** The state without taking it (a page handler asks what was typed, e.g. to list the chosen customer among its choices). */
  peek(owner: string, id: string): FormState | null {
    const v = this.items.get(id);
    return v && v.owner === owner && v.expires > this.now() ? v.state : null;
  }

  /** The state once: it is gone after this call (also when it belongs to another session). */
  take(owner: string, id: string): FormState | null {
    const v = this.items.get(id);
    if (!v) return null;
    this.items.delete(id);
    return v.owner === owner && v.expires > this.now() ? v.state : null;
  }
}

// --- plain words ----------------------------------------------------------------------------------

/** `freeQuantity` → "Free quantity", `body.invoicing.paymentTermsDays` → "Payment terms days". */
export function humanize(name: string): string {
  const s = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_.-]+/g, ' ').trim().toLowerCase();
  return s ? s[0]!.toUpperCase() + s.slice(1) : name;
}

/** The form field a validation path names: `body.freeQuantity` → freeQuantity, `body.imports.x` → x, `body.entities.0` → entities. */
export function fieldName(path: string): string {
  const parts = path.split('.').filter((p) => p !== '' && !/^\d+$/.test(p));
  if (parts.length > 1 && ['body', 'query', 'params'].includes(parts[0]!)) parts.shift();
  return parts[parts.length - 1] ?? path;
}

const lower = (label: string) => (/^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label);

/**
 * A field's validation message in plain words, starting with its label: "Free quantity must be a number of 0 or
 * more". The API's own message is the input (zod's or a feature's); what is not recognised is shown after the label.
 */
export function plainMessage(label: string, raw: string): string {
  const m = raw.trim();
  // A message already written for people (a sentence: a capital first, a full stop last) is shown as it is.
  if (/^[A-Z][^A-Z]/.test(m) && /[.!]$/.test(m) && !/^(Invalid|Required|Too |Expected |String |Number )/.test(m)) return m;
  // Already named by its field ("Usage: not a time of day").
  if (/^[A-Z][\w ,'()-]{0,60}: \S/.test(m) && !/^(Invalid|Too big|Too small|Expected)/.test(m)) return m;
  const places = /(\d+) (?:decimal )?places/.exec(m)?.[1];
  const tail = places ? ` with at most ${places} decimal places` : '';
  let r: RegExpExecArray | null;
  if (/required when priceMode is own/i.test(m)) return `${label} is needed when the price is your own`;
  if (/^(required|invalid input: expected \w+, received undefined)$/i.test(m)) return `${label} is required`;
  if (/fraction|at most 1 \(0\.2 for 20/i.test(m)) return `${label} must be a fraction from 0 to 1 (0.2 for 20 %)`;
  if (/non-?negative (decimal|number)|>=\s*0\b|greater than or equal to 0\b/i.test(m)) return `${label} must be a number of 0 or more${tail}`;
  if (/positive/i.test(m)) return `${label} must be a number greater than 0`;
  if (/whole number|expected int|integer/i.test(m)) return `${label} must be a whole number`;
  if (/expected number, received|received nan|not a number/i.test(m)) return `${label} must be a number`;
  if ((r = /(?:>=|at least|greater than or equal to)\s*(\d+)\s*(character)?/i.exec(m))) {
    if (r[2] || /string|text/i.test(m)) return Number(r[1]) <= 1 ? `${label} is required` : `${label} must be at least ${r[1]} characters`;
    return `${label} must be ${r[1]} or more`;
  }
  if ((r = /(?:<=|at most|less than or equal to)\s*(\d+)\s*(character)?/i.exec(m))) {
    return r[2] || /string|text/i.test(m) ? `${label} must be at most ${r[1]} characters` : `${label} must be ${r[1]} or less`;
  }
  if (/YYYY-MM-DD|invalid date|calendar date/i.test(m)) return `${label} must be a date (YYYY-MM-DD)`;
  if (/invalid (option|enum)|expected one of/i.test(m)) return `Choose one of the choices for ${lower(label)}`;
  if (/invalid uuid|invalid (string|input)$/i.test(m)) return `Choose a valid ${lower(label)}`;
  if (/e-?mail/i.test(m) && /invalid/i.test(m)) return `${label} must be an e-mail address`;
  if (/invalid url|web address/i.test(m)) return `${label} must be a web address (https://…)`;
  if (/decimal/i.test(m)) return `${label} must be a number${tail}`;
  const said = m.replace(/^[a-z]\w*: /, '');
  // "does not match", "is too common", "must differ from …": a sentence about the field.
  if (/^(is|are|does|do|must|should|cannot|can't|has|have|needs?|belongs|was|were)\b/.test(said)) return `${label} ${said}`;
  return `${label}: ${said}`;
}

// --- the form on the page ---------------------------------------------------------------------------

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
const unesc = (s: string) => s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`')
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}(?:="([^"]*)")?(?=[\\s>/])`, 'i').exec(tag);
  return m ? unesc(m[1] ?? '') : null;
};
const setAttr = (tag: string, name: string, value: string | null): string => {
  const re = new RegExp(`\\s${name}(?:="[^"]*")?(?=[\\s>/])`, 'i');
  const without = tag.replace(re, '');
  if (value === null) return without;
  const bare = name === 'checked' || name === 'selected';
  return without.replace(/\s*\/?>$/, (end) => ` ${name}${bare ? '' : `="${esc(value)}"`}${end.trim() === '/>' ? ' />' : '>'}`);
};
const text = (html: string) => unesc(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();

/** The label of a control: the text of the `<label>` around it (up to the control) or `<label for=…>`, without notes in brackets. */
function labelOf(form: string, at: number, end: number, id: string | null): string | null {
  const before = form.slice(0, at);
  const open = before.lastIndexOf('<label');
  let t: string | null = null;
  if (open >= 0 && before.indexOf('</label>', open) < 0) {
    t = text(before.slice(before.indexOf('>', open) + 1));
    // A check box's label follows it.
    if (!t) t = text(form.slice(end, form.indexOf('</label>', end) < 0 ? end : form.indexOf('</label>', end)));
  } else if (id) {
    const m = new RegExp(`<label[^>]*\\sfor="${id.replace(/[^\w-]/g, '')}"[^>]*>([\\s\\S]*?)</label>`).exec(form);
    if (m) t = text(m[1]!);
  }
  if (!t) return null;
  t = t.replace(/\s*\([^)]*\)\s*$/, '').replace(/[:\s]+$/, '').trim();
  return t || null;
}

interface Control { name: string; start: number; end: number; html: string; label: string | null; id: string }

export interface FormProblem { id: string | null; message: string }

/**
 * The page with the refused form filled in again: what was typed in its controls (never secrets), each field's
 * message in plain words next to it (aria-invalid, aria-describedby), and a summary at the top of the page that
 * links to each field. Works on our own rendered templates (attributes always double-quoted, values escaped).
 */
export function applyFormState(page: string, state: FormState): string {
  const formRe = /<form\b[^>]*>/gi;
  let m: RegExpExecArray | null;
  let formStart = -1;
  let formTag = '';
  // The form posted: the one with its action whose hidden fields (a row's id, say) carry the values posted; with one
  // form of that action, that one.
  while ((m = formRe.exec(page))) {
    const action = attr(m[0], 'action');
    if (action === null || action.split(/[?#]/)[0] !== state.action) continue;
    if (formStart < 0) { formStart = m.index; formTag = m[0]; }
    const body = page.slice(m.index, page.indexOf('</form>', m.index) < 0 ? page.length : page.indexOf('</form>', m.index));
    const hidden = [...body.matchAll(/<input\b[^>]*type="hidden"[^>]*>/gi)].map((h) => [attr(h[0], 'name'), attr(h[0], 'value') ?? ''] as const)
      .filter(([name]) => name && !SECRET_FIELD.test(name) && name !== 'back');
    if (hidden.length && hidden.every(([name, value]) => ([] as string[]).concat(state.values[name!] ?? []).includes(value))) {
      formStart = m.index;
      formTag = m[0];
      break;
    }
  }
  const problems: FormProblem[] = [];
  const unplaced = [...state.fields];
  let out = page;
  if (formStart >= 0) {
    const bodyStart = formStart + formTag.length;
    const closeAt = page.indexOf('</form>', bodyStart);
    const bodyEnd = closeAt < 0 ? page.length : closeAt;
    const form = page.slice(bodyStart, bodyEnd);
    const errorsByName = new Map<string, FieldError[]>();
    const names = new Set([...form.matchAll(/\sname="([^"]*)"/g)].map((x) => unesc(x[1]!)));
    for (const f of state.fields) {
      // The field's own control, else the first of its group (schedule.usage → usage.kind, usage.at, …).
      const own = fieldName(f.path);
      const name = names.has(own) ? own : [...names].find((x) => x.startsWith(`${own}.`)) ?? own;
      errorsByName.set(name, [...(errorsByName.get(name) ?? []), f]);
    }
    // Every control of the form, in order.
    const controls: Control[] = [];
    const ctrlRe = /<(input|select|textarea)\b[^>]*>/gi;
    let c: RegExpExecArray | null;
    let n = 0;
    while ((c = ctrlRe.exec(form))) {
      const tag = c[0];
      const name = attr(tag, 'name');
      let end = c.index + tag.length;
      if (c[1]!.toLowerCase() !== 'input') {
        const close = form.indexOf(`</${c[1]!.toLowerCase()}>`, end);
        end = close < 0 ? end : close + c[1]!.length + 3;
        ctrlRe.lastIndex = end;
      }
      if (!name) continue;
      const id = attr(tag, 'id') ?? `f-${esc(state.action).replace(/[^\w-]/g, '')}-${name.replace(/[^\w-]/g, '')}-${n++}`;
      const label = labelOf(form, c.index, end, attr(tag, 'id')) ?? attr(tag, 'aria-label')?.replace(/:.*$/, '') ?? null;
      controls.push({ name, start: c.index, end, html: form.slice(c.index, end), label, id });
    }
    const seen = new Set<string>();
    let rebuilt = '';
    let pos = 0;
    for (const ctl of controls) {
      rebuilt += form.slice(pos, ctl.start);
      pos = ctl.end;
      let html = refill(ctl.html, state.values[ctl.name]);
      const errs = seen.has(ctl.name) ? [] : errorsByName.get(ctl.name) ?? [];
      const type = (attr(ctl.html, 'type') ?? '').toLowerCase();
      if (errs.length && type !== 'hidden') {
        seen.add(ctl.name);
        const errId = `${ctl.id}-error`;
        const label = ctl.label ?? humanize(ctl.name);
        const msgs = errs.map((e) => plainMessage(label, e.message));
        html = setAttr(setAttr(setAttr(html.slice(0, html.indexOf('>') + 1), 'id', ctl.id), 'aria-invalid', 'true'), 'aria-describedby', errId)
          + html.slice(html.indexOf('>') + 1);
        html += ` <span class="field-error" id="${esc(errId)}">${msgs.map(esc).join('. ')}</span>`;
        for (const msg of msgs) problems.push({ id: ctl.id, message: msg });
        for (const e of errs) unplaced.splice(unplaced.indexOf(e), 1);
      }
      rebuilt += html;
    }
    rebuilt += form.slice(pos);
    out = page.slice(0, bodyStart) + rebuilt + page.slice(bodyEnd);
  }
  for (const f of unplaced) problems.push({ id: null, message: plainMessage(humanize(fieldName(f.path)), f.message) });
  return out.replace(/<main>/, `<main>\n${summaryHtml(state.message, problems)}`);
}

/** Puts the typed value back into one control (hidden fields, buttons and secret fields stay as rendered). */
function refill(html: string, value: string | string[] | undefined): string {
  const open = /^<(\w+)/.exec(html)![1]!.toLowerCase();
  const tag = html.slice(0, html.indexOf('>') + 1);
  const name = attr(tag, 'name') ?? '';
  if (SECRET_FIELD.test(name)) return html;
  const values = value === undefined ? [] : ([] as string[]).concat(value);
  if (open === 'input') {
    const type = (attr(tag, 'type') ?? 'text').toLowerCase();
    if (['hidden', 'submit', 'button', 'password', 'file', 'reset', 'image'].includes(type)) return html;
    if (type === 'checkbox' || type === 'radio') return setAttr(tag, 'checked', values.includes(attr(tag, 'value') ?? 'on') ? '' : null);
    return setAttr(tag, 'value', values[0] ?? '');
  }
  if (open === 'textarea') return `${tag}${esc(values[0] ?? '')}</textarea>`;
  // select: the typed options selected, the rest not
  return tag + html.slice(tag.length).replace(/(<option\b[^>]*>)([^<]*)/gi, (_all, o: string, label: string) =>
    setAttr(o, 'selected', values.includes(attr(o, 'value') ?? text(label)) ? '' : null) + label);
}

function summaryHtml(message: string, problems: FormProblem[]): string {
  if (problems.length === 0) return `<div class="flash err error-summary" role="alert"><p>${esc(message)}</p></div>`;
  const title = problems.length === 1 ? 'This form has a problem:' : `This form has ${problems.length} problems:`;
  const items = problems.map((p) => `<li>${p.id ? `<a href="#${esc(p.id)}">${esc(p.message)}</a>` : esc(p.message)}</li>`).join('');
  return `<div class="flash err error-summary" role="alert" tabindex="-1" id="error-summary"><p>${title} nothing was saved.</p><ul>${items}</ul></div>`;
}

// --- what changed -----------------------------------------------------------------------------------

/** A value as a confirmation shows it: none, yes/no, decimals without trailing zeros, options in words. */
export const describeValue = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(describeValue).join(', ') : 'none';
  const t = String(v);
  // Decimal text as people write it (2.500000 → 2.5), options in words (from_change_date → from change date).
  if (/^-?\d+\.\d+$/.test(t)) return t.replace(/\.?0+$/, '');
  return /^[a-z]+(_[a-z]+)+$/.test(t) ? t.replace(/_/g, ' ') : t;
};

/**
 * What a saved form changed, in words: "Free quantity changed from 0 to 2; Description changed from "A" to "B"."
 * `fields` are [key, label] in form order; values are compared as shown (numbers as their decimal text).
 */
export function describeChanges(fields: Array<[string, string]>, before: Record<string, unknown>, after: Record<string, unknown>): string | null {
  const said: string[] = [];
  for (const [key, label] of fields) {
    const a = describeValue(before[key]);
    const b = describeValue(after[key]);
    if (a === b) continue;
    const q = (s: string) => (s === 'none' || s === 'yes' || s === 'no' || /^-?\d+(\.\d+)?$/.test(s) ? s : `"${s}"`);
    said.push(`${label} changed from ${q(a)} to ${q(b)}`);
  }
  return said.length ? `${said.join('; ')}.` : null;
}
