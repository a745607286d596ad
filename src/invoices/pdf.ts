import { existsSync } from 'node:fs';
import { AppError } from '../common/app-error.js';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.RECURRA_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a machine without internet: no updates, sync or background networking. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function pdfAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

let browser: Promise<Browser> | null = null;
let idle: NodeJS.Timeout | undefined;
let inFlight = 0;

/** One shared headless Chromium, closed after 30 s without work. */
async function acquire(): Promise<Browser> {
  clearTimeout(idle);
  inFlight++;
  browser ??= import('playwright-core').then(({ chromium }) => chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true }));
  try {
    const b = await browser;
    if (!b.isConnected()) {
      browser = null;
      return acquire();
    }
    return b;
  } catch (err) {
    browser = null;
    throw err;
  }
}

function release(): void {
  inFlight--;
  if (inFlight > 0) return;
  idle = setTimeout(() => {
    const b = browser;
    browser = null;
    void b?.then((x) => x.close()).catch(() => undefined);
  }, 30_000);
  idle.unref();
}

/** Prints HTML to an A4 PDF with headless Chromium; nothing in the page may reach the network. */
/** No Chromium on this server: PDFs cannot be made (unavailable, `pdf_unavailable`); the HTML invoice still can. */
export class PdfUnavailableError extends AppError {
  override name = 'PdfUnavailableError';
  constructor() {
    super('unavailable', 'PDF needs Chromium on the server (apt-get install chromium); the HTML invoice is available', { code: 'pdf_unavailable' });
  }
}

/** Throws PdfUnavailableError when this server cannot make PDFs. */
export function requirePdf(): void {
  if (!pdfAvailable()) throw new PdfUnavailableError();
}

export async function htmlToPdf(html: string): Promise<Buffer> {
  const b = await acquire();
  try {
    const context = await b.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '12mm', right: '12mm' } });
    } finally {
      await context.close();
    }
  } finally {
    release();
  }
}

/** Closes the shared browser (server shutdown, tests). */
export async function closePdfBrowser(): Promise<void> {
  clearTimeout(idle);
  const b = browser;
  browser = null;
  if (b) await (await b).close().catch(() => undefined);
}
