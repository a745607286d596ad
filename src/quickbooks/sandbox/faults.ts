/** A refusal the sandbox answers as Intuit's Fault body (README.md names the source of each code and what is a guess). */
export class SandboxFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: string,
    readonly type: 'ValidationFault' | 'SERVICE' | 'AUTHENTICATION' | 'SystemFault' = 'ValidationFault',
    readonly element?: string,
  ) {
    super(message);
  }
}

export function faultBody(f: SandboxFault, time: string): Record<string, unknown> {
  // Intuit's 401s spell the envelope in lower case (fault.error[].message); every other Fault is capitalised.
  if (f.type === 'AUTHENTICATION') {
    return { fault: { error: [{ message: f.message, detail: f.detail, code: f.code }], type: 'AUTHENTICATION' }, time };
  }
  return { Fault: { Error: [{ Message: f.message, Detail: f.detail, code: f.code, ...(f.element ? { element: f.element } : {}) }], type: f.type }, time };
}

export const faults = {
  required: (what: string) =>
    new SandboxFault(400, '2020', 'Required param missing, need to supply the required value for the API', `Required parameter ${what} is missing in the request`, 'ValidationFault', what),
  invalidRef: (what: string, id: string) =>
    new SandboxFault(400, '2500', 'Invalid Reference Id', `Invalid Reference Id : ${what} assigned is invalid (${id})`, 'ValidationFault', what),
  notFound: (entity: string, id: string) =>
    new SandboxFault(400, '610', 'Object Not Found', `Object Not Found : Another user has deleted this transaction. (${entity} ${id})`),
  stale: () =>
    new SandboxFault(400, '5010', 'Stale Object Error', 'Stale Object Error : You and Sandbox User were working on this at the same time. Sandbox User finished before you did, so your work was not saved.'),
  duplicateDoc: (doc: string, type: string, id: string) =>
    new SandboxFault(400, '6140', 'Duplicate Document Number Error', `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${doc} is assigned to TxnType=${type} with TxnId=${id}`),
  duplicateName: () =>
    new SandboxFault(400, '6240', 'Duplicate Name Exists Error', 'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.'),
  length: (field: string, max: number, supplied: number) =>
    new SandboxFault(400, '2050', 'String length is either shorter or longer than supported by specification', `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:${supplied}`, 'ValidationFault', field),
  business: (detail: string) => new SandboxFault(400, '6000', 'A business validation error has occurred while processing your request', `Business Validation Error: ${detail}`),
  amount: (supplied: string) => new SandboxFault(400, '6070', 'Amount is not equal to UnitPrice * Qty', `Amount is not equal to UnitPrice * Qty. Supplied value:${supplied}`),
  query: (detail: string) => new SandboxFault(400, '4000', 'Error parsing query', `QueryParserError: ${detail}`),
  invalid: (field: string, detail: string) => new SandboxFault(400, '2010', 'Request has invalid or unsupported property', detail, 'ValidationFault', field),
  auth: (detail: string) => new SandboxFault(401, '3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail, 'AUTHENTICATION'),
  throttled: () => new SandboxFault(429, '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached.  Try again later', 'SERVICE'),
};
