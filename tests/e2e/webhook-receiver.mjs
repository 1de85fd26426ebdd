// A webhook receiver as a shop would run one: a separate Node process that checks every
// delivery with the official Standard Webhooks library (npm `standardwebhooks`), processes
// each webhook-id once, and records what it got. The tests steer it over /control (the
// secret, answers to fail with, a delay) and read /records.
//
//   node tests/e2e/webhook-receiver.mjs   → prints "receiver at http://127.0.0.1:PORT"
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

let secret = null;
// Answers for the next verified deliveries: 503s (with Retry-After), then refusals (422).
let failNext = 0;
let refuseNext = 0;
let delayMs = 0;
const deliveries = [];
const processed = new Map();
const inFlight = new Map();
let maxInFlightPerId = 0;

const read = async (request) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
};

const reply = (response, status, body, headers = {}) => {
  response.writeHead(status, { "content-type": "text/plain", ...headers });
  response.end(body);
};

createServer(async (request, response) => {
  const body = await read(request);
  if (request.url === "/control") {
    ({ secret = secret, failNext = failNext, refuseNext = refuseNext, delayMs = delayMs } = JSON.parse(body));
    return reply(response, 200, "ok");
  }
  if (request.url === "/records") {
    response.writeHead(200, { "content-type": "application/json" });
    return response.end(JSON.stringify({ deliveries, processed: Object.fromEntries(processed), maxInFlightPerId }));
  }
  const headers = {
    "webhook-id": request.headers["webhook-id"],
    "webhook-timestamp": request.headers["webhook-timestamp"],
    "webhook-signature": request.headers["webhook-signature"],
  };
  const record = { id: headers["webhook-id"], timestamp: Number(headers["webhook-timestamp"]), at: Date.now(), headers, body };
  deliveries.push(record);
  let event;
  try {
    event = new Webhook(secret).verify(body, headers);
  } catch (error) {
    Object.assign(record, { verified: false, error: error.message, status: 400 });
    return reply(response, 400, `refused: ${error.message}`);
  }
  record.verified = true;
  record.type = event.type;
  const id = record.id;
  inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
  maxInFlightPerId = Math.max(maxInFlightPerId, inFlight.get(id));
  await new Promise((done) => setTimeout(done, delayMs));
  inFlight.set(id, inFlight.get(id) - 1);
  if (failNext > 0) {
    failNext -= 1;
    record.status = 503;
    return reply(response, 503, "down for a moment", { "retry-after": "1" });
  }
  if (refuseNext > 0) {
    refuseNext -= 1;
    record.status = 422;
    return reply(response, 422, `we do not take ${event.type} here`);
  }
  record.status = 200;
  const seen = processed.get(id);
  if (seen) {
    // A retry of what was processed: acknowledged, not processed again.
    seen.duplicates += 1;
    return reply(response, 200, "already processed");
  }
  processed.set(id, { type: event.type, data: event.data, duplicates: 0 });
  return reply(response, 200, "processed");
}).listen(0, "127.0.0.1", function () {
  console.log(`receiver at http://127.0.0.1:${this.address().port}`);
});
