// What can go wrong when talking to plans from outside a worker, in neutral terms: the CLI maps each
// kind to its exit code, the bridge and the harnesses to their own handling.

/** invalid: the request cannot be carried out as asked; not_found: no such plan; failed: anything else. */
export type ClientErrorKind = 'invalid' | 'not_found' | 'failed';

export class ClientError extends Error {
  constructor(message: string, readonly kind: ClientErrorKind = 'failed') {
    super(message);
    this.name = 'ClientError';
  }
}
