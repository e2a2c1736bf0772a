/**
 * The failover's send: the decision per row (`plan.ts`), the send of one row through the journal
 * port (`row-sender.ts`, also what the failover job calls), and the local wave over a manifest
 * (`wave.ts`).
 * @packageDocumentation
 */
export { planSends } from './plan';
export { createRowSender } from './row-sender';
export type {
  PrefetchingJournal,
  ResetSender,
  RowSender,
  RowSenderOptions,
  SendOptions,
  SendPlan,
  SendProgress,
  SendResult,
  Unsent,
} from './types';
export { sendResets } from './wave';
