module.exports = require("../../node_modules/readable-stream/lib/stream/promises.js");
