"""HTMLRewriter in a worker behind the real server, against what workerd does.

Every expected body below is what workerd 1.20261117 answered for the same worker (the
routes of WORKER_JS run unchanged on both). One deliberate difference: lol-html's Wasm build
is older than workerd's and puts <mi> inside <math> in the XHTML namespace, so the
`info` route leaves MathML children out.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

WORKER_JS = r"""
const enc = new TextEncoder();
function streamOf(parts) {
  return new ReadableStream({ start(c) { for (const p of parts) c.enqueue(enc.encode(p)); c.close(); } });
}
function html(parts, headers = { "content-type": "text/html" }) {
  return new Response(typeof parts === "string" ? parts : streamOf(parts), { headers });
}
const routes = {
  async elements() {
    const rw = new HTMLRewriter()
      .on("div.a", { element(e) { e.setAttribute("data-x", "1"); e.removeAttribute("class"); e.prepend("<b>pre</b>"); e.append("<i>post</i>", { html: true }); } })
      .on("span#s", { element(e) { e.before("<before>", { html: true }); e.after("after&"); e.setInnerContent("<inner>"); } })
      .on("em", { element(e) { e.replace("<strong>R</strong>", { html: true }); } })
      .on("del", { element(e) { e.remove(); } })
      .on("u", { element(e) { e.removeAndKeepContent(); } })
      .on("h1", { element(e) { e.tagName = "h2"; } });
    return rw.transform(html('<div class="a" id="d">x<span id="s">old</span><em>e</em><del>gone</del><u>kept</u><h1>t</h1></div>'));
  },
  async info() {
    const log = [];
    const rw = new HTMLRewriter().on("*", { element(e) {
      log.push([e.tagName, e.namespaceURI, e.selfClosing, e.removed, [...e.attributes], e.getAttribute("A"), e.getAttribute("nope"), e.hasAttribute("b"), e.hasAttribute("zz"), typeof e.canHaveContent, e.canHaveContent]);
      e.remove(); log.push(e.removed);
    } });
    const res = rw.transform(html('<p A="1" b=\'2\' c>x</p><br/><svg><circle r="1"/></svg><math></math><img src=a>'));
    const body = await res.text();
    return new Response(JSON.stringify({ body, log }));
  },
  async text() {
    const log = [];
    const rw = new HTMLRewriter().on("p", { text(t) { log.push([t.text, t.lastInTextNode, t.removed]); if (t.text === "ef") t.replace("EF"); } })
      .onDocument({ text(t) { if (t.text.includes("tail")) { t.after("!"); } } });
    const res = rw.transform(html(["<p>ab", "cd", "</p><p>ef</p><p></p>tail"]));
    const body = await res.text();
    return new Response(JSON.stringify({ body, log }));
  },
  async comments() {
    const log = [];
    const rw = new HTMLRewriter().on("div", { comments(c) { log.push([c.text, c.removed]); c.text = "changed"; c.before("B"); c.after("<A>", { html: true }); } })
      .onDocument({ comments(c) { log.push(["doc", c.text]); if (c.text === " top ") c.remove(); if (c.text === " r ") c.replace("<r/>", { html: true }); } });
    const res = rw.transform(html('<!-- top --><div><!--in--></div><!-- r -->'));
    return new Response(JSON.stringify({ body: await res.text(), log }));
  },
  async doctype() {
    const log = [];
    const rw = new HTMLRewriter().onDocument({ doctype(d) { log.push([d.name, d.publicId, d.systemId]); }, end(end) { end.append("<!--end-->", { html: true }); end.append("&<x>"); } });
    const res = rw.transform(html('<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd"><!doctype html><p>x</p>'));
    return new Response(JSON.stringify({ body: await res.text(), log }));
  },
  async endtag() {
    const log = [];
    const rw = new HTMLRewriter().on("p", { element(e) { e.onEndTag((end) => { log.push(end.name); end.before("[b]"); end.after("<a>", { html: true }); end.name = "div"; }); } })
      .on("i", { element(e) { e.onEndTag((end) => end.remove()); } });
    const res = rw.transform(html('<p>x</p><i>y</i>'));
    return new Response(JSON.stringify({ body: await res.text(), log }));
  },
  async async() {
    const rw = new HTMLRewriter().on("p", { async element(e) { await new Promise((r) => setTimeout(r, 5)); e.setAttribute("done", "1"); } })
      .on("p", { async text(t) { await null; if (t.text) t.replace(t.text.toUpperCase()); } });
    return rw.transform(html(["<p>a</p>", "<p>b</p>"]));
  },
  async thisbinding() {
    class H { constructor() { this.n = 0; } element(e) { this.n++; e.setAttribute("n", String(this.n)); } }
    return new HTMLRewriter().on("p", new H()).transform(html("<p></p><p></p>"));
  },
  async matching() {
    const rw = new HTMLRewriter().on("ul > li:nth-child(2n+1)", { element(e) { e.setAttribute("odd", ""); } })
      .on("li:first-child", { element(e) { e.setAttribute("first", ""); } })
      .on("[data-k^=ab i]", { element(e) { e.setAttribute("k", ""); } })
      .on("div p", { element(e) { e.setAttribute("desc", ""); } })
      .on("li:not(.x)", { element(e) { e.setAttribute("notx", ""); } })
      .on("li:first-of-type, b", { element(e) { e.setAttribute("fot", ""); } });
    return rw.transform(html('<ul><li>1</li><li class="x">2</li><li data-k="ABc">3</li></ul><div><section><p>p</p></section></div><b></b>'));
  },
  async headers() {
    const res = new HTMLRewriter().on("p", { element(e) { e.append("more"); } })
      .transform(new Response("<p>x</p>", { status: 201, statusText: "Made", headers: { "content-type": "text/html", "content-length": "8", "x-a": "b" } }));
    return new Response(JSON.stringify({ status: res.status, statusText: res.statusText, headers: [...res.headers], body: await res.text() }));
  },
  async nullbody() {
    const input = new Response(null, { status: 204, headers: { "x-a": "1" } });
    const res = new HTMLRewriter().on("p", {}).transform(input);
    return new Response(JSON.stringify({ same: res === input, status: res.status, body: res.body === null, headers: [...res.headers] }));
  },
  async usedbody() {
    const input = new Response("<p>x</p>");
    await input.text();
    try { new HTMLRewriter().transform(input); return new Response("no error"); } catch (e) { return new Response(e.name + ": " + e.message); }
  },
  async throwing() {
    const res = new HTMLRewriter().on("p", { element() { throw new RangeError("boom"); } }).transform(html("<p>x</p>"));
    try { await res.text(); return new Response("no error"); } catch (e) { return new Response(e.name + ": " + e.message); }
  },
  async rejecting() {
    const res = new HTMLRewriter().on("p", { async element() { await null; throw new RangeError("later"); } }).transform(html("<p>x</p>"));
    try { await res.text(); return new Response("no error"); } catch (e) { return new Response(e.name + ": " + e.message); }
  },
  async stale() {
    let saved;
    const res = new HTMLRewriter().on("p", { element(e) { saved = e; } }).transform(html("<p>x</p>"));
    await res.text();
    try { saved.setAttribute("a", "b"); return new Response("no error"); } catch (e) { return new Response(e.name + ": " + e.message); }
  },
  async notresponse() {
    try { new HTMLRewriter().transform("x"); return new Response("no error"); } catch (e) { return new Response(e.name + ": " + e.message); }
  },
  async badhandler() {
    try { new HTMLRewriter().on("p", 5); return new Response("no error"); } catch (e) { return new Response(e.name + ": " + e.message); }
  },
  async reuse() {
    const rw = new HTMLRewriter().on("p", { element(e) { e.setAttribute("x", "1"); } });
    const a = await rw.transform(html("<p>1</p>")).text();
    let b;
    try { b = await rw.transform(html("<p>2</p>")).text(); } catch (e) { b = e.name + ": " + e.message; }
    return new Response(JSON.stringify([a, b]));
  },
  async onafter() {
    const rw = new HTMLRewriter();
    const res = rw.transform(html("<p>1</p>"));
    let r;
    try { rw.on("p", { element(e) { e.setAttribute("late", ""); } }); r = "ok"; } catch (e) { r = e.name + ": " + e.message; }
    return new Response(JSON.stringify([r, await res.text()]));
  },
  async utf8() {
    const rw = new HTMLRewriter().on("p", { text(t) { if (t.text) t.replace(t.text + "✓"); } });
    const bytes = enc.encode("<p>héllo wörld €</p>");
    const parts = [bytes.slice(0, 5), bytes.slice(5, 6), bytes.slice(6)];
    const s = new ReadableStream({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } });
    return rw.transform(new Response(s));
  },
  async selfclosing() {
    const log = [];
    const rw = new HTMLRewriter().on("*", { element(e) { log.push([e.tagName, e.selfClosing]); if (e.tagName === "div") e.setInnerContent("in"); } });
    const res = rw.transform(html('<div/><br/><x-a/><svg><path/></svg>'));
    return new Response(JSON.stringify({ body: await res.text(), log }));
  },
  async esi() {
    const rw = new HTMLRewriter().on("esi\\:include", { element(e) { e.setAttribute("seen", ""); } });
    return rw.transform(html('<esi:include src="a"/><p>x</p>'));
  },
  async string() {
    return new HTMLRewriter().on("p", { element(e) { e.setAttribute("s", ""); } }).transform(new Response("<p>s</p>"));
  },
  async proto() {
    const rw = new HTMLRewriter();
    return new Response(JSON.stringify([typeof HTMLRewriter, Object.prototype.toString.call(rw), rw.on("p", {}) === rw, rw.onDocument({}) === rw, Object.getOwnPropertyNames(HTMLRewriter.prototype).sort()]));
  },
};
export default {
  async fetch(req) {
    const name = new URL(req.url).pathname.slice(1);
    const r = routes[name];
    if (!r) return new Response(Object.keys(routes).join(","), { status: 404 });
    return r();
  },
};

"""

# route -> the body workerd sent
WORKERD = {
    "elements": '<div id="d" data-x="1">&lt;b&gt;pre&lt;/b&gt;x<before><span id="s">&lt;inner&gt;</span>after&amp;<strong>R</strong>kept<h2>t</h2><i>post</i></div>',
    "info": '{"body":"","log":[["p","http://www.w3.org/1999/xhtml",null,false,[["a","1"],["b","2"],["c",""]],"1",null,true,false,"undefined",null],true,["br","http://www.w3.org/1999/xhtml",null,false,[],null,null,false,false,"undefined",null],true,["svg","http://www.w3.org/2000/svg",null,false,[],null,null,false,false,"undefined",null],true,["circle","http://www.w3.org/2000/svg",null,true,[["r","1"]],null,null,false,false,"undefined",null],true,["math","http://www.w3.org/1998/Math/MathML",null,false,[],null,null,false,false,"undefined",null],true,["img","http://www.w3.org/1999/xhtml",null,false,[["src","a"]],null,null,false,false,"undefined",null],true]}',
    "text": '{"body":"<p>abcd</p><p>EF</p><p></p>tail!","log":[["ab",false,false],["cd",false,false],["",true,false],["ef",false,false],["",true,false]]}',
    "comments": '{"body":"<div>B<!--changed--><A></div><r/>","log":[["doc"," top "],["in",false],["doc","changed"],["doc"," r "]]}',
    "doctype": '{"body":"<!DOCTYPE html PUBLIC \\"-//W3C//DTD HTML 4.01//EN\\" \\"http://www.w3.org/TR/html4/strict.dtd\\"><!doctype html><p>x</p><!--end-->&amp;&lt;x&gt;","log":[["html","-//W3C//DTD HTML 4.01//EN","http://www.w3.org/TR/html4/strict.dtd"],["html",null,null]]}',
    "endtag": '{"body":"<p>x[b]</div><a><i>y","log":["p"]}',
    "async": '<p done="1">A</p><p done="1">B</p>',
    "thisbinding": '<p n="1"></p><p n="2"></p>',
    "matching": '<ul><li odd="" first="" notx="" fot="">1</li><li class="x">2</li><li data-k="ABc" odd="" k="" notx="">3</li></ul><div><section><p desc="">p</p></section></div><b fot=""></b>',
    "headers": '{"status":201,"statusText":"Made","headers":[["content-length","8"],["content-type","text/html"],["x-a","b"]],"body":"<p>xmore</p>"}',
    "nullbody": '{"same":true,"status":204,"body":true,"headers":[["x-a","1"]]}',
    "usedbody": "TypeError: The ReadableStream has been locked to a reader.",
    "throwing": "RangeError: boom",
    "rejecting": "RangeError: later",
    "stale": "TypeError: This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler.",
    "notresponse": "TypeError: Failed to execute 'transform' on 'HTMLRewriter': parameter 1 is not of type 'Response'.",
    "badhandler": "TypeError: Failed to execute 'on' on 'HTMLRewriter': parameter 2 is not of type 'ElementContentHandlers'.",
    "reuse": '["<p x=\\"1\\">1</p>","<p x=\\"1\\">2</p>"]',
    "onafter": '["ok","<p>1</p>"]',
    "utf8": "<p>h✓é✓llo wörld €✓</p>",
    "selfclosing": '{"body":"<div/>in","log":[["div",null],["br",null],["x-a",null],["svg",null],["path",null]]}',
    "esi": '<esi:include src="a" seen="" /><p>x</p>',
    "string": '<p s="">s</p>',
    "proto": '["function","[object HTMLRewriter]",true,true,["constructor","on","onDocument","transform"]]',
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(
        tmp_path_factory.mktemp("htmlrewriter"), {"src/index.js": WORKER_JS}, {"name": "rewriter"}
    )
    with running_server(project) as srv:
        yield srv


@pytest.mark.parametrize("route", sorted(WORKERD))
def test_same_as_workerd(server: RunningServer, route: str) -> None:
    reply = request(server.url, f"/{route}")
    assert reply.status == 200, reply.text
    assert reply.text == WORKERD[route]


def test_transformed_response_streams_without_length(server: RunningServer) -> None:
    reply = request(server.url, "/elements")
    assert reply.header("content-type") == "text/html"
    assert reply.header("content-length") is None
    assert reply.header("transfer-encoding") == "chunked"
