/**
 * Delivering one event (other than SUBSCRIBED, which changes the driver's own state) to the
 * scheduler's callbacks, then acknowledging it when `ack` is given (implicit acknowledgements).
 * Returns the message of an ERROR event, which ends the driver.
 */
import { decodeBase64, type scheduler } from '@agora/protocol';
import { acknowledgeCall, acknowledgeOperationCall, type CallBody } from './calls.ts';
import type { SchedulerDriver } from './driver.ts';
import type { Scheduler } from './scheduler.ts';

export async function deliverEvent(
  event: scheduler.Event,
  s: Scheduler,
  driver: SchedulerDriver,
  ack: ((body: CallBody | undefined) => void) | undefined,
): Promise<string | undefined> {
  switch (event.type) {
    case 'OFFERS':
      await s.offers(driver, event.offers?.offers ?? []);
      return undefined;
    case 'INVERSE_OFFERS':
      await s.inverseOffers?.(driver, event.inverse_offers?.inverse_offers ?? []);
      return undefined;
    case 'RESCIND':
      if (event.rescind) await s.rescind?.(event.rescind.offer_id);
      return undefined;
    case 'RESCIND_INVERSE_OFFER':
      if (event.rescind_inverse_offer) await s.rescindInverseOffer?.(event.rescind_inverse_offer.inverse_offer_id);
      return undefined;
    case 'UPDATE': {
      if (!event.update) return undefined;
      const status = event.update.status;
      await s.update(driver, status);
      if (ack) ack(acknowledgeCall(status));
      return undefined;
    }
    case 'UPDATE_OPERATION_STATUS': {
      if (!event.update_operation_status) return undefined;
      const status = event.update_operation_status.status;
      await s.operationStatus?.(driver, status);
      if (ack) ack(acknowledgeOperationCall(status));
      return undefined;
    }
    case 'MESSAGE':
      if (event.message) await s.message?.(event.message.agent_id, event.message.executor_id, decodeBase64(event.message.data) ?? new Uint8Array());
      return undefined;
    case 'FAILURE':
      if (event.failure) await s.failure?.(event.failure.agent_id, event.failure.executor_id, event.failure.status);
      return undefined;
    case 'ERROR':
      return event.error?.message ?? 'ERROR event without a message';
    default:
      // HEARTBEAT only feeds the watchdog; UNKNOWN and types newer than us are ignored.
      return undefined;
  }
}
