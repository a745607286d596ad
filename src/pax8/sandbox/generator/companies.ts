import { Rng } from '../prng.js';
import { DAY_MS } from '../dates.js';
import type { SandboxCompany } from '../types.js';
import { LEGAL_SUFFIXES, NAME_FIRST, NAME_SECOND, PLACES, STREETS, type Place } from './names.js';

export const PARTNER_COMPANY_NAME = 'Northwind Managed IT (Partner)';

function postalCode(rng: Rng, p: Place): string {
  switch (p.postal) {
    case 'us':
      return String(rng.int(10000, 99999));
    case 'ca':
      return `M${rng.int(1, 9)}${String.fromCharCode(65 + rng.int(0, 25))} ${rng.int(1, 9)}${String.fromCharCode(65 + rng.int(0, 25))}${rng.int(1, 9)}`;
    case 'gb':
      return `M${rng.int(1, 40)} ${rng.int(1, 9)}AB`;
    case 'ie':
      return `D${String(rng.int(1, 24)).padStart(2, '0')} X${rng.int(100, 999)}`;
    case 'au':
      return String(rng.int(2000, 2999));
  }
}

/** Variants that a human would call "the same company": case, punctuation, legal suffix. */
function nameVariant(name: string, rng: Rng): string {
  const base = name.replace(/,?\s+(Inc\.?|LLC|Ltd|Co\.|Group|Partners|PLLC)$/i, '');
  switch (rng.int(0, 3)) {
    case 0:
      return name.toUpperCase();
    case 1:
      return `${base}, Inc.`;
    case 2:
      return `${base} LLC`;
    default:
      return `${base.toUpperCase()}, INC`;
  }
}

/**
 * Companies: index 0 is the partner's own company. Every 23rd company repeats an earlier
 * name exactly, every 17th is a case/punctuation/suffix variant of an earlier one.
 */
export function generateCompanies(seed: number, count: number, startMs: number): SandboxCompany[] {
  const out: SandboxCompany[] = [];
  for (let i = 0; i < count; i++) {
    const rng = Rng.from(seed, `company:${i}`);
    const id = rng.uuid();
    let name: string;
    if (i === 0) name = PARTNER_COMPANY_NAME;
    else if (i >= 3 && i % 23 === 3) name = out[rng.int(1, i - 1)]!.name;
    else if (i >= 3 && i % 17 === 5) name = nameVariant(out[rng.int(1, i - 1)]!.name, rng);
    else {
      const suffix = rng.pick(LEGAL_SUFFIXES);
      name = `${rng.pick(NAME_FIRST)} ${rng.pick(NAME_SECOND)}${suffix ? ' ' + suffix : ''}`;
    }
    const place = i === 0 ? PLACES[0]! : rng.pick(PLACES);
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const status = i === 0 ? 'Active' : rng.weighted([['Active', 88], ['Inactive', 8], ['Deleted', 4]] as const);
    out.push({
      id,
      name,
      address: {
        street: `${rng.int(100, 99999)} ${rng.pick(STREETS)}`,
        ...(rng.chance(0.3) ? { street2: `Ste. ${rng.int(100, 999)}` } : {}),
        city: place.city,
        stateOrProvince: place.stateOrProvince,
        postalCode: postalCode(rng, place),
        country: place.country,
      },
      phone: `${rng.int(200, 999)}-${rng.int(200, 999)}-${String(rng.int(0, 9999)).padStart(4, '0')}`,
      website: `https://www.${slug}.example.com`,
      ...(rng.chance(0.8) ? { externalId: rng.uuid() } : {}),
      billOnBehalfOfEnabled: rng.chance(0.2),
      selfServiceAllowed: rng.chance(0.3),
      orderApprovalRequired: rng.chance(0.15),
      status,
      updatedMs: startMs - rng.int(1, 900) * DAY_MS + rng.int(0, DAY_MS - 1),
      currencyCode: place.currency,
      isPartner: i === 0,
      styleVariant: rng.int(0, 5),
    });
  }
  return out;
}
