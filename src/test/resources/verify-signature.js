// How a Node.js receiver verifies a webhook-dispatcher request (docs/delivery-contract.md shows this code).
// Usage: node verify-signature.js SECRET TIMESTAMP SIGNATURE BODY_FILE  -> exit 0 if valid, 1 if not
const crypto = require("crypto");
const fs = require("fs");

const TOLERANCE_MS = 5 * 60 * 1000;

function verify(secret, timestamp, signature, rawBody /* Buffer */, now = Date.now()) {
  // Reject a timestamp more than 5 minutes off: a captured request cannot be replayed later.
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp || "") || Math.abs(now - ts) > TOLERANCE_MS) return false;
  // Sign the raw body bytes as received, not a re-serialised JSON.parse() result.
  const expected = crypto.createHmac("sha256", secret)
    .update(`${timestamp}:`)
    .update(rawBody)
    .digest("hex");
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(signature || "", "utf8");
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
// During a rotation, accept either secret: secrets.some((s) => verify(s, timestamp, signature, rawBody))

module.exports = { verify };
if (require.main === module) {
  const [secret, timestamp, signature, bodyFile] = process.argv.slice(2);
  process.exit(verify(secret, timestamp, signature, fs.readFileSync(bodyFile)) ? 0 : 1);
}
