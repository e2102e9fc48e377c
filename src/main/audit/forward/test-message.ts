/**
 * The Settings page's "Send test message": one message, marked as a test, to a destination
 * whether saved or not, under the same air-gap rule as forwarding itself.
 */
import { destinationName, type ForwardTarget } from '../../../shared/contract/forwarding';
import { checkOutboundHost } from '../../net/outbound';

import { formatFor, openTransport } from './transports';

/** How long a link must hold after the test message before the test counts as sent. */
const HOLD_MS = 250;

export async function sendTestMessage(
  target: ForwardTarget,
  time: string,
): Promise<{ ok: boolean; destination: string; message: string }> {
  const destination = destinationName(target);
  let broken: Error | null = null;
  try {
    const link = await openTransport(target, (e) => (broken = e));
    try {
      await link.send([formatFor(target).test(time)]);
      // A UDP collector that is not there answers port-unreachable a moment later.
      await new Promise((r) => setTimeout(r, HOLD_MS));
    } finally {
      await link.close();
    }
    if (broken) throw broken;
    return { ok: true, destination, message: `a test message was sent to ${destination}` };
  } catch (e) {
    return { ok: false, destination, message: (e as Error).message };
  }
}

/** The air-gap rule for destinations being saved: refused with the reason, before saving. */
export async function checkForwardTargets(targets: ForwardTarget[] | undefined): Promise<void> {
  for (const t of targets ?? []) {
    if (t.kind === 'syslog')
      await checkOutboundHost('The SIEM (syslog)', t.host, t.lanConfirmed === true);
  }
}
