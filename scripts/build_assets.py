"""Build Tend's self-hosted fonts and icon sprite from the npm packages package-lock.json pins.

Run by `make assets` (after `npm ci`); writes into static/vendor/, which is built, never
committed:

- fonts/nunito-sans.woff2 (interface, variable weight 400-600) and fonts/literata.woff2
  (teachings, regular), each subset to the characters Tend's English and French text uses;
- fonts.css, their @font-face rules with font-display: swap and fingerprinted URLs;
- icons.svg, one <symbol> per icon in app.icons.ICONS, taken from lucide-static.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.icons import ICONS  # noqa: E402

NODE = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# Basic Latin, Latin-1 (French accents, « », no-break space), Œ œ Ÿ, and the typographic
# marks the copy uses: dashes, curly quotes, ellipsis, bullet, narrow no-break space (the
# French space before ; : ! ? and inside « »), arrows and the minus sign. A test checks that
# every character of the catalogs and content bundles is in this set.
UNICODES = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + [0x152, 0x153, 0x178, 0x2C6, 0x2DC, 0x2009, 0x2022, 0x2026, 0x202F, 0x2039, 0x203A]
    + list(range(0x2010, 0x2015))
    + list(range(0x2018, 0x201F))
    + [0x20AC, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212]
    # α, as in a questionnaire's source (Cronbach's alpha).
    + [0x3B1]
)

FONTS = [
    # (output name, CSS family, package file, weight axis range kept, CSS weight)
    (
        "nunito-sans",
        "Nunito Sans",
        "@fontsource-variable/nunito-sans/files/nunito-sans-latin-wght-normal.woff2",
        (400, 600),
        "400 600",
    ),
    (
        "literata",
        "Literata",
        "@fontsource-variable/literata/files/literata-latin-wght-normal.woff2",
        400,
        "400",
    ),
]


def digest(data: bytes) -> str:
    """The same fingerprint app/static_files.py puts in a static URL."""
    return hashlib.sha256(data).hexdigest()[:12]


def build_font(source: Path, weight) -> bytes:
    # A weight range keeps the font variable between its ends; one weight makes it static.
    font = instancer.instantiateVariableFont(TTFont(source), {"wght": weight})
    # Saved and read back before subsetting: the subsetter trips over lazily loaded tables.
    staged = io.BytesIO()
    font.save(staged)
    staged.seek(0)
    font = TTFont(staged)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern", "liga", "calt", "ccmp", "locl", "mark", "mkmk"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def build_fonts() -> None:
    (VENDOR / "fonts").mkdir(parents=True, exist_ok=True)
    rules = ["/* Built by scripts/build_assets.py from @fontsource-variable packages (OFL). */"]
    for name, family, package_file, weight, css_weight in FONTS:
        data = build_font(NODE / package_file, weight)
        (VENDOR / "fonts" / f"{name}.woff2").write_bytes(data)
        rules.append(
            "@font-face {\n"
            f'  font-family: "{family}";\n'
            "  font-style: normal;\n"
            "  font-display: swap;\n"
            f"  font-weight: {css_weight};\n"
            f'  src: url("fonts/{name}.woff2?v={digest(data)}") format("woff2");\n'
            "}"
        )
        print(f"fonts/{name}.woff2: {len(data)} bytes")
    (VENDOR / "fonts.css").write_text("\n".join(rules) + "\n", encoding="utf-8")


STROKE = (
    ' fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round"'
    ' stroke-linejoin="round"'
)


def build_sprite() -> None:
    symbols = []
    for name in ICONS:
        svg = (NODE / "lucide-static" / "icons" / f"{name}.svg").read_text(encoding="utf-8")
        inner = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
        inner = re.sub(r"\s+", " ", inner).replace("> <", "><").strip()
        # Stroke settings on each symbol: a <use> clone inherits from where it is used, not
        # from this file's root element.
        symbols.append(f'<symbol id="{name}" viewBox="0 0 24 24"{STROKE}>{inner}</symbol>')
    sprite = (
        "<!-- Lucide icons (ISC licence), lucide-static; built by scripts/build_assets.py -->\n"
        '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n"
    )
    (VENDOR / "icons.svg").write_text(sprite, encoding="utf-8")
    print(f"icons.svg: {len(ICONS)} icons, {len(sprite.encode())} bytes")


if __name__ == "__main__":
    VENDOR.mkdir(parents=True, exist_ok=True)
    build_fonts()
    build_sprite()
