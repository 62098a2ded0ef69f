// Where an event sits in the change stream: its transaction's id (xid8), then its row id. Readers only pass
// transactions that have ended, so everything that commits later lands after any position already handed out.
export type OutboxPosition = { transactionId: bigint; id: number };

// Before every event: a reader starting here reads the whole outbox.
export const OUTBOX_START: OutboxPosition = { transactionId: 0n, id: 0 };

const XID8_MAX = 2n ** 64n - 1n;
const EVENT_ID = /^(\d{1,20})-(\d{1,16})$/;

// The stream's event id ("<transaction id>-<id>"), which a client sends back as Last-Event-ID.
export const formatEventId = (position: OutboxPosition): string => `${position.transactionId}-${position.id}`;

// The position an event id names, or undefined for text that no event id can be.
export function parseEventId(text: string): OutboxPosition | undefined {
  const match = EVENT_ID.exec(text);
  if (!match) return undefined;
  const transactionId = BigInt(match[1]!);
  const id = Number(match[2]!);
  if (transactionId > XID8_MAX || !Number.isSafeInteger(id)) return undefined;
  return { transactionId, id };
}

export function comparePositions(left: OutboxPosition, right: OutboxPosition): number {
  if (left.transactionId !== right.transactionId) return left.transactionId < right.transactionId ? -1 : 1;
  return left.id - right.id;
}

export const isAfter = (position: OutboxPosition, other: OutboxPosition) => comparePositions(position, other) > 0;
