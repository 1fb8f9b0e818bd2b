"""Reads a CivicGrid server's Open311 GeoReport v2 with the PyPI client `georeport`, in JSON
and in XML, and posts a request form-encoded as a FixMyStreet-style client does.

usage: check_open311.py BASE API_KEY LON LAT
Prints one JSON object with what it saw; exits non-zero on the first thing that is wrong.
"""
import json, sys
import requests
from georeport import GeoReport

base, key, lon, lat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
root = base.rstrip("/") + "/open311/v2"
seen = {}

for fmt in ("json", "xml"):
    client = GeoReport(root, output_format=fmt)
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "0101" in codes and "5102" in codes, codes
    definition = client.get_service_definition("0101")
    assert definition["service_code"] == "0101", definition
    seen[f"services_{fmt}"] = len(services)

# A FixMyStreet-style POST: form-encoded, api_key, the reporter's fields.
form = {"api_key": key, "service_code": "0101", "lat": str(lat), "long": str(lon),
        "description": "Rubbish left by the school gate", "address_string": "校门口",
        "first_name": "小明", "last_name": "李", "phone": "13912345678", "email": "li@example.org"}
r = requests.post(root + "/requests.json", data=form)
assert r.status_code == 201, (r.status_code, r.text)
posted = r.json()[0]
number = posted["service_request_id"]
token = posted["token"]
seen["posted"] = number

r = requests.post(root + "/requests.xml", data=dict(form, api_key="not-a-key"))
assert r.status_code == 403 and "<errors><error><code>403</code>" in r.text, (r.status_code, r.text)
r = requests.post(root + "/requests.json", data=dict(form, service_code="9999"))
assert r.status_code == 400 and r.json()[0]["code"] == 400, (r.status_code, r.text)

for fmt in ("json", "xml"):
    client = GeoReport(root, output_format=fmt)
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open" and one["service_code"] == "0101", one
    assert abs(float(one["lat"]) - lat) < 1e-9 and abs(float(one["long"]) - lon) < 1e-9, one
    listed = client.get_service_requests(service_request_id=number)
    listed = listed if isinstance(listed, list) else [listed]
    assert [x["service_request_id"] for x in listed] == [number], listed
    recent = client.get_service_requests(status="open")
    recent = recent if isinstance(recent, list) else [recent]
    assert number in [x["service_request_id"] for x in recent], recent
    seen[f"open_{fmt}"] = len(recent)

raw = requests.get(root + "/requests.json").text + requests.get(root + f"/requests/{number}.xml").text
for personal in ("13912345678", "小明", "li@example.org"):
    assert personal not in raw, personal
t = requests.get(root + f"/tokens/{token}.json").json()[0]
assert t["service_request_id"] == number, t
r = requests.get(root + "/requests.json", params={"status": "maybe"})
assert r.status_code == 400 and r.json()[0]["code"] == 400, r.text
print(json.dumps(seen, ensure_ascii=False))
