/** Airlock's version, as the API, the CLI and the UI report it. */
export const VERSION = '0.1.0';
