"""Reads a CivicGrid server as OGC API - Features with OWSLib and pages through a collection.

usage: check_features.py BASE_URL COLLECTION [LIMIT]

Lists the collections, then follows the `next` links of COLLECTION's items (LIMIT per page,
default 1000) until there are none, checking that every feature comes exactly once and that
their number equals numberMatched. Also validates /openapi.json with openapi-spec-validator.
Prints one JSON line: collections, features, pages, numberMatched.
"""
import json, sys
from urllib.parse import urlparse, parse_qs
from urllib.request import urlopen

from owslib.ogcapi.features import Features
from openapi_spec_validator import validate

base, collection = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 1000

validate(json.load(urlopen(base + "/openapi.json")))
api = Features(base)
collections = [c["id"] for c in api.collections()["collections"]]
seen, pages, after, matched = set(), 0, None, None
while True:
    kwargs = {"limit": limit}
    if after:
        kwargs["after"] = after
    page = api.collection_items(collection, **kwargs)
    pages += 1
    matched = page["numberMatched"]
    assert page["numberReturned"] == len(page["features"]), "numberReturned is not the page's size"
    for f in page["features"]:
        assert f["id"] not in seen, f"feature {f['id']} came twice"
        seen.add(f["id"])
    nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
    if not nxt:
        break
    after = parse_qs(urlparse(nxt[0]).query)["after"][0]
assert len(seen) == matched, f"{len(seen)} features paged, numberMatched {matched}"
print(json.dumps({"collections": collections, "features": len(seen), "pages": pages, "numberMatched": matched}))
