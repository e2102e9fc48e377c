/** A store problem a person must fix (wrong key, damaged file): printed as-is, never a stack trace. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
