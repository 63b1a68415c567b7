"""Draws the Teams app icons of the BMA assistant (an envelope) with Pillow.

    .venv/bin/python -m scripts.teams_icons          # rewrites teams/color.png and teams/outline.png

- color.png, 192x192: a white envelope on a solid square of the chat page's blue (#00507A). The
  symbol stays inside the central 96x96 pixels (48 px of padding), because Teams crops the icon to
  a rounded square or a hexagon; the corners are not rounded here (Teams rounds them itself).
- outline.png, 32x32: the same envelope in pure white (255, 255, 255) on a fully transparent
  background, without padding and without anti-aliasing: every pixel is either opaque white or
  alpha 0, as Microsoft requires for the outline icon.

The PNGs are committed; rerun this script only to change the design (scripts/teams_package.py
checks sizes and transparency whatever drew them).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
BLUE = (0x00, 0x50, 0x7A)
WHITE = (255, 255, 255)
SCALE = 4  # the colour icon is drawn 4x larger, then reduced


def color_icon() -> Image.Image:
    size = 192 * SCALE
    image = Image.new("RGB", (size, size), BLUE)
    draw = ImageDraw.Draw(image)
    # Envelope 96 x 66 centred in the 96x96 safe area (x 48..144, y 63..129 at 1x).
    left, top, right, bottom = (48 * SCALE, 63 * SCALE, 144 * SCALE - 1, 129 * SCALE - 1)
    stroke = 6 * SCALE
    draw.rounded_rectangle((left, top, right, bottom), radius=6 * SCALE, outline=WHITE, width=stroke)
    middle = (left + right) // 2
    fold = top + (bottom - top) * 58 // 100
    inset = stroke // 2
    draw.line([(left + inset, top + inset), (middle, fold), (right - inset, top + inset)],
              fill=WHITE, width=stroke, joint="curve")
    return image.reduce(SCALE)  # mean of each 4x4 block: smooth edges, nothing outside the symbol


def outline_icon() -> Image.Image:
    # Transparent pixels are white too (alpha 0): no other colour anywhere in the file.
    image = Image.new("RGBA", (32, 32), WHITE + (0,))
    draw = ImageDraw.Draw(image)
    opaque = WHITE + (255,)
    draw.rectangle((0, 5, 31, 26), outline=opaque, width=2)  # the envelope's edge, full width
    for x in range(16):  # the flap: a V from the top corners to the middle, two pixels thick
        y = 5 + (x * 11) // 15
        for dy in (0, 1):
            image.putpixel((x, y + dy), opaque)
            image.putpixel((31 - x, y + dy), opaque)
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "teams", help="folder to write into (default teams/)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    color_icon().save(args.out / "color.png", format="PNG", optimize=True)
    outline_icon().save(args.out / "outline.png", format="PNG", optimize=True)
    print(f"écrit : {args.out / 'color.png'}, {args.out / 'outline.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
