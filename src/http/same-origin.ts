/** A header value as a URL, or null when it is not one (`Origin: null`, odd bytes): headers are caller input. */
export function urlOrNull(value: string | undefined): URL | null {
  if (!value) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * Whether an Origin (or Referer) header names this site. A missing header is "same site" (old browsers, scripts);
 * one that does not parse (`null` from sandboxed frames and privacy modes) is not.
 */
export function fromThisSite(header: string | undefined, host: string | undefined): boolean {
  if (header === undefined || header === '') return true;
  return urlOrNull(header)?.host === host;
}
