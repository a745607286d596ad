import { z } from 'zod';

export const pageInfoSchema = z.object({
  size: z.number().int().nonnegative().nullish(),
  totalElements: z.number().int().nonnegative().nullish(),
  totalPages: z.number().int().nonnegative().nullish(),
  number: z.number().int().nonnegative().nullish(),
});

/** `{content, page}` for lists; pricing and history come without `page`. */
export const envelopeSchema = z.object({
  content: z.array(z.unknown()),
  page: pageInfoSchema.nullish(),
});

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.number().positive().nullish(),
});

export type PageInfo = z.output<typeof pageInfoSchema>;
