// A code receiver for the end-to-end check: appends every POSTed body as one
// line to a file, after checking its X-IAM-Signature. Usage:
//   node .ci/webhook-receiver.mjs <port> <file> <secret>
import { createHmac } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

const [port, file, secret] = process.argv.slice(2);

createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    if (request.headers["x-iam-signature"] !== expected) {
      response.statusCode = 401;
      response.end();
      console.error("webhook receiver: bad signature");
      return;
    }
    appendFileSync(file, `${body}\n`);
    response.statusCode = 204;
    response.end();
  });
}).listen(Number(port), "127.0.0.1");
