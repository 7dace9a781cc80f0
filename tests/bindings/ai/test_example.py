"""examples/ai-search behind the real server: documents in, the right one out."""

from __future__ import annotations

import shutil
from pathlib import Path

from pyworkerd.testing import running_server
from tests.bindings.ai.openai_endpoint import OpenAIEndpoint
from tests.server.conftest import request

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ai-search"

DOCS = {
    "kv": "Workers KV is a global key-value store for configuration and user sessions.",
    "d1": "D1 is a serverless SQL database built on SQLite, queried with SQL statements.",
    "cats": "Cats sleep for most of the day and hunt mice at night.",
    "bread": "Bake the bread dough in a hot oven until the crust is golden.",
}


def test_search_and_ask(tmp_path: Path) -> None:
    project = tmp_path / "ai-search"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".pyworkerd"))
    endpoint = OpenAIEndpoint().start()
    try:
        env = {"PYWORKERD_AI_ENDPOINT": endpoint.url}
        with running_server(project, "--no-persist", env=env) as srv:
            for doc_id, text in DOCS.items():
                reply = request(srv.url, f"/docs/{doc_id}", method="PUT", body=text.encode())
                assert reply.status == 201, reply.text
                assert reply.json() == {"id": doc_id, "dims": 384}
            for question, best in [
                ("which database uses SQL queries", "d1"),
                ("where do I keep user sessions as key value pairs", "kv"),
                ("how long do cats sleep", "cats"),
                ("oven temperature for baking bread", "bread"),
            ]:
                hits = request(srv.url, "/search?q=" + question.replace(" ", "+")).json()
                assert hits[0]["id"] == best, hits
                assert hits[0]["score"] > hits[1]["score"]
            answer = request(srv.url, "/ask?q=how+long+do+cats+sleep").json()
            assert answer["sources"][0] == "cats"
            assert answer["answer"] == "sleep cats do long how"  # the test endpoint's reply
            system = endpoint.requests[-1]["messages"][0]["content"]
            assert DOCS["cats"] in system
    finally:
        endpoint.stop()
