/**
 * zod compiles fast parsers with `new Function` unless told not to; under our CSP (no
 * 'unsafe-eval') even its guarded probe is reported as a violation. Zod reads this setting
 * when a schema is built, so main.tsx imports this module before anything that builds one.
 */
import { z } from 'zod';

z.config({ jitless: true });
