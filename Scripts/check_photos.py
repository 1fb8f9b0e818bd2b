"""Case photos through a real client: a phone-camera JPEG (EXIF with a GPS position, made with
Pillow) and a PNG with text chunks, posted as multipart/form-data with `requests`; what the
server serves back is the same image (the same pixels) without any of that metadata, and only
to roles that may read the case.

usage: check_photos.py BASE TOKEN OTHER_TOKEN LON LAT
  TOKEN: the command centre's; OTHER_TOKEN: an account outside the case's region.
Prints one JSON object with what it saw; exits non-zero on the first thing that is wrong.
"""
import io, json, sys
import requests
from PIL import Image, PngImagePlugin

base, token, other, lon, lat = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
auth = {"Authorization": f"Bearer {token}"}
seen = {}

# A camera's JPEG: 64×48 pixels, EXIF with the make, the time and a GPS position.
image = Image.new("RGB", (64, 48))
image.putdata([((x * 4) % 256, (y * 5) % 256, (x * y) % 256) for y in range(48) for x in range(64)])
exif = Image.Exif()
exif[0x010F] = "PhoneMaker"  # Make
exif[0x0132] = "2026:11:30 09:15:00"  # DateTime
exif[0x8825] = {1: "N", 2: (31.0, 18.0, 17.0), 3: "E", 4: (120.0, 42.0, 9.0)}  # GPS IFD
buffer = io.BytesIO()
image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
jpeg = buffer.getvalue()
assert Image.open(io.BytesIO(jpeg)).getexif().get_ifd(0x8825), "the test photo carries a GPS position"

report = {"category": "0101", "description": "rubbish with a photo", "lon": lon, "lat": lat}
r = requests.post(f"{base}/api/v1/cases", headers=auth,
                  files={"report": (None, json.dumps(report), "application/json"), "photo": ("IMG_0001.jpg", jpeg, "image/jpeg")})
assert r.status_code == 201, (r.status_code, r.text)
case = r.json()
number, etag = case["number"], r.headers["ETag"]
assert len(case["photos"]) == 1 and case["photos"][0]["media_type"] == "image/jpeg" and case["photos"][0]["step"] == 0, case["photos"]
served = requests.get(base + case["photos"][0]["href"], headers=auth)
assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg", served.status_code
assert served.headers.get("X-Content-Type-Options") == "nosniff", served.headers
back = Image.open(io.BytesIO(served.content))
assert not back.getexif(), dict(back.getexif())
assert b"PhoneMaker" not in served.content and b"Exif" not in served.content
assert back.size == (64, 48) and list(back.getdata()) == list(Image.open(io.BytesIO(jpeg)).getdata()), "the same pixels"
seen["jpeg"] = {"sent": len(jpeg), "served": len(served.content)}

# A PNG with text chunks, sent with the next step (filing).
png_info = PngImagePlugin.PngInfo()
png_info.add_text("Location", f"{lat},{lon}")
png_info.add_text("Author", "13800001234")
buffer = io.BytesIO()
image.save(buffer, "PNG", pnginfo=png_info)
png = buffer.getvalue()
r = requests.post(f"{base}/api/v1/cases/{number}/actions", headers={**auth, "If-Match": etag},
                  files={"action": (None, json.dumps({"action": "file", "note": "photo of the spot"}), "application/json"),
                         "photo": ("spot.png", png, "image/png")})
assert r.status_code == 200, (r.status_code, r.text)
photos = r.json()["photos"]
assert [p["step"] for p in photos] == [0, 1], photos
served = requests.get(base + photos[1]["href"], headers=auth)
back = Image.open(io.BytesIO(served.content))
assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
assert not back.info.get("Location") and b"13800001234" not in served.content, back.info
assert list(back.getdata()) == list(image.getdata())
seen["png"] = {"sent": len(png), "served": len(served.content)}

# Only for those who may read the case.
assert requests.get(base + photos[0]["href"]).status_code == 401
# Outside one's region the case is not there at all (a 403 would confirm that it exists).
assert requests.get(base + photos[0]["href"], headers={"Authorization": f"Bearer {other}"}).status_code == 404
assert requests.get(f"{base}/api/v1/cases/{number}/photos/{'0' * 64}", headers=auth).status_code == 404

# Not a photo: refused, and no case is filed.
before = requests.get(f"{base}/api/v1/cases?limit=1000", headers=auth).json()["numberReturned"]
r = requests.post(f"{base}/api/v1/cases", headers=auth,
                  files={"report": (None, json.dumps(report), "application/json"), "photo": ("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")})
assert r.status_code == 422 and "JPEG or PNG" in r.text, (r.status_code, r.text)
r = requests.post(f"{base}/api/v1/cases", headers=auth,
                  files={"report": (None, json.dumps(report), "application/json"), "photo": ("big.jpg", jpeg + b"\0" * (10 << 20), "image/jpeg")})
assert r.status_code in (413, 422), (r.status_code, r.text[:200])
after = requests.get(f"{base}/api/v1/cases?limit=1000", headers=auth).json()["numberReturned"]
assert after == before, (before, after)
seen["refused"] = "text as a photo; over 10 MB"
print(json.dumps(seen))
