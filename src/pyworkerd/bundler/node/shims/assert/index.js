module.exports = require("../../node_modules/assert/build/assert.js");
