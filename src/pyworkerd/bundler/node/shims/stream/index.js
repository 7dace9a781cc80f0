// node:stream: readable-stream 4 (a port of Node's own streams).
const rs = require("../../node_modules/readable-stream/lib/ours/browser.js");

module.exports = rs;
