// node:url: the legacy API from the `url` package, the WHATWG classes from the runtime,
// and the file-URL helpers (POSIX paths, as workerd's).
const legacy = require("../node_modules/url/url.js");

function fileURLToPath(input) {
  const url = typeof input === "string" ? new URL(input) : input;
  if (!(url instanceof URL)) {
    const err = new TypeError(`The "path" argument must be of type string or an instance of URL. Received ${typeof input}`);
    err.code = "ERR_INVALID_ARG_TYPE";
    throw err;
  }
  if (url.protocol !== "file:") {
    const err = new TypeError("The URL must be of scheme file");
    err.code = "ERR_INVALID_URL_SCHEME";
    throw err;
  }
  if (url.hostname !== "") {
    const err = new TypeError('File URL host must be "localhost" or empty on linux');
    err.code = "ERR_INVALID_FILE_URL_HOST";
    throw err;
  }
  if (/%2f/i.test(url.pathname)) {
    const err = new TypeError("File URL path must not include encoded / characters");
    err.code = "ERR_INVALID_FILE_URL_PATH";
    throw err;
  }
  return decodeURIComponent(url.pathname);
}

function pathToFileURL(path) {
  const url = new URL("file://");
  let resolved = path.startsWith("/") ? path : "/" + path;
  resolved = resolved.replace(/%/g, "%25").replace(/\\/g, "%5C").replace(/\n/g, "%0A")
    .replace(/\r/g, "%0D").replace(/\t/g, "%09");
  url.pathname = resolved;
  return url;
}

function format(value, options) {
  if (value instanceof URL) {
    const o = { auth: true, fragment: true, search: true, unicode: false, ...options };
    const url = new URL(value.href);
    if (!o.auth) { url.username = ""; url.password = ""; }
    if (!o.fragment) url.hash = "";
    if (!o.search) url.search = "";
    return url.href;
  }
  return legacy.format(value);
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash, search: url.search, pathname: url.pathname,
    path: `${url.pathname || ""}${url.search || ""}`, href: url.href,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}

module.exports = {
  ...legacy,
  format,
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  fileURLToPath,
  pathToFileURL,
  urlToHttpOptions,
  domainToASCII: (domain) => { try { return new URL(`http://${domain}`).hostname; } catch { return ""; } },
  domainToUnicode: (domain) => require("punycode").toUnicode(String(domain)),
};
