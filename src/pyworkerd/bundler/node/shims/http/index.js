// node:http: the fetch-backed client (client.js) for "http:" URLs.
module.exports = require("./client.js").client("http:");
