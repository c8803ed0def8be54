// A webhook receiver for the tests: verifies each request with the official `standardwebhooks` npm package
// (and, where configured, docs/delivery-contract.md's Twenty-scheme code), answers 204 if it verifies and 401 if not, and
// lists what it got at GET /results. Usage: node standard-webhooks-receiver.js '{"/path": {...}, ...}'
// where each path has {"standard": SECRET, "raw": true|false} and/or {"twenty": SECRET}. Prints its port.
const http = require("http");
const { Webhook } = require("standardwebhooks");
const { verify } = require("./verify-signature.js");

const endpoints = JSON.parse(process.argv[2]);
const results = [];

function standardVerifies(config, body, headers) {
  try {
    // the library checks the ±5 min tolerance and tries every v1 entry of webhook-signature
    new Webhook(config.standard, config.raw ? { format: "raw" } : undefined).verify(body, headers);
    return true;
  } catch (e) {
    return false;
  }
}

http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/results") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(results));
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const config = endpoints[req.url];
    const result = { path: req.url, id: req.headers["webhook-id"], body: body.toString("utf8") };
    if (config && config.standard !== undefined) {
      result.standard = standardVerifies(config, body, req.headers);
    }
    if (config && config.twenty !== undefined) {
      result.twenty = verify(config.twenty, req.headers["x-twenty-webhook-timestamp"],
        req.headers["x-twenty-webhook-signature"], body);
    }
    results.push(result);
    const ok = config && result.standard !== false && result.twenty !== false;
    res.writeHead(ok ? 204 : 401);
    res.end();
  });
}).listen(0, "127.0.0.1", function () {
  console.log(`listening ${this.address().port}`);
});
