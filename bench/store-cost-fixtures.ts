/** What the store-cost scripts (sqlite-cost.ts, pg-cost.ts) write per message. */

/** A message payload of a typical size. */
export const COST_PAYLOAD = JSON.stringify({
  type: 'invoice.paid',
  data: { id: 'in_1234567890', amount: 4200, currency: 'usd', customer: { id: 'cus_123', email: 'a@example.com' } },
});

/** What the engine records for a message attempt with `headerStyle` both (credentials redacted). */
export const ATTEMPT_REQUEST_HEADERS = {
  'content-type': 'application/json',
  'user-agent': 'hookd/0.1',
  'webhook-id': 'msg_2abcdefghijklmnopqrstuvwx',
  'webhook-timestamp': '1700000000',
  'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  'svix-id': 'msg_2abcdefghijklmnopqrstuvwx',
  'svix-timestamp': '1700000000',
  'svix-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
};
