/**
 * Every outbound request Recurra makes (Pax8 API and token endpoint, Teams/Slack notice webhooks) goes to an
 * http(s) URL only: `data:`, `file:`, `blob:` and the like are refused before anything is sent, even when a stored
 * value was changed behind the API's back (the API and CLI accept only http and https).
 */
export function outboundUrlProblem(url: string): string | null {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return 'not a valid URL';
  }
  return protocol === 'http:' || protocol === 'https:' ? null : `refused ${protocol} URL: only http and https are allowed`;
}
