/** The Settings page's audit forwarding: where each destination stands, and the test button. */
import type { Core } from '../core';
import { sendTestMessage } from '../audit/forward/test-message';
import type { SomeOps } from './ops-types';

export function forwardingOps(core: Core): SomeOps<'forwardingStatus' | 'testForwarding'> {
  return {
    forwardingStatus: async () => core.forwarding.status(),
    async testForwarding({ target }) {
      const result = await sendTestMessage(target, core.clock.now().toISOString());
      // The test is an outbound send the officer made: on the record, success or not.
      const auditId = await core.auditAdmin(
        'admin.forwarding.test',
        {
          destination: result.destination,
          ok: result.ok,
          ...(result.ok ? {} : { error: result.message }),
        },
        result.ok ? {} : { status: 'error' },
      );
      return { ...result, auditId };
    },
  };
}
