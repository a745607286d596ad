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

/** Pax8's two error shapes: `{type, message, details}` and `{errors: [...]}`; token errors use `{error, error_description}`. */
export const errorBodySchema = z.looseObject({
  type: z.string().nullish(),
  message: z.string().nullish(),
  instance: z.string().nullish(),
  status: z.number().nullish(),
  details: z.array(z.looseObject({ message: z.string().nullish(), type: z.string().nullish() })).nullish(),
  errors: z.array(z.unknown()).nullish(),
  error: z.string().nullish(),
  error_description: z.string().nullish(),
});

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.number().positive().nullish(),
});

export type PageInfo = z.output<typeof pageInfoSchema>;
export type ErrorBody = z.output<typeof errorBodySchema>;
