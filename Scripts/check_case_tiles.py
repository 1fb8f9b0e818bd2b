"""The case tiles read by a real MVT decoder (mapbox-vector-tile).

usage: check_case_tiles.py BASE TOKEN OTHER_TOKEN LON LAT
  TOKEN: a dispatcher of the whole district; OTHER_TOKEN: one of a street away from LON, LAT.
Files three cases at LON, LAT, then checks: at zoom 16 each is a point with its number and
status; at zoom 10 they are counted in cells whose counts add up to every case; a status
filter keeps only those cases; the other street's dispatcher gets no tile. Prints a JSON
summary; exits non-zero on the first thing that is wrong.
"""
import json, math, sys
import requests
import mapbox_vector_tile

base, token, other, lon, lat = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
auth = {"Authorization": f"Bearer {token}"}


def tile_of(z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def layer(z, query="", headers=auth):
    r = requests.get(f"{base}/api/v1/cases/tiles/{z}/{tile_of(z)[1]}/{tile_of(z)[2]}.mvt{query}", headers=headers)
    if r.status_code == 204:
        return []
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile", (r.status_code, r.text[:200])
    return mapbox_vector_tile.decode(r.content)["cases"]["features"]


numbers = []
for i in range(3):
    r = requests.post(f"{base}/api/v1/cases", headers=auth, json={"category": "0101", "description": f"tile check {i}", "lon": lon, "lat": lat})
    assert r.status_code == 201, r.text
    numbers.append(r.json()["number"])
etag = requests.get(f"{base}/api/v1/cases/{numbers[0]}", headers=auth).headers["ETag"]
assert requests.post(f"{base}/api/v1/cases/{numbers[0]}/actions", headers={**auth, "If-Match": etag}, json={"action": "file"}).status_code == 200

close = layer(16)
props = {f["properties"]["number"]: f["properties"] for f in close}
assert set(numbers) <= set(props), (numbers, list(props))
assert props[numbers[0]]["status"] == "filed" and props[numbers[1]]["status"] == "verified", props
assert all("description" not in p and "reporter_phone" not in p for p in props.values())

total = requests.get(f"{base}/api/v1/cases?limit=1000", headers=auth).json()["numberReturned"]
far = layer(10)
counted = sum(f["properties"]["count"] for f in far)
assert counted == total and all(f["geometry"]["type"] == "Point" for f in far), (counted, total)

filtered = layer(16, "?status=filed")
assert [f["properties"]["number"] for f in filtered if f["properties"]["number"] in numbers] == [numbers[0]], filtered
assert layer(16, headers={"Authorization": f"Bearer {other}"}) == [], "another street's dispatcher sees none of them"
assert requests.get(f"{base}/api/v1/cases/tiles/16/0/0.mvt").status_code == 401
assert requests.get(f"{base}/api/v1/cases/tiles/99/0/0.mvt", headers=auth).status_code == 400
print(json.dumps({"z16": len(close), "z10_cells": len(far), "z10_count": counted, "filtered": len(filtered)}))
