// queue(batch, env, ctx) for two queues:
// - "orders": an order with qty > 0 is fulfilled and acknowledged; any other is retried
//   (with the consumer's retry_delay) until max_retries, then moved to "orders-dlq";
// - "orders-dlq": records that the order was given up on.

async function fulfil(env, message) {
  const o = message.body;
  if (o.qty <= 0) {
    console.warn(`order ${o.id}: nothing to ship (attempt ${message.attempts})`);
    message.retry();
    return;
  }
  await env.STATUS.put(`order:${o.id}`, JSON.stringify({
    status: "done", item: o.item, qty: o.qty, attempts: message.attempts,
  }));
  message.ack();
}

export default {
  async queue(batch, env) {
    if (batch.queue === "orders-dlq") {
      for (const message of batch.messages) {
        await env.STATUS.put(`order:${message.body.id}`, JSON.stringify({
          status: "dead-lettered", item: message.body.item, qty: message.body.qty,
        }));
      }
      batch.ackAll();
      return;
    }
    console.log(`orders: a batch of ${batch.messages.length} (backlog ${batch.metadata.metrics.backlogCount})`);
    for (const message of batch.messages) await fulfil(env, message);
  },
};
