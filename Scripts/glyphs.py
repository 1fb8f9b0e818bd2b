#!/usr/bin/env python3
"""Map label glyphs for the page, made at set-up from a Debian font (fonts-noto-cjk): signed
distance fields in MapLibre's glyph PBF format, one file per 256 code points, for the ranges
MapLibre does not draw itself (it draws CJK ideographs, CJK punctuation and full-width forms
with the browser's own font: `localIdeographFontFamily`). Digits, Latin letters, the middle
dot and dashes in names come from here.

    Scripts/glyphs.py OUTDIR [FONT]     (FONT: a file, or a fontconfig name; Noto Sans CJK SC)

Written as OUTDIR/{start}-{end}.pbf. Nothing is fetched; the files are git-ignored.
"""
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

SIZE, BUFFER, RADIUS, CUTOFF = 24, 3, 8, 0.25
SCALE = 4  # drawn this much larger, then sampled: smoother edges
RANGES = [(0, 255), (256, 511), (8192, 8447)]  # Basic Latin and Latin-1, Latin Extended-A/B, punctuation


def font_file(name):
    out = subprocess.run(["fc-match", "-f", "%{file}:%{index}", name], capture_output=True, text=True, check=True).stdout
    path, _, index = out.rpartition(":")
    return path, int(index or 0)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire, payload):
    key = varint((number << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def zigzag(n):
    return (n << 1) ^ (n >> 31)


def drawing(font, ch):
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


def glyph(font, big, code, missing):
    """One glyph message: its SDF bitmap and metrics at SIZE px, or None for a character the
    font does not draw (a control, or its box for missing glyphs)."""
    ch = chr(code)
    if not ch.isprintable() or (ch != " " and (font.getmask(ch).getbbox() is None or drawing(font, ch) == missing)):
        return None
    advance = round(font.getlength(ch))
    left, top, right, bottom = font.getbbox(ch, anchor="ls")  # from the origin on the baseline; y down
    width, height = max(0, right - left), max(0, bottom - top)
    message = field(1, 0, code)
    if width and height:
        pad = BUFFER + RADIUS
        w, h = (width + 2 * BUFFER) * SCALE, (height + 2 * BUFFER) * SCALE
        image = Image.new("L", (w + 2 * RADIUS * SCALE, h + 2 * RADIUS * SCALE), 0)
        ImageDraw.Draw(image).text(((pad - left) * SCALE, (pad - top) * SCALE), ch, font=big, fill=255, anchor="ls")
        inside = np.asarray(image) > 127
        # Signed distance in px at SIZE: positive outside the shape.
        distance = (distance_transform_edt(~inside) - distance_transform_edt(inside)) / SCALE
        distance = distance[RADIUS * SCALE:RADIUS * SCALE + h, RADIUS * SCALE:RADIUS * SCALE + w]
        sampled = distance[SCALE // 2::SCALE, SCALE // 2::SCALE]
        values = np.clip(np.round(255 - 255 * (sampled / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)
        message += field(2, 2, values.tobytes())
    else:
        width = height = 0
    # `top` as MapLibre places its own CJK glyphs (ascent above the baseline less 27.5), so
    # digits and ideographs share one baseline.
    message += field(3, 0, width) + field(4, 0, height) + field(5, 0, zigzag(left)) + field(6, 0, zigzag(round(-top - 27.5)))
    message += field(7, 0, advance)
    return message


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    name = sys.argv[2] if len(sys.argv) > 2 else "Noto Sans CJK SC"
    path, index = (name, 0) if "/" in name else font_file(name)
    font = ImageFont.truetype(path, SIZE, index=index, layout_engine=ImageFont.Layout.BASIC)
    big = ImageFont.truetype(path, SIZE * SCALE, index=index, layout_engine=ImageFont.Layout.BASIC)
    os.makedirs(out, exist_ok=True)
    for start, end in RANGES:
        missing = drawing(font, "\U0010FFFD")  # a private-use code point: the box drawn for none
        glyphs = [g for g in (glyph(font, big, c, missing) for c in range(start, end + 1)) if g]
        stack = field(1, 2, b"CivicGrid Sans") + field(2, 2, f"{start}-{end}".encode()) + b"".join(field(3, 2, g) for g in glyphs)
        with open(f"{out}/{start}-{end}.pbf", "wb") as f:
            f.write(field(1, 2, stack))
        print(f"glyphs: {start}-{end}: {len(glyphs)} glyphs from {path}")


if __name__ == "__main__":
    main()
