// Serves one worker with Miniflare (workerd inside, with Cloudflare's local KV, D1 and R2
// simulators) on 127.0.0.1, in memory, for benches/bindings.py. Stops on SIGTERM/SIGINT.
//
//   node miniflare_serve.mjs <script.js> <port> <compatibility date> <options JSON>
//
// Miniflare is loaded from $MINIFLARE_PREFIX/node_modules (bindings.py installs it there).
import { createRequire } from "node:module";
import path from "node:path";

const [scriptPath, port, compatibilityDate, options] = process.argv.slice(2);
const require = createRequire(path.join(process.env.MINIFLARE_PREFIX, "node_modules", "x.js"));
const { Miniflare, Log, LogLevel } = require("miniflare");

const mf = new Miniflare({
  modules: true,
  scriptPath,
  modulesRoot: path.dirname(scriptPath), // module names relative to it, whatever the cwd
  compatibilityDate,
  host: "127.0.0.1",
  port: Number(port),
  log: new Log(LogLevel.WARN),
  cf: false, // no fetch of the Request.cf object from workers.cloudflare.com
  ...JSON.parse(options),
});
await mf.ready;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mf.dispose();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
