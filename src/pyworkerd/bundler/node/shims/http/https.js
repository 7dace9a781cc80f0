// node:https: the fetch-backed client (client.js) for "https:" URLs.
module.exports = require("./client.js").client("https:");
